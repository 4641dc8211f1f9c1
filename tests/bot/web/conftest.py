"""Settings pointing at a fresh data directory over the one-notice corpus (tests/bot/conftest.py), for
the web tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import ENV_PREFIX


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)


@pytest.fixture
def env(tmp_path: Path, corpus: Path) -> Iterator[dict[str, str]]:
    """The environment of a `serve` process (or of Settings()) on this test's data directory."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    environ.update(
        APPLICANT_BOT_DATA_DIR=str(tmp_path / "data"),
        APPLICANT_BOT_NOTICES=str(corpus),
        APPLICANT_BOT_TODAY="2025-08-01",
        APPLICANT_BOT_PUBLIC_BASE_URL="https://bot.example.org",
    )
    yield environ
