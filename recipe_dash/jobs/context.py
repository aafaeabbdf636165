"""What a job function sees: its config, a way to report progress, and whether to stop."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update

from recipe_dash.store import JobRecord, Store

_POLL_SECONDS = 0.5  # how often progress is written and the stop flag read, at most


class JobStopped(Exception):
    """Raised inside a job by `check_stop` when the user pressed Stop; the job ends as cancelled."""


@dataclass
class JobContext:
    """Handed to a job function; cheap to call in hot loops (writes are throttled)."""

    store: Store
    job_id: int
    kind: str
    config: dict[str, Any]
    dataset_id: int | None
    _last_write: float = field(default=0.0, repr=False)
    _stop: bool = field(default=False, repr=False)

    def progress(self, done: float, total: float | None = None, message: str = "", *, force: bool = False) -> None:
        """Record progress; also refreshes the stop flag. Throttled unless `force`."""
        now = time.monotonic()
        if not force and now - self._last_write < _POLL_SECONDS:
            return
        self._last_write = now
        values: dict[str, Any] = {"done": done, "message": message}
        if total is not None:
            values["total"] = total
        with self.store.session() as session, session.begin():
            written = session.execute(
                update(JobRecord).where(JobRecord.id == self.job_id, JobRecord.status == "running").values(**values)
            )
            record = session.get(JobRecord, self.job_id)
            self._stop = not written.rowcount or _should_stop(record)  # type: ignore[attr-defined]

    def stop_requested(self) -> bool:
        """True once the user asked to stop, or the job no longer runs (judged lost while this worker was
        frozen: another may already be on it); read at most every half second."""
        if time.monotonic() - self._last_write >= _POLL_SECONDS:
            with self.store.session() as session:
                self._stop = _should_stop(session.get(JobRecord, self.job_id))
        return self._stop

    def check_stop(self) -> None:
        if self.stop_requested():
            raise JobStopped()


def _should_stop(record: JobRecord | None) -> bool:
    return record is None or record.stop_requested or record.status != "running"
