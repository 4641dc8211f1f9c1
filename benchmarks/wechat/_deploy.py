"""The scale-out example of ``deploy/`` run on this machine: its systemd units' ExecStart commands and its
env file (paths and ports substituted), a Chroma server, several ``applicant-bot serve`` instances and
nginx in front with the example's site config. The benchmark's ``--layout scale-out`` and
tests/deploy/test_scale_out.py both run it, so the documented layout is the measured and tested one."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.wechat._processes import Service, free_port

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
SERVE_UNIT = DEPLOY / "systemd" / "applicant-bot@.service"
INGEST_UNIT = DEPLOY / "systemd" / "applicant-bot-ingest.service"
CHROMA_UNIT = DEPLOY / "systemd" / "chroma.service"
ENV_EXAMPLE = DEPLOY / "applicant-bot.env.example"
NGINX_SITE = DEPLOY / "nginx" / "applicant-bot.conf"

# The example's install locations, and what they become here.
INSTALL_BIN = "/opt/applicant-bot/.venv/bin/"
INSTALL_DIR = "/opt/applicant-bot"
STATE_DIR = "/var/lib/applicant-bot"
EXAMPLE_PORTS = (8001, 8002)  # the upstream servers of the nginx example
CHROMA_EXAMPLE_PORT = 8000


def nginx_executable() -> str | None:
    """nginx on PATH, or where Debian's package puts it (/usr/sbin is not on every user's PATH)."""
    found = shutil.which("nginx")
    if found is None and Path("/usr/sbin/nginx").is_file():
        found = "/usr/sbin/nginx"
    return found


@dataclass(frozen=True)
class Unit:
    """The parts of a systemd unit file the example uses (the last value of a repeated key wins)."""

    path: Path
    sections: dict[str, dict[str, str]]

    @classmethod
    def read(cls, path: Path) -> Unit:
        sections: dict[str, dict[str, str]] = {}
        current: dict[str, str] | None = None
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                current = sections.setdefault(line[1:-1], {})
            elif current is not None and "=" in line:
                key, value = line.split("=", 1)
                current[key.strip()] = value.strip()
        return cls(path, sections)

    def get(self, key: str, section: str = "Service") -> str | None:
        return self.sections.get(section, {}).get(key)

    def exec_start(self, instance: str = "") -> list[str]:
        command = self.get("ExecStart")
        if command is None:
            raise ValueError(f"{self.path.name} has no ExecStart")
        return shlex.split(command.replace("%i", instance))


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines of a systemd EnvironmentFile (comments and blank lines skipped)."""
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def localise(command: list[str], state_dir: Path, replacements: Mapping[str, str] | None = None) -> list[str]:
    """An ExecStart of the example for this checkout: this virtualenv's scripts, `state_dir` for
    /var/lib/applicant-bot, and `replacements` (whole arguments) for ports."""
    venv_bin = str(Path(sys.executable).parent) + "/"
    local = []
    for part in command:
        part = part.replace(INSTALL_BIN, venv_bin).replace(STATE_DIR, str(state_dir))
        local.append((replacements or {}).get(part, part))
    return local


