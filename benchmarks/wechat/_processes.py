"""Servers run as child processes (applicant-bot serve, chroma run, nginx, uvicorn): started, waited for
until they answer over HTTP, their workers found, stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

STARTUP_TIMEOUT_S = 120.0  # a serve parent builds or checks the index before its workers start
STOP_TIMEOUT_S = 15.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def venv_executable(name: str) -> Path | None:
    """A console script installed beside this interpreter (``applicant-bot``, ``chroma``, ``uvicorn``)."""
    beside = Path(sys.executable).parent / name
    return beside if beside.is_file() else None


class Service:
    """One server process; `health_url` answers 200 once it is ready."""

    def __init__(
        self,
        name: str,
        command: Sequence[str | os.PathLike[str]],
        *,
        health_url: str,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.command = [str(part) for part in command]
        self.health_url = health_url
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} is not running"
        return self.process.pid

    def start(self, timeout_s: float = STARTUP_TIMEOUT_S) -> Service:
        self.launch()
        self.wait_until_answering(timeout_s)
        return self

    def launch(self) -> Service:
        """Start the process without waiting for it (several can then start at once)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,  # its workers form a group we can stop together
            )
        return self

    def wait_until_answering(self, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self.process.returncode}: {self.log_tail()}"
                    )
                try:
                    if client.get(self.health_url).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"{self.name} did not answer {self.health_url} in {timeout_s:.0f} s: {self.log_tail()}"
        )

    def worker_pids(self) -> list[int]:
        """The worker processes of a multi-process server (uvicorn --workers N: its spawned children)."""
        return [pid for pid in child_pids(self.pid) if b"spawn_main" in _cmdline(pid)]

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT_S)
        self.process = None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def child_pids(pid: int) -> list[int]:
    """The direct children of `pid`, from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: the fields after its last ")".
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def serve_command(port: int, workers: int, host: str = "127.0.0.1") -> list[str]:
    """``applicant-bot serve`` of this interpreter's environment."""
    return [
        sys.executable,
        "-m",
        "bot",
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
