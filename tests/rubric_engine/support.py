"""Helpers shared by the rubric-engine tests."""

from __future__ import annotations

from rubric_engine import AnswerError, AssessmentState, Rubric, answer, start


def answer_all(rubric: Rubric, texts: list[str], state: AssessmentState | None = None) -> AssessmentState:
    """Feeds `texts` to the engine one by one, failing the test on the first rejected answer."""
    state = state or start(rubric)
    for text in texts:
        outcome = answer(rubric, state, text)
        assert not isinstance(outcome, AnswerError), (text, outcome.message)
        state = outcome
    return state
