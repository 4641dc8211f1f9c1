"""The channel-neutral dialogue layer (store, dialogue); see ../shared/ARCHITECTURE.md.

It depends on ``knowledge`` and ``rubric_engine``; ``bot`` depends on it. A channel turns its input into
an `Incoming`, calls `Dialogue.handle`, and shows the `Reply`s.
"""

from conversations._analytics import (
    CuratedAnswer,
    CuratedAnswerNotFoundError,
    CuratedAnswerStore,
    CuratedAnswerVersion,
    DailyTotals,
    DraftAnswer,
    GapAnalytics,
    GapGroup,
    GapNotFound,
    GapQuestion,
    GapReason,
    GapSettings,
    GapStatus,
    LogEntry,
    LogFilter,
    LogPage,
    LogSummary,
    QuestionLogQuery,
    daily_totals,
    draft_answer,
)
from conversations._analytics import encoder_factory as gap_encoder_factory
from conversations._assessment import DOCX_MEDIA_TYPE
from conversations._context import Answerer
from conversations._dialogue import Dialogue
from conversations._messages import (
    RATING_PROMPT,
    Attachment,
    Choice,
    Incoming,
    IncomingKind,
    Link,
    Rating,
    Reply,
    SourceRef,
)
from conversations._store import Store, StoreError, default_database_url, form_digest

__all__ = [
    "DOCX_MEDIA_TYPE",
    "RATING_PROMPT",
    "Answerer",
    "Attachment",
    "Choice",
    "CuratedAnswer",
    "CuratedAnswerNotFoundError",
    "CuratedAnswerStore",
    "CuratedAnswerVersion",
    "DailyTotals",
    "Dialogue",
    "DraftAnswer",
    "GapAnalytics",
    "GapGroup",
    "GapNotFound",
    "GapQuestion",
    "GapReason",
    "GapSettings",
    "GapStatus",
    "Incoming",
    "IncomingKind",
    "Link",
    "LogEntry",
    "LogFilter",
    "LogPage",
    "LogSummary",
    "QuestionLogQuery",
    "Rating",
    "Reply",
    "SourceRef",
    "Store",
    "StoreError",
    "daily_totals",
    "default_database_url",
    "draft_answer",
    "form_digest",
    "gap_encoder_factory",
]
