"""The naive baseline the benchmark compares against: what a first attempt would do.

Fixed-size chunks of the raw files (no normalisation: the garbled file stays traditional with pinyin),
BM25 over jieba tokens of the raw text, questions used as typed, the top chunk returned as the answer
and nothing ever refused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import jieba

from knowledge._bm25 import BM25Index

CHUNK_CHARS = 300
SUFFIXES = {".txt", ".md", ".html", ".htm"}


@dataclass(frozen=True)
class BaselineChunk:
    file: str
    text: str


def _tokens(text: str) -> list[str]:
    return [token for token in jieba.lcut(text) if token.strip()]


class NaiveBaseline:
    def __init__(self, notices_dir: Path) -> None:
        started = time.perf_counter()
        self.chunks: list[BaselineChunk] = []
        for path in sorted(notices_dir.iterdir()):
            if path.suffix.lower() not in SUFFIXES:
                continue
            raw = path.read_text(encoding="utf-8", errors="replace")
            for start in range(0, len(raw), CHUNK_CHARS):
                self.chunks.append(BaselineChunk(path.name, raw[start : start + CHUNK_CHARS]))
        self.index = BM25Index.build([_tokens(chunk.text) for chunk in self.chunks])
        self.ingest_seconds = time.perf_counter() - started

    def search(self, question: str, k: int = 5) -> list[BaselineChunk]:
        ranked = self.index.top(_tokens(question), k)
        return [self.chunks[position] for position, _score in ranked]

    def answer(self, question: str) -> str:
        top = self.search(question, k=1)
        return top[0].text if top else ""
