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
from conversations._analytics._dense import EmbedderEncoder, encoder_factory
from conversations._analytics._draft import DraftAnswer, draft_answer
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
from conversations._analytics._log import (
    DailyTotals,
    LogEntry,
    LogFilter,
    LogPage,
    LogSummary,
    QuestionLogQuery,
    daily_totals,
)
from conversations._analytics._similarity import QuestionEncoder, TfidfEncoder, cosine

__all__ = [
    "CURATED_PREFIX",
    "CURATED_THRESHOLD",
    "MAX_ANSWER_CHARS",
    "CuratedAnswer",
    "CuratedAnswerNotFoundError",
    "CuratedAnswerStore",
    "CuratedAnswerVersion",
    "DailyTotals",
    "DraftAnswer",
    "EmbedderEncoder",
    "GapAnalytics",
    "GapGroup",
    "GapNotFound",
    "GapQuestion",
    "GapReason",
    "GapSettings",
    "GapStatus",
    "Grouping",
    "LogEntry",
    "LogFilter",
    "LogPage",
    "LogSummary",
    "QuestionEncoder",
    "QuestionLogQuery",
    "TfidfEncoder",
    "cosine",
    "daily_totals",
    "detect_gaps",
    "draft_answer",
    "encoder_factory",
    "group_questions",
]
