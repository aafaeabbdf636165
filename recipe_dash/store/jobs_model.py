"""Long work (analyses, training runs, tuning studies) done by worker processes, tracked in the store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from recipe_dash.store.models import Base, utcnow

ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")

# Partial unique indexes, so the database itself refuses a second active analysis of a dataset and a
# second job in one worker slot, whoever inserts it (two browsers, two servers on one PostgreSQL).
# SQLite and PostgreSQL both index only the rows the WHERE clause selects.
_ONE_PER_DATASET = "exclusive = {true} AND status IN ('queued', 'running')"
_SLOT_TAKEN = "status = 'running'"


class JobRecord(Base):
    """One unit of background work; pages poll it, the worker updates it."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index(
            "uq_jobs_active_per_dataset",
            "kind",
            "dataset_id",
            unique=True,
            sqlite_where=text(_ONE_PER_DATASET.format(true=1)),
            postgresql_where=text(_ONE_PER_DATASET.format(true="true")),
        ),
        Index(
            "uq_jobs_worker_slot",
            "host",
            "slot",
            unique=True,
            sqlite_where=text(_SLOT_TAKEN),
            postgresql_where=text(_SLOT_TAKEN),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))  # key in recipe_dash.jobs.JOB_KINDS
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id"), nullable=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # ACTIVE or FINISHED
    done: Mapped[float] = mapped_column(Float, default=0.0)
    total: Mapped[float | None] = mapped_column(Float, nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    stop_requested: Mapped[bool] = mapped_column(default=False)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # At most one active job of this kind per dataset (analyses); set from the kind's registration.
    exclusive: Mapped[bool] = mapped_column(default=False)
    # Where the worker runs (socket.gethostname()) and which of that host's RECIPE_DASH_MAX_WORKERS
    # slots it holds; None for a job run inline (tests, the CLI's own process) outside the pool.
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    slot: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Written by the worker every few seconds with the database's clock; a running job whose heartbeat
    # is older than RECIPE_DASH_HEARTBEAT_TIMEOUT has lost its worker, on whatever host it ran.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