def nginx_config(site: str, root: Path, listen_port: int, upstream_ports: list[int]) -> str:
    """A complete nginx.conf around the example's site config, on loopback ports, with its files in `root`."""
    upstreams = [f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in upstream_ports]
    lines = []
    for line in site.splitlines():
        if line.strip().startswith("server 127.0.0.1:"):
            if upstreams:
                lines.extend(upstreams)
                upstreams = []
            continue
        lines.append(line.replace("listen 80;", f"listen 127.0.0.1:{listen_port};"))
    temp = {name: root / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for directory in temp.values():
        directory.mkdir(parents=True, exist_ok=True)
    return "\n".join(
        [
            f"pid {root / 'nginx.pid'};",
            f"error_log {root / 'error.log'} warn;",
            "events { worker_connections 1024; }",
            "http {",
            f"    access_log {root / 'access.log'};",
            *(f"    {name}_temp_path {path};" for name, path in temp.items() if name != "client_body"),
            f"    client_body_temp_path {temp['client_body']};",
            *("    " + line for line in lines),
            "}",
        ]
    )


@dataclass
class ScaleOut:
    """The example running under `root`: `url` is nginx, in front of `instances`."""

    root: Path
    settings: Mapping[str, str]  # APPLICANT_BOT_* values replacing the example's (database, Redis, WeChat...)
    instances: int = 2
    services: list[Service] = field(default_factory=list)
    serve: list[Service] = field(default_factory=list)
    url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds from start until each part answered

    def start(self) -> ScaleOut:
        nginx = nginx_executable() or "nginx"
        state = self.root / "var"
        (state / "chroma").mkdir(parents=True, exist_ok=True)
        chroma_port = free_port()
        example = read_env_file(ENV_EXAMPLE)
        example = {key: value.replace(STATE_DIR, str(state)) for key, value in example.items()}
        self.env = {
            **os.environ,
            **example,
            "APPLICANT_BOT_CHROMA_PORT": str(chroma_port),
            **self.settings,
        }
        started = time.monotonic()
        try:
            chroma = Unit.read(CHROMA_UNIT)
            self._start(
                "chroma",
                localise(chroma.exec_start(), state, {str(CHROMA_EXAMPLE_PORT): str(chroma_port)}),
                f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat",
            )
            self.timings["chroma"] = time.monotonic() - started
            ingest = localise(Unit.read(INGEST_UNIT).exec_start(), state)
            built = subprocess.run(
                ingest, env=self.env, cwd=REPO, capture_output=True, text=True, timeout=300
            )
            if built.returncode != 0:
                raise RuntimeError(f"ingest exited with {built.returncode}: {built.stderr[-2000:]}")
            self.timings["ingest"] = time.monotonic() - started
            serve_unit = Unit.read(SERVE_UNIT)
            ports = [free_port() for _ in range(self.instances)]
            for port in ports:  # started together, as systemd starts the enabled instances
                command = localise(serve_unit.exec_start(str(port)), state)
                self.serve.append(self._service(f"serve-{port}", command, f"http://127.0.0.1:{port}/healthz"))
                self.serve[-1].launch()
            for service in self.serve:
                service.wait_until_answering()
            self.timings["serve"] = time.monotonic() - started
            listen = free_port()
            conf = self.root / "nginx" / "nginx.conf"
            conf.parent.mkdir(parents=True, exist_ok=True)
            conf.write_text(nginx_config(NGINX_SITE.read_text(encoding="utf-8"), conf.parent, listen, ports))
            # One process in the foreground as the current user: no root, no daemon, stopped with the test.
            command = [nginx, "-p", str(conf.parent), "-e", str(conf.parent / "error.log"), "-c", str(conf)]
            command += ["-g", "daemon off; master_process off;"]
            self.url = f"http://127.0.0.1:{listen}"
            self._start("nginx", command, self.url + "/healthz")
            self.timings["nginx"] = time.monotonic() - started
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, name: str, command: list[str], health_url: str) -> Service:
        service = self._service(name, command, health_url)
        return service.start()

    def _service(self, name: str, command: list[str], health_url: str) -> Service:
        service = Service(
            name,
            command,
            health_url=health_url,
            log_path=self.root / "logs" / f"{name}.log",
            env=self.env,
            cwd=REPO,
        )
        self.services.append(service)
        return service

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()

    def __enter__(self) -> ScaleOut:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


REDIS_CLAIM_KEY = "applicant-bot-bench:claimed"  # outside the bot's "applicant-bot:" keys
REDIS_CLAIM_TTL_S = 1800


@contextlib.contextmanager
def claimed_redis_db(
    base: str = "redis://127.0.0.1:6379", candidates: Sequence[int] = range(8, 15)
) -> Iterator[str]:
    """A Redis database number no other run is using (the bot's keys carry no per-run prefix, so two runs
    sharing one would share a MsgId dedupe and an access_token): the first of `candidates` whose claim key
    this run sets. Yields its URL; afterwards the bot's keys there are deleted and the claim released."""
    import redis

    token = uuid.uuid4().hex
    for number in candidates:
        client = redis.Redis.from_url(f"{base}/{number}", socket_connect_timeout=3)
        if client.set(REDIS_CLAIM_KEY, token, nx=True, ex=REDIS_CLAIM_TTL_S):
            break
        client.close()
    else:
        raise RuntimeError(f"every Redis database {list(candidates)} is claimed by another run")
    try:
        for key in client.scan_iter(match="applicant-bot:*"):  # left by a run that died
            client.delete(key)
        yield f"{base}/{number}"
    finally:
        for key in client.scan_iter(match="applicant-bot:*"):
            client.delete(key)
        if client.get(REDIS_CLAIM_KEY) == token.encode():
            client.delete(REDIS_CLAIM_KEY)
        client.close()
