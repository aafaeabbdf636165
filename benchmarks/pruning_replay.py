"""What a pruner would save, and whether it keeps the best config, over many sets of configs at once.

    python benchmarks/pruning_replay.py record --seeds 0-9 [--out DIR]   # ~100 s per set on 2 cores
    python benchmarks/pruning_replay.py replay [--seeds 10-19] [--out DIR]

`tune_scale.py pruning` measures one set of 20 configs per run, with its timing noise. Here each set's
20 configs (the same draw as `tune_scale.py pruning --seed S`) are trained once, unpruned, as `recipe-dash
tune` trains them, and every epoch's validation accuracy is recorded with each trial's time per epoch.
`replay` then runs each pruner over the recorded curves: two workers take the trials in order, a trial's
epochs last its recorded time per epoch, and after each epoch the pruner itself (the class the study uses)
judges the trial's value so far against the trials completed by then. A pruned trial frees its worker at
once. A value is what the study computes (StudySpec.value): the mean of the last 3 epochs' scores, or the
last epoch's alone as before that mean (shown for comparison).

Printed per pruner: the wall time saved per set (simulated from the recorded times), whether the best
value of the unpruned set survived, and if not how far the best value left trails it. Replays are exact
for the pruner's decisions; the wall times leave out process start and data preparation, which pruning
does not change.
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
from recipe_dash.tuning.study import LAST_EPOCHS, Launch, make_pruner, trailing_mean

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


def replay(out: Path, seeds: list[int] | None) -> None:
    pruners = {  # name: (a new pruner, how many last epochs a value averages)
        "Optuna MedianPruner(4, 2), last epoch": (lambda: optuna.pruners.MedianPruner(4, 2), 1),
        "noise-aware median (z 2, warm-up 2), last epoch": (lambda: NoiseAwareMedianPruner(n_warmup_steps=2, z=2.0), 1),
        f"--pruner median, mean of last {LAST_EPOCHS}": (lambda: make_pruner(Launch()), LAST_EPOCHS),
    }
    paths = sorted(out.glob("set_*.json"), key=lambda p: int(p.stem.removeprefix("set_")))
    paths = [p for p in paths if seeds is None or int(p.stem.removeprefix("set_")) in seeds]
    sets = {p.stem: json.loads(p.read_text()) for p in paths}
    if not sets:
        raise SystemExit(f"no recorded sets in {out}: run `record` first")
    for pruner_name, (make, last_epochs) in pruners.items():
        saved, kept, shortfalls = [], [], []
        for recorded in sets.values():
            full, pruned, shortfall = _replay(recorded, make(), last_epochs)
            saved.append(1 - pruned / full)
            kept.append(shortfall == 0)
            shortfalls.append(shortfall)
        per_set = " ".join(
            f"{name.removeprefix('set_')}: {s:.0%}{'' if k else ' (best lost)'}"
            for name, s, k in zip(sets, saved, kept, strict=True)
        )
        print(
            f"{pruner_name}: wall saved median {statistics.median(saved):.0%}, mean {statistics.mean(saved):.0%} "
            f"(range {min(saved):.0%} to {max(saved):.0%}); best kept on {sum(kept)} of {len(kept)} sets"
            f"{'' if all(kept) else f', else the best left trailed it by at most {max(shortfalls):.1%}'}\n"
            f"  per set: {per_set}"
        )


def _replay(
    recorded: dict[str, Any], pruner: optuna.pruners.BasePruner, last_epochs: int
) -> tuple[float, float, float]:
    """(wall without pruning, wall with it, how far the best value left trails the unpruned best) for one set."""
    trials, n_val = recorded["trials"], recorded["n_val"]
    values = [_values(trial["accuracy"], last_epochs) for trial in trials]
    study = optuna.create_study(direction="maximize", pruner=pruner)
    free = [0.0] * WORKERS  # when each worker is next free
    ends: list[tuple[float, list[float]]] = []  # completed trials, (end time, curve), added as time passes
    finals: dict[int, float] = {}
    for number, trial in enumerate(trials):
        worker = int(np.argmin(free))
        clock, curve = free[worker], values[number]
        for epoch, score in enumerate(trial["accuracy"], start=1):
            clock += trial["seconds_per_epoch"]
            for end, done in [e for e in ends if e[0] <= clock]:
                study.add_trial(
                    create_trial(state=TrialState.COMPLETE, value=done[-1], intermediate_values=_steps(done))
                )
                ends.remove((end, done))
            se = float(np.sqrt(score * (1 - score) / n_val))  # of the latest score, as the study reports it
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
    best = max(value[-1] for value in values)
    return full, max(free), best - max(finals.values())


def _values(scores: list[float], last_epochs: int) -> list[float]:
    """A trial's value after each epoch, as the study computes it."""
    return [trailing_mean(scores[:epoch], last_epochs) for epoch in range(1, len(scores) + 1)]


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
    parser.add_argument("--seeds", type=_seeds, help="config sets, e.g. 0-9 (record: 0-9; replay: all recorded)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if args.part == "record":
        record(args.seeds or _seeds("0-9"), args.out)
    else:
        replay(args.out, args.seeds)


if __name__ == "__main__":
    main()
