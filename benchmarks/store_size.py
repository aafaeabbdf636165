"""How big the store grows over repeated analyses of one large table (issue #15: a store that bloats).

    python benchmarks/store_size.py                       # 500k rows, 20 analyses
    python benchmarks/store_size.py --rows 100000 --runs 5 --inline   # as before: evidence in the store

The table (generated: informative columns, 5% flipped labels, 1% duplicated rows, a few far outliers)
is analysed once with every check. That result is then saved `--runs` times, each by its own analysis
job row, exactly as a finished analysis job saves it (`save_results(..., job_id=...)`); the checks are
not recomputed each time because what lands in the store does not depend on how long they took.
`--recompute` runs every analysis for real instead (20 x several minutes at 500k rows on 2 cores).

Prints the SQLite file, its -wal and -shm files, and the Parquet evidence beside it, in MB, as the
runs go and after a final WAL checkpoint. Target: the store under 10 MB plus the Parquet evidence.
`--inline` keeps every frame in the store's JSON, as before the change, for comparison.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

MB = 1024**2


def make_table(path: Path, n_rows: int, seed: int = 0) -> None:
    X, y = make_classification(
        n_samples=n_rows, n_features=12, n_informative=6, n_classes=3, random_state=seed, flip_y=0.0
    )
    rng = np.random.default_rng(seed)
    flipped = rng.random(n_rows) < 0.05
    y = np.where(flipped, (y + rng.integers(1, 3, n_rows)) % 3, y)
    copies = rng.choice(n_rows, n_rows // 100, replace=False)
    X[copies[1::2]] = X[copies[0::2]]
    X[rng.choice(n_rows, 20, replace=False)] *= 25.0
    frame = pd.DataFrame(X.round(5), columns=[f"f{i}" for i in range(X.shape[1])])
    frame["label"] = np.array(["a", "b", "c"])[y]
    frame["split"] = np.where(rng.random(n_rows) < 0.2, "test", "train")
    frame.to_parquet(path, index=False)


def size(path: Path) -> float:
    return path.stat().st_size / MB if path.exists() else 0.0


def report(what: str, db: Path, home: Path) -> None:
    wal, shm = size(db.with_name(db.name + "-wal")), size(db.with_name(db.name + "-shm"))
    evidence = sum(p.stat().st_size for p in (home / "evidence").rglob("*") if p.is_file()) / MB
    print(
        f"{what}: db {size(db):.2f} MB + wal {wal:.2f} MB + shm {shm:.2f} MB; Parquet evidence {evidence:.2f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--recompute", action="store_true", help="run every analysis for real")
    parser.add_argument("--inline", action="store_true", help="keep all evidence in the store (as before)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="store-size-"))
    home = work / "home"
    os.environ["RECIPE_DASH_HOME"] = str(home)
    os.environ.pop("RECIPE_DASH_DB", None)
    from recipe_dash import jobs
    from recipe_dash.analyzers import _evidence_files, run_checks, save_results
    from recipe_dash.store import open_store
    from recipe_dash.workspace import open_dataset

    if args.inline:
        _evidence_files.INLINE_ROWS = sys.maxsize  # every frame stays in the JSON column
    table = work / "table.parquet"
    make_table(table, args.rows)
    store = open_store()
    db = Path(store.url.removeprefix("sqlite:///"))
    dataset_id, dataset = open_dataset(store, table)
    print(f"{args.rows:,} rows; store {db}; evidence in {home / 'evidence'}", flush=True)

    started = time.perf_counter()
    results = run_checks(dataset)
    print(f"one full analysis: {time.perf_counter() - started:.0f} s", flush=True)
    for run in range(1, args.runs + 1):
        job_id = jobs.create_job(store, "analyze", {"checks": list(results)}, dataset_id)
        if args.recompute and run > 1:
            jobs.run_job(store, job_id)
        else:  # what run_analysis_job does after the checks: save while its job runs, then finish
            jobs.runner._update(store, job_id, status="running", host=jobs.liveness.HOST, pid=os.getpid())
            save_results(store, dataset_id, results, job_id=job_id)
            jobs.runner._update(store, job_id, status="done", result={k: r.verdict for k, r in results.items()})
        if run in (1, args.runs) or run % 5 == 0:
            report(f"after {run:>2} analyses", db, home)
    store.engine.dispose()
    with sqlite3.connect(db) as connection:  # what a backup (sqlite3 DB '.backup F') would copy
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    report("after a WAL checkpoint", db, home)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
