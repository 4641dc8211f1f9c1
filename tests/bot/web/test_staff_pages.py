"""The overview, the question log and its exports, with questions sent through the real dialogue: the
numbers match what was asked, filters and exports agree, and no applicant can be identified."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from bot.web.staff import STAFF_TIMEZONE, TopGap
from tests.bot.web.staff_app import Clock, ask, login, staff_client, staff_settings

ALICE = "oAlice-OpenID-7f3a91"  # WeChat OpenIDs: never to be shown
BOB = "tg-556677889"
PHONE = "13812345678"
ID_NUMBER = "63010219900101123X"


@pytest.fixture
def client(tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    with staff_client(staff_settings(tmp_path / "data"), database_url, Clock()) as test_client:
        assert login(test_client).status_code == 303
        yield test_client


def _ask_the_usual(client: TestClient) -> None:
    """6 questions: 3 answered (1 rated useful), 1 related rule, 2 not found (1 rated useless)."""
    ask(client, ALICE, "申报截止日期是什么时候？")
    ask(client, ALICE, "有用")
    ask(client, ALICE, "截止时间能延长吗")
    ask(client, ALICE, f"我的电话是{PHONE}，身份证{ID_NUMBER}，能报名吗？")
    ask(client, ALICE, "没用")
    ask(client, BOB, "需要准备哪些材料", channel="telegram")
    ask(client, BOB, "截止日期", channel="telegram")
    ask(client, BOB, "评审费用多少钱", channel="telegram")


def _card(html: str, element_id: str) -> int:
    found = re.search(rf'id="{element_id}">(\d+)<', html)
    assert found is not None, element_id
    return int(found.group(1))


def _log_rows(html: str) -> list[dict[str, str]]:
    rows = []
    for row in re.findall(r"<tr>(<td data-label=.*?)</tr>", html):
        cells = re.findall(r'<td data-label="([^"]+)">(.*?)</td>', row)
        rows.append(dict(cells))
    return rows


def _csv_rows(client: TestClient, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/staff/log.csv{query}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx_rows(client: TestClient, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/staff/log.xlsx{query}")
    assert response.status_code == 200 and "spreadsheetml" in response.headers["content-type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [
        [str(cell) if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert sheet.column_dimensions["E"].width >= 40  # the question column is wide enough to read
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_the_overview_counts_what_applicants_asked(client: TestClient) -> None:
    _ask_the_usual(client)
    page = client.get("/staff/")
    assert page.status_code == 200
    html = page.text
    assert (_card(html, "total"), _card(html, "answered"), _card(html, "refused")) == (6, 4, 2)
    assert "67%" in html and "33%" in html  # answered and refusal rates
    for label, count in (("有用", 1), ("没用", 1), ("未评价", 4)):
        assert re.search(rf"评价：{label}</div><div class=\"value\">{count}<", html), label
    for label, count in (("已回答", 3), ("相关条款", 1), ("未找到", 2)):
        assert f"<td>{label}</td><td>{count}</td>" in html
    today = datetime.now(UTC).astimezone(STAFF_TIMEZONE).strftime("%m-%d")
    assert html.count("<svg") == 2 and f"<title>{today}：6</title>" in html  # today's bar
    # The gaps, linked to their groups: the two refused questions (numbers masked) and the related rule.
    gaps = re.findall(r'<a href="/staff/gaps/g\d+">([^<]+)</a></td><td>(\d+)</td>', html)
    assert sorted(gaps) == sorted(
        [
            ("评审费用多少钱", "1"),
            ("需要准备哪些材料", "1"),
            ("我的电话是[号码已隐去]，身份证[号码已隐去]，能报名吗？", "1"),
        ]
    )


def test_the_overview_lists_the_top_gaps_when_a_provider_is_configured(client: TestClient) -> None:
    gaps = [TopGap("评审费用多少钱", 4, ["qinghai-2025"]), TopGap("可以线上提交吗", 2)]
    client.app.state.web.staff.top_gaps = lambda limit: gaps[:limit]  # type: ignore[attr-defined]
    html = client.get("/staff/").text
    assert "待补充的问题（前 2 组）" in html
    assert "<td>评审费用多少钱</td><td>4</td><td>qinghai-2025</td>" in html


def test_the_navigation_shows_only_mounted_pages(client: TestClient) -> None:
    nav = re.search(r"<nav.*?</nav>", client.get("/staff/log").text, re.S).group(0)  # type: ignore[union-attr]
    assert re.findall(r">([^<]+)</a>", nav) == ["概览", "问题缺口", "协会答复", "问答记录", "通知管理"]
    assert 'href="/staff/log" class="active"' in nav


def test_applicants_appear_only_as_stable_pseudonyms_and_typed_numbers_are_masked(client: TestClient) -> None:
    _ask_the_usual(client)
    pages = [client.get(path) for path in ("/staff/", "/staff/log", "/staff/log?q=电话", "/staff/log.csv")]
    xlsx = client.get("/staff/log.xlsx")
    xlsx_text = "\n".join("\t".join(row.values()) for row in _xlsx_rows(client))
    for secret in (ALICE, BOB, PHONE, ID_NUMBER, "556677889"):
        for response in [*pages, xlsx]:
            assert secret.encode() not in response.content, (secret, response.url)
        assert secret not in xlsx_text
    rows = _log_rows(pages[1].text)
    by_channel = {row["渠道"]: row["申请人"] for row in rows}
    assert all(re.fullmatch(r"申请人-[0-9a-f]{8}", name) for name in by_channel.values())
    assert by_channel["wechat"] != by_channel["telegram"]
    alice_names = {row["申请人"] for row in rows if row["渠道"] == "wechat"}
    assert len(alice_names) == 1  # the same applicant, the same pseudonym on every row
    assert {row["申请人"] for row in _csv_rows(client) if row["渠道"] == "wechat"} == alice_names
    masked = _log_rows(pages[2].text)
    assert len(masked) == 1 and masked[0]["问题"].count("[号码已隐去]") == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 6),
        ("?answered=no", 2),
        ("?answered=yes&channel=telegram", 2),
        ("?rating=useful", 1),
        ("?rating=useless", 1),
        ("?rating=none", 4),
        ("?kind=related", 1),
        ("?q=截止", 3),
        ("?programme=qinghai-2025&answered=yes", 4),
        ("?channel=wechat&answered=no", 1),
    ],
)
def test_filters_and_both_exports_return_the_same_rows(client: TestClient, query: str, expected: int) -> None:
    _ask_the_usual(client)
    shown = _log_rows(client.get(f"/staff/log{query}").text)
    assert len(shown) == expected
    key_columns = ("时间", "申请人", "渠道", "问题", "类型", "评价")
    as_shown = [tuple(row[c] for c in key_columns) for row in shown]
    assert [tuple(row[c] for c in key_columns) for row in _csv_rows(client, query)] == as_shown
    assert [tuple(row[c] for c in key_columns) for row in _xlsx_rows(client, query)] == as_shown
    page = client.get(f"/staff/log{query}").text
    assert f"共 {expected} 条" in page
    link = re.search(r'href="/staff/log\.csv([^"]*)"', page).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    assert parse_qs(urlsplit(link).query) == parse_qs(urlsplit(query).query)  # the export keeps the filter


def test_date_filters_use_the_staff_calendar_day(client: TestClient) -> None:
    _ask_the_usual(client)
    today = datetime.now(UTC).astimezone(STAFF_TIMEZONE).date()
    assert len(_log_rows(client.get(f"/staff/log?date_from={today}&date_to={today}").text)) == 6
    tomorrow = today + timedelta(days=1)
    assert _log_rows(client.get(f"/staff/log?date_from={tomorrow}").text) == []
    assert _csv_rows(client, f"?date_to={today - timedelta(days=1)}") == []
    assert len(_log_rows(client.get("/staff/log?date_from=not-a-date").text)) == 6  # ignored


def test_the_log_pages_by_fifty_and_exports_everything(client: TestClient) -> None:
    for number in range(53):
        ask(client, f"user-{number % 3}", f"第{number}个问题：截止日期")
    first = client.get("/staff/log?q=截止")
    assert len(_log_rows(first.text)) == 50 and "第 1 / 2 页" in first.text
    assert "第52个问题" in first.text  # newest first
    second = client.get("/staff/log?q=截止&page=2")
    assert [row["问题"] for row in _log_rows(second.text)] == [f"第{n}个问题：截止日期" for n in (2, 1, 0)]
    assert len(_csv_rows(client, "?q=截止")) == 53 and len(_xlsx_rows(client, "?q=截止")) == 53


def test_exports_defuse_spreadsheet_formulas_typed_by_applicants(client: TestClient) -> None:
    ask(client, ALICE, '=HYPERLINK("http://evil.example","点我")')
    csv_question = _csv_rows(client)[0]["问题"]
    xlsx_question = _xlsx_rows(client)[0]["问题"]
    assert csv_question.startswith("'=") and xlsx_question.startswith("'=")
