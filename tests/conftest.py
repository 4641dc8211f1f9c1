"""Test-wide guards (nothing in the suite may reach the network, and under CI the corpus must be there)
and the fixtures every package's tests share."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import database_urls, running_under_ci

# The sample corpus beside the repository; corpus tests skip without it on a developer's machine.
SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
REQUIRED_UNDER_CI = (Path("notices") / "catalog.yaml", Path("eval") / "qa_public.jsonl")


def missing_corpus(shared_dir: Path = SHARED_DIR) -> list[Path]:
    """The corpus files the tests read that are not there."""
    return [shared_dir / relative for relative in REQUIRED_UNDER_CI if not (shared_dir / relative).is_file()]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under CI a missing corpus fails the run: otherwise its tests would skip and the suite stay green."""
    if not running_under_ci(os.environ):
        return
    missing = missing_corpus()
    if missing:
        listed = ", ".join(str(path) for path in missing)
        pytest.exit(
            f"CI=true but the sample corpus is missing ({listed}); its tests would be skipped. "
            "Check out ../shared beside the repository.",
            returncode=pytest.ExitCode.TESTS_FAILED,
        )


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse connections to anything but this machine, so an accidental model download fails loudly."""
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and not (host.startswith("127.") or host in {"localhost", "::1"})
            and self.family
            in (
                socket.AF_INET,
                socket.AF_INET6,
            )
        ):
            raise OSError(f"network access blocked in tests: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty conversation database: a SQLite file, or a new schema in this machine's Postgres."""
    yield from database_urls(request, tmp_path)
