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
  of the sparse vectors, summed per group with one `bincount`, so 5,000 questions take about a second
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
    """Group `questions` (see the module docstring); `encoder` is fitted on them first."""
    encoder.fit(list(questions))
    vectors = [encoder.encode(question) for question in questions]
    labels = _leader_labels(vectors, threshold)
    groups: list[list[int]] = [[] for _ in range(int(labels.max()) + 1 if len(labels) else 0)]
    for index, label in enumerate(labels.tolist()):
        groups[label].append(index)
    return Grouping(groups=groups, representatives=[_nearest_centroid(vectors, group) for group in groups])


def _leader_labels(vectors: Sequence[SparseVector], threshold: float) -> np.ndarray:
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
    # |centroid|^2 of each group, kept as members join: |c + v|^2 = |c|^2 + 2 c.v + 1.
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
            dots = np.bincount(labels[ids[earlier]], weights=products[earlier], minlength=groups)
            similarities = dots / np.sqrt(np.maximum(squared_norms[:groups], 1e-12))
            candidate = int(np.argmax(similarities))  # the first (oldest) group on a tie
            if similarities[candidate] >= threshold:
                best, best_dot = candidate, float(dots[candidate])
        if best < 0:
            best = groups
            groups += 1
        labels[index] = best
        squared_norms[best] += 2.0 * best_dot + (1.0 if vector else 0.0)
    return labels


def _nearest_centroid(vectors: Sequence[SparseVector], members: Sequence[int]) -> int:
    centroid: dict[str, float] = {}
    for index in members:
        for term, weight in vectors[index].items():
            centroid[term] = centroid.get(term, 0.0) + weight
    best, best_score = members[0], -1.0
    for index in members:
        score = cosine(vectors[index], centroid)
        if score >= best_score - _TIE:  # later members win ties: the most recent phrasing
            best, best_score = index, max(score, best_score)
    return best
