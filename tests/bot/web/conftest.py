"""A tiny notice folder and settings pointing at a fresh data directory, for the web tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import ENV_PREFIX

CATALOG = """\
documents:
  - file: qinghai-2025-notice.txt
    title: 2025年青海省用户满意服务之星申报通知
    issuer: 青海省质量管理协会
    region: 青海省
    published: 2025-06-01
    programme: qinghai-2025
    kind: notice
"""

NOTICE = """\
2025年青海省用户满意服务之星申报通知

一、申报要求
（一）必须提供用户满意度测评报告（近1年内），测评报告应对调查对象、调查方式、调查时间详细说明。
（二）自评分数80分及以上方可申报。

二、申报时间
材料申报截止日期为2025年8月25日。逾期不予受理。
"""


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "notices"
    folder.mkdir()
    (folder / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    (folder / "qinghai-2025-notice.txt").write_text(NOTICE, encoding="utf-8")
    return folder


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
