"""Tuning launches: how many trials a `recipe-dash tune` launch adds, and how many its workers have taken.

Workers take trials from their launch one at a time (`recipe_dash.tuning.budget`) instead of each running a
share fixed at the start, so a worker whose trials were pruned early takes on the others' work rather than
idling. The claim is one conditional UPDATE, so the launch adds exactly `total` trials.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from recipe_dash.store.models import Base, utcnow


class TuneLaunch(Base):
    """One launch's trial budget in a study; its workers' jobs name it in their config."""

    __tablename__ = "tune_launches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study: Mapped[str] = mapped_column(String(255))
    total: Mapped[int] = mapped_column(Integer)  # trials the launch adds
    claimed: Mapped[int] = mapped_column(Integer, default=0)  # trials its workers have started
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
