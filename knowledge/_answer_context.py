"""What the extractive answerer knows beyond the hits: corpus statistics and the key-term weights
drawn from them, the programmes, contacts, and today's date."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from knowledge._extractive_types import ExtractiveParams
from knowledge._models import Chunk
from knowledge._scope import Programme

EXAMPLES_LABEL = "参考范文"


class CorpusStats:
    """Document frequencies over the corpus passages (section path + text), for term weights."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._texts = [t for t in texts if t]
        self._lowered = [t.lower() for t in self._texts]
        self._joined = "\n".join(self._texts)
        self._df: dict[str, int] = {}

    @classmethod
    def from_chunks(cls, chunks: Iterable[Chunk]) -> CorpusStats:
        return cls(f"{chunk.section}\n{chunk.text}" for chunk in chunks)

    @property
    def size(self) -> int:
        return len(self._texts)

    def df(self, term: str) -> int:
        found = self._df.get(term)
        if found is None:
            if term.isascii():
                needle = term.lower()
                found = sum(needle in text for text in self._lowered)
            else:
                found = sum(term in text for text in self._texts)
            self._df[term] = found
        return found

    def idf(self, term: str) -> float:
        """Rarer terms weigh more; a term found nowhere weighs most (it is what the question is about)."""
        n = max(self.size, 1)
        return math.log((n + 1) / (self.df(term) + 0.5))

    def matches(self, pattern: str) -> dict[str, int]:
        """The strings of the corpus that `pattern` matches, with their counts."""
        cache: dict[str, dict[str, int]] = self.__dict__.setdefault("_matches", {})
        found = cache.get(pattern)
        if found is None:
            found = {}
            for match in re.finditer(pattern, self._joined):
                found[match.group(0)] = found.get(match.group(0), 0) + 1
            cache[pattern] = found
        return found

    def one_off_variants(self, term: str) -> dict[str, int]:
        """The strings of the corpus that differ from `term` in one character, with their counts."""
        if not self._joined or len(term) < 2:
            return {}
        alternatives = "|".join(
            re.escape(term[:i]) + r"[\u4e00-\u9fff]" + re.escape(term[i + 1 :]) for i in range(len(term))
        )
        counts: dict[str, int] = {}
        for match in re.finditer(alternatives, self._joined):
            counts[match.group(0)] = counts.get(match.group(0), 0) + 1
        return counts


def term_weights(
    terms: Sequence[str],
    stats: CorpusStats,
    params: ExtractiveParams,
    everyday_verb: Callable[[str], bool] | None = None,
) -> dict[str, float]:
    """idf of each key term; one-character terms capped, absent everyday verbs scaled down."""
    weights = {}
    for term in terms:
        weight = max(stats.idf(term), 0.05)
        if len(term) == 1:
            weight = min(weight, params.single_char_weight)
        elif everyday_verb is not None and stats.df(term) == 0 and everyday_verb(term):
            weight *= params.everyday_verb_share
        weights[term] = weight
    return weights


@dataclass(frozen=True)
class AnswerContext:
    """What the answerer knows beyond the hits: the programmes, corpus statistics, contacts, today."""

    programmes: Sequence[Programme]
    stats: CorpusStats
    today: date
    contact_for: Callable[[str], str | None] = field(default=lambda programme_id: None)

    def programme(self, programme_id: str | None) -> Programme | None:
        return next((p for p in self.programmes if p.id == programme_id), None)

    def label(self, programme_id: str | None) -> str:
        found = self.programme(programme_id)
        return found.label if found else (programme_id or EXAMPLES_LABEL)
