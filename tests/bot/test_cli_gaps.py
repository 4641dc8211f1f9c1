"""`applicant-bot gaps`: the ranked gap groups as a table, CSV or JSON, without applicant identities."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli._gap_commands import display_width
from conversations import Dialogue, Incoming, Store
from tests.conversations.conftest import CannedAnswerer

# Channel user ids that must never be printed (an openid, a phone-like id).
USERS = ["oWx-openid-7f3a9c", "tg-13912345678", "oWx-openid-b21e04"]
QUESTIONS = [
    (USERS[0], "获奖以后有奖金吗"),
    (USERS[1], "获奖了有没有奖金"),
    (USERS[2], "获奖有奖金拿吗"),
    (USERS[0], "外省企业能参加吗"),
    (USERS[1], "外省的企业可以参加吗"),
    (USERS[2], "你们办公室几点下班"),
]


@pytest.fixture
def logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory whose store logged six refused questions (three, two and one alike)."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("APPLICANT_BOT_DATA_DIR", str(data_dir))
    monkeypatch.delenv("APPLICANT_BOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "72")
    from bot.settings import Settings

    chat = Dialogue(
        Store(Settings().resolved_database_url()), CannedAnswerer(), today=lambda: date(2026, 3, 20)
    )
    for user, text in QUESTIONS:
        chat.handle(Incoming(channel="wechat", user_id=user, text=text))
    chat.store.close()
    return data_dir


def _no_identity(output: str) -> None:
    for user in USERS:
        assert user not in output


def test_table_ranks_groups_and_fits_the_terminal(logged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gaps"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:5] == ["排名", "次数", "分数", "状态", "代表问题"]
    assert [line.split()[1] for line in lines[1:]] == ["3", "2", "1"]
    assert "奖金" in lines[1] and "外省" in lines[2] and "下班" in lines[3]
    assert all("待处理" in line for line in lines[1:])
    assert all(display_width(line) <= 72 for line in lines)
    _no_identity("\n".join(lines))


def test_csv_has_a_header_and_every_example_question(
    logged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gaps", "--format", "csv"]) == 0
    output = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(output)))
    assert [row["count"] for row in rows] == ["3", "2", "1"]
    assert set(rows[0]["questions"].split(" | ")) == {
        "获奖以后有奖金吗",
        "获奖了有没有奖金",
        "获奖有奖金拿吗",
    }
    assert rows[0]["channels"] == "wechat" and rows[0]["status"] == "new"
    _no_identity(output)


def test_json_lists_the_groups_with_their_questions(logged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gaps", "--format", "json", "--limit", "2"]) == 0
    output = capsys.readouterr().out
    groups = json.loads(output)
    assert [group["rank"] for group in groups] == [1, 2]
    assert groups[0]["count"] == 3 and groups[0]["reasons"] == {"refused": 3}
    assert {q["question"] for q in groups[1]["questions"]} == {"外省企业能参加吗", "外省的企业可以参加吗"}
    assert groups[0]["trend"][-1] == 3
    _no_identity(output)


def test_since_after_the_questions_shows_none(logged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gaps", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out.strip() == "没有符合条件的问题组。"
    assert main(["gaps", "--status", "resolved", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_bad_date_is_one_chinese_line_and_exit_2(logged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gaps", "--since", "2026-02-30"]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "日期写法不对" in error
