"""jobs: one active analysis per dataset, worker slots per host, heartbeats

Revision ID: 0006_job_pool
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_job_pool"
down_revision = "0005"
branch_labels = None
depends_on = None

_ONE_PER_DATASET = "exclusive = {true} AND status IN ('queued', 'running')"


def upgrade() -> None:
    with op.batch_alter_table("jobs") as table:
        # Existing rows are not exclusive: a store that already holds two active analyses of a dataset
        # (the bug this fixes) still upgrades; their workers finish or are found dead as before.
        table.add_column(sa.Column("exclusive", sa.Boolean, nullable=False, server_default=sa.false()))
        table.add_column(sa.Column("host", sa.String(255), nullable=True))
        table.add_column(sa.Column("slot", sa.Integer, nullable=True))
        table.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "uq_jobs_active_per_dataset",
        "jobs",
        ["kind", "dataset_id"],
        unique=True,
        sqlite_where=sa.text(_ONE_PER_DATASET.format(true=1)),
        postgresql_where=sa.text(_ONE_PER_DATASET.format(true="true")),
    )
    op.create_index(
        "uq_jobs_worker_slot",
        "jobs",
        ["host", "slot"],
        unique=True,
        sqlite_where=sa.text("status = 'running'"),
        postgresql_where=sa.text("status = 'running'"),
    )


def downgrade() -> None:
    op.drop_index("uq_jobs_worker_slot", "jobs")
    op.drop_index("uq_jobs_active_per_dataset", "jobs")
    with op.batch_alter_table("jobs") as table:
        table.drop_column("heartbeat_at")
        table.drop_column("slot")
        table.drop_column("host")
        table.drop_column("exclusive")
