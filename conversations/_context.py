"""What every part of the dialogue works with during one turn: the user's records, the question answerer,
today's date and the programmes, plus the small helpers they share."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Protocol

from conversations._messages import Choice, Reply
from conversations._store import Turn
from knowledge import Answer, Programme

logger = logging.getLogger(__name__)

# Both walks (eligibility, self-assessment): after this many unreadable replies the choices are offered;
# a reply longer than this is no answer to a step (a question or a paste).
INVALID_BEFORE_CHOICES = 2
MAX_ANSWER_CHARS = 200


class Answerer(Protocol):
    """What the dialogue needs of the Q&A core: `knowledge.KnowledgeBase` fits."""

    def ask(self, question: str, programme: str | None = None) -> Answer: ...

    def programme_details(self) -> list[Programme]: ...


@dataclass(frozen=True)
class ProgrammeInfo:
    id: str
    label: str  # short: 青海2025
    name: str  # long: 2025年青海省用户满意等级评价及用户满意服务之星


@dataclass
class TurnContext:
    turn: Turn
    answerer: Answerer
    today: date
    programme_source: Callable[[], Sequence[Programme]]

    @cached_property
    def programme_details(self) -> list[Programme]:
        """The programmes of the notice index; none when the index cannot be read (the rubric data then
        still names the programmes that have forms and rules)."""
        try:
            return list(self.programme_source())
        except Exception as error:  # no index yet: the walks still work, Q&A says what is missing
            logger.warning("programmes unavailable from the index: %s", error)
            return []

    @cached_property
    def programmes(self) -> list[ProgrammeInfo]:
        import rubric_engine

        known = [ProgrammeInfo(p.id, p.label, p.title) for p in self.programme_details]
        ids = {p.id for p in known}
        for programme_id in rubric_engine.list_eligibility_programmes():
            if programme_id not in ids:
                name = rubric_engine.load_eligibility(programme_id).name
                known.append(ProgrammeInfo(programme_id, name, name))
        return known

    def programme(self, programme_id: str | None) -> ProgrammeInfo | None:
        return next((p for p in self.programmes if p.id == programme_id), None)

    def programme_label(self, programme_id: str | None) -> str:
        info = self.programme(programme_id)
        return info.label if info else (programme_id or "未选择")


def choices_of(pairs: Sequence[tuple[str, str]]) -> list[Choice]:
    """(label, what the button sends) pairs as quick replies."""
    return [Choice(label=label, send=send) for label, send in pairs]


def text_reply(text: str, choices: Sequence[tuple[str, str]] = ()) -> Reply:
    return Reply(text=text, choices=choices_of(choices))
