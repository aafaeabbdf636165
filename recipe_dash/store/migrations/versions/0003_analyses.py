"""analysis_results: the latest complete result of each check per dataset

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analysis_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), nullable=False),
        sa.Column("analyzer", sa.String(64), nullable=False),
        sa.Column("job_id", sa.Integer, sa.ForeignKey("jobs.id"), nullable=True),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("findings", sa.LargeBinary, nullable=False),
        sa.Column("n_findings", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("dataset_id", "analyzer", name="uq_analysis_results_dataset_analyzer"),
    )
    op.create_index("ix_analysis_results_dataset_id", "analysis_results", ["dataset_id"])


def downgrade() -> None:
    op.drop_index("ix_analysis_results_dataset_id", "analysis_results")
    op.drop_table("analysis_results")
