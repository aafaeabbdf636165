"""A study: what it tunes (its spec, stored with it), how trials are drawn and pruned, and what it found.

The spec travels in the study's own user attributes, so every worker, on any machine, trains the same
data, model and base config over the same space; joining an existing study with other settings is refused
with the first difference named. Samplers and pruners are per launch (a study may start random and go on
with TPE), seeded from the launch so a resumed study does not redraw the configs it already tried.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import optuna
import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from recipe_dash.errors import OptionError
from recipe_dash.evidence import jsonable
from recipe_dash.io import Dataset
from recipe_dash.training.config import TrainConfig
from recipe_dash.tuning.pruning import NoiseAwareMedianPruner
from recipe_dash.tuning.space import SearchSpace, parse_space
from recipe_dash.validation import check_choice, check_number, check_seed

SAMPLERS = ("random", "tpe", "gp")
PRUNERS = ("median", "none")
# What a study optimizes, on the validation split, averaged over each trial's last LAST_EPOCHS epochs:
# - accuracy: the metric a run reports (balanced accuracy when the classes are imbalanced, as the Train page's ★);
# - loss: cross-entropy, smoother on a small validation set, but it prefers timid models when some
#   validation labels are wrong (a confident correct model pays dearly for each mislabeled sample).
OBJECTIVES = {"accuracy": "maximize", "loss": "minimize"}
STATES = ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")
# A trial's value is the mean of its last 3 epochs' scores, not its last epoch's: on a small validation set
# the score swings by a few points from epoch to epoch, and the top trial by its last epoch is picked for
# a lucky epoch: over 10 recorded sets of 20 configs on the digits sample it scored a median 3 points (up
# to 8) above the mean of its own three epochs before. The mean ranks configs by what they steadily reach,
# and the pruner compares the same smoothed values.
LAST_EPOCHS = 3


def trailing_mean(scores: Sequence[float], last_epochs: int) -> float:
    """The mean of the last `last_epochs` scores (of all of them, when fewer)."""
    tail = scores[-last_epochs:]
    return float(sum(tail) / len(tail))


@dataclass(frozen=True)
class StudySpec:
    """Everything that decides what a trial trains; the same on every worker of a study."""

    # The data by what it is, not where it lies: workers on other machines open their own copy.
    dataset: dict[str, Any]
    # Every setting a trial does not draw, the model spec and the seed included (one seed: every trial
    # trains on the same split and starts from comparable weights, so trials differ only by their params).
    base: TrainConfig
    space: SearchSpace
    objective: str = "accuracy"  # a key of OBJECTIVES
    last_epochs: int = LAST_EPOCHS  # a value is the mean of this many last epochs' scores (1 in older studies)

    def __post_init__(self) -> None:
        check_choice("objective", self.objective, OBJECTIVES)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (tuples as lists), so it compares equal to its stored copy."""
        values = {"dataset": self.dataset, "base": self.base.to_dict(), "space": self.space.to_json()}
        return jsonable(values | {"objective": self.objective, "last_epochs": self.last_epochs})

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> StudySpec:
        base, space = TrainConfig.from_dict(values["base"]), parse_space(values["space"])
        # a study made before values were averaged keeps its definition: its last epoch's score
        return cls(values["dataset"], base, space, values["objective"], values.get("last_epochs", 1))

    def value(self, scores: Sequence[float]) -> float:
        """A trial's value (or the value it reports to the pruner) after these epochs' scores."""
        return trailing_mean(scores, self.last_epochs)

    def config(self, params: dict[str, Any]) -> TrainConfig:
        """The base config with a trial's drawn values."""
        return dataclasses.replace(self.base, **params)


