"""The latest complete result of each check for each dataset, replaced only when a new run completes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recipe_dash.store.models import Base, utcnow


class AnalysisResultRecord(Base):
    """One analyzer's Result for one dataset; findings are a Parquet blob (a million rows stay one row here)."""

    __tablename__ = "analysis_results"
    __table_args__ = (UniqueConstraint("dataset_id", "analyzer", name="uq_analysis_results_dataset_analyzer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    analyzer: Mapped[str] = mapped_column(String(64))  # registry key, e.g. "duplicates"
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)  # the run that produced it
    verdict: Mapped[str] = mapped_column(String(16))  # pass, warn, fail, not_measured
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    findings: Mapped[bytes] = mapped_column(LargeBinary)  # Parquet of the findings frame
    n_findings: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)  # the check's run time
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
