"""The answer decision: the features of a programme's chosen sentences, and the learned model that
turns them into a reply's kind and a calibrated confidence.

`group_features` computes one documented vector per `GroupAnswer` (the best sentences one programme,
or the sample write-ups, offer for the question). Every feature is general: retrieval ranks and
margins, how much of the question's weighted key terms the sentences, their heading path and their
neighbours cover, whether they have the shape asked for (a date for 哪天), whether they are about the
place and year asked, whether the passage is a list or a table. None names a word of one corpus.

`AnswerDecision` is a logistic regression over those features (standardised, plus a one-hot of each
one's quantile bin, so that a coverage near 0 can weigh more than a straight line allows), fitted by
`benchmarks/fit_answer_decision.py` (scikit-learn, extra `fit`) on the labelled question sets and
shipped as `knowledge/data/answer_decision.json`. Its probability is that the group's sentences
answer the question correctly (the benchmark's grading); its two thresholds give the three replies:
an answer at or above `answer_threshold`, the most relevant rule ("related") at or above
`related_threshold`, "the notices do not say" below. Run time needs numpy only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from knowledge._answer_context import CorpusStats
from knowledge._extractive_types import Candidate, GroupAnswer, RankingWeights
from knowledge._models import ReplyKind
from knowledge._question import AnswerKind, QuestionAnalysis
from knowledge._scope import Programme, Scope
from knowledge._tokenize import general_frequency

DECISION_FILE = Path(__file__).parent / "data" / "answer_decision.json"
RANK = RankingWeights()  # the "rank" feature's decay: fixed, so the fitted file keeps its meaning

# name -> what it measures. The order is the order of the vector and of the fitted coefficients.
DECISION_FEATURES: dict[str, str] = {
    "coverage": "weighted share of the key terms the chosen sentences cover, with their surroundings",
    "own_coverage": "...that the chosen sentences say themselves",
    "focus": "...that the best single sentence covers (with surroundings)",
    "heaviest": "coverage of the rarest (heaviest) key word",
    "section_coverage": "weighted share of the key terms the best sentence's heading path says",
    "near_coverage": "weighted share of the key terms only its neighbours (or its write-up) say",
    "uncovered_words": "key words (two characters or more) no chosen sentence covers, 0-3, divided by 3",
    "uncovered_weight": "weighted share of the key terms no chosen sentence covers (< 0.5) at all",
    "uncovered_top": "weight share of the heaviest key term no chosen sentence covers",
    "absent_weight": "weighted share of the uncovered key terms the whole corpus never uses",
    "uncovered_chars": "of the uncovered key-term weight, the share of its characters the sentences hold",
    "uncovered_situation": "of the uncovered key-term weight, the share in the asker's own clauses (我是…)",
    "uncovered_common": "...weighted by how common each word is in general Chinese (log scale, 0-1)",
    "shape_ok": "1 if a chosen sentence has the shape asked for (date, figure in the unit, name)",
    "shape": "share of the typed kinds asked for that the best sentence gives",
    "mentions_ok": "1 if every place or year the corpus does not cover is named where the answer is",
    "place_in_sentences": "share of the places the question names that the chosen sentences name (1: none)",
    "place_in_passage": "...that their passages (text, heading path, title) name",
    "place_of_programme": "...that are the group's programme's own places or in its issuer's name",
    "in_scope": "1 if the group's programme is one the question is scoped to (or no scope was given)",
    "scope_named": "1 if the question names or was asked about a programme",
    "write_up": "1 for the sample write-ups (no programme): stories, not rules",
    "rank": "1 / (1 + 0.35 x the 0-based rank of the best sentence's passage among the hits)",
    "retrieval_ratio": "fused retrieval score of that passage / the top passage's",
    "lexical_ratio": "its BM25 score / the best BM25 score among the hits",
    "score": "the ranking score of the best sentence (see Candidate.score)",
    "score_margin": "group score minus the best other group's (0 when it is the only one), clipped to ±1",
    "phrase": "share of the question's key-term phrases found side by side in the best sentence",
    "band": "how the best sentence's band or threshold fits the applicant's figure (<0: does not)",
    "is_list": "1 if the best unit is a whole list block",
    "is_table": "1 if the best unit is a table row or cell",
    "sentences": "chosen sentences, divided by 3",
    "length": "log10 of the best sentence's length in characters",
    "key_terms": "key terms of the question, capped at 8, divided by 8",
    "asks_list": "1 if the question asks for a list (哪些)",
    "asks_yes_no": "1 if it asks yes or no",
    "asks_how": "1 if it asks how (a format, a procedure, a requirement)",
    "asks_typed": "1 if it asks for a date, a number or a name",
    "asks_deadline": "1 if it asks for a deadline",
    "deadline_ok": "1 if the best sentence reads as a deadline",
}
FEATURE_NAMES: tuple[str, ...] = tuple(DECISION_FEATURES)


def group_features(
    group: GroupAnswer,
    groups: Sequence[GroupAnswer],
    analysis: QuestionAnalysis,
    scope: Scope,
    weights: dict[str, float],
    stats: CorpusStats,
    programme: Programme | None,
    top_hit_score: float,
    top_lexical_score: float,
) -> dict[str, float]:
    """The decision's features of one group (see DECISION_FEATURES), from what the answerer computed."""
    best: Candidate = group.chosen[0]
    total = sum(weights.values()) or 1.0
    near_only = sum(w * best.near.get(t, 0.0) for t, w in weights.items() if best.own.get(t, 0.0) < 0.5)
    covered = {t: max(c.covers(t) for c in group.chosen) for t in weights}
    uncovered = [t for t in weights if len(t) > 1 and covered[t] < 0.5]
    missing = {t: w / total for t, w in weights.items() if covered[t] < 0.5}
    others = [g.score for g in groups if g is not group]
    places = scope.places
    sentences = "".join(c.unit.text for c in group.chosen)
    passages = "".join(f"{c.chunk.title}{c.chunk.section}{c.chunk.text}" for c in group.chosen)
    own_places = " ".join(
        [*(programme.places if programme else []), (programme.issuer or "") if programme else ""]
    )
    kinds = set(analysis.kinds)
    situation = asker_clauses(analysis.text)
    features = {
        "coverage": group.coverage,
        "own_coverage": group.own_coverage,
        "focus": group.focus,
        "heaviest": group.heaviest,
        "section_coverage": best.section_cover,
        "near_coverage": near_only / total,
        "uncovered_words": min(len(uncovered), 3) / 3,
        "uncovered_weight": sum(missing.values()),
        "uncovered_top": max(missing.values(), default=0.0),
        "absent_weight": sum(w for t, w in missing.items() if stats.df(t) == 0),
        "uncovered_chars": _explained(missing, lambda t: _char_share(t, sentences)),
        "uncovered_situation": _explained(missing, lambda t: float(t in situation)),
        "uncovered_common": _explained(missing, _commonness),
        "shape_ok": float(group.shape_ok),
        "shape": best.shape,
        "mentions_ok": float(group.mentions_ok),
        "place_in_sentences": _share(places, sentences),
        "place_in_passage": _share(places, passages),
        "place_of_programme": _share(places, own_places),
        "in_scope": float(not scope.programmes or group.programme in scope.programmes),
        "scope_named": float(scope.how != "open"),
        "write_up": float(group.programme is None),
        "rank": RANK.rank_score(best.rank),
        "retrieval_ratio": _ratio(best.hit.score, top_hit_score),
        "lexical_ratio": _ratio(best.hit.lexical_score, top_lexical_score),
        "score": best.score,
        "score_margin": max(-1.0, min(1.0, group.score - max(others))) if others else 0.0,
        "phrase": best.phrase_share,
        "band": best.band,
        "is_list": float(best.unit.kind == "block"),
        "is_table": float(best.unit.kind in ("row", "cell")),
        "sentences": len(group.chosen) / 3,
        "length": math.log10(max(len(best.unit.text), 1)),
        "key_terms": min(len(analysis.key_terms), 8) / 8,
        "asks_list": float(AnswerKind.LIST in kinds),
        "asks_yes_no": float(AnswerKind.YES_NO in kinds),
        "asks_how": float(AnswerKind.HOW in kinds),
        "asks_typed": float(bool(analysis.typed_kinds)),
        "asks_deadline": float(analysis.deadline),
        "deadline_ok": float(best.deadline_ok),
    }
    assert tuple(features) == FEATURE_NAMES  # one order for the code, the file and the fit
    return features


