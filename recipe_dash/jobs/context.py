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
            session.execute(update(JobRecord).where(JobRecord.id == self.job_id).values(**values))
            self._stop = bool(session.get(JobRecord, self.job_id).stop_requested)  # type: ignore[union-attr]

    def stop_requested(self) -> bool:
        """True once the user asked to stop (read at most every half second)."""
        if time.monotonic() - self._last_write >= _POLL_SECONDS:
            with self.store.session() as session:
                record = session.get(JobRecord, self.job_id)
                self._stop = bool(record and record.stop_requested)
        return self._stop

    def check_stop(self) -> None:
        if self.stop_requested():
            raise JobStopped()
