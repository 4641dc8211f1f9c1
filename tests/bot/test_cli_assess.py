"""`applicant-bot rubrics` and `applicant-bot assess`: in-process through bot.cli.main, and once installed."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest

import rubric_engine
from bot.cli import main

STAR = "lianyungang-2016-star"
STAR_SCORES = "9,13,13,9,8,18,15"  # total 85
ENTERPRISE = rubric_engine.load_rubric("lianyungang-2016-enterprise")
ENTERPRISE_SCORES = ",".join(str(item.allowed_scores[-1]) for item in ENTERPRISE.items)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- rubrics ---------------------------------------------------------------------------------------


def test_rubrics_lists_every_form_as_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "rubrics")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "附件", "标题", "项目", "细项数"]
    for rubric_id in rubric_engine.list_rubrics():
        rubric = rubric_engine.load_rubric(rubric_id)
        line = next(line for line in lines if line.startswith(rubric_id + " "))
        assert rubric.appendix in line and rubric.title in line and line.endswith(str(len(rubric.items)))
    assert "2016年度连云港市用户满意服务之星" in out


def test_rubrics_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "rubrics", "--json")
    assert code == 0
    entries = json.loads(out)
    assert [entry["id"] for entry in entries] == rubric_engine.list_rubrics()
    star = next(entry for entry in entries if entry["id"] == STAR)
    assert star["appendix"] == "附件3-4" and star["title"] == "连云港市用户满意之星自评标准"
    assert star["programme"] == "lianyungang-2016-service-star" and star["items"] == 7
    assert star["fields"] == ["姓名", "单位", "岗位"]


def test_rubrics_json_lists_every_item_with_its_allowed_scores(capsys: pytest.CaptureFixture[str]) -> None:
    _code, out, _err = run(capsys, "rubrics", "--json")
    for entry in json.loads(out):
        rubric = rubric_engine.load_rubric(entry["id"])
        listed = entry["scored_items"]
        assert [item["id"] for item in listed] == [item.id for item in rubric.items]
        for shown, item in zip(listed, rubric.items, strict=True):
            assert shown["allowed_scores"] == list(item.allowed_scores) and shown["max"] == item.cap
            assert [level["text"] for level in shown["levels"]] == [level.text for level in item.levels]
    manager = next(entry for entry in json.loads(out) if entry["id"] == "qinghai-2025-manager")
    performance = next(item for item in manager["scored_items"] if item["id"] == "organisational-performance")
    assert (
        performance["allowed_scores"] == [0, *range(3, 11)] and performance["veto"] == "organisation-accident"
    )
    assert performance["category"] == "工作创新" and performance["levels"][0]["points"] == "3分"


# --- assess: success ---------------------------------------------------------------------------------


def test_assess_prints_the_chat_rendering(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "assess", "--rubric", STAR, "--scores", STAR_SCORES, "--field", "姓名=张三")
    assert code == 0 and err == ""
    assert out.startswith("【附件3-4】连云港市用户满意之星自评标准\n姓名：张三\n")
    assert "自评总分：85/100分，申报线80分" in out and "结论：可以申报" in out


def test_assess_json_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "assess", "--rubric", STAR, "--scores", STAR_SCORES, "--json")
    assert code == 0
    data = json.loads(out)
    assert {
        "rubric",
        "total",
        "max_total",
        "eligible",
        "reasons",
        "categories",
        "items",
        "vetoes",
        "form",
    } <= set(data)
    assert (
        data["rubric"] == STAR
        and data["total"] == 85
        and data["max_total"] == 100
        and data["eligible"] is True
    )
    assert data["form"] is None
    assert [category["score"] for category in data["categories"]] == [9, 13, 13, 17, 33]
    assert {"name", "score", "max"} <= set(data["categories"][0])
    assert data["items"][0] == {
        "id": "moral-character",
        "name": "道德情操高尚，社会责任感强",
        "score": 9,
        "max": 10,
        "level": "第3档（9-10分）",
    }


def test_full_width_digits_and_chinese_commas_are_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "assess", "--rubric", STAR, "--scores", "９，１３、13，9 8,18;15", "--json")
    assert code == 0 and json.loads(out)["total"] == 85


def test_assess_writes_the_form_and_reports_its_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "自评表.docx"
    code, out, _err = run(
        capsys,
        "assess",
        "--rubric",
        STAR,
        "--scores",
        STAR_SCORES,
        "--field",
        "姓名=张三",
        "--out",
        str(target),
        "--json",
    )
    assert code == 0
    assert json.loads(out)["form"] == str(target)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["自评表.docx"]  # no temp file left behind
    document = docx.Document(io.BytesIO(target.read_bytes()))
    header = "".join(paragraph.text for paragraph in document.paragraphs).replace("\u3000", "")
    assert "姓名：张三" in header and "自评总分：85" in header
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)  # normal permissions, not mkstemp's


def test_manager_veto_answer_flows_into_the_result(capsys: pytest.CaptureFixture[str]) -> None:
    rubric = rubric_engine.load_rubric("lianyungang-2016-manager")
    veto = rubric.vetoes[0]
    scores = ",".join("0" if item.id == veto.item else str(item.allowed_scores[-1]) for item in rubric.items)
    code, out, _err = run(
        capsys, "assess", "--rubric", rubric.id, "--scores", scores, "--veto", f"{veto.id}=是", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["eligible"] is False
    assert data["vetoes"] == [{"id": veto.id, "question": veto.question, "triggered": True}]


# --- assess: errors (one Chinese line, exit code 2, nothing written) --------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--rubric", "nowhere", "--scores", "1"],
            "没有自评表“nowhere”，可用的有：lianyungang-2016-enterprise",
        ),
        (
            ["--rubric", STAR, "--scores", "9,13"],
            "有7个评分细项，需要7个分数（按表中顺序，用逗号分隔），收到2个",
        ),
        (
            ["--rubric", STAR, "--scores", "9,13,13,9,8,18,21"],
            "第7项“服务模式得到认可和好评”不能得21分，可填：1-20分",
        ),
        (
            ["--rubric", STAR, "--scores", "0,13,13,9,8,18,15"],
            "第1项“道德情操高尚，社会责任感强”不能得0分，可填：1-10分",
        ),
        (["--rubric", STAR, "--scores", "9,13,13,9,8,18,7.5"], "不能得7.5分，可填：1-20分（整数）"),
        (["--rubric", STAR, "--scores", "9,13,13,9,8,18,高"], "第7个分数“高”不是数字"),
        (
            [*("--rubric", STAR, "--scores", STAR_SCORES), "--field", "电话=1"],
            "没有“电话”这一栏，可填写：姓名、单位、岗位",
        ),
        ([*("--rubric", STAR, "--scores", STAR_SCORES), "--field", "姓名"], "--field 的格式应为 栏目=内容"),
        ([*("--rubric", STAR, "--scores", STAR_SCORES), "--veto", "x=yes"], "没有一票否决项"),
        (
            ["--rubric", ENTERPRISE.id, "--scores", ENTERPRISE_SCORES, "--veto", "fire=yes"],
            "没有一票否决项“fire”，可用：major-accident（存在重大质量、安全、环保责任事故）",
        ),
        ([*("--rubric", STAR, "--scores", STAR_SCORES), "--pdf"], "--pdf 需要同时用 --out"),
        (["--rubric", STAR, "--scores", "9,,13,13,9,8,18"], "第2个分数是空的"),
        (["--rubric", STAR, "--scores", "9,13,13,9,8,18,15,"], "第8个分数是空的"),
        (["--rubric", STAR, "--scores", ",9,13,13,9,8,18,15"], "第1个分数是空的"),
        (["--rubric", STAR, "--scores", "9，，13,13,9,8,18,15"], "第2个分数是空的"),
        (
            ["--rubric", STAR, "--scores=-1,13,13,9,8,18,15"],
            "第1项“道德情操高尚，社会责任感强”不能得-1分，可填：1-10分（整数）；-1分超出本项范围",
        ),
        (
            ["--rubric", STAR, "--scores", "9,13,13,9,8,18,-1"],
            "第7项“服务模式得到认可和好评”不能得-1分，可填：1-20分（整数）；-1分超出本项范围",
        ),
    ],
)
def test_usage_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, arguments: list[str], message: str
) -> None:
    code, out, err = run(capsys, "assess", *arguments, "--json")
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert err.startswith("applicant-bot assess: ")
    # --json: the error is JSON on stdout as well, so a client reads one format.
    assert json.loads(out) == {"error": err.strip().removeprefix("applicant-bot assess: ")}
    assert "不是数字" not in err or "高" in arguments[-1]


def test_usage_errors_without_json_print_nothing_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "assess", "--rubric", STAR, "--scores", "9,13,")
    assert code == 2 and out == "" and "第3个分数是空的" in err


def test_spaces_around_separators_are_not_empty_slots(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(
        capsys, "assess", "--rubric", STAR, "--scores", " 9 , 13 ,13  9 、8;18 15 ", "--json"
    )
    assert code == 0 and json.loads(out)["total"] == 85


def test_out_in_a_missing_folder_writes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "missing" / "form.docx"
    code, _out, err = run(capsys, "assess", "--rubric", STAR, "--scores", STAR_SCORES, "--out", str(target))
    assert code == 2 and f"保存目录不存在：{target.parent}" in err
    assert list(tmp_path.iterdir()) == []


def test_bad_score_with_out_writes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "form.docx"
    code, _out, _err = run(
        capsys, "assess", "--rubric", STAR, "--scores", "9,13,13,9,8,18,99", "--out", str(target)
    )
    assert code == 2 and list(tmp_path.iterdir()) == []


def test_pdf_without_libreoffice_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    target = tmp_path / "form.docx"
    code, _out, err = run(
        capsys, "assess", "--rubric", STAR, "--scores", STAR_SCORES, "--out", str(target), "--pdf"
    )
    assert code == 2 and "没有安装LibreOffice" in err and "未写入任何文件" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(rubric_engine.find_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_pdf_is_written_beside_the_docx(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "form.docx"
    code, out, _err = run(
        capsys, "assess", "--rubric", STAR, "--scores", STAR_SCORES, "--out", str(target), "--pdf"
    )
    assert code == 0
    assert (tmp_path / "form.pdf").read_bytes().startswith(b"%PDF")
    assert f"已保存：{target}" in out and f"已保存：{tmp_path / 'form.pdf'}" in out


# --- the installed console script ----------------------------------------------------------------------


def _console_script() -> str | None:
    beside_python = Path(sys.executable).parent / "applicant-bot"
    return str(beside_python) if beside_python.is_file() else shutil.which("applicant-bot")


@pytest.mark.skipif(_console_script() is None, reason="the applicant-bot console script is not installed")
def test_installed_console_script_assesses(tmp_path: Path) -> None:
    script = _console_script()
    assert script is not None
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    completed = subprocess.run(
        [
            script,
            "assess",
            "--rubric",
            STAR,
            "--scores",
            STAR_SCORES,
            "--json",
            "--out",
            str(tmp_path / "f.docx"),
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environment,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["total"] == 85
    assert (tmp_path / "f.docx").is_file()
    failed = subprocess.run(
        [script, "assess", "--rubric", STAR, "--scores", "1"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environment,
        timeout=120,
        check=False,
    )
    assert failed.returncode == 2 and "需要7个分数" in failed.stderr


def test_qinghai_pass_mark_is_shown_as_assumed_in_text_json_and_listing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rubric = rubric_engine.load_rubric("qinghai-2025-star")
    scores = ",".join(str(item.allowed_scores[-1]) for item in rubric.items)
    assumed = "申报线80分（通知未明确，按80分暂定，请向协会确认）"
    _code, out, _err = run(capsys, "assess", "--rubric", rubric.id, "--scores", scores)
    assert assumed in out and "结论：按暂定的申报线可以申报" in out
    target = tmp_path / "form.docx"
    _code, out, _err = run(
        capsys, "assess", "--rubric", rubric.id, "--scores", scores, "--json", "--out", str(target)
    )
    data = json.loads(out)
    assert data["pass_mark_assumed"] is True and data["pass_mark_label"] == assumed
    assert any(assumed in reason for reason in data["reasons"])
    assert not any("申报线80分" in reason and "暂定" not in reason for reason in data["reasons"])
    printed = "\n".join(paragraph.text for paragraph in docx.Document(str(target)).paragraphs)
    assert "申报线" not in printed  # the official form states no pass mark; the printed one adds none
    _code, out, _err = run(capsys, "rubrics", "--json")
    listing = {entry["id"]: entry for entry in json.loads(out)}
    assert listing[rubric.id]["pass_mark_assumed"] is True and listing[STAR]["pass_mark_assumed"] is False


def test_assess_says_which_vetoes_are_unanswered(capsys: pytest.CaptureFixture[str]) -> None:
    veto = ENTERPRISE.vetoes[0]
    argv = ["assess", "--rubric", ENTERPRISE.id, "--scores", ENTERPRISE_SCORES, "--veto", f"{veto.id}=no"]
    _code, out, _err = run(capsys, *argv)
    assert (
        "一票否决项未回答：请用 --veto ID=yes|no 回答（registered-under-3-years、no-required-qualification）"
        in out
    )
    assert "一票否决·企业在苏境内注册未满3年：未答" in out and "结论：暂不符合申报条件" in out
    _code, out, _err = run(capsys, *argv, "--json")
    data = json.loads(out)
    assert data["unanswered_vetoes"] == ["registered-under-3-years", "no-required-qualification"]
    assert data["eligible"] is False and any("未回答" in reason for reason in data["reasons"])
