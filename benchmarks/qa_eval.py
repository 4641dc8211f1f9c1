"""Question-answering benchmark over the public question set, against a naive baseline.

    python benchmarks/qa_eval.py [--eval ../shared/eval/qa_public.jsonl] [--notices ../shared/notices]
                                 [--update-readme] [--json FILE]

Measures retrieval hit@1 / hit@5 / MRR, answer correctness (must_contain), refusals of unanswerable
questions, false refusals, warm `ask` latency p50/p95, the wall time of a cold `applicant-bot ask`
process on a built index, and ingest time, for applicant-bot and for the naive baseline in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._baseline import CHUNK_CHARS, NaiveBaseline  # noqa: E402
from benchmarks.eval_set import EvalItem, first_hit_rank, load_eval, retrieval_figures  # noqa: E402
from knowledge import KnowledgeBase, KnowledgeConfig, normalize_text  # noqa: E402

README_BLOCK = "<!-- qa-eval:{name}:{edge} -->"  # one block per question set, e.g. qa-eval:qa_public:start
WARM_ROUNDS = 5
COLD_RUNS = 3


@dataclass
class Figures:
    hit_at_1: float
    hit_at_5: float
    mrr: float
    correctness: float
    refused_unanswerable: float
    false_refusals: float
    warm_p50_ms: float
    warm_p95_ms: float
    cold_ask_s: float | None
    ingest_s: float


def must_contain_ok(item: EvalItem, answer_text: str) -> bool:
    text = re.sub(r"\s+", "", normalize_text(answer_text))
    return all(
        any(re.sub(r"\s+", "", normalize_text(alt)) in text for alt in group) for group in item.must_contain
    )


def retrieval_summary(
    items: list[EvalItem], ranked: list[list[tuple[str, str]]]
) -> tuple[float, float, float]:
    ranks = [first_hit_rank(item, hits) for item, hits in zip(items, ranked, strict=True) if item.answerable]
    figures = retrieval_figures(ranks)
    return figures["hit@1"], figures["hit@5"], figures["mrr"]


def answer_figures(items: list[EvalItem], answers: list[tuple[str, bool]]) -> tuple[float, float, float]:
    answerable = [(i, a) for i, a in zip(items, answers, strict=True) if i.answerable]
    unanswerable = [(i, a) for i, a in zip(items, answers, strict=True) if not i.answerable]
    correct = sum(1 for item, (text, answered) in answerable if answered and must_contain_ok(item, text))
    refused = sum(1 for _item, (_text, answered) in unanswerable if not answered)
    false_refusals = sum(1 for _item, (_text, answered) in answerable if not answered)
    return (
        correct / max(len(answerable), 1),
        refused / max(len(unanswerable), 1),
        false_refusals / max(len(answerable), 1),
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[position]


def timed_calls(call, questions: list[str]) -> list[float]:
    for question in questions:  # warm-up: first-call caches, jieba, the index
        call(question)
    timings = []
    for _ in range(WARM_ROUNDS):
        for question in questions:
            started = time.perf_counter()
            call(question)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def cli_env(data_dir: Path, notices: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLICANT_BOT_")}
    env.update(APPLICANT_BOT_DATA_DIR=str(data_dir), APPLICANT_BOT_NOTICES=str(notices))
    return env


def applicant_bot_command() -> list[str]:
    return [sys.executable, "-m", "bot"]


def measure_ingest_cli(data_dir: Path, notices: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [*applicant_bot_command(), "ingest", "--quiet"],
        env=cli_env(data_dir, notices),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def measure_cold_ask(data_dir: Path, notices: Path, question: str) -> float:
    runs = []
    for _ in range(COLD_RUNS):
        started = time.perf_counter()
        subprocess.run(
            [*applicant_bot_command(), "ask", question, "--json"],
            env=cli_env(data_dir, notices),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def figures_for(
    items: list[EvalItem],
    ranked: list[list[tuple[str, str]]],
    answers: list[tuple[str, bool]],
    ask: Callable[[str], object],
    *,
    cold_ask_s: float | None,
    ingest_s: float,
) -> Figures:
    hit1, hit5, mrr = retrieval_summary(items, ranked)
    correctness, refused, false_refusals = answer_figures(items, answers)
    warm = timed_calls(ask, [item.question for item in items])
    return Figures(
        hit_at_1=hit1,
        hit_at_5=hit5,
        mrr=mrr,
        correctness=correctness,
        refused_unanswerable=refused,
        false_refusals=false_refusals,
        warm_p50_ms=percentile(warm, 0.5),
        warm_p95_ms=percentile(warm, 0.95),
        cold_ask_s=cold_ask_s,
        ingest_s=ingest_s,
    )


def searched_and_answered(
    kb: KnowledgeBase, items: list[EvalItem]
) -> tuple[list[list[tuple[str, str]]], list[tuple[str, bool]]]:
    """Each question's top 5 passages (text, file) and its answer (text, answered)."""
    ranked = [[(hit.chunk.text, hit.chunk.file) for hit in kb.search(item.question, k=5)] for item in items]
    answers = [kb.ask(item.question) for item in items]
    return ranked, [(answer.answer, answer.answered) for answer in answers]


