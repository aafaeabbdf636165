"""Runs in the store: start one, record its curve in batches, read curves back; per-sample files on disk.

A run's status is its job's (queued, running, done, failed, cancelled). Per-sample losses and
predictions go to one Parquet file per epoch under RECIPE_DASH_HOME/runs/<run id>/, so the store
stays small and a page reads one epoch's column at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import insert, select

from recipe_dash import jobs
from recipe_dash.evidence import jsonable
from recipe_dash.settings import get_settings
from recipe_dash.store import JobRecord, Store
from recipe_dash.store.jobs_model import ACTIVE
from recipe_dash.store.training_model import RunMetric, RunRecord
from recipe_dash.training.config import TrainConfig

TRAIN_JOB = "train"
METRIC_COLUMNS = ("run_id", "step", "epoch", "split", "loss", "accuracy", "lr", "grad_norm", "wall_time")


def start_run(store: Store, dataset_id: int, config: TrainConfig) -> int:
    """Submit a training run to a worker process; returns its job id at once."""
    return jobs.submit(store, TRAIN_JOB, config.to_dict(), dataset_id)


def create_run(
    store: Store, *, job_id: int | None, dataset_id: int | None, config: TrainConfig, summary: dict[str, Any]
) -> int:
    with store.session() as session, session.begin():
        record = RunRecord(
            job_id=job_id,
            dataset_id=dataset_id,
            model=config.model,
            config=config.to_dict(),
            seed=config.seed,
            summary=summary,
        )
        session.add(record)
        session.flush()
        return record.id


def update_summary(store: Store, run_id: int, **values: Any) -> None:
    """Merge values into the run's summary (a JSON column is replaced whole, so read-modify-write)."""
    with store.session() as session, session.begin():
        record = session.get(RunRecord, run_id)
        assert record is not None, f"run {run_id} vanished"
        record.summary = {**record.summary, **jsonable(values)}


def get_run(store: Store, run_id: int) -> RunRecord | None:
    with store.session() as session:
        return session.get(RunRecord, run_id)


def list_runs(store: Store, *, dataset_id: int | None = None) -> pd.DataFrame:
    """Training jobs newest first, with their run (none yet while a worker starts) and status."""
    query = (
        select(JobRecord, RunRecord)
        .outerjoin(RunRecord, RunRecord.job_id == JobRecord.id)
        .where(JobRecord.kind == TRAIN_JOB)
        .order_by(JobRecord.id.desc())
    )
    if dataset_id is not None:
        query = query.where(JobRecord.dataset_id == dataset_id)
    with store.session() as session:
        pairs = session.execute(query).all()
    rows = []
    for job, run in pairs:
        if job.status in ACTIVE:  # notices a worker that died
            job = jobs.get_job(store, job.id) or job
        config = job.config
        verdict = (run.summary or {}).get("verdict") if run else None
        rows.append(
            {
                "run_id": run.id if run else None,
                "job_id": job.id,
                "status": job.status,
                "kind": config.get("kind", "normal"),
                "verdict": verdict["verdict"] if verdict else None,
                "model": config.get("model"),
                "optimizer": config.get("optimizer"),
                "lr": config.get("lr"),
                "batch_size": config.get("batch_size"),
                "epochs": config.get("epochs") if config.get("kind") != "overfit" else None,  # runs to a floor
                "seed": config.get("seed"),
                "progress": _progress(job),
                "message": job.message,
                "error": job.error,
                "created_at": job.created_at,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "run_id",
            "job_id",
            "status",
            "kind",
            "verdict",
            "model",
            "optimizer",
            "lr",
            "batch_size",
            "epochs",
            "seed",
            "progress",
            "message",
            "error",
            "created_at",
        ],
    )


def metrics_frame(store: Store, run_ids: list[int]) -> pd.DataFrame:
    """Every recorded point of the given runs, ordered by run and step."""
    query = select(*(getattr(RunMetric, c) for c in METRIC_COLUMNS)).where(RunMetric.run_id.in_(run_ids))
    with store.session() as session:
        rows = session.execute(query.order_by(RunMetric.run_id, RunMetric.step, RunMetric.id)).all()
    return pd.DataFrame(rows, columns=list(METRIC_COLUMNS))


def run_report(store: Store, run_id: int) -> dict[str, Any]:
    """A run as JSON (the CLI's `--json`): kind, settings, verdict, reference lines and every curve point."""
    record = get_run(store, run_id)
    assert record is not None, f"run {run_id} vanished"
    curve = metrics_frame(store, [run_id]).drop(columns=["run_id"])
    return {
        "run_id": run_id,
        "kind": record.config.get("kind", "normal"),
        "config": record.config,
        "verdict": record.summary.get("verdict"),
        "references": record.summary.get("references", []),
        "curve": jsonable(curve.to_dict("records")),
    }


@dataclass(frozen=True)
class Overlay:
    """Runs of any kinds drawn on one chart: their points, legend labels, reference lines and verdicts."""

    metrics: pd.DataFrame
    labels: dict[int, str]  # "run 3 · overfit 64" or "run 1"
    references: dict[int, list[dict[str, Any]]]  # a baseline run's majority-class and linear-model lines
    verdicts: dict[int, dict[str, Any]]  # RunVerdict.to_json() of runs that have one


