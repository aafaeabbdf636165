"""runs: training runs and their metrics

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("job_id", sa.Integer, sa.ForeignKey("jobs.id"), nullable=True, unique=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), nullable=True),
        sa.Column("model", sa.String(4096), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_runs_dataset", "runs", ["dataset_id"])
    op.create_table(
        "run_metrics",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("epoch", sa.Float, nullable=False),
        sa.Column("split", sa.String(8), nullable=False),
        sa.Column("loss", sa.Float, nullable=False),
        sa.Column("accuracy", sa.Float, nullable=True),
        sa.Column("lr", sa.Float, nullable=True),
        sa.Column("grad_norm", sa.Float, nullable=True),
        sa.Column("wall_time", sa.Float, nullable=False),
    )
    op.create_index("ix_run_metrics_run_step", "run_metrics", ["run_id", "step"])


def downgrade() -> None:
    op.drop_index("ix_run_metrics_run_step", "run_metrics")
    op.drop_table("run_metrics")
    op.drop_index("ix_runs_dataset", "runs")
    op.drop_table("runs")
