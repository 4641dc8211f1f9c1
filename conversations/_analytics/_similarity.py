"""How alike two applicants' questions are: TF-IDF over `knowledge.paraphrase_terms`, cosine.

The gap grouping and the curated-answer matcher both use it, so a question that a staff answer was
written for is matched by the same measure that put it in its group. The inverse document
frequencies come from the questions being compared (the question log, or the curated phrasings):
words every applicant uses (申报, 请问) weigh little, the words that tell questions apart weigh most.
A configured dense embedder can stand in for it (`QuestionEncoder`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Protocol

from knowledge import general_share, paraphrase_terms

# How many questions of general Chinese the IDF counts beside the fitted ones (see TfidfEncoder).
PRIOR_QUESTIONS = 30.0

SparseVector = dict[str, float]


class QuestionEncoder(Protocol):
    """Turns questions into unit vectors whose dot product says how alike they are."""

    def fit(self, questions: Sequence[str]) -> None:
        """Learn what it needs from the questions it will compare (term statistics)."""

    def encode(self, question: str) -> SparseVector: ...


class TfidfEncoder:
    """Sparse TF-IDF vectors of paraphrase terms, L2-normalised; `fit` sets the IDF.

    `prior_questions` pseudo-questions of general Chinese are counted beside the fitted ones: a
    word's share of them is its frequency in jieba's dictionary (`knowledge.general_share`). A few
    questions alone make poor statistics: the word that three paraphrases share (奖金) would weigh
    least, being in all three; beside the prior it is rare, as it is in Chinese. A large log
    outweighs the prior."""

    def __init__(self, *, prior_questions: float = PRIOR_QUESTIONS) -> None:
        self._prior = prior_questions
        self._idf: dict[str, float] = {}
        self._documents = 0
        self._cache: dict[str, dict[str, float]] = {}

    def fit(self, questions: Sequence[str]) -> None:
        frequency: Counter[str] = Counter()
        for question in questions:
            frequency.update(set(self._terms(question)))
        self._documents = len(questions)
        # Smoothed IDF (as scikit-learn's): a term in every question still counts a little.
        documents = 1 + self._documents + self._prior
        self._idf = {
            term: math.log(documents / (1 + count + self._prior * general_share(term))) + 1.0
            for term, count in frequency.items()
        }

    def encode(self, question: str) -> SparseVector:
        documents = 1 + self._documents + self._prior
        unseen = math.log(documents) + 1.0  # a term no fitted question has: rarest of all
        weighted = {
            term: weight * (self._idf.get(term) or self._unseen_idf(term, documents, unseen))
            for term, weight in self._terms(question).items()
        }
        norm = math.sqrt(sum(value * value for value in weighted.values()))
        return {term: value / norm for term, value in weighted.items()} if norm else {}

    def _unseen_idf(self, term: str, documents: float, unseen: float) -> float:
        share = general_share(term)
        return math.log(documents / (1 + self._prior * share)) + 1.0 if share else unseen

    def _terms(self, question: str) -> dict[str, float]:
        terms = self._cache.get(question)
        if terms is None:
            terms = paraphrase_terms(question)
            if len(self._cache) < 50_000:
                self._cache[question] = terms
        return terms


def cosine(a: SparseVector, b: SparseVector) -> float:
    """Dot product of two unit vectors (0 when either is empty)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(value * b.get(term, 0.0) for term, value in a.items())


def most_similar(
    query: SparseVector, candidates: Iterable[tuple[int, SparseVector]]
) -> tuple[int | None, float]:
    """(index, similarity) of the candidate nearest `query`; (None, 0.0) when there is none."""
    best: tuple[int | None, float] = (None, 0.0)
    for index, vector in candidates:
        score = cosine(query, vector)
        if score > best[1]:
            best = (index, score)
    return best
