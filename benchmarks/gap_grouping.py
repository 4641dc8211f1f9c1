"""How long grouping gap questions takes: n applicant-style questions (default 5,000) made from the
labelled paraphrases of tests/conversations/data, varied with programme names, greetings and
fillers, so most are new strings, as in a real log.

    python benchmarks/gap_grouping.py [--questions 5000] [--store]

Reports the seconds for the paraphrase terms (jieba, readings; cold caches) and for the grouping,
the number of groups, and the pairwise precision and recall against the intents the questions came from.
With --store the questions are also written to a fresh SQLite question log (refused, from 500
applicants over 30 days) and `GapAnalytics.groups()` is timed end to end: reading the log, detecting
the gaps (re-asks included), grouping, decisions.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from conversations import GapAnalytics, Store  # noqa: E402
from conversations._analytics import GapSettings, TfidfEncoder, group_questions  # noqa: E402
from conversations._store._schema import DialogueStateRow, QuestionLogRow, UserRow  # noqa: E402

LABELLED = REPO / "tests" / "conversations" / "data" / "gap_paraphrases.yaml"
PREFIXES = ["", "请问", "你好，", "老师好，", "想问下", "麻烦问一下，"]
PLACES = ["", "青海的", "连云港", "江苏", "广东省", "常州这边", "我们公司"]
SUFFIXES = ["", "？", "谢谢", "，急", "。"]


def questions(count: int, seed: int = 11) -> tuple[list[str], list[str]]:
    data = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    labelled = [(text, name) for name, texts in data["intents"].items() for text in texts]
    labelled += [(text, f"single-{index}") for index, text in enumerate(data["singletons"])]
    chosen = random.Random(seed)
    texts, labels = [], []
    for _ in range(count):
        text, label = chosen.choice(labelled)
        texts.append(chosen.choice(PREFIXES) + chosen.choice(PLACES) + text + chosen.choice(SUFFIXES))
        labels.append(label)
    return texts, labels


def pairwise(labels: list[str], groups: list[list[int]], sample: int = 400_000) -> tuple[float, float]:
    """Pairwise precision and recall over a random sample of pairs (all pairs of 5,000 is 12.5 M)."""
    group_of = {index: number for number, members in enumerate(groups) for index in members}
    chosen = random.Random(5)
    pairs = (
        itertools.combinations(range(len(labels)), 2)
        if len(labels) < 1000
        else ((chosen.randrange(len(labels)), chosen.randrange(len(labels))) for _ in range(sample))
    )
    true_positive = false_positive = false_negative = 0
    for a, b in pairs:
        if a == b:
            continue
        same, together = labels[a] == labels[b], group_of[a] == group_of[b]
        true_positive += same and together
        false_positive += together and not same
        false_negative += same and not together
    precision = true_positive / (true_positive + false_positive) if true_positive + false_positive else 1.0
    return precision, true_positive / (true_positive + false_negative)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=5000)
    parser.add_argument("--store", action="store_true", help="also time GapAnalytics over a SQLite log")
    args = parser.parse_args()
    texts, labels = questions(args.questions)
    encoder = TfidfEncoder()
    started = time.perf_counter()
    encoder.fit(texts)  # fills the encoder's term cache: the cost of jieba and the readings
    terms_s = time.perf_counter() - started
    started = time.perf_counter()
    grouping = group_questions(texts, encoder, GapSettings().group_similarity)
    grouping_s = time.perf_counter() - started
    precision, recall = pairwise(labels, grouping.groups)
    print(f"{len(texts)} questions ({len(set(texts))} distinct), {len(grouping.groups)} groups")
    print(f"terms: {terms_s:.2f} s  grouping: {grouping_s:.2f} s  total: {terms_s + grouping_s:.2f} s")
    print(f"pairwise precision {precision:.3f}  recall {recall:.3f}")
    if args.store:
        with tempfile.TemporaryDirectory() as directory:
            first, again = store_run(texts, Path(directory))
            print(f"GapAnalytics.groups() over a SQLite log: {first:.2f} s, again {again:.2f} s")
    return 0


def store_run(texts: list[str], directory: Path, applicants: int = 500) -> tuple[float, float]:
    """Seconds of the first `groups()` (cold term caches) and of a second one (the page reloaded)."""
    store = Store(f"sqlite:///{directory / 'gaps.sqlite3'}")
    now = datetime.now(UTC)
    chosen = random.Random(3)
    with store.session() as session, session.begin():
        users = [UserRow(channel="wechat", channel_user_id=f"bench-{number}") for number in range(applicants)]
        session.add_all(users)
        session.flush()
        session.add_all(DialogueStateRow(user_id=user.id, mode="idle", data={}) for user in users)
        for text in texts:
            session.add(
                QuestionLogRow(
                    user_id=chosen.choice(users).id,
                    channel="wechat",
                    question=text,
                    answered=False,
                    kind="not_found",
                    confidence=0.1,
                    latency_ms=5.0,
                    created_at=now - timedelta(minutes=chosen.randrange(30 * 24 * 60)),
                )
            )
    analytics = GapAnalytics(store)
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        analytics.groups()
        timings.append(time.perf_counter() - started)
    store.close()
    return timings[0], timings[1]


if __name__ == "__main__":
    sys.exit(main())
