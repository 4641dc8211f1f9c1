"""`applicant-bot chat` and `applicant-bot check` as scripts drive them: one message per line piped in,
each process a fresh start on the same store, on SQLite and on Postgres."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = [
    "青海服务之星申报截止日期是哪天？",
    "/assess qinghai-2025-star",
    "9分",
    "很好",  # unreadable: re-prompted
    "14分",
    "报告要近几年的？",  # a question midway: answered, then the item again
    "5分",
    "/back",
    "15分",
    "10分",
    "10分",
    "20分",
    "20分",
    "/summary",
    "/confirm",
    "张三",  # the header blanks: 姓名, 单位, 岗位
    "跳过",
    "营业员",
]


def _env(tmp_path: Path, corpus: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLICANT_BOT_")}
    env.update(
        APPLICANT_BOT_DATA_DIR=str(tmp_path / "data"),
        APPLICANT_BOT_NOTICES=str(corpus),
        APPLICANT_BOT_DATABASE_URL=url,
        APPLICANT_BOT_TODAY="2025-08-01",
    )
    return env


def _run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_the_acceptance_script(tmp_path: Path, corpus: Path, database_url: str) -> None:
    env = _env(tmp_path, corpus, database_url)
    chat = _run(["chat", "--user", "zhang"], env, "\n".join(SCRIPT) + "\n")
    assert chat.returncode == 0, chat.stderr
    out = chat.stdout
    # 1. a deadline question gets a cited answer
    assert "2025年8月25日" in out and "出处：《2025年青海省用户满意服务之星申报通知》" in out
    # 3. the invalid input is re-prompted
    assert "无法识别“很好”" in out
    # 4. the question midway is answered, then the item is asked again
    midway = out.split("你：报告要近几年的？")[1].split("你：")[0]
    assert "近1年内" in midway and "第3/7项" in midway
    # 5. back and a changed answer, then the summary
    summary = out.split("你：/summary")[1].split("你：")[0]
    assert "服务严守规范，工作扎实有效：15分" in summary and "总分：98/100分" in summary
    # 6. confirm says where the form is
    confirm = out.split("你：/confirm")[1]
    assert "请填写表头“姓名”" in confirm
    assert "总分98分" in confirm and "可以申报" in confirm
    saved = Path(confirm.split("已保存：")[1].split("\n")[0].strip())
    assert saved.suffix == ".docx" and saved.is_file()
    form = saved.read_bytes()

    # 7. a new process with the same --user gets the same form again
    saved.unlink()
    again = _run(["chat", "--user", "zhang"], env, "/form\n")
    assert again.returncode == 0, again.stderr
    assert saved.read_bytes() == form

    # 8. the total and eligibility match `applicant-bot assess` for the same scores
    assess = _run(
        ["assess", "--rubric", "qinghai-2025-star", "--scores", "9,14,15,10,10,20,20", "--json"], env
    )
    assert assess.returncode == 0, assess.stderr
    expected = json.loads(assess.stdout)
    assert f"总分{expected['total']}分" in confirm and expected["eligible"] is True


def test_a_scripted_check_ends_with_a_cited_verdict(tmp_path: Path, corpus: Path, database_url: str) -> None:
    env = _env(tmp_path, corpus, database_url)
    chat = _run(["chat", "--user", "li"], env, "我能报吗\n/check qinghai-2025\n2\n2025-03-01\n没有\n")
    assert chat.returncode == 0, chat.stderr
    verdict = chat.stdout.split("申报条件自查结果")[1]
    assert "✅ 满意度测评报告时效（近1年内）：符合" in verdict
    assert (
        "依据：《2025年青海省用户满意等级评价及用户满意服务之星申报材料》服务之星申报表前的填报说明 第6条"
        in verdict
    )
    # the same facts on the command line give the same verdict, with the same citations
    check = _run(
        [
            "check",
            "--programme",
            "qinghai-2025",
            "--category",
            "服务之星",
            "--answer",
            "report_date=2025-03-01",
            "--answer",
            "honours_dates=没有",
        ],
        env,
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() in chat.stdout


def test_check_on_the_command_line(tmp_path: Path, corpus: Path) -> None:
    env = _env(tmp_path, corpus, f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    result = _run(
        [
            "check",
            "--programme",
            "lianyungang-2016-service-star",
            "--category",
            "enterprise",
            "--answer",
            "third_party=否",
            "--answer",
            "major_incident=没有",
            "--json",
        ],
        env,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    statuses = {entry["rule"]: entry["status"] for entry in report["results"]}
    assert statuses["third-party"] == "fail" and statuses["no-major-incident-enterprise"] == "pass"
    assert report["status"] == "fail"
    assert all(entry["source"]["quote"] for entry in report["results"])
    wrong = _run(["check", "--programme", "qinghai-2025", "--category", "服务之星", "--answer", "foo=1"], env)
    assert wrong.returncode == 2 and "没有“foo”这一项" in wrong.stderr and "report_date" in wrong.stderr
    bad = _run(
        ["check", "--programme", "qinghai-2025", "--category", "服务之星", "--answer", "report_date=昨天"],
        env,
    )
    assert bad.returncode == 2 and "日期" in bad.stderr
    many = _run(["check", "--programme", "qinghai-2025"], env)
    assert many.returncode == 2 and "--category" in many.stderr


def test_a_killed_process_loses_no_acknowledged_answer(tmp_path: Path, corpus: Path) -> None:
    """kill -9 of the console mid-assessment: every answer it had replied to is there on restart."""
    env = _env(tmp_path, corpus, f"sqlite:///{tmp_path / 'store.sqlite3'}")
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "bot", "chat", "--user", "wang"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("/assess qinghai-2025-star\n9分\n14分\n")
    process.stdin.flush()
    seen = ""
    deadline = time.monotonic() + 60
    while "已记录：第2项" not in seen and time.monotonic() < deadline:
        seen += process.stdout.readline()
    assert "已记录：第2项" in seen
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    resumed = _run(["chat", "--user", "wang"], env, "/assess qinghai-2025-star\n")
    assert "第3/7项 · 已得23分" in resumed.stdout


def test_chat_is_interactive_on_a_terminal(tmp_path: Path, corpus: Path) -> None:
    import pty
    import select

    env = _env(tmp_path, corpus, f"sqlite:///{tmp_path / 'store.sqlite3'}")
    parent, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--user", "tty"],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
    )
    os.close(child)
    seen = b""

    def read_until(marker: str, timeout: float = 60) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker.encode() not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([parent], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(parent, 65536)
                except OSError:
                    break
        assert marker.encode() in seen, seen.decode(errors="replace")[-2000:]

    read_until("我是申报助手")  # greeted with the help on a terminal
    read_until("你：")  # and prompted
    os.write(parent, b"/assess qinghai-2025-star\n")
    read_until("第1/7项")
    os.write(parent, b"\x04")  # Ctrl-D ends the session
    assert process.wait(timeout=30) == 0
    os.close(parent)
