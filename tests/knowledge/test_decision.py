"""The answer decision: the shipped fit, and the three kinds of reply it chooses between."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from knowledge import Answer, SearchHit, analyse_question, resolve_scope
from knowledge._decision import DECISION_FILE, FEATURE_NAMES, AnswerDecision, default_decision
from knowledge._extractive import ExtractiveAnswerer
from tests.knowledge.test_extractive import CHUNKS, PROGRAMMES, context  # noqa: F401  (fixture)


def ask_with(decision: AnswerDecision, question: str, context):  # noqa: F811
    scope = resolve_scope(question, PROGRAMMES)
    analysis = analyse_question(question, drop_spans=scope.mention_spans, corpus=context.stats)
    pool = [c for c in CHUNKS if not scope.programmes or c.programme in scope.programmes]
    ranked = sorted(pool, key=lambda c: -len(set(question) & set(c.text)))
    hits = [SearchHit(chunk=c, score=1.0 / (i + 1)) for i, c in enumerate(ranked)]
    return ExtractiveAnswerer(decision=decision).answer(question, analysis, hits, scope, context).answer


def test_the_shipped_decision_loads_and_matches_the_features_the_code_computes():
    decision = AnswerDecision.load()
    assert tuple(decision.feature_names) == FEATURE_NAMES
    assert 0.0 < decision.related_threshold <= decision.answer_threshold < 1.0
    assert decision.fitted_on and decision.rows > 0


def test_the_shipped_decision_met_its_operating_point_in_grouped_validation():
    """Out of fold, leaving out one question set and one notice at a time, the answerable questions
    refused as "not in the notices" stay within the 5 % the operating point allows."""
    schemes = {v.scheme: v for v in AnswerDecision.load().validation}
    assert set(schemes) == {"leave one question set out", "leave one notice out"}
    for validation in schemes.values():
        assert validation.folds > 5 and validation.questions >= 700
        assert validation.false_refusals <= 0.05


def test_a_file_fitted_on_other_features_is_refused_with_the_command_to_refit(tmp_path: Path):
    raw = json.loads(DECISION_FILE.read_text(encoding="utf-8"))
    raw["feature_names"] = [*raw["feature_names"][:-1], "something_else"]
    stale = tmp_path / "answer_decision.json"
    stale.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError, match=r"fit_answer_decision\.py"):
        AnswerDecision.load(stale)


def test_a_file_with_a_missing_coefficient_does_not_load(tmp_path: Path):
    raw = json.loads(DECISION_FILE.read_text(encoding="utf-8"))
    raw["coefficients"] = raw["coefficients"][:-1]
    with pytest.raises(ValidationError):
        AnswerDecision.model_validate(raw)


def test_confidence_is_the_probability_and_rises_with_the_evidence():
    decision = default_decision()
    neutral = dict.fromkeys(FEATURE_NAMES, 0.0)
    covered = {**neutral, "coverage": 1.0, "own_coverage": 1.0, "focus": 1.0, "heaviest": 1.0}
    assert 0.0 < decision.probability(neutral) < decision.probability(covered) < 1.0


def test_a_relevant_rule_the_decision_is_unsure_of_is_quoted_as_related(context):  # noqa: F811
    unsure = default_decision().model_copy(update={"answer_threshold": 1.0, "related_threshold": 0.0})
    answer = ask_with(unsure, "连云港申报截止到哪天？", context)
    assert answer.answered and answer.kind == "related"
    assert answer.answer.startswith("通知中与此最相关的规定是：【连云港2016】")
    assert "2016年9月10日" in answer.answer and answer.citations
    assert answer.confidence < 1.0


def test_below_the_related_threshold_the_reply_says_plainly_what_the_notices_lack(context):  # noqa: F811
    strict = default_decision().model_copy(update={"answer_threshold": 1.0, "related_threshold": 1.0})
    answer = ask_with(strict, "连云港申报截止到哪天？", context)
    assert not answer.answered and answer.kind == "not_found"
    assert answer.answer.startswith("通知中没有关于“") and not answer.citations


def test_an_answer_that_is_not_answered_is_a_not_found_reply():
    assert Answer(question="q", answer="a", answered=False, confidence=0.1).kind == "not_found"
    assert Answer(question="q", answer="a", answered=True, confidence=0.9).kind == "answer"
    with pytest.raises(ValidationError):
        Answer(question="q", answer="a", answered=True, kind="not_found", confidence=0.9)


def test_bins_for_a_feature_the_code_does_not_compute_do_not_load():
    raw = json.loads(DECISION_FILE.read_text(encoding="utf-8"))
    raw["bin_edges"]["no_such_feature"] = [0.5]
    raw["bin_coefficients"]["no_such_feature"] = [0.0, 1.0]
    with pytest.raises(ValidationError):
        AnswerDecision.model_validate(raw)


def test_a_sentence_saying_none_of_the_key_terms_itself_is_less_likely_to_answer():
    """The binned part of the fit: at the same coverage with surroundings, a sentence whose own words
    cover nothing asked is less likely to answer than one that says it all."""
    decision = default_decision()
    base = dict.fromkeys(FEATURE_NAMES, 0.5) | {"mentions_ok": 1.0, "shape_ok": 1.0, "in_scope": 1.0}
    says_it = base | {"own_coverage": 1.0, "coverage": 1.0, "focus": 1.0}
    says_nothing = base | {"own_coverage": 0.0, "coverage": 1.0, "focus": 1.0}
    assert decision.probability(says_nothing) < decision.probability(says_it)
