"""analysis_results: room for the "not_measured" verdict and the check's run time; joins the two heads

Revision ID: 0005
Revises: 0003, 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = ("0003", "0004")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analysis_results") as table:  # batch: SQLite cannot alter a column in place
        table.alter_column("verdict", type_=sa.String(16), existing_type=sa.String(8), existing_nullable=False)
        table.add_column(sa.Column("seconds", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("analysis_results") as table:
        table.drop_column("seconds")
        table.alter_column("verdict", type_=sa.String(8), existing_type=sa.String(16), existing_nullable=False)
