"""Whole table analysis vs reading the file with pyarrow, on a generated CSV with planted problems.

    python benchmarks/table_scale.py --rows 1000000

Prints the pyarrow read time (the floor), the time of `recipe_dash.analyze` (load, row hashes,
duplicates, corruption, imbalance), their ratio (target: <= 5x), peak memory of the analysis
(target: < 4 GB), and precision/recall of the planted duplicates, near duplicates and bad cells.
Reads and analyses alternate `--repeat` times (default 3) and the medians are compared: on a
shared 2-core machine one run can be off by a factor of two either way.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pyarrow.csv

from recipe_dash.analyzers.base import Result
from recipe_dash.analyzers.run import findings_table, run_checks
from recipe_dash.io import load_dataset

CHECKS = ["duplicates", "corruption", "imbalance"]
N_NUMERIC = 16  # + id, category, label, split = 20 columns


def make_table(path: Path, n_rows: int, seed: int = 0) -> dict[str, set[str]]:
    """Write the CSV; returns the planted sample ids per issue type."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.lognormal(2.0, 0.6, size=(n_rows, N_NUMERIC)).round(6), columns=[f"f{i:02d}" for i in range(N_NUMERIC)]
    )
    frame.insert(0, "record_id", rng.permutation(n_rows) + 10_000_000)
    frame["category"] = rng.choice(["north", "south", "east", "west"], size=n_rows)
    frame["label"] = rng.choice(["a", "b", "c"], size=n_rows, p=[0.6, 0.3, 0.1])
    frame["split"] = rng.choice(["train", "test"], size=n_rows, p=[0.8, 0.2])
    n_plant = max(10, n_rows // 1000)
    rows = rng.choice(n_rows, size=5 * n_plant, replace=False)
    sources, dups, near_sources, nears, bad = np.split(rows, 5)
    numeric = [f"f{i:02d}" for i in range(N_NUMERIC)]
    kept = [*numeric, "category", "label", "split"]
    frame.loc[dups, kept] = frame.loc[sources, kept].to_numpy()  # exact copies (their ids differ)
    jitter = 1 + 1e-4 * rng.standard_normal((n_plant, N_NUMERIC))
    frame.loc[nears, kept] = frame.loc[near_sources, kept].to_numpy()
    frame.loc[nears, numeric] = (frame.loc[near_sources, numeric].to_numpy() * jitter).round(9)
    frame = frame.astype(dict.fromkeys(numeric[:2], object))
    cells = rng.choice(["??", "n/a", "1,5", "#VALUE!"], size=n_plant)
    frame.loc[bad, numeric[0]] = cells
    frame.loc[bad[: n_plant // 2], numeric[1]] = np.inf
    frame.to_csv(path, index=False)
    planted_dup = {str(r) for r in np.r_[sources, dups]}
    return {
        "duplicate": planted_dup,
        "near_duplicate": {str(r) for r in np.r_[near_sources, nears]},
        "corrupt": {str(r) for r in bad},
    }


class PeakMemory:
    """Samples the resident memory of this process and its children every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._process = psutil.Process()

    def sample(self) -> None:
        rss = self._process.memory_info().rss + sum(c.memory_info().rss for c in self._process.children(recursive=True))
        self.peak = max(self.peak, rss)


def _read_seconds(path: Path) -> float:
    started = time.perf_counter()
    pyarrow.csv.read_csv(path)
    return time.perf_counter() - started


@dataclass
class Run:
    total: float
    loaded: float
    peak_memory: int
    results: dict[str, Result]


def _analyze(path: Path, cache_dir: Path) -> Run:
    """Load and check the table as `recipe_dash.analyze` does, with a fresh feature cache."""
    memory = PeakMemory()
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            memory.sample()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.perf_counter()
    dataset = load_dataset(path)
    loaded = time.perf_counter() - started
    results = run_checks(dataset, checks=CHECKS, cache_dir=cache_dir)
    total = time.perf_counter() - started
    done.set()
    watcher.join()
    memory.sample()
    return Run(total, loaded, memory.peak, results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the CSV here (and reuse it if present)")
    parser.add_argument("--repeat", type=int, default=3, help="analyses to run; medians are reported")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="table_scale_"))
    path = args.keep or folder / f"table_{args.rows}.csv"
    planted_path = path.with_suffix(".planted.npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and planted_path.exists():
        planted = {k: set(v.tolist()) for k, v in np.load(planted_path).items()}
    else:
        started = time.perf_counter()
        planted = make_table(path, args.rows)
        np.savez(
            planted_path,
            duplicate=np.array(sorted(planted["duplicate"])),
            near_duplicate=np.array(sorted(planted["near_duplicate"])),
            corrupt=np.array(sorted(planted["corrupt"])),
        )
        print(
            f"generated {args.rows:,} rows x 20 columns ({path.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - started:.1f} s"
        )

    _read_seconds(path)  # warm-up, not counted: the file into the page cache, as for every run after it
    floors, totals, runs = [], [], []
    for repeat in range(args.repeat):  # interleaved: a busy moment of this machine hits both alike
        floors.append(_read_seconds(path))
        run = _analyze(path, folder / f"features-{repeat}")
        totals.append(run.total)
        runs.append(run)
    floor, total = float(np.median(floors)), float(np.median(totals))
    run = runs[int(np.argsort(totals)[len(totals) // 2])]
    print(
        f"pyarrow read_csv (floor): median {floor:.2f} s of {len(floors)} runs "
        f"({', '.join(f'{f:.2f}' for f in floors)})"
    )
    print(
        f"whole analysis: median {total:.2f} s of {len(totals)} runs ({', '.join(f'{t:.2f}' for t in totals)}); "
        f"median run: load {run.loaded:.2f} s, "
        + ", ".join(f"{k} {r.seconds or 0:.2f} s" for k, r in run.results.items())
    )
    print(
        f"ratio to the floor: {total / floor:.2f}x of the medians (target <= 5x): "
        f"{'PASS' if total <= 5 * floor else 'FAIL'}; {min(totals) / min(floors):.2f}x of the fastest runs "
        f"(the least disturbed); load average {os.getloadavg()[0]:.1f}"
    )
    peak = max(r.peak_memory for r in runs)
    print(f"peak memory (process + children): {peak / 1e9:.2f} GB (target < 4 GB): {'PASS' if peak < 4e9 else 'FAIL'}")
    results = run.results
    findings = findings_table(results)
    for issue_type, truth in planted.items():
        found = set(findings.loc[findings["issue_type"] == issue_type, "sample_id"].dropna())
        hits = len(found & truth)
        print(
            f"{issue_type}: planted {len(truth)}, found {len(found)}, "
            f"precision {hits / max(len(found), 1):.3f}, recall {hits / max(len(truth), 1):.3f}"
        )


if __name__ == "__main__":
    main()
