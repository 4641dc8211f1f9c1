"""The assessment engine: pure functions over (rubric, state). No I/O, no clock, no randomness.

Order of questions: the rubric's 一票否决 questions first, then every item in the official order. A state
records answers by id (never by position), so going back or editing replaces an answer and can neither lose
nor double-count one. ``cursor`` points at a step revisited through ``back``/``edit``; otherwise the current
step is the first unanswered one.
"""

from __future__ import annotations

from rubric_engine._answering import answer
from rubric_engine._results import assess, result, summary
from rubric_engine._state import UnknownStepError, back, edit, start
from rubric_engine._steps import next_step

__all__ = ["UnknownStepError", "answer", "assess", "back", "edit", "next_step", "result", "start", "summary"]
