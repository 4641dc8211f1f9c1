"""The tables of the conversation store (SQLAlchemy 2.x declarative). Alembic's migrations create them;
the models here must match the newest migration (a test compares the two)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class UserRow(Base):
    """One person on one channel (the same person on WeChat and Telegram is two users)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "channel_user_id", name="uq_users_channel_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DialogueStateRow(Base):
    """Where the user's conversation stands. `version` is bumped by every handled message: a turn that
    read an older version is retried, so two workers can never both apply a message to the same state."""

    __tablename__ = "dialogue_states"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16), default="idle")  # idle | assessment | check
    programme: Mapped[str | None] = mapped_column(String(128), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as declared)


class TranscriptRow(Base):
    """Every message in and out. An incoming row is written before it is handled; `handled` and the
    replies (`reply_to`) are written with the turn's other changes, in one transaction."""

    __tablename__ = "transcript"
    __table_args__ = (UniqueConstraint("user_id", "channel_message_id", name="uq_transcript_message"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    kind: Mapped[str] = mapped_column(String(16), default="text")
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # an outgoing Reply, as JSON
    channel_message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reply_to: Mapped[int | None] = mapped_column(ForeignKey("transcript.id"), nullable=True, index=True)
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AssessmentRow(Base):
    """One self-assessment: the engine's state (plain JSON) and, once confirmed, the completed form."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    rubric_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | confirmed | cancelled
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    eligible: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    form_filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    form_docx: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AssessmentEventRow(Base):
    """The history of an assessment: every accepted answer, back, edit, confirm or cancel, with the state
    after it, so an assessment can be audited and replayed."""

    __tablename__ = "assessment_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # start | answer | back | edit | confirm | cancel
    input: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EligibilityCheckRow(Base):
    """One eligibility walk: the facts given so far and, when finished, the report with its citations."""

    __tablename__ = "eligibility_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    programme: Mapped[str] = mapped_column(String(128))
    category: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | done | cancelled
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuestionLogRow(Base):
    """Every question answered from the notices, for the FAQ-gap analytics and the ratings."""

    __tablename__ = "question_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    programme: Mapped[str | None] = mapped_column(String(128), nullable=True)
    answered: Mapped[bool] = mapped_column(Boolean)
    # answer | related (the closest rule, labelled as related) | not_found (knowledge.ReplyKind)
    kind: Mapped[str] = mapped_column(String(16), default="answer")
    confidence: Mapped[float] = mapped_column(Float)
    citations: Mapped[list[Any]] = mapped_column(default=list)
    latency_ms: Mapped[float] = mapped_column(Float)
    context: Mapped[str] = mapped_column(String(16), default="qa")  # qa | assessment | check
    # The staff answer that replied, when one did (then the notices were not searched).
    curated_answer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating: Mapped[str | None] = mapped_column(String(8), nullable=True)  # useful | useless
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class SharedStateRow(Base):
    """A key with a time to live, shared by every worker (`bot.shared_state.DatabaseSharedState`):
    a WeChat MsgId handled once, a nonce seen once, the access_token, answers kept for later."""

    __tablename__ = "shared_state"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    # Seconds since the epoch: every worker compares against its own wall clock, which NTP keeps close.
    expires_at: Mapped[float] = mapped_column(Float, index=True)


# --- the staff console (FAQ gaps, curated answers, staff accounts, notice jobs) ---------------------


class CuratedAnswerRow(Base):
    """A staff-written answer, consulted before the notices. `phrasings` are the questions it answers
    (its own question and the paraphrases of the gap group it closed), matched as questions are.
    Every edit bumps `version` and leaves the previous text in `curated_answer_versions`."""

    __tablename__ = "curated_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    phrasings: Mapped[list[Any]] = mapped_column(default=list)
    programme: Mapped[str | None] = mapped_column(String(128), nullable=True)  # None: every programme
    cite_file: Mapped[str | None] = mapped_column(String(255), nullable=True)
    cite_section: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | removed
    # Why staff should re-read it (the notice it cites was replaced or withdrawn); None when current.
    flagged: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class CuratedAnswerVersionRow(Base):
    """One saved version of a curated answer (the first, every edit, the removal)."""

    __tablename__ = "curated_answer_versions"
    __table_args__ = (UniqueConstraint("curated_answer_id", "version", name="uq_curated_answer_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    curated_answer_id: Mapped[int] = mapped_column(
        ForeignKey("curated_answers.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    phrasings: Mapped[list[Any]] = mapped_column(default=list)
    programme: Mapped[str | None] = mapped_column(String(128), nullable=True)
    cite_file: Mapped[str | None] = mapped_column(String(255), nullable=True)
    cite_section: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    edited_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GapDecisionRow(Base):
    """A staff decision on a gap group: resolved (with the curated answer that closed it) or ignored.
    Groups are recomputed from the question log; a decision covers the logged questions it names, so
    regrouping keeps it. Reverting sets `reverted_at` (the row stays, for the audit)."""

    __tablename__ = "gap_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_key: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))  # resolved | ignored | new (a revert: who, when)
    representative: Mapped[str] = mapped_column(Text, default="")
    question_ids: Mapped[list[Any]] = mapped_column(default=list)
    curated_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("curated_answers.id", ondelete="SET NULL"), nullable=True
    )
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reverted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StaffAccountRow(Base):
    """An association staff member who may open the staff pages. Only a password hash is kept."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StaffSessionRow(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, with the
    session's CSRF token, so a stolen database does not sign anyone in."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class NoticeJobRow(Base):
    """A background re-ingest started from the staff pages, with its progress, so that whichever
    worker serves the page can show it."""

    __tablename__ = "notice_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))  # add | replace | withdraw | reingest
    file: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done | failed
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    current: Mapped[str] = mapped_column(String(255), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    started_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
