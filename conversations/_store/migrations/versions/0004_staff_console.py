"""The staff console: curated answers and their versions, gap decisions, staff accounts and sessions,
background notice jobs; the question log notes which curated answer replied.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("question_log") as table:
        table.add_column(sa.Column("curated_answer_id", sa.Integer, nullable=True))
    op.create_table(
        "curated_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("phrasings", sa.JSON, nullable=False),
        sa.Column("programme", sa.String(128), nullable=True),
        sa.Column("cite_file", sa.String(255), nullable=True),
        sa.Column("cite_section", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("flagged", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("updated_at", _NOW, nullable=False),
    )
    op.create_index("ix_curated_answers_updated_at", "curated_answers", ["updated_at"])
    op.create_table(
        "curated_answer_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "curated_answer_id",
            sa.Integer,
            sa.ForeignKey("curated_answers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("phrasings", sa.JSON, nullable=False),
        sa.Column("programme", sa.String(128), nullable=True),
        sa.Column("cite_file", sa.String(255), nullable=True),
        sa.Column("cite_section", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("edited_by", sa.String(64), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.UniqueConstraint("curated_answer_id", "version", name="uq_curated_answer_version"),
    )
    op.create_index(
        "ix_curated_answer_versions_curated_answer_id", "curated_answer_versions", ["curated_answer_id"]
    )
    op.create_table(
        "gap_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("group_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("representative", sa.Text, nullable=False),
        sa.Column("question_ids", sa.JSON, nullable=False),
        sa.Column(
            "curated_answer_id",
            sa.Integer,
            sa.ForeignKey("curated_answers.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", _NOW, nullable=False),
        sa.Column("reverted_at", _NOW, nullable=True),
    )
    op.create_index("ix_gap_decisions_group_key", "gap_decisions", ["group_key"])
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", _NOW, nullable=True),
        sa.Column("last_login_at", _NOW, nullable=True),
        sa.Column("created_at", _NOW, nullable=False),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "staff_id", sa.Integer, sa.ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("expires_at", _NOW, nullable=False),
    )
    op.create_index("ix_staff_sessions_staff_id", "staff_sessions", ["staff_id"])
    op.create_index("ix_staff_sessions_expires_at", "staff_sessions", ["expires_at"])
    op.create_table(
        "notice_jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("file", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("current", sa.String(255), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("started_by", sa.String(64), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("finished_at", _NOW, nullable=True),
    )


def downgrade() -> None:
    for name in (
        "notice_jobs",
        "staff_sessions",
        "staff_accounts",
        "gap_decisions",
        "curated_answer_versions",
        "curated_answers",
    ):
        op.drop_table(name)
    with op.batch_alter_table("question_log") as table:
        table.drop_column("curated_answer_id")
