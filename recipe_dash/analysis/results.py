"""Keep each check's latest complete result in the store, so pages, restarts and other users see it."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from recipe_dash.analyzers.base import FINDING_COLUMNS, Result, concat_findings
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
            details=jsonable(r.details),
            findings=_to_parquet(r.findings),
            n_findings=len(r.findings),
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
    return {
        r.analyzer: StoredResult(
            Result(r.analyzer, r.verdict, r.summary, _from_parquet(r.findings), dict(r.details)),  # type: ignore[arg-type]
            r.created_at,
            r.job_id,
        )
        for r in records
    }


def jsonable(value: Any) -> Any:
    """Plain JSON values for any SQL backend: numpy to Python, NaN and infinities to None, a frame
    to a list of row records (rebuild with `pd.DataFrame(records)`), a series to a dict."""
    if isinstance(value, pd.DataFrame):
        return jsonable(value.to_dict("records"))
    if isinstance(value, pd.Series):
        return jsonable(value.to_dict())
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA:
        return None
    return value


def _to_parquet(findings: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    findings[list(FINDING_COLUMNS)].to_parquet(buffer, index=False)
    return buffer.getvalue()


def _from_parquet(blob: bytes) -> pd.DataFrame:
    return concat_findings([pd.read_parquet(io.BytesIO(blob))])
