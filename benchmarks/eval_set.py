"""The public question set (../shared/eval/qa_public.jsonl) and the README's rule for a retrieval hit.

Run as a script, it indexes the sample notices and prints hit@1 / hit@5 / MRR per retrieval
channel (BM25 alone, the vector channel alone, the fusion the bot uses)::

    python benchmarks/eval_set.py [--eval FILE.jsonl ...] [--notices DIR] [-v]

Several --eval files are indexed once and reported one after the other.

A retrieved passage counts as a hit when it contains the evidence (or an alt_evidence) of the same
file, ignoring whitespace and punctuation width, or holds at least half of it where a chunk
boundary cuts through it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from knowledge._normalize import comparison_key


class AltEvidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_file: str
    evidence: str


class EvalItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    question: str
    answerable: bool
    answer: str
    source_file: str | None = None
    evidence: str | None = None
    alt_evidence: list[AltEvidence] = Field(default_factory=list)
    must_contain: list[list[str]] = Field(default_factory=list)
    scope: str = ""
    tags: list[str] = Field(default_factory=list)

    def evidence_in(self, file: str) -> list[str]:
        """The passages that answer this question in `file` (none for other files)."""
        found = [self.evidence] if self.evidence and self.source_file == file else []
        found += [alt.evidence for alt in self.alt_evidence if alt.source_file == file]
        return found


def load_eval(path: Path) -> list[EvalItem]:
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                items.append(EvalItem.model_validate_json(line))
            except ValueError as exc:
                raise ValueError(f"{path} 第 {number} 行不是有效的题目：{exc}") from exc
    return items


def evidence_hit(item: EvalItem, chunk_text: str, chunk_file: str) -> bool:
    # comparison_key: normalised as on ingest, punctuation width folded (NFKC), whitespace removed.
    chunk = comparison_key(chunk_text)
    return any(_holds(chunk, comparison_key(evidence)) for evidence in item.evidence_in(chunk_file))


def _holds(chunk: str, evidence: str) -> bool:
    """Whole evidence inside the chunk, or at least half of it cut by the chunk's start or end."""
    if not evidence or not chunk:
        return False
    if evidence in chunk:
        return True
    half = (len(evidence) + 1) // 2
    # The chunk ends inside the evidence: its tail is a prefix of the evidence.
    if any(chunk.endswith(evidence[:m]) for m in range(len(evidence) - 1, half - 1, -1)):
        return True
    # The chunk starts inside the evidence: its head is a suffix of the evidence.
    if any(chunk.startswith(evidence[-m:]) for m in range(len(evidence) - 1, half - 1, -1)):
        return True
    # The chunk lies wholly inside a long evidence, cut on both sides.
    return len(chunk) >= half and chunk in evidence


# --- retrieval per channel: python benchmarks/eval_set.py [--eval FILE] [--notices DIR] [-v] ---


def first_hit_rank(item: EvalItem, hits: list[tuple[str, str]]) -> int | None:
    """1-based rank of the first (text, file) pair that holds the item's evidence."""
    return next(
        (rank for rank, (text, file) in enumerate(hits, start=1) if evidence_hit(item, text, file)), None
    )


def retrieval_figures(ranks: list[int | None]) -> dict[str, float]:
    n = max(len(ranks), 1)
    return {
        "hit@1": sum(1 for rank in ranks if rank == 1) / n,
        "hit@5": sum(1 for rank in ranks if rank is not None and rank <= 5) / n,
        "mrr": sum(1 / rank for rank in ranks if rank is not None) / n,
    }


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys
    import tempfile

    from knowledge import KnowledgeConfig
    from knowledge._index import ingest_folder
    from knowledge._retrieval import FusionParams, Retriever

    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(
        description="hit@1 / hit@5 / MRR of BM25, the vector channel and the fusion"
    )
    parser.add_argument(
        "--eval", type=Path, action="append", help="question file (repeatable; default: the public set)"
    )
    parser.add_argument("--notices", type=Path, default=repo.parent / "shared" / "notices")
    parser.add_argument("--depth", type=int, default=20, help="ranks looked at per question")
    parser.add_argument("-v", "--per-question", action="store_true")
    args = parser.parse_args(argv)

    eval_files = args.eval or [repo.parent / "shared" / "eval" / "qa_public.jsonl"]
    question_sets = {path: [item for item in load_eval(path) if item.answerable] for path in eval_files}
    with tempfile.TemporaryDirectory() as tmp:
        config = KnowledgeConfig(index_dir=Path(tmp) / "index")
        report = ingest_folder(args.notices, config)
        print(f"indexed {report.chunks} chunks of {report.files_seen} files in {report.seconds:.2f} s")
        channels = {
            "bm25": FusionParams(vector_weight=0.0),
            "vector": FusionParams(lexical_weight=0.0, vector_weight=1.0),
            "fused": FusionParams(),
        }
        for path, items in question_sets.items():
            print(f"{path} ({len(items)} answerable questions)")
            for name, fusion in channels.items():
                retriever = Retriever.from_config(config, fusion=fusion)
                ranks = []
                for item in items:
                    hits = retriever.search(item.question, k=args.depth)
                    ranks.append(first_hit_rank(item, [(hit.chunk.text, hit.chunk.file) for hit in hits]))
                retriever.close()
                figures = retrieval_figures(ranks)
                print(f"{name:7s} " + "  ".join(f"{key} {value:.3f}" for key, value in figures.items()))
                if args.per_question:
                    for item, rank in zip(items, ranks, strict=True):
                        print(f"    {item.id:5s} rank {rank if rank else '-':>2}  {item.question}")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
