"""What a pruner would save, and whether it keeps the best config, over many sets of configs at once.

    python benchmarks/pruning_replay.py record --seeds 0-9 [--out DIR]   # ~100 s per set on 2 cores
    python benchmarks/pruning_replay.py replay [--out DIR]

`tune_scale.py pruning` measures one set of 20 configs per run, with its timing noise. Here each set's
20 configs (the same draw as `tune_scale.py pruning --seed S`) are trained once, unpruned, as `recipe-dash
tune` trains them, and every epoch's validation accuracy is recorded with each trial's time per epoch.
`replay` then runs each pruner over the recorded curves: two workers take the trials in order, a trial's
epochs last its recorded time per epoch, and after each epoch the pruner itself (the class the study uses)
judges it against the trials completed by then. A pruned trial frees its worker at once.

Printed per pruner: the wall time saved per set (simulated from the recorded times) and whether the best
final value of the unpruned set survived. Replays are exact for the pruner's decisions; the wall times
leave out process start and data preparation, which pruning does not change.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.trial import TrialState, create_trial

from recipe_dash.tuning.pruning import SCORE_SE, NoiseAwareMedianPruner

OUT = Path(tempfile.gettempdir()) / "recipe_dash_pruning_curves"
WORKERS = 2


def record(seeds: list[int], out: Path) -> None:
    import tune_scale

    from recipe_dash.io import load_dataset
    from recipe_dash.training.config import TrainConfig
    from recipe_dash.training.data import prepare_data
    from recipe_dash.tuning import Launch

    out.mkdir(parents=True, exist_ok=True)
    base = TrainConfig(model="cnn", epochs=10, sample_losses=False)
    n_val = len(prepare_data(load_dataset(tune_scale.DIGITS), **base.data_options()).y_val)
    for seed in seeds:
        tune_scale.fresh_store()
        tune_scale.enqueue_configs("curves", base, 20, seed)
        got = tune_scale.launch("curves", base, None, Launch(sampler="random", pruner="none", n_trials=20, n_workers=2))
        trials = [
            {
                "accuracy": [t.intermediate_values[k] for k in sorted(t.intermediate_values)],
                "seconds_per_epoch": (t.datetime_complete - t.datetime_start).total_seconds() / base.epochs,
            }
            for t in sorted(got["study"].trials, key=lambda t: t.number)
        ]
        (out / f"set_{seed}.json").write_text(json.dumps({"n_val": n_val, "trials": trials}))
        print(f"set {seed}: {got['wall']:.0f} s")


def replay(out: Path) -> None:
    pruners = {
        "Optuna MedianPruner(4, 2)": lambda: optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=2),
        "noise-aware median (--pruner median)": lambda: NoiseAwareMedianPruner(),
    }
    paths = sorted(out.glob("set_*.json"), key=lambda p: int(p.stem.removeprefix("set_")))
    sets = {p.stem: json.loads(p.read_text()) for p in paths}
    if not sets:
        raise SystemExit(f"no recorded sets in {out}: run `record` first")
    for pruner_name, make in pruners.items():
        saved, kept = [], []
        for recorded in sets.values():
            full, pruned, best_kept = _replay(recorded, make())
            saved.append(1 - pruned / full)
            kept.append(best_kept)
        per_set = " ".join(
            f"{name.removeprefix('set_')}: {s:.0%}{'' if k else ' (best lost)'}"
            for name, s, k in zip(sets, saved, kept, strict=True)
        )
        print(
            f"{pruner_name}: wall saved median {statistics.median(saved):.0%} "
            f"(range {min(saved):.0%} to {max(saved):.0%}); best kept on {sum(kept)} of {len(kept)} sets\n"
            f"  per set: {per_set}"
        )


def _replay(recorded: dict[str, Any], pruner: optuna.pruners.BasePruner) -> tuple[float, float, bool]:
    """(wall without pruning, wall with it, whether the best unpruned trial was kept) for one set."""
    trials, n_val = recorded["trials"], recorded["n_val"]
    study = optuna.create_study(direction="maximize", pruner=pruner)
    free = [0.0] * WORKERS  # when each worker is next free
    ends: list[tuple[float, list[float]]] = []  # completed trials, (end time, curve), added as time passes
    finals: dict[int, float] = {}
    for number, trial in enumerate(trials):
        worker = int(np.argmin(free))
        clock, curve = free[worker], trial["accuracy"]
        for epoch, value in enumerate(curve, start=1):
            clock += trial["seconds_per_epoch"]
            for end, done in [e for e in ends if e[0] <= clock]:
                study.add_trial(
                    create_trial(state=TrialState.COMPLETE, value=done[-1], intermediate_values=_steps(done))
                )
                ends.remove((end, done))
            se = float(np.sqrt(value * (1 - value) / n_val))
            running = create_trial(
                state=TrialState.RUNNING, intermediate_values=_steps(curve[:epoch]), user_attrs={SCORE_SE: se}
            )
            if epoch < len(curve) and pruner.prune(study, running):
                break
        else:
            finals[number] = curve[-1]
            ends.append((clock, curve))
        free[worker] = clock
    full = _unpruned_wall(trials)
    best = max(range(len(trials)), key=lambda n: trials[n]["accuracy"][-1])
    return full, max(free), best in finals


def _steps(curve: list[float]) -> dict[int, float]:
    return dict(enumerate(curve, start=1))


def _unpruned_wall(trials: list[dict[str, Any]]) -> float:
    free = [0.0] * WORKERS
    for trial in trials:
        worker = int(np.argmin(free))
        free[worker] += trial["seconds_per_epoch"] * len(trial["accuracy"])
    return max(free)


def _seeds(text: str) -> list[int]:
    low, _, high = text.partition("-")
    return list(range(int(low), int(high or low) + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=("record", "replay"))
    parser.add_argument("--seeds", type=_seeds, default=_seeds("0-9"), help="record: config sets, e.g. 0-9")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if args.part == "record":
        record(args.seeds, args.out)
    else:
        replay(args.out)


if __name__ == "__main__":
    main()