def evaluate_applicant_bot(items: list[EvalItem], notices: Path, data_dir: Path) -> Figures:
    ingest_s = measure_ingest_cli(data_dir, notices)
    kb = KnowledgeBase(KnowledgeConfig(index_dir=data_dir / "index"))
    ranked, answers = searched_and_answered(kb, items)
    return figures_for(
        items,
        ranked,
        answers,
        kb.ask,
        cold_ask_s=measure_cold_ask(data_dir, notices, items[0].question),
        ingest_s=ingest_s,
    )


def evaluate_baseline(items: list[EvalItem], notices: Path) -> Figures:
    baseline = NaiveBaseline(notices)
    ranked = [[(chunk.text, chunk.file) for chunk in baseline.search(item.question, k=5)] for item in items]
    answers = [(baseline.answer(item.question), True) for item in items]
    return figures_for(
        items, ranked, answers, baseline.answer, cold_ask_s=None, ingest_s=baseline.ingest_seconds
    )


ROWS: list[tuple[str, str, str, str]] = [
    # (label, field, format, target)
    ("retrieval hit@1", "hit_at_1", "{:.2f}", "≥ 0.80"),
    ("retrieval hit@5", "hit_at_5", "{:.2f}", "≥ 0.95"),
    ("retrieval MRR", "mrr", "{:.2f}", ""),
    ("answer correctness (must_contain)", "correctness", "{:.2f}", "≥ 0.85"),
    ("unanswerable refused", "refused_unanswerable", "{:.2f}", "≥ 0.90"),
    ("false refusals", "false_refusals", "{:.2f}", "≤ 0.05"),
    ("warm ask p50 (ms)", "warm_p50_ms", "{:.1f}", ""),
    ("warm ask p95 (ms)", "warm_p95_ms", "{:.1f}", "≤ 50"),
    ("cold `ask` process (s)", "cold_ask_s", "{:.2f}", "≤ 3"),
    ("ingest of the sample corpus (s)", "ingest_s", "{:.2f}", "≤ 10"),
]


def table(ours: Figures, baseline: Figures, n_items: int, set_name: str) -> str:
    lines = [
        f"`{set_name}`: {n_items} questions. Baseline: fixed {CHUNK_CHARS}-character chunks of the raw "
        "files, BM25 over jieba tokens, no normalisation, top chunk as the answer, never refuses "
        "(its ingest is in-process, ours is a whole `applicant-bot ingest` process).",
        "",
        "| metric | applicant-bot | naive baseline | target |",
        "| --- | --- | --- | --- |",
    ]
    for label, field, fmt, target in ROWS:
        ours_value = getattr(ours, field)
        base_value = getattr(baseline, field)
        lines.append(
            f"| {label} | {fmt.format(ours_value) if ours_value is not None else 'n/a'} | "
            f"{fmt.format(base_value) if base_value is not None else 'n/a'} | {target} |"
        )
    return "\n".join(lines)


def update_readme(rendered: str, set_name: str) -> None:
    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8")
    start_marker = README_BLOCK.format(name=set_name, edge="start")
    end_marker = README_BLOCK.format(name=set_name, edge="end")
    if start_marker not in text:
        raise SystemExit(f"README.md has no block {start_marker} ... {end_marker}")
    start, end = text.index(start_marker), text.index(end_marker)
    readme.write_text(
        text[: start + len(start_marker)] + "\n" + rendered + "\n" + text[end:], encoding="utf-8"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=REPO.parent / "shared" / "eval" / "qa_public.jsonl")
    parser.add_argument("--notices", type=Path, default=REPO.parent / "shared" / "notices")
    parser.add_argument("--update-readme", action="store_true", help="write the table into README.md")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    items = load_eval(args.eval)
    with tempfile.TemporaryDirectory(prefix="qa-eval-") as tmp:
        ours = evaluate_applicant_bot(items, args.notices, Path(tmp))
    baseline = evaluate_baseline(items, args.notices)
    rendered = table(ours, baseline, len(items), args.eval.name)
    print(rendered)
    if args.json:
        args.json.write_text(
            json.dumps({"applicant_bot": ours.__dict__, "baseline": baseline.__dict__}, indent=2)
        )
    if args.update_readme:
        update_readme(rendered, args.eval.stem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
