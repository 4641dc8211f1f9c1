"""Answer quality over every question set at once: one row per set, and the blind sets pooled.

    python benchmarks/qa_sets.py [--notices ../shared/notices] [--only SET ...] [--update-readme]
                                  [--json FILE]

The sets and their status (public, dev, blind) are listed in `benchmarks/data/question_sets.yaml`.
The index is built once; each set's figures are those of `qa_eval.py` (hit@1, hit@5, answer
correctness, unanswerable questions refused, false refusals) beside the naive baseline's correctness.
The pooled rows count questions, not sets: every blind question weighs the same. Latency, cold start
and ingest time are `qa_eval.py`'s business.

A set's `corpus` says which notices it asks about: `sample` (the sample notices) or the name of a
folder of new notices under `benchmarks/` (`new_notices`, `new_notices_2`): the sample notices plus
that folder's, put in one folder as staff would add next year's notices (the files copied beside the
others and their catalog entries appended, as incomplete as they were registered). Each new-notice
corpus is pooled in a row of its own, never with the blind sets over the sample corpus.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

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
BENCHMARKS = REPO / "benchmarks"
NEW_NOTICES = BENCHMARKS / "new_notices"
PUBLIC_DIR = REPO.parent / "shared" / "eval"
README_NAME = "question-sets"  # the README block <!-- qa-eval:question-sets:start -->


class QuestionSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str
    status: Literal["public", "dev", "blind"]
    style: str
    corpus: str = "sample"
    # False while a blind set is measured but unread: the decision is not fitted on it until its
    # failures have been read (fitting would make its figures optimistic).
    fit: bool = True

    @field_validator("corpus")
    @classmethod
    def _known_corpus(cls, corpus: str) -> str:
        if corpus != "sample" and not (BENCHMARKS / corpus / "catalog.yaml").is_file():
            raise ValueError(f"corpus {corpus!r}: neither 'sample' nor a folder of notices in benchmarks/")
        return corpus

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


def new_notice_corpus(sample: Path, target: Path, new: Path = NEW_NOTICES) -> Path:
    """`target` filled as staff would add the new notices to the sample folder: every file of both,
    and one catalog.yaml listing the sample's entries, then the new folder's (as registered)."""
    target.mkdir(parents=True, exist_ok=True)
    documents: list[dict] = []
    for folder in (sample, new):
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.name not in ("catalog.yaml", "README.md", "facts.yaml"):
                shutil.copy2(path, target / path.name)
        catalog = folder / "catalog.yaml"
        if catalog.is_file():
            documents.extend((yaml.safe_load(catalog.read_text(encoding="utf-8")) or {}).get("documents", []))
    (target / "catalog.yaml").write_text(
        yaml.safe_dump({"documents": documents}, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return target


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
    parser.add_argument("--only", nargs="+", metavar="SET", help="run only these sets (by file stem)")
    parser.add_argument("--update-readme", action="store_true", help="write the table into README.md")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()

    question_sets = [qs for qs in QuestionSets.load().sets if not args.only or qs.path.stem in args.only]
    loaded = [(qs, load_eval(qs.path)) for qs in question_sets]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="qa-sets-") as tmp:
        folders = {"sample": args.notices}
        for corpus in sorted({qs.corpus for qs in question_sets} - {"sample"}):
            target = Path(tmp) / f"corpus-{corpus}"
            folders[corpus] = new_notice_corpus(args.notices, target, BENCHMARKS / corpus)
        by_corpus: dict[str, tuple[KnowledgeBase, NaiveBaseline]] = {}
        for corpus, folder in folders.items():
            if not any(qs.corpus == corpus for qs in question_sets):
                continue
            kb = KnowledgeBase(KnowledgeConfig(index_dir=Path(tmp) / f"index-{corpus}"))
            kb.ingest(folder)
            by_corpus[corpus] = (kb, NaiveBaseline(folder))
        for qs, items in loaded:
            rows.append(row_for(qs.path.stem, qs.status, items, *by_corpus[qs.corpus]))
        for status in ("blind", "dev"):
            pooled = [
                item
                for qs, items in loaded
                if qs.status == status and qs.corpus == "sample"
                for item in items
            ]
            if pooled:
                rows.append(row_for(f"all {status} sets", status, pooled, *by_corpus["sample"]))
        for corpus in sorted(by_corpus.keys() - {"sample"}):
            new_sets = [item for qs, items in loaded if qs.corpus == corpus for item in items]
            # blind only while none of its sets has had its failures read
            statuses = {qs.status for qs, _ in loaded if qs.corpus == corpus}
            status = "blind" if statuses == {"blind"} else "dev"
            rows.append(row_for(f"new-notice corpus ({corpus})", status, new_sets, *by_corpus[corpus]))
    rendered = table(rows)
    print(rendered)
    if args.json:
        args.json.write_text(json.dumps([row.model_dump() for row in rows], indent=2, ensure_ascii=False))
    if args.update_readme:
        update_readme(rendered, README_NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
