"""The channel-neutral dialogue layer (store, dialogue); see ../shared/ARCHITECTURE.md.

It depends on ``knowledge`` and ``rubric_engine``; ``bot`` depends on it. A channel turns its input into
an `Incoming`, calls `Dialogue.handle`, and shows the `Reply`s.
"""

from conversations._analytics import (
    DailyTotals,
    LogEntry,
    LogFilter,
    LogPage,
    LogSummary,
    QuestionLogQuery,
    daily_totals,
)
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
    "DailyTotals",
    "Dialogue",
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
    "form_digest",
]