@dataclass(frozen=True)
class Launch:
    """How this launch draws and prunes; several launches (and machines) may add trials to one study."""

    sampler: str = "tpe"
    pruner: str = "median"
    seed: int = 0
    n_trials: int = 20
    n_workers: int = 1
    timeout: float | None = None  # seconds per worker; None: until the launch's trials are all taken
    threads: int | None = None  # torch threads per worker; None: this machine's cores shared among the workers

    def __post_init__(self) -> None:
        check_choice("sampler", self.sampler, SAMPLERS)
        check_choice("pruner", self.pruner, PRUNERS)
        check_seed(self.seed)
        check_number("trials", self.n_trials, low=1, integer=True)
        check_number("workers", self.n_workers, low=1, high=64, integer=True)
        if self.timeout is not None:
            check_number("timeout", self.timeout, low=0, low_open=True)
        if self.threads is not None:
            check_number("threads", self.threads, low=1, high=256, integer=True)

    def worker_threads(self, cores: int) -> int:
        """Torch threads each local worker gets: as set, else the cores divided among the workers (at least 1),
        so two workers on two cores do not fight over them and a lone worker uses both."""
        return self.threads or max(1, cores // len(self.shares()))

    def shares(self) -> list[int]:
        """Trials per worker, adding up to n_trials (no worker without a trial)."""
        workers = min(self.n_workers, self.n_trials)
        return [self.n_trials // workers + (i < self.n_trials % workers) for i in range(workers)]


def dataset_identity(dataset: Dataset) -> dict[str, Any]:
    """What makes two copies of a dataset the same data, wherever they lie (another machine, another folder)."""
    return {
        "name": dataset.name,
        "kind": dataset.kind,
        "n_samples": dataset.n_samples,
        "class_names": [str(c) for c in dataset.class_names],
    }


def studies_of(storage: optuna.storages.BaseStorage, dataset: Dataset) -> list[str]:
    """Names of the recipe-dash studies on this dataset, newest first."""
    identity = jsonable(dataset_identity(dataset))
    found = [
        (summary.datetime_start, summary.study_name)
        for summary in optuna.get_all_study_summaries(storage, include_best_trial=False)
        if (summary.user_attrs.get("spec") or {}).get("dataset") == identity
    ]
    # a study without a trial yet was just created: first
    return [name for _, name in sorted(found, key=lambda pair: pair[0] or datetime.max, reverse=True)]


def open_study(storage: optuna.storages.BaseStorage, name: str, spec: StudySpec) -> optuna.Study:
    """Create the study, or join it when it exists with the same spec; OptionError names the first difference."""
    if not name.strip():
        raise OptionError("The study needs a name (--study NAME); the same name resumes or joins it.")
    direction = OBJECTIVES[spec.objective]
    study = optuna.create_study(study_name=name, storage=storage, direction=direction, load_if_exists=True)
    stored = study.user_attrs.get("spec")
    wanted = spec.to_json()
    if stored is None:
        study.set_user_attr("spec", wanted)
    elif (chosen := _chosen(stored)) != _chosen(wanted):
        raise OptionError(
            f"Study '{name}' exists with other settings ({_first_difference(chosen, _chosen(wanted))}). "
            "Run it with the settings it was created with to resume or join it, or pick another --study name."
        )
    return study


def _chosen(spec: dict[str, Any]) -> dict[str, Any]:
    """What a user chose in a stored spec. How values are averaged belongs to the version that created the
    study, and every worker reads it from there, so an older study is still joined and keeps its own."""
    return {key: value for key, value in spec.items() if key != "last_epochs"}


def load_spec(study: optuna.Study) -> StudySpec:
    stored = study.user_attrs.get("spec")
    if stored is None:
        raise OptionError(f"Study '{study.study_name}' was not made by recipe-dash (it has no spec).")
    return StudySpec.from_json(stored)


def make_sampler(launch: Launch, *, worker: int, n_before: int, job: int) -> optuna.samplers.BaseSampler:
    """The launch's sampler with a seed of its own per worker and per launch, fixed by `launch.seed`: two
    workers never draw the same random configs, and a resumed study does not repeat its first ones.

    `job` is the worker's job id, unique in the store every worker of the study shares: launches on two
    machines (or two commands on one) that join a study at once have the same `n_before` and worker
    indexes, and drew the same configs before it was mixed in. A fresh store repeats a study exactly."""
    seed = int(np.random.SeedSequence([launch.seed, n_before, worker, job]).generate_state(1)[0])
    if launch.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if launch.sampler == "gp":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.GPSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def make_pruner(launch: Launch) -> optuna.pruners.BasePruner:
    """Median stopping: a trial whose best value after an epoch is worse than the median of the completed
    trials at that epoch, by more than its validation set's noise (a standard error), stops there; nothing
    is judged before 4 trials completed (see NoiseAwareMedianPruner for how its settings were chosen)."""
    if launch.pruner == "none":
        return optuna.pruners.NopPruner()
    return NoiseAwareMedianPruner()


def metric_name(study: optuna.Study) -> str:
    """What the study's values are: "validation loss", "validation accuracy" or "validation balanced accuracy"."""
    if load_spec(study).objective == "loss":
        return "validation loss"
    return "validation " + str(study.user_attrs.get("metric", "accuracy")).replace("_", " ")


def value_meaning(study: optuna.Study) -> str:
    """What a value of the study is, in words: "validation accuracy, averaged over each trial's last 3 epochs"."""
    last = load_spec(study).last_epochs
    return f"{metric_name(study)}, " + (
        "after each trial's last epoch" if last == 1 else f"averaged over each trial's last {last} epochs"
    )


def shown_value(study: optuna.Study, value: float | None) -> str:
    """A value of the study as people read it: accuracy in percent, loss with four decimals."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.4f}" if load_spec(study).objective == "loss" else f"{value:.1%}"


def trials_frame(study: optuna.Study) -> pd.DataFrame:
    """One row per trial: number, state, value (the objective; a pruned trial's last reported one), validation
    loss and accuracy, params, epochs run, seconds, run, job, worker, error."""
    names = load_spec(study).space.names
    rows = []
    for trial in study.get_trials(deepcopy=False):
        attrs = trial.user_attrs
        rows.append(
            {
                "trial": trial.number,
                "state": trial.state.name,
                "value": trial.value if trial.state == TrialState.COMPLETE else _last_reported(trial),
                "val_loss": attrs.get("val_loss"),
                "val_accuracy": attrs.get("val_accuracy"),
                **{name: trial.params.get(name) for name in names},
                "epochs": attrs.get("epochs_done"),
                "seconds": trial.duration.total_seconds() if trial.duration else None,
                "run_id": attrs.get("run_id"),
                "job_id": attrs.get("job_id"),
                "worker": attrs.get("worker"),
                "error": _error(trial),
            }
        )
    columns = ["trial", "state", "value", "val_loss", "val_accuracy", *names, "epochs", "seconds", "run_id"]
    frame = pd.DataFrame(rows, columns=[*columns, "job_id", "worker", "error"])
    return frame.astype(dict.fromkeys(("epochs", "run_id", "job_id", "worker"), "Int64"))  # ids stay ids beside None


def state_counts(study: optuna.Study) -> dict[str, int]:
    """Trials per state, every state listed (COMPLETE, PRUNED, FAIL, RUNNING, WAITING)."""
    counts = dict.fromkeys(STATES, 0)
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name] += 1
    return counts


def best_trial(study: optuna.Study) -> FrozenTrial | None:
    """The completed trial with the best value (the earliest of equals); None before one completes."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    finite = [t for t in complete if t.value is not None and math.isfinite(t.value)]
    sign = -1.0 if study.direction == optuna.study.StudyDirection.MAXIMIZE else 1.0
    return min(finite, key=lambda t: (sign * t.value, t.number)) if finite else None  # type: ignore[operator]


def best_config(study: optuna.Study) -> TrainConfig | None:
    """The best trial's full config: what a full run should train (per-sample losses on, as runs have them)."""
    trial = best_trial(study)
    if trial is None:
        return None
    return dataclasses.replace(load_spec(study).config(trial.params), sample_losses=True)


def _last_reported(trial: FrozenTrial) -> float | None:
    """A pruned (or running) trial's value is the last one it reported."""
    if not trial.intermediate_values:
        return None
    return trial.intermediate_values[max(trial.intermediate_values)]


def _error(trial: FrozenTrial) -> str | None:
    if trial.state != TrialState.FAIL:
        return None
    return str(trial.user_attrs.get("error") or "No heartbeat from its worker: the process or its machine died.")


def _first_difference(stored: Any, wanted: Any, path: str = "") -> str:
    """'base.lr: 0.0003 there, 0.001 here' for the first key where two specs differ."""
    if isinstance(stored, dict) and isinstance(wanted, dict):
        for key in sorted(set(stored) | set(wanted), key=str):
            if stored.get(key) != wanted.get(key):
                return _first_difference(stored.get(key), wanted.get(key), f"{path}.{key}" if path else str(key))
    return f"{path or 'spec'}: {stored!r} there, {wanted!r} here"
