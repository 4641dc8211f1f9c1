"""Store URLs for the conversation tests: every store test runs on SQLite and on this machine's Postgres
(127.0.0.1:5432, database `test`), each Postgres run in a schema of its own that is dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge import Answer, Citation, Programme

POSTGRES_URL = os.environ.get("APPLICANT_BOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_schema_url() -> Iterator[str]:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.skip("psycopg is not installed")
    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        connection = psycopg.connect(plain, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Postgres is not reachable at {POSTGRES_URL}: {error}")
        pytest.skip(f"Postgres is not reachable at {POSTGRES_URL}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        connection.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new Postgres schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
    else:
        yield from _postgres_schema_url()


class CannedAnswerer:
    """The Q&A seam: answers from a table of question fragments, records what was asked and how scoped."""

    def __init__(self, answers: dict[str, str] | None = None) -> None:
        self.answers = answers or {}
        self.asked: list[tuple[str, str | None]] = []

    def ask(self, question: str, programme: str | None = None) -> Answer:
        self.asked.append((question, programme))
        for fragment, text in self.answers.items():
            if fragment in question:
                citation = Citation(file="notice.txt", title="测试通知", section="二、申报时间", quote=text)
                return Answer(
                    question=question,
                    answer=text,
                    answered=True,
                    confidence=0.9,
                    programme=programme,
                    citations=[citation],
                    latency_ms=3.0,
                )
        return Answer(question=question, answer="通知中没有说明这一点。", answered=False, confidence=0.1)

    def programme_details(self) -> list[Programme]:
        return [
            Programme(
                id="qinghai-2025",
                label="青海2025",
                title="2025年青海省用户满意等级评价",
                places=["青海"],
                year=2025,
            ),
            Programme(
                id="lianyungang-2016-service-star",
                label="连云港2016",
                title="2016年度连云港市用户满意服务之星",
                places=["连云港"],
                year=2016,
            ),
        ]