# A clause in which the applicant tells of themselves ("我是门店店长", "我那几天出差"): its words
# describe the asker, and a rule need not repeat them to answer. First-person pronouns of general
# Chinese, spoken forms included.
_FIRST_PERSON = re.compile(r"我|咱|俺|本人|本单位|我们|我司")
_CLAUSE_BREAK = re.compile(r"[，,。？?！!；;：:\s]+")
# jieba's dictionary frequency per million words at which a word counts as wholly everyday Chinese
# (不要, 专家): 1000, i.e. 3 on the log scale.
_COMMON_LOG10_PER_MILLION = 3.0


def asker_clauses(question: str) -> str:
    """The question's clauses in the first person, joined (empty when there are none)."""
    return "".join(c for c in _CLAUSE_BREAK.split(question) if _FIRST_PERSON.search(c))


def _explained(missing: dict[str, float], share: Callable[[str], float]) -> float:
    """Of the uncovered weight `missing` (term -> weight share), the part `share` accounts for."""
    total = sum(missing.values())
    return sum(w * share(t) for t, w in missing.items()) / total if total > 0 else 0.0


def _char_share(term: str, text: str) -> float:
    """Share of `term`'s characters `text` holds: 退钱 in "不予退还", 住宿 in "食宿自理"."""
    return sum(ch in text for ch in term) / len(term) if term else 0.0


