"""FAQ-gap analytics and curated answers (see ../shared/ARCHITECTURE.md, conversations/ Analytics)."""

from conversations._analytics._curated import (
    CURATED_PREFIX,
    MAX_ANSWER_CHARS,
    CuratedAnswer,
    CuratedAnswerNotFoundError,
    CuratedAnswerStore,
    CuratedAnswerVersion,
)
from conversations._analytics._curated_matcher import DEFAULT_THRESHOLD as CURATED_THRESHOLD
from conversations._analytics._draft import DraftAnswer, draft_answer
from conversations._analytics._similarity import QuestionEncoder, TfidfEncoder, cosine

__all__ = [
    "CURATED_PREFIX",
    "CURATED_THRESHOLD",
    "MAX_ANSWER_CHARS",
    "CuratedAnswer",
    "CuratedAnswerNotFoundError",
    "CuratedAnswerStore",
    "CuratedAnswerVersion",
    "DraftAnswer",
    "QuestionEncoder",
    "TfidfEncoder",
    "cosine",
    "draft_answer",
]
