"""The conversation store (SQLAlchemy 2.x, Alembic migrations applied on start)."""

from conversations._store._schema import (
    AssessmentEventRow,
    AssessmentRow,
    CuratedAnswerRow,
    CuratedAnswerVersionRow,
    DialogueStateRow,
    EligibilityCheckRow,
    GapDecisionRow,
    NoticeJobRow,
    QuestionLogRow,
    SharedStateRow,
    StaffAccountRow,
    StaffSessionRow,
    TranscriptRow,
    UserRow,
)
from conversations._store._store import (
    Store,
    StoreError,
    Turn,
    count_rows,
    default_database_url,
    form_digest,
)

__all__ = [
    "AssessmentEventRow",
    "AssessmentRow",
    "CuratedAnswerRow",
    "CuratedAnswerVersionRow",
    "DialogueStateRow",
    "EligibilityCheckRow",
    "GapDecisionRow",
    "NoticeJobRow",
    "QuestionLogRow",
    "SharedStateRow",
    "StaffAccountRow",
    "StaffSessionRow",
    "Store",
    "StoreError",
    "TranscriptRow",
    "Turn",
    "UserRow",
    "count_rows",
    "default_database_url",
    "form_digest",
]
