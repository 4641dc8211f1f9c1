"""Groups questions that ask the same thing: deterministic leader clustering on centroid similarity.

Questions are taken in the order given (the gap analytics passes them oldest first). Each joins the
existing group whose centroid (the sum of its members' unit vectors) is most similar to it, when that
cosine reaches the threshold; otherwise it starts a group. Why this and not agglomerative linkage:

- the centroid cosine is the mean similarity to the members, normalised by how tight the group is, so
  it behaves like average linkage: one in-between phrasing does not chain two intents that share
  words (申报截止时间, 申报材料份数) into one group, as single linkage would;
- it is deterministic for the same questions in the same order, and a new (newer) question can only
  join or start a group: older questions keep their groups, so a group's key and its staff decision
  stay put while the log grows;
- it needs no n x n matrix: each question's similarities to the earlier ones come from an inverted index
  of the sparse vectors, summed per group with one `bincount`; a text asked word for word again is
  compared once. 5,000 questions group in about 1.3 s, after 2.5 s of jieba for their terms
  (benchmarks/gap_grouping.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from conversations._analytics._similarity import QuestionEncoder, SparseVector, cosine

# Two centroid similarities this close are a tie (float sums differ in the last bits by order).
_TIE = 1e-9


@dataclass(frozen=True)
class Grouping:
    """`groups[k]` are the indices of group k's questions in input order; `representatives[k]` is the
    index of the member nearest the group's centroid (on a tie, the later one)."""

    groups: list[list[int]]
    representatives: list[int]


def group_questions(questions: Sequence[str], encoder: QuestionEncoder, threshold: float) -> Grouping:
    """Group `questions` (see the module docstring); `encoder` is fitted on them first. A question
    asked word for word again joins the group of its first asking, counted as many times as asked
    (a log repeats its common questions: they are compared once)."""
    encoder.fit(list(questions))
    first_of: dict[str, int] = {}
    for question in questions:
        first_of.setdefault(question, len(first_of))
    texts = list(first_of)
    times_asked = np.bincount([first_of[question] for question in questions], minlength=len(texts))
    vectors = [encoder.encode(text) for text in texts]
    text_labels = _leader_labels(vectors, times_asked.astype(np.float64), threshold)
    groups: list[list[int]] = [[] for _ in range(int(text_labels.max()) + 1 if len(texts) else 0)]
    latest: dict[str, int] = {}
    for index, question in enumerate(questions):
        groups[int(text_labels[first_of[question]])].append(index)
        latest[question] = index
    representatives = []
    for members in groups:
        members_texts = sorted({first_of[questions[index]] for index in members})
        best = _nearest_centroid(
            vectors, members_texts, times_asked, [latest[texts[t]] for t in members_texts]
        )
        representatives.append(latest[texts[best]])
    return Grouping(groups=groups, representatives=representatives)


def _leader_labels(vectors: Sequence[SparseVector], times_asked: np.ndarray, threshold: float) -> np.ndarray:
    count = len(vectors)
    labels = np.full(count, -1, dtype=np.int64)
    # Inverted index: for each term, the questions having it and their weights.
    postings: dict[str, tuple[list[int], list[float]]] = {}
    for index, vector in enumerate(vectors):
        for term, weight in vector.items():
            entry = postings.setdefault(term, ([], []))
            entry[0].append(index)
            entry[1].append(weight)
    arrays = {term: (np.asarray(ids), np.asarray(weights)) for term, (ids, weights) in postings.items()}
    # |centroid|^2 of each group, kept as members join: |c + m v|^2 = |c|^2 + 2 m c.v + m^2.
    squared_norms = np.zeros(count, dtype=np.float64)
    groups = 0
    for index, vector in enumerate(vectors):
        best, best_dot = -1, 0.0
        if index and vector and groups:
            terms = [arrays[term] for term in vector]
            ids = np.concatenate([ids for ids, _ in terms])
            products = np.concatenate([weights for _, weights in terms]) * np.repeat(
                np.fromiter(vector.values(), dtype=np.float64, count=len(vector)),
                [len(ids) for ids, _ in terms],
            )
            earlier = ids < index  # later questions have no group yet
            each = np.bincount(ids[earlier], weights=products[earlier], minlength=index)
            dots = np.bincount(labels[:index], weights=each * times_asked[:index], minlength=groups)
            similarities = dots / np.sqrt(np.maximum(squared_norms[:groups], 1e-12))
            candidate = int(np.argmax(similarities))  # the first (oldest) group on a tie
            if similarities[candidate] >= threshold:
                best, best_dot = candidate, float(dots[candidate])
        if best < 0:
            best = groups
            groups += 1
        labels[index] = best
        asked = float(times_asked[index])
        squared_norms[best] += 2.0 * asked * best_dot + (asked * asked if vector else 0.0)
    return labels


def _nearest_centroid(
    vectors: Sequence[SparseVector], members: Sequence[int], times_asked: np.ndarray, recency: Sequence[int]
) -> int:
    """The member text nearest the centroid (each text counted as often as asked); on a tie, the one
    asked last (`recency`: the index of its latest asking)."""
    centroid: dict[str, float] = {}
    for index in members:
        for term, weight in vectors[index].items():
            centroid[term] = centroid.get(term, 0.0) + weight * float(times_asked[index])
    scored = [
        (cosine(vectors[index], centroid), recency[position], index) for position, index in enumerate(members)
    ]
    top = max(score for score, _, _ in scored)
    return max((last, index) for score, last, index in scored if score >= top - _TIE)[1]
