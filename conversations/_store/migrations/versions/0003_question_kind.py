"""The kind of each logged reply: a cited answer, a related rule, or "the notices do not say".

Rows logged before kinds existed were either answered or refused, and are filled in that way.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("question_log") as table:  # batch: SQLite cannot add NOT NULL otherwise
        table.add_column(sa.Column("kind", sa.String(16), nullable=True))
    op.execute("UPDATE question_log SET kind = CASE WHEN answered THEN 'answer' ELSE 'not_found' END")
    with op.batch_alter_table("question_log") as table:
        table.alter_column("kind", existing_type=sa.String(16), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("question_log") as table:
        table.drop_column("kind")
