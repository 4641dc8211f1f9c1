"""How long one dialogue turn takes, on SQLite and on Postgres: users × a scripted self-assessment each,
run by several threads at once, with questions answered from the notice index.

    python benchmarks/dialogue_turns.py [--users 20] [--threads 4] [--postgres URL]

Reports per store: turns, wall time, throughput and the p50 / p95 / p99 of a turn, separately for the
turns that answer a question (they search the index) and those that only move the assessment. Each run
uses a fresh SQLite file and a fresh Postgres schema; the index is the sample corpus's, built once in a
temporary data directory.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.settings import Settings  # noqa: E402
from conversations import Dialogue, Incoming, Store  # noqa: E402
from knowledge import KnowledgeBase  # noqa: E402

SCRIPT = [
    ("question", "青海服务之星申报截止日期是哪天？"),
    ("walk", "/assess qinghai-2025-star"),
    ("walk", "9分"),
    ("walk", "14分"),
    ("question", "报告要近几年的？"),
    ("walk", "15分"),
    ("walk", "10分"),
    ("walk", "10分"),
    ("walk", "20分"),
    ("walk", "20分"),
    ("walk", "/summary"),
]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _run(dialogue: Dialogue, users: int, threads: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"question": [], "walk": []}

    def one_user(number: int) -> None:
        for kind, text in SCRIPT:
            started = time.perf_counter()
            dialogue.handle(Incoming(channel="bench", user_id=f"user-{number}", text=text))
            timings[kind].append((time.perf_counter() - started) * 1000)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one_user, range(users)))
    return timings


def _admin(base: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(
        base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as connection:
        connection.execute(statement)


def _postgres_url(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    _admin(base, f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}", schema


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temp:
        settings = Settings(data_dir=Path(temp) / "data")
        from bot._wiring import knowledge_config

        knowledge = KnowledgeBase(knowledge_config(settings))
        notices = settings.resolved_notices()
        if notices is None:
            print("no notices folder (../shared/notices or APPLICANT_BOT_NOTICES)", file=sys.stderr)
            return 2
        knowledge.ingest(notices)
        knowledge.ask(SCRIPT[0][1])  # warm: the index and its corpus view load once per process
        stores: list[tuple[str, str, str | None]] = [("SQLite", f"sqlite:///{temp}/bench.sqlite3", None)]
        try:
            url, schema = _postgres_url(args.postgres)
            stores.append(("Postgres", url, schema))
        except Exception as error:  # the benchmark still reports SQLite without a server
            print(f"Postgres skipped: {error}", file=sys.stderr)
        print(f"{args.users} users × {len(SCRIPT)} messages, {args.threads} threads")
        print("| store | turns | wall (s) | turns/s | kind | p50 (ms) | p95 (ms) | p99 (ms) |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, url, schema in stores:
            dialogue = Dialogue(Store(url), knowledge, today=settings.effective_today)
            started = time.perf_counter()
            timings = _run(dialogue, args.users, args.threads)
            wall = time.perf_counter() - started
            turns = sum(len(values) for values in timings.values())
            for kind, values in timings.items():
                print(
                    f"| {name} | {turns} | {wall:.1f} | {turns / wall:.0f} | {kind} | "
                    f"{statistics.median(values):.1f} | {_percentile(values, 0.95):.1f} | "
                    f"{_percentile(values, 0.99):.1f} |"
                )
            dialogue.store.close()
            if schema is not None:
                _admin(args.postgres, f'DROP SCHEMA "{schema}" CASCADE')
    return 0


if __name__ == "__main__":
    sys.exit(main())
