"""WeChat reliability on loopback: N users × M messages through WeChat's own protocol, retries injected.

    python benchmarks/wechat_reliability.py [--users 50] [--messages 6]
        [--scenario normal|stalled-llm|kill-worker] [--layout default|scale-out]
        [--lost-rate 0.1] [--safe-mode] [--keep DIR]

Starts the bot as deployed (``applicant-bot serve --workers 2``: default layout, SQLite and a Chroma
directory in its own data dir, the index built before; or ``--layout scale-out``: the ``deploy/`` example,
Postgres in a schema of its own, a Chroma server, Redis, two instances behind nginx), a fake WeChat API
(access_token, 客服消息 with WeChat's limits) and a simulated WeChat platform: signed messages with a 5 s
timeout and up to 3 retries of the same MsgId, plus retries after an answer lost on the way back
(``--lost-rate``). Each user asks notice questions and walks part of a self-assessment (/assess, the form,
answers), all users at once. Then it reports, from what each user saw (passive replies and 客服消息) and
what the bot stored:

- lost (a message whose answer the user never saw) and duplicated answers (the same answer shown twice);
- passive reply p50/p95/p99 (every HTTP delivery, timeouts counted at their length) and throughput;
- normal: the passive p95 against a bare FastAPI echo app on the same uvicorn settings, and against
  ``KnowledgeBase.ask`` called in-process on the same questions;
- stalled-llm: an LLM endpoint that takes 10 s: every passive reply within 4.5 s (p99), the answer once;
- kill-worker: ``kill -9`` of one worker mid-run: no acknowledged message and no assessment answer lost.

Targets (issue 10): 0 lost, 0 duplicated; normal: p95 ≤ 200 ms; stalled-llm: p99 ≤ 4.5 s. The exit status
is 1 when one is missed. The table is markdown, for the README.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.qa_eval import percentile  # noqa: E402
from benchmarks.wechat import (  # noqa: E402
    Delivery,
    FakeWeChatAPI,
    Service,
    StallingLLM,
    WeChatPlatform,
    assessment_inputs,
    free_port,
    judge,
    serve_command,
    stored_turns,
)
from benchmarks.wechat._deploy import ScaleOut, claimed_redis_db  # noqa: E402

TOKEN = "bench-wechat-token"
APP_ID = "wxbench0000000000"
APP_SECRET = "bench-app-secret"
AES_KEY = "YXBwbGljYW50LWJvdCB3ZWNoYXQgYmVuY2htYXJrISE"  # 43 characters, as WeChat issues them
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
STALL_S = 10.0
SETTLE_LIMIT_S = 60.0  # an answer not seen a minute after the last message counts as lost
TARGET_P95_MS = 200.0
TARGET_STALLED_P99_S = 4.5

QUESTIONS = [
    "青海服务之星申报截止日期是哪天？",
    "连云港服务之星申报需要哪些材料？",
    "申报材料一式几份？",
    "报告要近几年的？",
    "青海用户满意服务之星的申报条件是什么？",
    "连云港2016年服务之星怎么评选？",
    "江苏用户满意服务明星的创建目标是什么？",
    "广东省用户满意服务明星由谁组织？",
]
WALK = ["/assess", "/assess qinghai-2025-star", "9分", "14分", "15分", "10分", "10分", "20分", "20分"]
ANSWERS = {"9分", "14分", "15分", "10分", "20分"}  # the walk's scores: each must reach the assessment


def script(user: int, messages: int) -> list[str]:
    """A user's messages: a question, the walk started, then answers with a question in between."""
    questions = [QUESTIONS[(user + n) % len(QUESTIONS)] for n in range(len(QUESTIONS))]
    order = [questions[0], *WALK[:3], questions[1], *WALK[3:]]
    extra = iter(questions[2:] * 4)
    while len(order) < messages:
        order.append(next(extra))
    return order[:messages]


@dataclass
class Bot:
    """Where the bot under test answers, and what it was started with."""

    url: str
    database_url: str
    settings: dict[str, str]
    services: list[Service]  # the serve processes (one per instance)
    data_dir: Path


@dataclass
class Run:
    deliveries: list[Delivery] = field(default_factory=list)
    wall_s: float = 0.0
    killed: list[int] = field(default_factory=list)


# --- the bot, in either layout -----------------------------------------------------------------------


