"""review_decisions: the team's decisions on findings, duplicate clusters and samples, append-only

Revision ID: 0006_review
Revises: 0006_job_pool
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_review"
down_revision = "0006_job_pool"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String(64), nullable=False, unique=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("analyzer", sa.String(64), nullable=True),
        sa.Column("issue_type", sa.String(64), nullable=True),
        sa.Column("sample_id", sa.Text, nullable=True),
        sa.Column("group_key", sa.Text, nullable=True),
        sa.Column("members", sa.JSON, nullable=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("based_on", sa.Integer, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("label", sa.String(255), nullable=True),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("dataset_id", "subject", "seq", name="uq_review_decisions_subject_seq"),
    )
    op.create_index("ix_review_decisions_dataset_id", "review_decisions", ["dataset_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_review_decisions_dataset_id", "review_decisions")
    op.drop_table("review_decisions")
