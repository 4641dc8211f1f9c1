"""The conversation store: users, dialogue state, transcript, assessments and their history, eligibility
checks and the question log.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("channel_user_id", sa.String(128), nullable=False),
        _created(),
        sa.UniqueConstraint("channel", "channel_user_id", name="uq_users_channel_user"),
    )
    op.create_table(
        "dialogue_states",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("programme", sa.String(128), nullable=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "transcript",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("channel_message_id", sa.String(128), nullable=True),
        sa.Column("reply_to", sa.Integer, sa.ForeignKey("transcript.id"), nullable=True),
        sa.Column("handled", sa.Boolean, nullable=False),
        _created(),
        sa.UniqueConstraint("user_id", "channel_message_id", name="uq_transcript_message"),
    )
    op.create_index("ix_transcript_user_id", "transcript", ["user_id"])
    op.create_index("ix_transcript_reply_to", "transcript", ["reply_to"])
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rubric_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("total", sa.Integer, nullable=True),
        sa.Column("eligible", sa.Boolean, nullable=True),
        sa.Column("form_filename", sa.String(255), nullable=True),
        sa.Column("form_docx", sa.LargeBinary, nullable=True),
        _created(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_assessments_user_id", "assessments", ["user_id"])
    op.create_table(
        "assessment_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "assessment_id", sa.Integer, sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("input", sa.Text, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        _created(),
    )
    op.create_index("ix_assessment_history_assessment_id", "assessment_history", ["assessment_id"])
    op.create_table(
        "eligibility_checks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("programme", sa.String(128), nullable=False),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("report", sa.JSON, nullable=True),
        _created(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_eligibility_checks_user_id", "eligibility_checks", ["user_id"])
    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("programme", sa.String(128), nullable=True),
        sa.Column("answered", sa.Boolean, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("citations", sa.JSON, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("context", sa.String(16), nullable=False),
        sa.Column("rating", sa.String(8), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
    )
    op.create_index("ix_question_log_user_id", "question_log", ["user_id"])
    op.create_index("ix_question_log_created_at", "question_log", ["created_at"])


def downgrade() -> None:
    for table in (
        "question_log",
        "eligibility_checks",
        "assessment_history",
        "assessments",
        "transcript",
        "dialogue_states",
        "users",
    ):
        op.drop_table(table)
