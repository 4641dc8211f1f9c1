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
