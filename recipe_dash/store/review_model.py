"""Team review: every decision anyone made on a finding, a duplicate cluster or a sample, never updated.

Append-only: a new decision is a new row, so the history is the table itself and the current state of
a subject is its row with the highest `seq`. `subject` is a digest of what was decided on (see
`recipe_dash.review.subjects`), stable across re-runs of the checks; the readable parts are kept beside it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recipe_dash.store.models import Base, utcnow


class ReviewDecision(Base):
    """One reviewer's decision on one subject, with the position in that subject's history it took."""

    __tablename__ = "review_decisions"
    __table_args__ = (
        # Two writers that read the same head both ask for head + 1: the database lets one win, the
        # other retries on top of it, so a subject's history is 1, 2, 3, ... in the order it was written.
        UniqueConstraint("dataset_id", "subject", "seq", name="uq_review_decisions_subject_seq"),
        Index("ix_review_decisions_dataset_id", "dataset_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Made by the client once per decision: a retried write is recognised and not stored twice.
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    subject: Mapped[str] = mapped_column(String(64))  # digest of the subject's key
    kind: Mapped[str] = mapped_column(String(16))  # finding, cluster or sample
    analyzer: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the check of a finding or cluster
    issue_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sample_id: Mapped[str | None] = mapped_column(Text, nullable=True)  # a finding's or a sample's
    group_key: Mapped[str | None] = mapped_column(Text, nullable=True)  # a dataset-level finding's group
    members: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # a cluster's samples, sorted
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the subject
    # The subject's seq the reviewer had seen when deciding (0: none); a decision that did not see an
    # earlier, different one is concurrent with it, and the subject is disputed until someone settles it.
    based_on: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(16))  # confirmed, not_an_issue, fixed, drop, relabel
    label: Mapped[str | None] = mapped_column(String(255), nullable=True)  # the class of a relabel
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
