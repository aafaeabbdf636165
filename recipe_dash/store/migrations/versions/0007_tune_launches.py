"""tune_launches: a tuning launch's trial budget, taken one trial at a time by its workers

Revision ID: 0007_tune_launches
Revises: 0006_review
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_tune_launches"
down_revision = "0006_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tune_launches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("study", sa.String(255), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("claimed", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tune_launches")
