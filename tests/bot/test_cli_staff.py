"""`applicant-bot staff add|list|remove` as an administrator runs it, on SQLite and on Postgres: the
account it creates signs in on the staff pages. In-process through bot.cli.main (a fresh interpreter
costs over a second a call), and the first `add` as a real process."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from tests.bot.web.staff_app import Clock, login, staff_client, staff_settings

PASSWORD = "a-long-enough-password"
Run = Callable[..., subprocess.CompletedProcess[str]]  # run(*args, stdin="")


def _env(tmp_path: Path, url: str) -> dict[str, str]:
    return {"APPLICANT_BOT_DATA_DIR": str(tmp_path / "data"), "APPLICANT_BOT_DATABASE_URL": url}


def _process(tmp_path: Path, url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLICANT_BOT_")}
    env.update(_env(tmp_path, url))
    return subprocess.run(
        [sys.executable, "-m", "bot", "staff", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def run(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    """`applicant-bot staff ...` in this process, with the environment a separate process would get;
    a CompletedProcess like subprocess.run's."""
    for name in list(os.environ):
        if name.startswith("APPLICANT_BOT_"):
            monkeypatch.delenv(name)
    for name, value in _env(tmp_path, database_url).items():
        monkeypatch.setenv(name, value)

    def run_staff(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        capsys.readouterr()  # what came before is not this command's
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        returncode = main(["staff", *args])
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["applicant-bot", "staff", *args], returncode, out, err)

    return run_staff


def test_an_account_added_from_stdin_signs_in(tmp_path: Path, database_url: str, run: Run) -> None:
    added = _process(tmp_path, database_url, "add", "陈老师", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0 and "已添加账号 陈老师" in added.stdout
    assert PASSWORD not in added.stdout + added.stderr
    with staff_client(staff_settings(tmp_path / "data"), database_url, Clock()) as client:
        assert login(client, name="陈老师", password=PASSWORD).status_code == 303
        assert client.get("/staff/").status_code == 200
    listing = run("list")
    assert listing.returncode == 0
    line = next(line for line in listing.stdout.splitlines() if line.startswith("陈老师"))
    assert "从未登录" not in line and line.endswith("正常")


def test_weak_passwords_are_refused_with_exit_2(run: Run) -> None:
    refused = run("add", "陈老师", "--password-stdin", stdin="short\n")
    assert refused.returncode == 2 and "至少需要 10 个字符" in refused.stderr
    assert "陈老师" not in run("list").stdout
    no_terminal = run("add", "陈老师", stdin=PASSWORD + "\n")
    assert no_terminal.returncode == 2 and "--password-stdin" in no_terminal.stderr


def test_adding_again_resets_the_password_and_remove_deletes_the_account(
    tmp_path: Path,
    database_url: str,
    run: Run,
) -> None:
    run("add", "陈老师", "--password-stdin", stdin=PASSWORD + "\n")
    reset = run("add", "陈老师", "--password-stdin", stdin="another-password-1\n")
    assert reset.returncode == 0 and "密码已重置" in reset.stdout
    with staff_client(staff_settings(tmp_path / "data"), database_url, Clock()) as client:
        assert login(client, name="陈老师", password=PASSWORD).status_code == 401
        assert login(client, name="陈老师", password="another-password-1").status_code == 303
    assert run("remove", "陈老师").returncode == 0
    assert "陈老师" not in run("list").stdout
    missing = run("remove", "陈老师")
    assert missing.returncode == 2 and "没有名为 陈老师 的账号" in missing.stderr