def overlay(store: Store, run_ids: list[int]) -> Overlay:
    """Everything a page needs to overlay these runs, read in two queries."""
    with store.session() as session:
        records = {r.id: r for r in session.scalars(select(RunRecord).where(RunRecord.id.in_(run_ids)))}
    chosen = [r for r in run_ids if r in records]
    return Overlay(
        metrics=metrics_frame(store, chosen),
        labels={r: run_label(r, records[r].config) for r in chosen},
        references={
            r: records[r].summary.get("references", []) for r in chosen if records[r].summary.get("references")
        },
        verdicts={r: records[r].summary["verdict"] for r in chosen if records[r].summary.get("verdict")},
    )


def run_label(run_id: int, config: dict[str, Any]) -> str:
    """How a run is named in legends and pickers: its id, and its kind when it is not a normal run."""
    kind = config.get("kind", "normal")
    if kind == "overfit":
        return f"run {run_id} · overfit {TrainConfig.from_dict(config).subset_size}"
    return f"run {run_id}" + (f" · {kind}" if kind != "normal" else "")


def insert_metrics(store: Store, rows: list[dict[str, Any]]) -> None:
    """Append curve points (dicts with METRIC_COLUMNS) in one transaction."""
    if rows:
        with store.session() as session, session.begin():
            session.execute(insert(RunMetric), rows)


def run_dir(run_id: int) -> Path:
    return get_settings().home / "runs" / str(run_id)


def write_sample_losses(run_id: int, epoch: int, table: pa.Table) -> None:
    """One epoch's per-sample table (sample_id, split, label, predicted, loss), written atomically."""
    folder = run_dir(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"epoch-{epoch:04d}.parquet.partial"
    pq.write_table(table, partial)
    partial.replace(folder / f"epoch-{epoch:04d}.parquet")


def recorded_epochs(run_id: int) -> list[int]:
    return sorted(int(p.stem.split("-")[1]) for p in run_dir(run_id).glob("epoch-*.parquet"))


def read_sample_losses(run_id: int, epoch: int | None = None) -> pd.DataFrame:
    """One epoch's per-sample losses (the latest when `epoch` is None); empty before the first epoch ends."""
    epochs = recorded_epochs(run_id)
    if not epochs:
        return pd.DataFrame(columns=["sample_id", "split", "label", "predicted", "loss"])
    return pd.read_parquet(run_dir(run_id) / f"epoch-{epoch or epochs[-1]:04d}.parquet")


def tracked_predictions(run_id: int, sample_ids: list[str]) -> pd.DataFrame:
    """Per-epoch loss and prediction of a few samples: "prediction dynamics" as training goes.

    An epoch's file never changes once written, so each is read once per process (a page polling a
    live run reads only the epochs that are new).
    """
    paths = [run_dir(run_id) / f"epoch-{epoch:04d}.parquet" for epoch in recorded_epochs(run_id)]
    if not paths or not sample_ids:
        return pd.DataFrame(columns=["sample_id", "split", "label", "predicted", "loss", "epoch"])
    tables = [_rows_of(path, path.stat().st_mtime_ns, tuple(sample_ids)) for path in paths]
    return pa.concat_tables(tables, promote_options="permissive").to_pandas()


@lru_cache(maxsize=1024)
def _rows_of(path: Path, _mtime_ns: int, sample_ids: tuple[str, ...]) -> pa.Table:
    table = pq.read_table(path)
    epoch = int(path.name.split("-")[1].split(".")[0])
    chosen = table.filter(pc.is_in(table["sample_id"], value_set=pa.array(sample_ids, pa.string())))
    return chosen.append_column("epoch", pa.array([epoch] * len(chosen), pa.int32()))


def write_partial(job_id: int, values: dict[str, Any]) -> None:
    """A job's result so far (the LR finder's curve as it ramps), replaced atomically for a polling page."""
    folder = get_settings().home / "partial"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"job-{job_id}.json"
    path.with_suffix(".partial").write_text(json.dumps(jsonable(values)))
    path.with_suffix(".partial").replace(path)


def read_partial(job_id: int) -> dict[str, Any] | None:
    """What `write_partial` last wrote for the job; None before its first write."""
    path = get_settings().home / "partial" / f"job-{job_id}.json"
    try:
        return dict(json.loads(path.read_text()))
    except FileNotFoundError:
        return None


def save_npz_atomically(path: Path, **arrays: np.ndarray) -> None:
    """Write under a temporary name, then rename: a page polling a live run never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as handle:
        np.savez_compressed(handle, **arrays)
    partial.replace(path)


def save_batch(folder: Path, x: np.ndarray, labels: list[str], sample_ids: list[str]) -> None:
    """The exact tensors of one batch, for "visualize just before the net"."""
    save_npz_atomically(folder / "batch.npz", x=x, labels=np.array(labels), sample_ids=np.array(sample_ids))


def load_batch(folder: Path) -> dict[str, np.ndarray] | None:
    path = folder / "batch.npz"
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def _progress(job: JobRecord) -> float:
    if job.status == "done":
        return 1.0
    return float(job.done / job.total) if job.total else 0.0
