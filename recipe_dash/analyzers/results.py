"""Keep each check's latest complete result in the store, so pages, restarts and other users see it."""

from __future__ import annotations

import importlib
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from recipe_dash.analyzers import ANALYZERS
from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.analyzers.findings import FINDING_COLUMNS, concat_findings
from recipe_dash.errors import StoreError
from recipe_dash.store import Store
from recipe_dash.store.analysis_model import AnalysisResultRecord


@dataclass(frozen=True)
class StoredResult:
    """A Result as saved, with when and by which job."""

    result: Result
    created_at: datetime
    job_id: int | None


def save_results(store: Store, dataset_id: int, results: dict[str, Result], *, job_id: int | None = None) -> None:
    """Replace the stored results of these checks in one transaction: readers see old or new, never a mix."""
    records = [
        AnalysisResultRecord(
            dataset_id=dataset_id,
            analyzer=name,
            job_id=job_id,
            verdict=r.verdict,
            summary=r.summary,
            details=r.details.to_json(),
            findings=_to_parquet(r.findings),
            n_findings=len(r.findings),
            seconds=r.seconds,
        )
        for name, r in results.items()
    ]
    try:
        with store.session() as session, session.begin():
            session.execute(
                delete(AnalysisResultRecord).where(
                    AnalysisResultRecord.dataset_id == dataset_id, AnalysisResultRecord.analyzer.in_(list(results))
                )
            )
            session.add_all(records)
    except SQLAlchemyError as err:
        raise StoreError(f"Could not save the analysis of dataset #{dataset_id}: {err}") from None


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
        return details_type.from_json(data)
    except (TypeError, KeyError):
        return None


def _to_parquet(findings: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    findings[list(FINDING_COLUMNS)].to_parquet(buffer, index=False)
    return buffer.getvalue()


def _from_parquet(blob: bytes) -> pd.DataFrame:
    return concat_findings([pd.read_parquet(io.BytesIO(blob))])
