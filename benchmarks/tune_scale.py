"""Tuning on the bundled digits sample: throughput per worker count, what pruning saves, what TPE finds.

    python benchmarks/tune_scale.py throughput [--trials 20] [--repeats 3]
    python benchmarks/tune_scale.py pruning [--trials 20] [--seed 0]
    python benchmarks/tune_scale.py quality [--trials 20]

Every study runs as `recipe-dash tune` runs it (worker processes over the journal file of a fresh SQLite
store, each trial a recorded run) and is timed from the launch to the end of its last worker, process
start and data preparation included.

- throughput: trials per minute with 1 and 2 workers (CNN, 3 epochs, a learning-rate range that does not
  change a trial's cost, random sampler, no pruning), launches alternating. Target: the 2-worker rate at
  least 1.6x the 1-worker rate on 2 cores. A lone worker gets every core as torch threads, so it is already
  faster than a one-core worker; the figure is printed against both, the one-core worker showing how the
  workers themselves scale (storage, start-up, contention) and the other what a user gains.
- pruning: the same 20 random configs of the CNN's default space (10 epochs), without pruning and with the
  median pruner `--pruner median` uses (noise-aware, recipe_dash/tuning/pruning.py). Both studies are given
  the same queued configs (workers take trials one at a time, so which worker draws what depends on timing),
  so "equal best value" is checkable: the best trial of the unpruned study must not be pruned. Target:
  wall time cut by 30% or more. `--seed` picks the set of configs; `pruning_replay.py` replays pruners
  over many recorded sets at once.
- quality: a 20-trial TPE study (seed 0, one worker so the seed decides everything) against the default
  config (TrainConfig(): Adam 3e-4, batch 64, 10 epochs) on the same split, valued as a trial is (the mean
  of its last 3 epochs' validation scores). Target: at least as good.

The machine is shared: each launch prints the load average and the CPU seconds its workers used (CPU
time is what other people's load cannot inflate); repeat and read medians.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from recipe_dash.settings import SAMPLE_DATA

DIGITS = SAMPLE_DATA / "digits"


def launch(name: str, base: Any, space: Any, settings: Any) -> dict[str, Any]:
    """Run one launch to its end; wall seconds, CPU seconds of the workers, load average, the study."""
    from recipe_dash import jobs, workspace
    from recipe_dash.store import open_store
    from recipe_dash.store.jobs_model import ACTIVE
    from recipe_dash.tuning import start_study

    store = open_store()  # the store fresh_store chose last
    dataset_id, dataset = workspace.open_dataset(store, DIGITS)
    load = os.getloadavg()[0]
    cpu = _children_cpu()
    started = time.perf_counter()
    study, job_ids = start_study(store, dataset_id, dataset, name, base, space, settings)
    records = [jobs.get_job(store, j) for j in job_ids]
    pids = [r.pid for r in records if r is not None and r.pid]
    while any((job := jobs.get_job(store, j)) is not None and job.status in ACTIVE for j in job_ids):
        time.sleep(0.2)
    wall = time.perf_counter() - started
    for pid in pids:  # reap our workers, so their CPU time is counted
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    failed = [j for j in job_ids if jobs.get_job(store, j).status != "done"]  # type: ignore[union-attr]
    if failed:
        raise SystemExit(f"worker jobs {failed} did not finish; see {Path(os.environ['RECIPE_DASH_HOME'])}/logs")
    return {"wall": wall, "cpu": _children_cpu() - cpu, "load": (load + os.getloadavg()[0]) / 2, "study": study}


def throughput(trials: int, repeats: int) -> None:
    from recipe_dash.training.config import TrainConfig
    from recipe_dash.tuning import Launch, parse_space

    base = TrainConfig(model="cnn", epochs=3, sample_losses=False)
    space = parse_space({"lr": {"low": 1e-3, "high": 3e-3, "log": True}})
    cores = os.cpu_count() or 1
    kinds = {  # (workers, torch threads per worker)
        "1 worker, all cores": (1, None),
        "1 worker, 1 core": (1, 1),
        "2 workers, 1 core each": (2, None),
    }
    rates: dict[str, list[float]] = {kind: [] for kind in kinds}
    print(f"throughput: {trials} trials per launch, CNN, 3 epochs, digits; os.cpu_count() = {cores}")
    for repeat in range(repeats):
        for kind, (workers, threads) in kinds.items():
            settings = Launch(
                sampler="random", pruner="none", n_trials=trials, n_workers=workers, seed=repeat, threads=threads
            )
            got = launch(f"throughput-{workers}-{threads}-{repeat}", base, space, settings)
            rate = trials / got["wall"] * 60
            rates[kind].append(rate)
            print(
                f"  {kind:<24} ({settings.worker_threads(cores)} thread(s) each): {got['wall']:6.1f} s wall, "
                f"{got['cpu']:6.1f} s CPU, {rate:5.1f} trials/min (load average {got['load']:.1f})"
            )
    one, single, two = (statistics.median(rates[kind]) for kind in kinds)
    print(
        f"median trials/min: 1 worker on all cores {one:.1f}, on 1 core {single:.1f}, 2 workers {two:.1f}\n"
        f"2 workers vs 1 worker as `recipe-dash tune` runs it (the lone worker on all cores): {two / one:.2f}x; "
        f"vs 1 worker on 1 core (the workers' own scaling): {two / single:.2f}x (target >= 1.6x)"
    )


def pruning(trials: int, seed: int) -> None:
    from recipe_dash.training.config import TrainConfig
    from recipe_dash.tuning import Launch
    from recipe_dash.tuning.study import best_trial, state_counts

    base = TrainConfig(model="cnn", epochs=10, sample_losses=False)
    found = {}
    for pruner in ("none", "median"):
        fresh_store()
        enqueue_configs(f"pruning-{pruner}", base, trials, seed)  # the same configs, whichever worker takes them
        settings = Launch(sampler="random", pruner=pruner, n_trials=trials, n_workers=2, seed=0)
        got = launch(f"pruning-{pruner}", base, None, settings)
        best = best_trial(got["study"])
        assert best is not None
        found[pruner] = (got, best)
        print(
            f"  pruner {pruner:<6}: {got['wall']:6.1f} s wall, {got['cpu']:6.1f} s CPU (load average "
            f"{got['load']:.1f}); {state_counts(got['study'])}; best trial {best.number}: {best.value:.4f}"
        )
    (plain, plain_best), (pruned, pruned_best) = found["none"], found["median"]
    same_configs = sorted(map(_key, plain["study"].trials)) == sorted(map(_key, pruned["study"].trials))
    print(
        f"pruning cuts wall time by {1 - pruned['wall'] / plain['wall']:.0%} and CPU time by "
        f"{1 - pruned['cpu'] / plain['cpu']:.0%} (target >= 30%); best value {plain_best.value:.4f} without, "
        f"{pruned_best.value:.4f} with pruning ({'equal' if pruned_best.value >= plain_best.value else 'WORSE'}); "
        f"same configs tried: {same_configs}"
    )


def quality(trials: int) -> None:
    import torch

    from recipe_dash.io import load_dataset
    from recipe_dash.training.config import TrainConfig
    from recipe_dash.training.data import prepare_data
    from recipe_dash.training.initialization import prepared_model
    from recipe_dash.training.loop import fit_configured
    from recipe_dash.training.metrics import classification_metrics, is_imbalanced
    from recipe_dash.training.models import resolve_model
    from recipe_dash.tuning import Launch
    from recipe_dash.tuning.study import LAST_EPOCHS, best_trial, metric_name, state_counts, trailing_mean

    default = TrainConfig()
    torch.set_num_threads(os.cpu_count() or 1)
    data = prepare_data(load_dataset(DIGITS), **default.data_options())
    model = prepared_model(resolve_model(default.model, kind=data.kind), data, seed=default.seed, init_bias=True)
    epochs = _EpochEnds()
    fit_configured(default, model, data.x_train, data.y_train, val=(data.x_val, data.y_val), recorder=epochs)
    y = data.y_val.numpy()
    metric = "balanced_accuracy" if is_imbalanced(y, n_classes=data.n_classes) else "accuracy"
    scores = [
        float(
            classification_metrics(y, val.predicted, n_classes=data.n_classes, n_boot=0)
            .set_index("metric")
            .loc[metric, "value"]
        )
        for val in epochs.vals
    ]
    default_value = trailing_mean(scores, LAST_EPOCHS)
    print(
        f"default config: validation {metric} {default_value:.2%} (mean of its last {LAST_EPOCHS} epochs; "
        f"{scores[-1]:.2%} after the last), loss {epochs.vals[-1].loss:.4f}"
    )
    settings = Launch(sampler="tpe", pruner="median", n_trials=trials, n_workers=1, seed=0)
    got = launch("quality-tpe", TrainConfig(sample_losses=False), None, settings)
    study = got["study"]
    best = best_trial(study)
    assert best is not None
    print(
        f"TPE, {trials} trials, seed 0: {got['wall']:.1f} s wall, {got['cpu']:.1f} s CPU (load average "
        f"{got['load']:.1f}); {state_counts(study)}"
    )
    verdict = "at least as good as" if best.value >= default_value else "WORSE than"
    print(
        f"best trial {best.number}: {metric_name(study)} {best.value:.2%} (loss {best.user_attrs['val_loss']:.4f}) "
        f"with {best.params}: {verdict} the default config's {default_value:.2%}"
    )


class _EpochEnds:
    """A recorder keeping each epoch's validation pass: the default config is valued as a trial is."""

    def __init__(self) -> None:
        self.vals: list[Any] = []

    def on_first_batch(self, xb: Any, index: Any) -> None:
        pass

    def on_step(self, stats: Any) -> None:
        pass

    def on_epoch(self, end: Any) -> None:
        self.vals.append(end.val)


