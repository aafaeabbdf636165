"""Training runs and their curves: one row per run, one row per recorded step or validation pass."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from recipe_dash.store.models import Base, utcnow


class RunRecord(Base):
    """A run = dataset + model + config (seed included); its status lives on the job that executes it."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_dataset", "dataset_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True, unique=True)
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id"), nullable=True)
    model: Mapped[str] = mapped_column(String(4096))  # the model spec as given
    config: Mapped[dict[str, Any]] = mapped_column(JSON)  # TrainConfig.to_dict()
    seed: Mapped[int] = mapped_column(Integer)
    # What the run saw and reached: transform, validation source, notes, input statistics, final metrics.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RunMetric(Base):
    """One point of a curve: a training step (split 'train') or a validation pass at an epoch end ('val')."""

    __tablename__ = "run_metrics"
    __table_args__ = (Index("ix_run_metrics_run_step", "run_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    epoch: Mapped[float] = mapped_column(Float)  # fractional for training steps
    split: Mapped[str] = mapped_column(String(8))
    loss: Mapped[float] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float, nullable=True)
    lr: Mapped[float | None] = mapped_column(Float, nullable=True)
    grad_norm: Mapped[float | None] = mapped_column(Float, nullable=True)
    wall_time: Mapped[float] = mapped_column(Float)  # seconds since the run started
