"""The staff console in a real browser, end to end: applicants' questions through the dialogue leave a
gap; a staff member signs in, finds it, writes the association's answer; the bot then answers with it.

Headless Chromium from Debian's packages (``/usr/bin/chromium``, installed by ``.ci/run``), driven by
Playwright for Python with its executable path set: Playwright's own browser download is never used.
The applicants talk through ``applicant-bot chat`` (their own processes) and the staff through
``applicant-bot serve``, all on one data directory, as on a server.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.web.serving import free_port, serve, wait_healthy
from tests.services import running_under_ci

STAFF_NAME = "王芳"
STAFF_PASSWORD = "qinghai-staff-2025"
CURATED_TEXT = "本次评选为荣誉表彰，不设奖金，获奖者由协会颁发证书和奖牌。"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        if running_under_ci(os.environ):
            pytest.fail("Debian's chromium is not installed (.ci/run installs it)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return found


def _cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """A running `applicant-bot serve`, after three applicants asked what the notice does not say."""
    _cli(env, "staff", "add", STAFF_NAME, "--password-stdin", stdin=STAFF_PASSWORD + "\n")
    for user, question in (("a1", "获奖有奖金吗"), ("a2", "获奖了有没有奖金"), ("a3", "獲獎有沒有獎金")):
        reply = _cli(env, "chat", "--user", user, stdin=question + "\n").stdout
        assert "没有关于" in reply  # refused: a gap
    port = free_port()
    process, log = serve(env, tmp_path, "--port", str(port))
    try:
        wait_healthy(process, log, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_staff_close_a_gap_in_the_browser_and_the_bot_answers_with_it(
    env: dict[str, str], server: str
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.goto(f"{server}/staff/gaps")
            assert "/staff/login" in page.url  # anonymous: sent to the login page
            page.get_by_label("用户名").fill(STAFF_NAME)
            page.get_by_label("密码").fill("wrong-password-123")
            page.get_by_role("button", name="登录").click()
            assert "/staff/login" in page.url and page.get_by_role("alert").is_visible()
            page.get_by_label("用户名").fill(STAFF_NAME)
            page.get_by_label("密码").fill(STAFF_PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(re.compile(r".*/staff/gaps.*"))

            # The three paraphrases (one in traditional characters) are one gap.
            group = page.get_by_role("link", name=re.compile("奖金|獎金"))
            assert group.count() == 1
            group.first.click()
            examples = page.get_by_text(re.compile("获奖有没有奖金|獲獎有沒有獎金"))
            assert examples.count() >= 1

            page.get_by_role("link", name="写协会答复").click()
            # The paraphrases come prefilled as other wordings; the answer is the staff member's own.
            phrasings = page.get_by_label(re.compile("其他问法")).input_value()
            assert "获奖了有没有奖金" in phrasings
            page.get_by_label("答复内容").fill(CURATED_TEXT)
            page.get_by_role("button", name="发布并标为已解决").click()
            page.wait_for_load_state()
            assert page.get_by_text("已解决").count() >= 1

            page.goto(f"{server}/staff/curated")
            assert page.get_by_text(CURATED_TEXT[:10]).count() >= 1
        finally:
            browser.close()

    # A new applicant, in a new process, asks in other words: the association's answer replies.
    reply = _cli(env, "chat", "--user", "a4", stdin="获奖的话有没有奖金啊\n").stdout
    assert CURATED_TEXT in reply
