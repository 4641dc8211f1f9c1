"""The public question set (../shared/eval/qa_public.jsonl) and the README's rule for a retrieval hit.

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
