"""What consulting the curated answers costs each question: it runs before every ask.

    python benchmarks/curated_lookup.py [--answers 500] [--questions 300] [--postgres URL]

Fills a fresh store with `--answers` curated answers (three phrasings each, built from a grid of
topics and wordings), then reports per store: the p50 / p95 / p99 of a warm lookup (the freshness
query plus the match), for questions that match and for questions that do not; the first lookup
of a process (it tokenises every phrasing) and the first after a staff edit (it refits the matcher).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from itertools import product
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402

from conversations import CuratedAnswerStore, Store  # noqa: E402
from knowledge import normalize_text  # noqa: E402

PLACES = ["连云港", "青海", "常州", "广东", "海安", "玉树", "南京", "苏州", "无锡", "扬州"]
SUBJECTS = ["服务之星", "用户满意班组", "质量奖", "满意企业", "QC小组"]
TOPICS = [
    ("申报截止时间是哪天", "截止日期是什么时候", "最晚几号交材料"),
    ("申报材料寄到哪里", "材料邮寄地址在哪", "材料交到什么地方"),
    ("参加评选收费吗", "申报要交钱吗", "评选免费吗"),
    ("申报材料要几份", "材料一式几份", "要交多少份材料"),
    ("评审结果什么时候公布", "什么时候出结果", "名单哪天公示"),
    ("联系人电话是多少", "咨询电话是多少", "找谁咨询"),
    ("自评分数要多少分", "自评多少分才能报", "自评分数线是多少"),
    ("申报条件有哪些", "什么人可以申报", "申报要满足什么条件"),
    ("需要盖章吗", "申报表要盖公章吗", "材料要不要盖章"),
    ("获奖有奖金吗", "获奖以后有什么奖励", "奖金多少"),
]


def fill(store: CuratedAnswerStore, count: int) -> list[str]:
    """`count` answers; returns one applicant wording per answer (its third phrasing, reworded)."""
    asked = []
    for number, (place, subject, topic) in enumerate(product(PLACES, SUBJECTS, TOPICS)):
        if number >= count:
            break
        first, second, third = topic
        store.add(
            question=f"{place}{subject}{first}",
            answer=f"{place}{subject}：协会的答复 {number}。",
            phrasings=[f"{place}{subject}{second}", f"{place}{second}"],
            by="benchmark",
        )
        asked.append(normalize_text(f"请问{place}的{subject}{third}"))
    return asked


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(url: str, answers: int, questions: int) -> None:
    store = Store(url)
    curated = CuratedAnswerStore(store)
    asked = fill(curated, answers)
    misses = [normalize_text(f"{place}的网上申报系统密码忘了怎么办") for place in PLACES]
    started = time.perf_counter()
    curated.lookup(asked[0], programme=None)
    rebuild_ms = (time.perf_counter() - started) * 1000
    for kind, pool in (("matching", asked), ("not matching", misses)):
        timings, matched = [], 0
        for index in range(questions):
            started = time.perf_counter()
            found = curated.lookup(pool[index % len(pool)], programme=None)
            timings.append((time.perf_counter() - started) * 1000)
            matched += found is not None
        print(
            f"  {kind:<13} p50 {statistics.median(timings):6.2f} ms"
            f"  p95 {percentile(timings, 0.95):6.2f} ms  p99 {percentile(timings, 0.99):6.2f} ms"
            f"  answered {matched}/{questions}"
        )
    first = curated.all()[0]
    curated.edit(first.id, answer=first.answer + "（已更新）", by="benchmark")
    started = time.perf_counter()
    curated.lookup(asked[0], programme=None)
    refit_ms = (time.perf_counter() - started) * 1000
    print(f"  first lookup (every phrasing tokenised): {rebuild_ms:.1f} ms ({answers} answers)")
    print(f"  first lookup after a staff edit: {refit_ms:.1f} ms")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=500)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--postgres", help="a Postgres URL (a fresh schema is created and dropped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(f"SQLite ({args.answers} answers)")
        measure(f"sqlite:///{Path(folder) / 'curated.sqlite3'}", args.answers, args.questions)
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        engine = create_engine(args.postgres)
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            print(f"Postgres ({args.answers} answers)")
            separator = "&" if "?" in args.postgres else "?"
            measure(
                f"{args.postgres}{separator}options=-csearch_path%3D{schema}", args.answers, args.questions
            )
        finally:
            with engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            engine.dispose()


if __name__ == "__main__":
    main()
