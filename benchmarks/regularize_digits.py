"""The Regularize page's studies on the bundled digits sample, run as the page runs them: a group of
training runs queued in the worker pool (one worker per core), followed until every run ended.

    python benchmarks/regularize_digits.py [--repeats 3] [--studies curve,sweep,ensemble]

Each study starts from the page's base run (the built-in model for images, Adam 3e-4, batch 64, 10 epochs,
seed 0). Reported per study: wall-clock time from Queue to the last run's end, the median over the
repeats (other people's load on a shared machine only ever adds time), and the study's verdict as the page
prints it. Target: the learning curve finishes in < 2 min on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

CURVE_TARGET_SECONDS = 120.0
POLL_SECONDS = 1.0


def run_study(study: str) -> tuple[float, str]:
    """(wall seconds, verdict) of one study in a fresh store."""
    from recipe_dash import regularize, workspace
    from recipe_dash.settings import SAMPLE_DATA, get_settings
    from recipe_dash.store import open_store
    from recipe_dash.training.config import TrainConfig

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RECIPE_DASH_HOME"] = str(Path(tmp) / "home")
        os.environ["RECIPE_DASH_DB"] = url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        get_settings.cache_clear()  # a fresh home per study; the store by its URL (open_store caches per URL)
        store = open_store(url)
        dataset_id, dataset = workspace.open_dataset(store, SAMPLE_DATA / "digits")
        base = TrainConfig()
        plan = {
            "curve": lambda: regularize.learning_curve_plan(base),
            "sweep": lambda: regularize.sweep_plan(base, dataset.kind, native_size=regularize.native_size(dataset)),
            "ensemble": lambda: regularize.ensemble_plan(base, 5),
        }[study]()
        started = time.perf_counter()
        group_id = regularize.launch(store, dataset_id, plan)
        while (group := regularize.read_group(store, dataset_id, group_id)).active:
            time.sleep(POLL_SECONDS)
        seconds = time.perf_counter() - started
        failed = [f"{m.label}: {m.error}" for m in group.members if m.status != "done"]
        if failed:
            raise SystemExit(f"{study}: runs did not finish: {failed}")
        if study == "curve":
            curve = regularize.learning_curve(group)
            points = curve.points[["n_train", "val", "train", "gap"]].round(3).to_string(index=False)
            return seconds, f"{curve.summary}\n{points}"
        if study == "ensemble":
            return seconds, regularize.ensemble_result(group).summary
        comparison = regularize.compare_to_reference(group)
        table = comparison.table[["label", "train", "val", "gap", "val_change"]].round(3).to_string(index=False)
        return seconds, " ".join([comparison.summary, *comparison.warnings]) + f"\n{table}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="Repeats of the learning curve.")
    parser.add_argument("--studies", default="curve", help="Comma-separated: curve, sweep, ensemble.")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU cores; other processes on this machine add noise, so medians are reported.")
    for study in args.studies.split(","):
        repeats = args.repeats if study == "curve" else 1
        times, verdict = [], ""
        for repeat in range(repeats):
            seconds, verdict = run_study(study)
            times.append(seconds)
            print(f"{study} #{repeat + 1}: {seconds:.1f} s", flush=True)
        median = statistics.median(times)
        print(f"{study}: median {median:.1f} s over {repeats} run(s)\n{verdict}")
        if study == "curve":
            verdict_word = "PASS" if median < CURVE_TARGET_SECONDS else "FAIL"
            print(f"learning curve on digits: {median:.1f} s (target < {CURVE_TARGET_SECONDS:.0f} s) {verdict_word}")


if __name__ == "__main__":
    main()
