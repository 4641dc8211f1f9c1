"""`applicant-bot faq` as association staff use it: add an answer, and `ask` replies with it at once;
list, remove; a citation of an unknown notice or an unknown id is one Chinese line and exit code 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.cli import main
from tests.bot.test_cli_knowledge import CATALOG, HAIAN, YUSHU

ADDRESS = "请寄至海安市质量协会（海安市长江中路1号）。"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("APPLICANT_BOT_"):
            monkeypatch.delenv(name)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("APPLICANT_BOT_DATA_DIR", str(data_dir))
    monkeypatch.setattr("bot.settings.sample_notices_dir", lambda: None)
    monkeypatch.chdir(tmp_path)
    return data_dir


@pytest.fixture
def notices(tmp_path: Path) -> Path:
    folder = tmp_path / "notices"
    folder.mkdir()
    (folder / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    (folder / "haian-2024-service-star.txt").write_text(HAIAN, encoding="utf-8")
    (folder / "yushu-2025-service-star.txt").write_text(YUSHU, encoding="utf-8")
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def add_address(capsys: pytest.CaptureFixture[str], *extra: str) -> int:
    code, out, err = run(
        capsys,
        "faq",
        "add",
        "--question",
        "海安服务之星申报材料寄到哪里",
        "--answer",
        ADDRESS,
        "--cite",
        "haian-2024-service-star.txt#三、申报材料",
        "--phrasing",
        "海安服务之星材料邮寄地址",
        "--by",
        "王老师",
        *extra,
    )
    assert code == 0, err
    return int(out.strip())


def test_after_faq_add_ask_answers_a_paraphrase_with_it(
    capsys: pytest.CaptureFixture[str], notices: Path
) -> None:
    run(capsys, "ingest", "--notices", str(notices), "--quiet")
    _code, out, _err = run(capsys, "ask", "海安服務之星的申報材料郵寄到什麼地方", "--json")
    assert "协会答复" not in json.loads(out)["answer"]  # the database does not exist yet: notices only

    answer_id = add_address(capsys)
    _code, out, _err = run(capsys, "ask", "海安服務之星的申報材料郵寄到什麼地方", "--json")
    answer = json.loads(out)
    assert answer["answer"] == "协会答复：" + ADDRESS and answer["answered"] is True
    assert answer["curated_answer_id"] == answer_id
    assert answer["citations"][0]["title"] == "关于开展2024年度海安市用户满意服务之星活动的通知"
    assert answer["citations"][0]["section"] == "三、申报材料"

    _code, out, _err = run(capsys, "ask", "海安服务之星申报截止到哪天")
    assert "7月15日" in out and "协会答复" not in out  # other questions: still the notices

    code, out, _err = run(capsys, "faq", "remove", str(answer_id))
    assert code == 0 and str(answer_id) in out
    _code, out, _err = run(capsys, "ask", "海安服務之星的申報材料郵寄到什麼地方", "--json")
    assert "协会答复" not in json.loads(out)["answer"]


def test_faq_list_shows_active_answers_and_all_with_removed_ones(
    capsys: pytest.CaptureFixture[str], notices: Path
) -> None:
    _code, out, _err = run(capsys, "faq", "list")
    assert "还没有协会答复" in out
    first = add_address(capsys, "--notices", str(notices))
    code, out, err = run(capsys, "faq", "add", "--question", "参加评选要收费吗", "--answer", "全程免费。")
    assert code == 0, err
    second = int(out)
    run(capsys, "faq", "remove", str(second))

    _code, out, _err = run(capsys, "faq", "list")
    assert "海安服务之星申报材料寄到哪里" in out and "参加评选要收费吗" not in out
    assert "haian-2024-service-star.txt#三、申报材料" in out
    _code, out, _err = run(capsys, "faq", "list", "--all", "--format", "json")
    listed = {item["id"]: item for item in json.loads(out)}
    assert (
        listed[first]["phrasings"] == ["海安服务之星材料邮寄地址"] and listed[first]["created_by"] == "王老师"
    )
    assert listed[second]["status"] == "removed" and listed[second]["version"] == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["faq", "add", "--question", "截止时间", "--answer", "7月15日", "--cite", "nowhere.txt#二、申报时间"],
        ["faq", "add", "--question", "截止时间", "--answer", "   "],
        ["faq", "remove", "99"],
    ],
)
def test_an_unknown_notice_an_empty_answer_or_an_unknown_id_is_one_line_and_exit_code_2(
    capsys: pytest.CaptureFixture[str], notices: Path, argv: list[str]
) -> None:
    run(capsys, "ingest", "--notices", str(notices), "--quiet")
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert any(word in err for word in ("没有这个通知", "不能为空", "没有编号为 99"))
    _code, out, _err = run(capsys, "faq", "list", "--format", "json")
    assert json.loads(out) == []
