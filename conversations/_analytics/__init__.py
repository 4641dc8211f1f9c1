"""FAQ-gap analytics and curated answers (see ../shared/ARCHITECTURE.md, conversations/ Analytics)."""

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
    "DailyTotals",
    "LogEntry",
    "LogFilter",
    "LogPage",
    "LogSummary",
    "QuestionEncoder",
    "QuestionLogQuery",
    "TfidfEncoder",
    "cosine",
    "daily_totals",
]
