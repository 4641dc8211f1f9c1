"""A one-notice corpus (Qinghai 2025, with its self-assessment form) for the tests that run the bot
as applicants meet it: the console conversation and the web server."""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "notices"
    folder.mkdir()
    (folder / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    (folder / "qinghai-2025-notice.txt").write_text(NOTICE, encoding="utf-8")
    return folder
