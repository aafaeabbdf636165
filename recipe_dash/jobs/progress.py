"""Turn a job row into what a page shows: a progress bar's fraction, counts, elapsed and ETA; how it failed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from recipe_dash.store import JobRecord
from recipe_dash.store.jobs_model import ACTIVE


@dataclass(frozen=True)
class JobProgress:
    fraction: float  # 0..1 for the bar
    text: str  # "24% · 12 s elapsed · about 40 s left · 1,200 of 5,000 images"
    active: bool


def describe(job: JobRecord, *, now: datetime | None = None, place: int | None = None) -> JobProgress:
    """Linear ETA from the rate so far: good enough for passes whose items cost about the same.

    `place` is a queued job's place in the queue (`recipe_dash.jobs.queue_place`): 1 starts next.
    """
    now = now or datetime.now(UTC)
    if job.status == "queued":
        if place is None:
            return JobProgress(0.0, "queued · waiting for a free worker", True)
        if place == 1:
            return JobProgress(0.0, "queued · next in line for a free worker", True)
        ahead = f"{place - 1} job{'s' if place > 2 else ''} ahead"
        return JobProgress(0.0, f"queued · place {place} in line ({ahead}), waiting for a free worker", True)
    total = job.total or 0.0
    fraction = min(max(job.done / total, 0.0), 1.0) if total > 0 else 0.0
    # Rounded down, so a bar never reads 100% while work is left; the counts, if any, are in the message.
    parts = [f"{math.floor(fraction * 100)}%" if total > 0 else job.status]
    if job.started_at is not None:
        end = _aware(job.finished_at) if job.finished_at else now
        seconds = max((end - _aware(job.started_at)).total_seconds(), 0.0)
        parts.append(f"{_duration(seconds)} elapsed")
        if job.status in ACTIVE and 0 < fraction < 1:
            parts.append(f"about {_duration(seconds * (1 - fraction) / fraction)} left")
    if job.message and job.message not in {job.status, "started"}:
        parts.append(job.message)
    return JobProgress(fraction, " · ".join(parts), job.status in ACTIVE)


@dataclass(frozen=True)
class JobFailure:
    message: str
    traceback: str | None  # set when the failure is a bug (not a RecipeDashError): show it, to be reported


def failure(job: JobRecord) -> JobFailure | None:
    """How a failed job ended: the user's error as written, or an internal error named as a bug."""
    if job.status != "failed":
        return None
    trace = (job.result or {}).get("traceback")
    if trace:
        return JobFailure(
            f"Internal error, a bug in recipe-dash (please report it with the traceback): {job.error}", trace
        )
    return JobFailure(job.error or "The job failed.", None)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; we store UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