def bot_settings(
    api: FakeWeChatAPI, data_dir: Path, args: argparse.Namespace, llm: StallingLLM | None
) -> dict[str, str]:
    settings = {
        "APPLICANT_BOT_DATA_DIR": str(data_dir),
        "APPLICANT_BOT_WECHAT_TOKEN": TOKEN,
        "APPLICANT_BOT_WECHAT_APP_ID": APP_ID,
        "APPLICANT_BOT_WECHAT_APP_SECRET": APP_SECRET,
        "APPLICANT_BOT_WECHAT_API_BASE": api.base_url,
        "APPLICANT_BOT_WECHAT_CUSTOMER_SERVICE": "true",
        "APPLICANT_BOT_WECHAT_AES_KEY": AES_KEY if args.safe_mode else "",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    if llm is not None:
        # The model's answer is waited for (it is slow, not broken): it must arrive once, by 客服消息.
        settings |= {
            "APPLICANT_BOT_LLM_BASE_URL": llm.base_url,
            "APPLICANT_BOT_LLM_MODEL": "stalling-model",
            "APPLICANT_BOT_LLM_API_KEY": "bench",
            "APPLICANT_BOT_LLM_TIMEOUT_S": str(STALL_S + 10),
        }
    notices = os.environ.get("APPLICANT_BOT_NOTICES") or str(REPO.parent / "shared" / "notices")
    settings["APPLICANT_BOT_NOTICES"] = notices
    return settings


@contextlib.contextmanager
def default_layout(root: Path, settings: dict[str, str], workers: int) -> Iterator[Bot]:
    import subprocess

    env = {**os.environ, **settings, "APPLICANT_BOT_DATA_DIR": str(root / "data")}
    env.pop("APPLICANT_BOT_DATABASE_URL", None)
    env.pop("APPLICANT_BOT_REDIS_URL", None)
    env.pop("APPLICANT_BOT_CHROMA_HOST", None)
    subprocess.run(
        [sys.executable, "-m", "bot", "ingest"], env=env, cwd=REPO, check=True, capture_output=True
    )
    port = free_port()
    serve = Service(
        "serve",
        serve_command(port, workers),
        health_url=f"http://127.0.0.1:{port}/healthz",
        log_path=root / "logs" / "serve.log",
        env=env,
        cwd=REPO,
    )
    with serve:
        from conversations import default_database_url

        yield Bot(
            f"http://127.0.0.1:{port}", default_database_url(root / "data"), env, [serve], root / "data"
        )


@contextlib.contextmanager
def scale_out_layout(root: Path, settings: dict[str, str]) -> Iterator[Bot]:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    database_url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    try:
        with claimed_redis_db() as redis_url:
            overrides = {
                **settings,
                "APPLICANT_BOT_DATABASE_URL": database_url,
                "APPLICANT_BOT_REDIS_URL": redis_url,
            }
            overrides["APPLICANT_BOT_DATA_DIR"] = str(root / "var")
            with ScaleOut(root, overrides) as layout:
                yield Bot(layout.url, database_url, layout.env, layout.serve, root / "var")
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


# --- the load ----------------------------------------------------------------------------------------


def drive(
    platform: WeChatPlatform,
    users: list[str],
    messages: int,
    think_s: float,
    sent_counter: list[int] | None = None,
) -> Run:
    run = Run()
    lock = threading.Lock()

    def one_user(number: int) -> None:
        pause = random.Random(number)
        time.sleep(pause.uniform(0, think_s))  # users arrive over the first pause, not all at one instant
        for text in script(number, messages):
            platform.send_text(users[number], text)
            if think_s:  # reading the reply and typing the next message
                time.sleep(pause.uniform(0.5, 1.5) * think_s)
            if sent_counter is not None:
                with lock:
                    sent_counter[0] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        list(pool.map(one_user, range(len(users))))
    run.wall_s = time.perf_counter() - started
    run.deliveries = list(platform.deliveries)
    return run


def warm_up(bot: Bot, platform: WeChatPlatform, workers: int) -> float:
    """Questions from users outside the run, several per worker at once, so each worker has loaded the index
    before the measured load (a fresh worker's first question loads it). Returns the slowest, in ms."""
    texts = [QUESTIONS[n % len(QUESTIONS)] for n in range(workers * 4)]
    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        warm = list(
            pool.map(
                lambda n: platform.send_text(f"warm-{uuid.uuid4().hex[:8]}", texts[n]), range(len(texts))
            )
        )
    platform.deliveries.clear()
    return max(attempt.latency_s for delivery in warm for attempt in delivery.attempts) * 1000


def kill_a_worker_midway(bot: Bot, total: int, sent: list[int], killed: list[int]) -> threading.Thread:
    """kill -9 one worker once a third of the messages are out (uvicorn restarts it; an instance with no
    separate workers is killed whole and restarted, as systemd's Restart=always would)."""

    def watch() -> None:
        while sent[0] < total // 3:
            time.sleep(0.05)
        service = bot.services[0]
        workers = service.worker_pids()
        victim = random.choice(workers) if workers else service.pid
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        if not workers:
            time.sleep(2)
            service.process = None
            service.start()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def settle(api: FakeWeChatAPI, deliveries: list[Delivery], database_url: str, limit_s: float) -> float:
    """Wait for the answers still on their way (pushed when the dialogue is done): until every message's
    answer was seen, or `limit_s`. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        if not judge(deliveries, api.messages(), stored_turns(database_url).answers).lost:
            break
        time.sleep(1.0)
    return time.monotonic() - started


# --- what the store holds ------------------------------------------------------------------------------


def lost_assessment_answers(database_url: str, deliveries: list[Delivery]) -> list[str]:
    """Scores a user sent (and the bot acknowledged) that are missing from their assessment's history."""
    sent: dict[str, list[str]] = {}
    for delivery in deliveries:
        if delivery.content in ANSWERS and delivery.acknowledged:
            sent.setdefault(delivery.openid, []).append(delivery.content)
    missing = []
    for openid, scores in sent.items():
        recorded = assessment_inputs(database_url, openid)
        for score in scores:
            if score in recorded:
                recorded.remove(score)
            else:
                missing.append(f"{openid}: {score}")
    return missing


def dump(path: Path, deliveries: list[Delivery], api: FakeWeChatAPI) -> None:
    """Every delivery and 客服消息 as JSON lines, to look into a run (with --keep)."""
    import dataclasses
    import json

    with path.open("w", encoding="utf-8") as out:
        for delivery in deliveries:
            out.write(json.dumps({"delivery": dataclasses.asdict(delivery)}, ensure_ascii=False) + "\n")
        for message in api.messages():
            out.write(json.dumps({"custom": dataclasses.asdict(message)}, ensure_ascii=False) + "\n")
        out.write(json.dumps({"api_requests": dict(api.requests)}) + "\n")
        out.write(json.dumps({"tokens": {"issued": api.issued_tokens, "refused": api.refused_tokens}}) + "\n")
        for openid, errcode in api.refused():
            out.write(json.dumps({"refused": {"openid": openid, "errcode": errcode}}) + "\n")


# --- baselines ----------------------------------------------------------------------------------------


def echo_p95_ms(root: Path, users: int, messages: int, workers: int, think_s: float) -> float:
    """The same load against a bare FastAPI echo app on the same uvicorn settings."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "benchmarks.wechat._echo:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "APPLICANT_BOT_WECHAT_TOKEN": TOKEN, "PYTHONPATH": str(REPO)}
    with Service(
        "echo",
        command,
        health_url=f"http://127.0.0.1:{port}/healthz",
        log_path=root / "logs" / "echo.log",
        env=env,
        cwd=REPO,
    ):
        platform = WeChatPlatform(f"http://127.0.0.1:{port}/wechat", TOKEN)
        run = drive(platform, [f"echo-{n}" for n in range(users)], messages, think_s)
        platform.close()
    return percentile([a.latency_s * 1000 for d in run.deliveries for a in d.attempts], 0.95)


def ask_p95_ms(bot: Bot, questions: list[str]) -> float:
    """`KnowledgeBase.ask` in this process on the same questions (the index the bot serves, warmed)."""
    from bot._wiring import knowledge_base
    from bot.settings import Settings

    extractive = {
        key: value
        for key, value in bot.settings.items()
        if key.startswith("APPLICANT_BOT_") and value and not key.startswith("APPLICANT_BOT_LLM_")
    }
    saved = dict(os.environ)
    os.environ.update(extractive)
    try:
        kb = knowledge_base(Settings())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    kb.ask(questions[0])
    timings = []
    for question in questions:
        started = time.perf_counter()
        kb.ask(question)
        timings.append((time.perf_counter() - started) * 1000)
    return percentile(timings, 0.95)


# --- the run ------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=None, help="default 50 (stalled-llm: 10)")
    parser.add_argument("--messages", type=int, default=None, help="per user; default 6 (stalled-llm: 3)")
    parser.add_argument("--scenario", choices=["normal", "stalled-llm", "kill-worker"], default="normal")
    parser.add_argument("--layout", choices=["default", "scale-out"], default="default")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (default layout)")
    parser.add_argument(
        "--think-s",
        type=float,
        default=2.0,
        help="a user's pause between a reply and their next message, on average (0: as fast as answered)",
    )
    parser.add_argument("--lost-rate", type=float, default=0.1, help="share of answers lost on the way back")
    parser.add_argument("--safe-mode", action="store_true", help="AES safe mode (msg_signature, <Encrypt>)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="keep logs and data in this directory")
    args = parser.parse_args()
    stalled = args.scenario == "stalled-llm"
    users = args.users or (10 if stalled else 50)
    messages = args.messages or (3 if stalled else 6)

    with contextlib.ExitStack() as stack:
        if args.keep is not None:
            root = args.keep
            root.mkdir(parents=True, exist_ok=True)
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wechat-bench-")))
        api = stack.enter_context(FakeWeChatAPI(APP_ID, APP_SECRET))
        llm = stack.enter_context(StallingLLM(STALL_S)) if stalled else None
        settings = bot_settings(api, root / "data", args, llm)
        layout = (
            scale_out_layout(root, settings)
            if args.layout == "scale-out"
            else default_layout(root, settings, args.workers)
        )
        bot = stack.enter_context(layout)
        run_id = uuid.uuid4().hex[:6]
        openids = [f"o{run_id}{n:03d}" for n in range(users)]
        platform = WeChatPlatform(
            bot.url + "/wechat",
            TOKEN,
            app_id=APP_ID,
            aes_key=AES_KEY if args.safe_mode else None,
            api=api,
            lost_response_rate=args.lost_rate,
            seed=args.seed,
        )
        cold_ms = warm_up(bot, platform, args.workers * len(bot.services))
        sent = [0]
        killed: list[int] = []
        watcher = (
            kill_a_worker_midway(bot, users * messages, sent, killed)
            if args.scenario == "kill-worker"
            else None
        )
        run = drive(platform, openids, messages, args.think_s, sent_counter=sent)
        if watcher is not None:
            watcher.join(timeout=30)
        waited = settle(api, run.deliveries, bot.database_url, limit_s=SETTLE_LIMIT_S)
        platform.close()
        stored = stored_turns(bot.database_url)
        verdict = judge(run.deliveries, api.messages(), stored.answers)
        attempts = [a for d in run.deliveries for a in d.attempts]
        latencies = [a.latency_s * 1000 for a in attempts]
        p50, p95, p99 = (percentile(latencies, share) for share in (0.5, 0.95, 0.99))
        errors = sum(1 for a in attempts if a.status not in (None, 200) or a.error.startswith("unreadable"))
        retries = sum(len(d.attempts) - 1 for d in run.deliveries)
        problems: list[str] = []
        if verdict.lost:
            problems.append(f"{len(verdict.lost)} lost: {verdict.lost[:5]}")
        if verdict.duplicates:
            problems.append(f"{len(verdict.duplicates)} duplicated: {verdict.duplicates[:5]}")
        if errors:
            problems.append(f"{errors} error responses")
        ratios = ""
        if args.scenario == "normal":
            if p95 > TARGET_P95_MS:
                problems.append(f"passive p95 {p95:.0f} ms > {TARGET_P95_MS:.0f} ms")
            echo = echo_p95_ms(root, users, messages, args.workers, args.think_s)
            asked = [d.content for d in run.deliveries if d.content in QUESTIONS]
            ask = ask_p95_ms(bot, asked)
            ratios = f"{p95 / echo:.1f}× echo ({echo:.1f} ms), {p95 / ask:.1f}× ask ({ask:.1f} ms)"
        if stalled:
            if p99 > TARGET_STALLED_P99_S * 1000:
                problems.append(f"passive p99 {p99 / 1000:.2f} s > {TARGET_STALLED_P99_S} s")
            if llm is not None and llm.completions == 0:
                problems.append("the LLM was never asked: the scenario did not stall anything")
        if args.scenario == "kill-worker":
            acknowledged = [d.msg_id for d in run.deliveries if d.acknowledged]
            unstored = [m for m in acknowledged if not stored.handled.get(m)]
            scores = lost_assessment_answers(bot.database_url, run.deliveries)
            if not killed:
                problems.append("no worker was killed")
            if unstored:
                problems.append(
                    f"{len(unstored)} acknowledged messages not handled in the store: {unstored[:5]}"
                )
            if scores:
                problems.append(f"{len(scores)} assessment answers lost: {scores[:5]}")

        if args.keep is not None:
            dump(root / "deliveries.jsonl", run.deliveries, api)
        pushed = len(api.messages())
        mode = "safe mode" if args.safe_mode else "plaintext"
        print(
            f"{users} users × {messages} messages, {args.scenario}, {args.layout} layout, {mode}, "
            f"think time {args.think_s:g} s, lost-answer retries {args.lost_rate:.0%}, "
            f"answers all seen {waited:.0f} s after the load, slowest cold reply {cold_ms:.0f} ms"
            + (f", killed pid {killed}" if killed else "")
        )
        print(
            "| scenario | layout | messages | retries | lost | duplicated | 客服消息 | token requests | "
            "p50 (ms) | p95 (ms) | p99 (ms) | msgs/s | p95 ratio |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        print(
            f"| {args.scenario} | {args.layout} | {len(run.deliveries)} | {retries} | {len(verdict.lost)} | "
            f"{len(verdict.duplicates)} | {pushed} | {api.token_requests} | "
            f"{p50:.1f} | {p95:.1f} | {p99:.1f} | "
            f"{len(run.deliveries) / run.wall_s:.1f} | {ratios or '—'} |"
        )
        for problem in problems:
            print(f"TARGET MISSED: {problem}", file=sys.stderr)
        return 1 if problems else 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
