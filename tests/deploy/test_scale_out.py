"""The scale-out example in deploy/ works as written: its systemd units' commands (paths and ports
substituted) start a Chroma server, build the index into it and run two `applicant-bot serve` instances
on Postgres and Redis; nginx with the example's site config sends WeChat's signed messages to them.

An operator following deploy/README.md gets answers through the proxy, a WeChat retry that lands on
the other instance is answered once (the dedupe is shared through Redis), and the conversations are
in Postgres. Needs nginx, the `chroma` server, Postgres and Redis on this machine: skips without them,
fails under CI=true.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks.wechat import FakeWeChatAPI, WeChatPlatform, judge, stored_turns, venv_executable
from benchmarks.wechat._deploy import (
    CHROMA_EXAMPLE_PORT,
    CHROMA_UNIT,
    ENV_EXAMPLE,
    EXAMPLE_PORTS,
    INGEST_UNIT,
    NGINX_SITE,
    SERVE_UNIT,
    ScaleOut,
    Unit,
    claimed_redis_db,
    nginx_config,
    nginx_executable,
    read_env_file,
)
from bot.settings import ENV_PREFIX, Settings
from tests.services import postgres_schema_url, running_under_ci

pytest.importorskip("bot.channels.wechat", reason="the WeChat channel (wechat extra)")

TOKEN = "deploy-test-token"
APP_ID, APP_SECRET = "wxdeploytest00000", "deploy-secret"
REDIS_BASE = "redis://127.0.0.1:6379"

CATALOG = """documents:
  - file: qh-2025.txt
    title: 关于开展2025年青海省用户满意度测评工作的通知
    programme: qinghai-2025
"""
NOTICE = (
    "关于开展2025年青海省用户满意度测评工作的通知\n"
    "一、申报时间\n材料申报截止日期为2025年8月25日。\n"
    "二、报告格式\n正文为四号宋体、1.5倍行距，文字篇幅1万字以内。\n"
)


# --- the example's files, read as an operator would -------------------------------------------------


def test_every_setting_in_the_env_example_is_a_setting_of_the_bot() -> None:
    names = read_env_file(ENV_EXAMPLE)
    commented = [
        line.lstrip("# ").split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if line.startswith("# " + ENV_PREFIX)
    ]
    fields = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    assert set(names) | set(commented) <= fields
    for needed in ("DATABASE_URL", "REDIS_URL", "CHROMA_HOST", "CHROMA_PORT", "WECHAT_TOKEN"):
        assert names.get(ENV_PREFIX + needed), needed


def test_the_units_run_the_bot_from_its_virtualenv_on_the_ports_the_proxy_and_settings_name() -> None:
    serve = Unit.read(SERVE_UNIT)
    command = serve.exec_start("8001")
    assert command[0].endswith("/.venv/bin/applicant-bot") and command[1] == "serve"
    assert command[command.index("--port") + 1] == "8001"
    assert serve.get("EnvironmentFile") == "/etc/applicant-bot/applicant-bot.env"
    assert "applicant-bot-ingest.service" in (serve.get("Requires", "Unit") or "")
    assert Unit.read(INGEST_UNIT).exec_start()[1:] == ["ingest"]
    chroma = Unit.read(CHROMA_UNIT).exec_start()
    assert chroma[1:3] == ["run", "--path"]
    port = read_env_file(ENV_EXAMPLE)["APPLICANT_BOT_CHROMA_PORT"]
    assert chroma[chroma.index("--port") + 1] == port == str(CHROMA_EXAMPLE_PORT)
    upstreams = [
        line.split()[1] for line in NGINX_SITE.read_text().splitlines() if "server 127.0.0.1:" in line
    ]
    assert upstreams == [f"127.0.0.1:{port}" for port in EXAMPLE_PORTS]


def test_nginx_accepts_the_site_config(tmp_path: Path) -> None:
    nginx = _required_executable("nginx", nginx_executable())
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_config(NGINX_SITE.read_text(), tmp_path, 18080, [18001, 18002]))
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


# --- the layout running -----------------------------------------------------------------------------


def _required_executable(name: str, found: str | Path | None) -> str:
    if found is None:
        if running_under_ci(os.environ):
            pytest.fail(f"`{name}` is not installed (the scale-out example needs it)")
        pytest.skip(f"`{name}` is not installed")
    return str(found)


@pytest.fixture
def redis_db() -> Iterator[str]:
    """A Redis database number of this test's own (claimed: another suite may run at the same time)."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_BASE, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        if running_under_ci(os.environ):
            pytest.fail(f"Redis is not reachable at {REDIS_BASE}: {error}")
        pytest.skip(f"Redis is not reachable at {REDIS_BASE}")
    with claimed_redis_db(REDIS_BASE) as url:
        yield url


