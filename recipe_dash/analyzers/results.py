"""Keep each check's latest complete result in the store, so pages, restarts and other users see it.

Large per-sample frames inside a check's details live in Parquet files beside the store (see
_evidence_files); a result replaced by a newer run takes its files with it.
"""

from __future__ import annotations

import importlib
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from recipe_dash.analyzers import ANALYZERS
from recipe_dash.analyzers._evidence_files import EvidenceFolder, load_frame, references, remove
from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.analyzers.findings import FINDING_COLUMNS, concat_findings
from recipe_dash.errors import StoreError
from recipe_dash.jobs import JobStopped
from recipe_dash.store import JobRecord, Store
from recipe_dash.store.analysis_model import AnalysisResultRecord


@dataclass(frozen=True)
class StoredResult:
    """A Result as saved, with when and by which job."""

    result: Result
    created_at: datetime
    job_id: int | None


def save_results(store: Store, dataset_id: int, results: dict[str, Result], *, job_id: int | None = None) -> None:
    """Replace the stored results of these checks in one transaction: readers see old or new, never a mix.

    With `job_id`, only while that job still runs: a worker judged lost (frozen, then resumed) or
    stopped at the last moment never replaces the results. Raises JobStopped then.
    """
    folder = EvidenceFolder(dataset_id, job_id)
    records = [
        AnalysisResultRecord(
            dataset_id=dataset_id,
            analyzer=name,
            job_id=job_id,
            verdict=r.verdict,
            summary=r.summary,
            details=r.details.to_json(spill=lambda path, frame, name=name: folder.spill(name, path, frame)),
            findings=_to_parquet(r.findings),
            n_findings=len(r.findings),
            seconds=r.seconds,
        )
        for name, r in results.items()
    ]
    replaced = (AnalysisResultRecord.dataset_id == dataset_id) & AnalysisResultRecord.analyzer.in_(list(results))
    try:
        with store.session() as session, session.begin():
            if job_id is not None and not _still_running(session, job_id):
                raise JobStopped()
            superseded = [
                ref
                for details in session.scalars(select(AnalysisResultRecord.details).where(replaced))
                for ref in references(details)
            ]
            session.execute(delete(AnalysisResultRecord).where(replaced))
            session.add_all(records)
    except SQLAlchemyError as err:
        folder.discard()
        raise StoreError(f"Could not save the analysis of dataset #{dataset_id}: {err}") from None
    except BaseException:
        folder.discard()
        raise
    remove(superseded)  # after the commit: until then readers may still be on the old files


def latest_results(store: Store, dataset_id: int, *, checks: list[str] | None = None) -> dict[str, StoredResult]:
    """The stored result of every check run on the dataset (or of `checks`), keyed by registry key."""
    query = select(AnalysisResultRecord).where(AnalysisResultRecord.dataset_id == dataset_id)
    if checks is not None:
        query = query.where(AnalysisResultRecord.analyzer.in_(checks))
    with store.session() as session:
        records = list(session.scalars(query.order_by(AnalysisResultRecord.analyzer)))
    stored = {}
    for r in records:
        details = _read_details(r.analyzer, r.details)
        if details is not None:
            result = Result(r.analyzer, r.verdict, r.summary, _from_parquet(r.findings), details, r.seconds)  # type: ignore[arg-type]
            stored[r.analyzer] = StoredResult(result, r.created_at, r.job_id)
    return stored


def _read_details(check: str, data: dict[str, Any]) -> CheckDetails | None:
    """The check's own `Details` (module name = registry key); None for a check this version no longer
    has, or a result stored in an older shape: the page then asks for a new run, as for no result."""
    if check not in ANALYZERS:
        return None
    details_type: type[CheckDetails] = importlib.import_module(f"recipe_dash.analyzers.{check}").Details
    try:
        return details_type.from_json(data, load=load_frame)
    except (TypeError, KeyError, OSError):  # KeyError also for an evidence file deleted by hand
        return None


def _still_running(session: Session, job_id: int) -> bool:
    """Claim the job's last write (its message) only if it still runs; the write also takes SQLite's
    write lock first, so the check and the replacement are one step."""
    written = session.execute(
        update(JobRecord)
        .where(JobRecord.id == job_id, JobRecord.status == "running", JobRecord.stop_requested.is_(False))
        .values(message="saving results")
    )
    return bool(written.rowcount)  # type: ignore[attr-defined]


def _to_parquet(findings: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    findings[list(FINDING_COLUMNS)].to_parquet(buffer, index=False)
    return buffer.getvalue()


def _from_parquet(blob: bytes) -> pd.DataFrame:
    return concat_findings([pd.read_parquet(io.BytesIO(blob))])