def enqueue_configs(name: str, base: Any, n: int, seed: int) -> None:
    """Create the study with the default space and queue `n` configs drawn from it with `seed`: workers take
    queued trials first, so two studies try the same configs however their workers share them out."""
    import optuna

    from recipe_dash import workspace
    from recipe_dash.store import open_store
    from recipe_dash.training.models import builder_keywords
    from recipe_dash.tuning.space import default_space
    from recipe_dash.tuning.storage import study_storage
    from recipe_dash.tuning.study import StudySpec, dataset_identity, open_study

    store = open_store()
    _, dataset = workspace.open_dataset(store, DIGITS)
    space = default_space(builder_keywords(base.model, kind=dataset.kind))
    study = open_study(study_storage(store.url), name, StudySpec(dataset_identity(dataset), base, space, "accuracy"))
    draws = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    for _ in range(n):
        study.enqueue_trial(space.suggest(draws.ask()))


def fresh_store() -> None:
    """Point this process and the workers it starts at a new, empty store and journal. A study repeats
    exactly only in a fresh store: each worker's sampler seed mixes in its job id."""
    from recipe_dash.settings import get_settings

    home = Path(tempfile.mkdtemp(prefix="tune-bench-"))
    os.environ["RECIPE_DASH_HOME"] = str(home)
    os.environ["RECIPE_DASH_DB"] = f"sqlite:///{home / 'bench.db'}"
    get_settings.cache_clear()


def _key(trial: Any) -> tuple[Any, ...]:
    return tuple(sorted((k, round(v, 12) if isinstance(v, float) else v) for k, v in trial.params.items()))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=("throughput", "pruning", "quality"))
    parser.add_argument("--trials", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="pruning: the seed the queued configs are drawn with")
    args = parser.parse_args()
    fresh_store()
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if args.part == "throughput":
        throughput(args.trials or 20, args.repeats)
    elif args.part == "pruning":
        pruning(args.trials or 20, args.seed)
    else:
        quality(args.trials or 20)


if __name__ == "__main__":
    main()
