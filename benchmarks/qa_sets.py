"""Answer quality over every question set at once: one row per set, and the blind sets pooled.

    python benchmarks/qa_sets.py [--notices ../shared/notices] [--update-readme] [--json FILE]

The sets and their status (public, dev, blind) are listed in `benchmarks/data/question_sets.yaml`.
The index is built once; each set's figures are those of `qa_eval.py` (hit@1, hit@5, answer
correctness, unanswerable questions refused, false refusals) beside the naive baseline's correctness.
The pooled rows count questions, not sets: every blind question weighs the same. Latency, cold start
and ingest time are `qa_eval.py`'s business.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._baseline import NaiveBaseline  # noqa: E402
from benchmarks.eval_set import EvalItem, load_eval  # noqa: E402
from benchmarks.qa_eval import (  # noqa: E402
    answer_figures,
    retrieval_summary,
    searched_and_answered,
    update_readme,
)
from knowledge import KnowledgeBase, KnowledgeConfig  # noqa: E402

SETS_FILE = REPO / "benchmarks" / "data" / "question_sets.yaml"
PUBLIC_DIR = REPO.parent / "shared" / "eval"
README_NAME = "question-sets"  # the README block <!-- qa-eval:question-sets:start -->


class QuestionSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str
    status: Literal["public", "dev", "blind"]
    style: str

    @property
    def path(self) -> Path:
        folder = PUBLIC_DIR if self.status == "public" else SETS_FILE.parent
        return folder / self.file


class QuestionSets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sets: list[QuestionSet]

    @classmethod
    def load(cls, path: Path = SETS_FILE) -> QuestionSets:
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


class Row(BaseModel):
    name: str
    status: str
    questions: int
    hit_at_1: float
    hit_at_5: float
    correctness: float
    refused_unanswerable: float
    false_refusals: float
    baseline_correctness: float


def row_for(name: str, status: str, items: list[EvalItem], kb: KnowledgeBase, baseline: NaiveBaseline) -> Row:
    ranked, answers = searched_and_answered(kb, items)
    hit1, hit5, _mrr = retrieval_summary(items, ranked)
    correctness, refused, false_refusals = answer_figures(items, answers)
    base_correctness, _, _ = answer_figures(items, [(baseline.answer(item.question), True) for item in items])
    return Row(
        name=name,
        status=status,
        questions=len(items),
        hit_at_1=hit1,
        hit_at_5=hit5,
        correctness=correctness,
        refused_unanswerable=refused,
        false_refusals=false_refusals,
        baseline_correctness=base_correctness,
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| set | status | questions | hit@1 | hit@5 | correctness | unanswerable refused | false refusals "
        "| baseline correctness |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row.name} | {row.status} | {row.questions} | {row.hit_at_1:.2f} | {row.hit_at_5:.2f} | "
            f"{row.correctness:.2f} | {row.refused_unanswerable:.2f} | {row.false_refusals:.2f} | "
            f"{row.baseline_correctness:.2f} |"
        )
    lines.append("| target | | | ≥ 0.80 | ≥ 0.95 | ≥ 0.85 | ≥ 0.90 | ≤ 0.05 | |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=Path, default=REPO.parent / "shared" / "notices")
    parser.add_argument("--update-readme", action="store_true", help="write the table into README.md")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()

    question_sets = QuestionSets.load().sets
    loaded = [(qs, load_eval(qs.path)) for qs in question_sets]
    baseline = NaiveBaseline(args.notices)
    with tempfile.TemporaryDirectory(prefix="qa-sets-") as tmp:
        kb = KnowledgeBase(KnowledgeConfig(index_dir=Path(tmp) / "index"))
        kb.ingest(args.notices)
        rows = [row_for(qs.path.stem, qs.status, items, kb, baseline) for qs, items in loaded]
        for status in ("blind", "dev"):
            pooled = [item for qs, items in loaded if qs.status == status for item in items]
            if pooled:
                rows.append(row_for(f"all {status} sets", status, pooled, kb, baseline))
    rendered = table(rows)
    print(rendered)
    if args.json:
        args.json.write_text(json.dumps([row.model_dump() for row in rows], indent=2, ensure_ascii=False))
    if args.update_readme:
        update_readme(rendered, README_NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
