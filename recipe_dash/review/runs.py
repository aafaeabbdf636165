"""What the review bought: training runs on the raw and on the cleaned data, side by side.

A run on the cleaned data carries its drops and relabels in its config (TrainConfig.drop_samples,
relabel_samples), so it repeats exactly whatever the team decides later.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select

from recipe_dash.io import Dataset
from recipe_dash.review.manifest import Cleaning
from recipe_dash.store import JobRecord, Store
from recipe_dash.store.training_model import RunRecord

RUN_COLUMNS = (
    "run_id",
    "kind",
    "model",
    "data",
    "status",
    "epochs",
    "val_loss",
    "metric",
    "value",
    "low",
    "high",
    "verdict",
    "created_at",
)


def config_cleaning(config: dict[str, Any]) -> Cleaning:
    """The cleaning a run's config applied (none for a run on the raw data)."""
    relabel = tuple((str(s), str(c)) for s, c in config.get("relabel_samples") or ())
    return Cleaning(drop=tuple(config.get("drop_samples") or ()), relabel=relabel)


def run_config(store: Store, run_id: int) -> dict[str, Any]:
    with store.session() as session:
        record = session.get(RunRecord, run_id)
    return record.config if record is not None else {}


def runs_overview(store: Store, dataset_id: int) -> pd.DataFrame:
    """Every run of the dataset, newest first: on which data, and what it reached (RUN_COLUMNS).

    `metric` is the one to read first (balanced accuracy when the validation classes are imbalanced)
    with its 95% interval; `verdict` is the run's own when its kind gives one (an overfit run's).
    """
    query = (
        select(RunRecord, JobRecord)
        .outerjoin(JobRecord, RunRecord.job_id == JobRecord.id)
        .where(RunRecord.dataset_id == dataset_id)
        .order_by(RunRecord.id.desc())
    )
    with store.session() as session:
        pairs = session.execute(query).all()
    rows = []
    for run, job in pairs:
        summary, result = run.summary or {}, (job.result if job is not None else None) or {}
        metrics = summary.get("metrics") or {}
        primary = metrics.get("primary")
        best = next((m for m in metrics.get("table", []) if m.get("metric") == primary), {})
        rows.append(
            {
                "run_id": run.id,
                "kind": run.config.get("kind", "normal"),
                "model": run.model,
                "data": config_cleaning(run.config).describe(),
                "status": job.status if job is not None else "done",
                "epochs": summary.get("epochs_done"),
                "val_loss": result.get("val_loss"),
                "metric": primary,
                "value": best.get("value"),
                "low": best.get("low"),
                "high": best.get("high"),
                "verdict": summary.get("verdict") or result.get("verdict"),
                "created_at": run.created_at,
            }
        )
    return pd.DataFrame(rows, columns=list(RUN_COLUMNS))


def cleaned_vs_raw(runs: pd.DataFrame) -> pd.DataFrame:
    """The newest finished normal run on the raw data and on cleaned data, one row each (empty unless both exist).

    Their validation sets differ when the review dropped or relabelled validation samples; the
    page says so beside the numbers.
    """
    finished = runs[(runs["status"] == "done") & (runs["kind"] == "normal")]
    raw = finished[finished["data"] == Cleaning().describe()].head(1)
    cleaned = finished[finished["data"] != Cleaning().describe()].head(1)
    if raw.empty or cleaned.empty:
        return pd.DataFrame(columns=list(RUN_COLUMNS))
    return pd.concat([raw, cleaned], ignore_index=True)


def held_out_changes(dataset: Dataset, cleaning: Cleaning) -> tuple[int, int]:
    """(dropped, relabelled) samples outside the train split: how far a cleaned run's validation set differs."""
    held_out = set(dataset.samples.loc[dataset.samples["split"].astype(str) != "train", "sample_id"].astype(str))
    return len(held_out.intersection(cleaning.drop)), sum(s in held_out for s, _ in cleaning.relabel)
