"""The data that flows through knowledge/: catalog entries, chunks, search hits, answers."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SECTION_SEPARATOR = " › "
# Between the cells of a table row in a chunk's text: a tab, as the notices' own layout has it, so
# a quote stays the source's text (whitespace aside); answers show it as " | ".
CELL_SEPARATOR = "\t"


class DocumentMeta(BaseModel):
    """What the association registers for one notice file (one entry of catalog.yaml)."""

    model_config = ConfigDict(extra="ignore")

    file: str
    title: str = ""  # filled from the text's title line when the catalog leaves it out
    doc_number: str | None = None
    issuer: str | None = None
    region: str | None = None
    published: date | int | str | None = None
    programme: str | None = None
    kind: str | None = None
    # The year of the award the notice is about ("2008年度…" in a notice published in 2009).
    programme_year: int | None = None

    @property
    def year(self) -> int | None:
        """The programme year: as registered or read from the title, else from the programme id
        (``...-2016-...``), else the publication date."""
        if self.programme_year is not None:
            return self.programme_year
        if (from_id := self.year_from_programme()) is not None:
            return from_id
        return self.published_year

    def year_from_programme(self) -> int | None:
        for part in (self.programme or "").split("-"):
            if part.isdigit() and len(part) == 4:
                return int(part)
        return None

    @property
    def published_year(self) -> int | None:
        if isinstance(self.published, date):
            return self.published.year
        if isinstance(self.published, int):
            return self.published
        if isinstance(self.published, str) and self.published[:4].isdigit():
            return int(self.published[:4])
        return None


class Catalog(BaseModel):
    documents: list[DocumentMeta] = Field(default_factory=list)

    def by_file(self) -> dict[str, DocumentMeta]:
        return {doc.file: doc for doc in self.documents}


class Chunk(BaseModel):
    """One passage of a notice, cut along the notice's own structure."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    section: str  # e.g. "附件3-4 › 顾客认可 › 服务模式得到认可和好评"
    file: str
    title: str
    programme: str | None = None
    region: str | None = None
    year: int | None = None
    kind: str | None = None
    order: int = 0  # position of the chunk within its file

    @staticmethod
    def make_id(file: str, section: str, text: str) -> str:
        """Stable id from the content, so unchanged passages keep their id across re-ingests."""
        digest = hashlib.sha1(f"{file}\x00{section}\x00{text}".encode()).hexdigest()
        return digest[:20]

    def metadata(self) -> dict[str, str | int]:
        """Flat metadata for the vector store (no None values: Chroma rejects them)."""
        raw: dict[str, str | int] = {
            "section": self.section,
            "file": self.file,
            "title": self.title,
            "programme": self.programme or "",
            "region": self.region or "",
            "year": self.year or 0,
            "kind": self.kind or "",
            "order": self.order,
        }
        return raw

    @classmethod
    def from_metadata(cls, chunk_id: str, text: str, meta: dict) -> Chunk:
        return cls(
            id=chunk_id,
            text=text,
            section=str(meta.get("section", "")),
            file=str(meta.get("file", "")),
            title=str(meta.get("title", "")),
            programme=meta.get("programme") or None,
            region=meta.get("region") or None,
            year=int(meta.get("year") or 0) or None,
            kind=meta.get("kind") or None,
            order=int(meta.get("order") or 0),
        )


class SearchHit(BaseModel):
    chunk: Chunk
    score: float  # fused score, higher is better
    lexical_rank: int | None = None  # 1-based rank in the BM25 list, None when absent
    vector_rank: int | None = None  # 1-based rank in the vector list, None when absent
    lexical_score: float = 0.0


class Citation(BaseModel):
    file: str
    title: str
    section: str
    quote: str


# The three replies: a cited answer; the most relevant rule, quoted and labelled as related
# (answered, lower confidence); "the notices do not say" (the only one not answered).
ReplyKind = Literal["answer", "related", "not_found"]


class Answer(BaseModel):
    question: str
    answer: str
    answered: bool
    # answer: cited; related: the closest rule, quoted and labelled as related (lower confidence);
    # not_found: the notices do not say. Derived from `answered` when not given.
    kind: ReplyKind = "answer"
    confidence: float = Field(ge=0.0, le=1.0)
    programme: str | None = None
    citations: list[Citation] = Field(default_factory=list)
    latency_ms: float = 0.0
    # Set when a staff-written answer (a `CuratedAnswers` lookup) replied instead of the notices.
    curated_answer_id: int | None = None

    @model_validator(mode="after")
    def _kind_agrees(self) -> Answer:
        if not self.answered:
            self.kind = "not_found"
        elif self.kind == "not_found":
            raise ValueError("an answered reply is an answer or a related rule, not 'not_found'")
        return self