def _commonness(term: str) -> float:
    """How common `term` is in general Chinese, 0 (unknown to jieba's dictionary) to 1."""
    frequency, total = general_frequency(term)
    if total <= 0:
        return 0.0
    return min(1.0, math.log10(1.0 + frequency / total * 1e6) / _COMMON_LOG10_PER_MILLION)


def _share(places: Sequence[str], text: str) -> float:
    return sum(place in text for place in places) / len(places) if places else 1.0


def _ratio(value: float, top: float) -> float:
    return max(0.0, min(1.0, value / top)) if top > 0 else 0.0


class Validation(BaseModel):
    """Out-of-fold figures of the fit at the shipped thresholds, per question."""

    model_config = ConfigDict(extra="forbid")

    scheme: str  # "leave one question set out", "leave one notice out"
    folds: int
    questions: int
    false_refusals: float
    unanswerable_refused: float
    correctness: float


class AnswerDecision(BaseModel):
    """A logistic regression over the features, standardised, plus for each feature with a range of
    values a one-hot of its quantile bin (so a coverage of 0 can weigh more than a straight line
    allows), and the thresholds of the three replies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    feature_names: list[str]
    mean: list[float]
    scale: list[float]
    coefficients: list[float]
    intercept: float
    # feature -> inner bin edges (a value v falls in bin searchsorted(edges, v, "right")), and the
    # coefficient of each bin (one more than the edges).
    bin_edges: dict[str, list[float]] = Field(default_factory=dict)
    bin_coefficients: dict[str, list[float]] = Field(default_factory=dict)
    answer_threshold: float = Field(ge=0.0, le=1.0)
    related_threshold: float = Field(ge=0.0, le=1.0)
    # What it was fitted on and how it validated (written by the fit script; informative).
    fitted_on: list[str] = Field(default_factory=list)
    rows: int = 0
    operating_point: str = ""
    validation: list[Validation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> AnswerDecision:
        n = len(self.feature_names)
        if not (len(self.mean) == len(self.scale) == len(self.coefficients) == n):
            raise ValueError("feature_names, mean, scale and coefficients must have one value per feature")
        if any(s <= 0 for s in self.scale):
            raise ValueError("scale values must be positive")
        if set(self.bin_edges) != set(self.bin_coefficients) or not set(self.bin_edges) <= set(
            self.feature_names
        ):
            raise ValueError("bin_edges and bin_coefficients must name the same features")
        for name, edges in self.bin_edges.items():
            if len(self.bin_coefficients[name]) != len(edges) + 1 or edges != sorted(edges):
                raise ValueError(f"{name}: one coefficient per bin, edges ascending")
        if self.related_threshold > self.answer_threshold:
            raise ValueError("related_threshold must not exceed answer_threshold")
        return self

    @classmethod
    def load(cls, path: Path = DECISION_FILE) -> AnswerDecision:
        decision = cls.model_validate_json(path.read_text(encoding="utf-8"))
        if tuple(decision.feature_names) != FEATURE_NAMES:
            raise ValueError(
                f"{path.name} was fitted on other features than the code computes: refit it with "
                "`python benchmarks/fit_answer_decision.py`"
            )
        return decision

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Rows of features (in `feature_names` order) -> calibrated probabilities."""
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale) @ np.asarray(self.coefficients)
        z = z + self.intercept
        for name, edges in self.bin_edges.items():
            column = x[:, self.feature_names.index(name)]
            z = z + np.asarray(self.bin_coefficients[name])[np.searchsorted(edges, column, side="right")]
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))

    def probability(self, features: dict[str, float]) -> float:
        """The calibrated probability that the group's sentences answer the question."""
        x = np.fromiter((features[name] for name in self.feature_names), dtype=float)
        return float(self.probabilities(x[None, :])[0])

    def kind(self, probability: float) -> ReplyKind:
        if probability >= self.answer_threshold:
            return "answer"
        if probability >= self.related_threshold:
            return "related"
        return "not_found"


@lru_cache(maxsize=1)
def default_decision() -> AnswerDecision:
    return AnswerDecision.load()
