"""FAQ-gap analytics and curated answers (see ../shared/ARCHITECTURE.md, conversations/ Analytics)."""

from conversations._analytics._dense import EmbedderEncoder, encoder_factory
from conversations._analytics._gaps import (
    GapAnalytics,
    GapGroup,
    GapNotFound,
    GapQuestion,
    GapReason,
    GapSettings,
    GapStatus,
    detect_gaps,
)
from conversations._analytics._grouping import Grouping, group_questions
from conversations._analytics._similarity import QuestionEncoder, TfidfEncoder, cosine

__all__ = [
    "EmbedderEncoder",
    "GapAnalytics",
    "GapGroup",
    "GapNotFound",
    "GapQuestion",
    "GapReason",
    "GapSettings",
    "GapStatus",
    "Grouping",
    "QuestionEncoder",
    "TfidfEncoder",
    "cosine",
    "detect_gaps",
    "encoder_factory",
    "group_questions",
]