def test_two_runs_at_once_get_redis_databases_of_their_own(redis_db: str) -> None:
    with claimed_redis_db(REDIS_BASE) as other, claimed_redis_db(REDIS_BASE) as third:
        assert len({redis_db, other, third}) == 3


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from postgres_schema_url()


@pytest.fixture
def layout(tmp_path: Path, redis_db: str, postgres_url: str) -> Iterator[tuple[ScaleOut, FakeWeChatAPI]]:
    _required_executable("nginx", nginx_executable())
    _required_executable("chroma", venv_executable("chroma"))
    notices = tmp_path / "notices"
    notices.mkdir()
    (notices / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    (notices / "qh-2025.txt").write_text(NOTICE, encoding="utf-8")
    with FakeWeChatAPI(APP_ID, APP_SECRET) as api:
        settings = {
            "APPLICANT_BOT_DATA_DIR": str(tmp_path / "var"),
            "APPLICANT_BOT_NOTICES": str(notices),
            "APPLICANT_BOT_DATABASE_URL": postgres_url,
            "APPLICANT_BOT_REDIS_URL": redis_db,
            "APPLICANT_BOT_WECHAT_TOKEN": TOKEN,
            "APPLICANT_BOT_WECHAT_APP_ID": APP_ID,
            "APPLICANT_BOT_WECHAT_APP_SECRET": APP_SECRET,
            "APPLICANT_BOT_WECHAT_API_BASE": api.base_url,
            "NO_PROXY": "127.0.0.1,localhost",
        }
        with ScaleOut(tmp_path, settings) as running:
            yield running, api


def _platform(url: str, api: FakeWeChatAPI) -> WeChatPlatform:
    return WeChatPlatform(url + "/wechat", TOKEN, app_id=APP_ID, api=api)


def test_answers_come_through_the_proxy_from_postgres_and_a_retry_on_the_other_instance_is_answered_once(
    layout: tuple[ScaleOut, FakeWeChatAPI], postgres_url: str
) -> None:
    running, api = layout
    user = f"o-{uuid.uuid4().hex[:8]}"
    via_proxy = _platform(running.url, api)
    first, second = (_platform(service.health_url.removesuffix("/healthz"), api) for service in running.serve)

    answered = via_proxy.send_text(user, "青海的申报截止日期是哪天？")
    assert answered.shown is not None and "2025年8月25日" in answered.shown and "出处" in answered.shown

    # WeChat delivers one message to one instance, and again (its answer lost) to the other one; and
    # another message to both instances at the same moment.
    question = first.send_text(user, "报告正文用几号字？")
    retried = second.send_text(user, "报告正文用几号字？", msg_id=question.msg_id)
    msg_id = via_proxy.new_msg_id()
    with ThreadPoolExecutor(max_workers=2) as pool:
        both = list(
            pool.map(lambda p: p.send_text(user, "申报材料的篇幅有限制吗？", msg_id=msg_id), (first, second))
        )

    assert question.shown is not None and "四号宋体" in question.shown
    assert retried.shown in (None, question.shown)  # the same reply again, or nothing new
    shown_once = [delivery for delivery in both if delivery.shown is not None]
    assert len({delivery.shown for delivery in shown_once}) <= 1

    from conversations import Store

    store = Store(postgres_url)
    try:
        transcript = store.transcript("wechat", user)
    finally:
        store.close()
    incoming = [text for direction, text in transcript if direction == "in"]
    assert incoming == ["青海的申报截止日期是哪天？", "报告正文用几号字？", "申报材料的篇幅有限制吗？"]
    assert not list((Path(running.env["APPLICANT_BOT_DATA_DIR"])).glob("*.sqlite3"))  # nothing in SQLite
    for platform in (via_proxy, first, second):
        platform.close()
    # Each message's answer reached the user once, passively or by 客服消息.
    deliveries = [answered, question, both[0] if both[0].shown is not None else both[1]]
    assert judge(deliveries, api.messages(user), stored_turns(postgres_url).answers).ok
