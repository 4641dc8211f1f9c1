"""`applicant-bot serve` as an operator runs it: a real process on a free port, one or two workers."""

from __future__ import annotations

import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from tests.bot.web.serving import free_port as _free_port
from tests.bot.web.serving import serve as _serve
from tests.bot.web.serving import wait_healthy as _wait_healthy


def _worker_processes(parent: int) -> int:
    """uvicorn's worker processes (multiprocessing spawn children) of `parent`."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and b"spawn_main" in cmdline:
            count += 1
    return count


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_healthz_and_stops_cleanly_on_sigterm(
    env: dict[str, str], tmp_path: Path, workers: int
) -> None:
    port = _free_port()
    process, log = _serve(env, tmp_path, "--port", str(port), "--workers", str(workers))
    try:
        response = _wait_healthy(process, log, port)
        assert response.status_code == 200, response.text
        assert response.json()["checks"] == {"store": "ok", "index": "ok", "shared_state": "ok"}
        if workers > 1:
            assert _worker_processes(process.pid) == workers
        refused = httpx.get(f"http://127.0.0.1:{port}/forms/TOKENTHATMUSTNOTBELOGGED", timeout=5)
        assert refused.status_code == 403
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, log.read_text(errors="replace")
        # The access log shows the request, never the token (a valid one is the form itself).
        logged = log.read_text(errors="replace")
        assert "/forms/…" in logged and "TOKENTHATMUSTNOTBELOGGED" not in logged
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert (Path(env["APPLICANT_BOT_DATA_DIR"]) / "form-link-secret").is_file()  # made once, by the parent


def test_serve_on_a_taken_port_says_so_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process, log = _serve(env, tmp_path, "--port", str(port))
        assert process.wait(timeout=60) == 2
    output = log.read_text()
    assert f"端口 {port} 已被占用" in output and "address already in use" in output
    assert "Traceback" not in output


def test_serve_without_the_serve_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if uvicorn were not installed
    assert main(["serve", "--port", str(_free_port())]) == 2
    assert 'pip install -e ".[serve]"' in capsys.readouterr().err


def test_serve_with_a_wechat_token_but_without_the_wechat_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APPLICANT_BOT_WECHAT_TOKEN", "token-from-the-official-account")
    monkeypatch.setitem(sys.modules, "bot.channels.wechat", None)  # as if wechatpy were not installed
    assert main(["serve", "--port", str(_free_port())]) == 2
    assert 'pip install -e ".[wechat]"' in capsys.readouterr().err


def test_serve_with_a_broken_safe_mode_key_says_what_is_wrong_before_starting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("wechatpy")
    monkeypatch.setenv("APPLICANT_BOT_WECHAT_TOKEN", "token-from-the-official-account")
    monkeypatch.setenv("APPLICANT_BOT_WECHAT_APP_ID", "wx0123456789abcdef")
    monkeypatch.setenv("APPLICANT_BOT_WECHAT_AES_KEY", "too-short")
    assert main(["serve", "--port", str(_free_port())]) == 2
    assert "APPLICANT_BOT_WECHAT_AES_KEY 无效" in capsys.readouterr().err
