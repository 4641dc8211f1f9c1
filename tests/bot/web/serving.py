"""`applicant-bot serve` as a real process on a free port, for the tests that need one."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(env: dict[str, str], tmp_path: Path, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", *args],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return process, log


def wait_healthy(process: subprocess.Popen[bytes], log: Path, port: int) -> httpx.Response:
    give_up = time.monotonic() + 120
    while time.monotonic() < give_up:
        if process.poll() is not None:
            pytest.fail(f"serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"serve did not answer /healthz:\n{log.read_text(errors='replace')}")
