"""The web app over a real knowledge base (a one-notice index built in the test) whose curated answers
are those of the store, as `applicant-bot serve` wires it: questions sent through the dialogue create
the gaps the pages show, and what staff publish is what the dialogue answers with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from pathlib import Path

from fastapi.testclient import TestClient

from bot._wiring import programme_names
from bot.settings import Settings
from conversations import CuratedAnswerStore, Dialogue, Incoming, Store
from knowledge import KnowledgeBase, KnowledgeConfig
from tests.bot.web.staff_app import Clock, login, staff_client

NOTICE_FILE = "haian-2024-service-star.txt"
NOTICE_TITLE = "关于开展2024年度海安市用户满意服务之星活动的通知"
NOTICE = f"""\
{NOTICE_TITLE}

一、申报条件
（一）申报人须在服务一线岗位连续工作满2年。
（二）用户满意度测评报告须在近1年内完成。

二、申报时间
申报截止时间：2024年7月15日。逾期不予受理。

三、申报材料
申报材料一式3份，报市质量协会。
"""
CATALOG = f"""\
documents:
  - file: {NOTICE_FILE}
    title: {NOTICE_TITLE}
    issuer: 海安市质量协会
    region: 江苏省海安市
    published: 2024-05-06
    programme: haian-2024-service-star
    kind: notice
"""


def notice_index(tmp_path: Path, store: Store) -> KnowledgeBase:
    """The knowledge base over the one notice, consulting the store's curated answers first."""
    notices = tmp_path / "notices"
    notices.mkdir()
    (notices / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    (notices / NOTICE_FILE).write_text(NOTICE, encoding="utf-8")
    curated = CuratedAnswerStore(
        store, catalog_titles=lambda: kb.notice_titles(), programme_names=lambda: programme_names(kb)
    )
    kb = KnowledgeBase(KnowledgeConfig(index_dir=tmp_path / "index"), curated=curated)
    kb.ingest(notices)
    return kb


@contextmanager
def curation_client(tmp_path: Path, database_url: str, clock: Clock) -> Iterator[TestClient]:
    """A signed-in staff client of the app whose dialogue answers from the notice and the curated answers."""
    settings = Settings(data_dir=tmp_path / "data", public_base_url="https://bot.example.org")
    answerer = partial(notice_index, tmp_path)
    with staff_client(settings, database_url, clock, answerer=answerer, today=date(2024, 6, 1)) as client:
        assert login(client).status_code == 303
        yield client


def say(client: TestClient, user_id: str, text: str, channel: str = "wechat") -> str:
    """What the applicant reads back."""
    dialogue: Dialogue = client.app.state.web.dialogue  # type: ignore[attr-defined]
    replies = dialogue.handle(Incoming(channel=channel, user_id=user_id, text=text))
    return "\n".join(reply.plain_text() for reply in replies)
