"""Study specs, launches, samplers, results, and how trials of dead workers are failed (pid and heartbeat)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from recipe_dash import jobs
from recipe_dash.errors import OptionError, StoreError
from recipe_dash.store import open_store
from recipe_dash.training.config import TrainConfig
from recipe_dash.tuning.space import parse_space
from recipe_dash.tuning.storage import HOST, fail_orphaned_trials, fail_stale_trials, journal_path, study_storage
from recipe_dash.tuning.study import (
    Launch,
    StudySpec,
    best_config,
    best_trial,
    load_spec,
    make_sampler,
    metric_name,
    open_study,
    shown_value,
    state_counts,
    trials_frame,
    value_meaning,
)

SPACE = parse_space(
    {
        "lr": {"low": 1e-4, "high": 1e-2, "log": True},
        "width": {"low": 8, "high": 64, "log": True},
        "batch_size": [32, 64, 128],
    }
)
SPEC = StudySpec({"name": "digits", "n_samples": 10}, TrainConfig(model="mlp", epochs=3), SPACE)


def test_launch_options_are_checked_and_trials_shared_out() -> None:
    assert Launch(n_trials=7, n_workers=3).shares() == [3, 2, 2]
    assert Launch(n_trials=2, n_workers=5).shares() == [1, 1]  # no worker without a trial
    with pytest.raises(OptionError, match=r"Unknown sampler 'bayes'\. Choose one of: gp, random, tpe\."):
        Launch(sampler="bayes")
    with pytest.raises(OptionError, match="trials must be at least 1, got 0"):
        Launch(n_trials=0)
    with pytest.raises(OptionError, match="timeout must be greater than 0"):
        Launch(timeout=-5)
    with pytest.raises(OptionError, match="threads must be between 1 and 256, got 0"):
        Launch(threads=0)


def test_local_workers_share_the_cores_unless_threads_are_set() -> None:
    assert Launch(n_workers=1).worker_threads(2) == 2  # a lone worker uses both cores
    assert Launch(n_workers=2).worker_threads(2) == 1  # two do not fight over them
    assert Launch(n_workers=3).worker_threads(2) == 1
    assert Launch(n_trials=2, n_workers=8).worker_threads(8) == 4  # only 2 workers start
    assert Launch(n_workers=1, threads=1).worker_threads(8) == 1


def draws(sampler: optuna.samplers.BaseSampler, n: int = 12) -> list[dict[str, object]]:
    study = optuna.create_study(sampler=sampler)
    found = []
    for i in range(n):
        trial = study.ask()
        found.append(SPACE.suggest(trial))
        study.tell(trial, (found[-1]["lr"] - 3e-3) ** 2 + i * 1e-9)  # type: ignore[operator]
    return found


def test_samplers_repeat_with_the_seed_and_differ_per_worker_and_launch() -> None:
    launch = Launch(sampler="random", seed=7)
    first = draws(make_sampler(launch, worker=0, n_before=0, job=1))
    assert first == draws(make_sampler(launch, worker=0, n_before=0, job=1))
    assert first != draws(make_sampler(launch, worker=1, n_before=0, job=1))
    assert first != draws(make_sampler(launch, worker=0, n_before=12, job=1))
    # two machines joining a study at once: same worker index and trials so far, their own job ids
    assert first != draws(make_sampler(launch, worker=0, n_before=0, job=2))


@pytest.mark.parametrize("name", ["random", "tpe", "gp"])
def test_every_sampler_draws_from_our_spaces(name: str) -> None:
    sampler = make_sampler(Launch(sampler=name), worker=0, n_before=0, job=1)
    found = draws(sampler, n=14)  # beyond TPE's and GP's startup
    assert all(1e-4 <= d["lr"] <= 1e-2 and d["batch_size"] in (32, 64, 128) for d in found)  # type: ignore[operator]
    assert all(isinstance(d["width"], int) for d in found)


def test_a_study_is_joined_with_its_own_spec_only() -> None:
    storage = optuna.storages.InMemoryStorage()
    study = open_study(storage, "s", SPEC)
    assert open_study(storage, "s", SPEC).study_name == study.study_name
    other = StudySpec(SPEC.dataset, SPEC.base, parse_space({"lr": {"low": 1e-4, "high": 1e-1, "log": True}}))
    with pytest.raises(OptionError, match=r"exists with other settings \(space.batch_size: \[32, 64, 128\] there"):
        open_study(storage, "s", other)
    with pytest.raises(OptionError, match="The study needs a name"):
        open_study(storage, " ", SPEC)


def test_a_value_is_the_mean_of_the_last_epochs_and_an_older_study_keeps_its_own() -> None:
    assert SPEC.value([0.5, 0.9, 0.8, 0.7]) == pytest.approx(0.8)  # the last 3 of 4 epochs
    assert SPEC.value([0.6]) == pytest.approx(0.6) and SPEC.value([0.6, 0.8]) == pytest.approx(0.7)
    storage = optuna.storages.InMemoryStorage()
    older = optuna.create_study(study_name="old", storage=storage, direction="maximize")
    stored = SPEC.to_json()
    del stored["last_epochs"]  # as studies were stored before values were averaged
    older.set_user_attr("spec", stored)
    joined = open_study(storage, "old", SPEC)  # still joined with the same settings
    assert load_spec(joined).last_epochs == 1 and load_spec(joined).value([0.5, 0.9, 0.7]) == pytest.approx(0.7)
    assert value_meaning(joined) == "validation accuracy, after each trial's last epoch"
    assert value_meaning(open_study(storage, "new", SPEC)) == (
        "validation accuracy, averaged over each trial's last 3 epochs"
    )
    other = dataclasses.replace(SPEC, objective="loss")  # a real difference is named, not the missing average
    with pytest.raises(OptionError, match=r"other settings \(objective: 'accuracy' there, 'loss' here\)"):
        open_study(storage, "old", other)


def test_results_table_best_config_and_counts() -> None:
    study = open_study(optuna.storages.InMemoryStorage(), "r", dataclasses.replace(SPEC, objective="loss"))
    distributions = {
        "lr": optuna.distributions.FloatDistribution(1e-4, 1e-2, log=True),
        "width": optuna.distributions.IntDistribution(8, 64, log=True),
        "batch_size": optuna.distributions.CategoricalDistribution([32, 64, 128]),
    }

    def add(state: TrialState, value: float | None, lr: float, **attrs: object) -> None:
        study.add_trial(
            optuna.trial.create_trial(
                state=state,
                value=value,
                params={"lr": lr, "width": 16, "batch_size": 64},
                distributions=distributions,
                user_attrs=attrs,
                intermediate_values={1: 0.9, 2: 0.8} if state == TrialState.PRUNED else {},
            )
        )

    add(TrialState.COMPLETE, 0.5, 1e-3, val_accuracy=0.8, run_id=1, job_id=2, worker=9, epochs_done=3)
    add(TrialState.COMPLETE, 0.3, 3e-3, val_accuracy=0.9, run_id=3, job_id=4, worker=9, epochs_done=3)
    add(TrialState.PRUNED, None, 1e-4, run_id=5, job_id=6, epochs_done=2)
    add(TrialState.FAIL, None, 1e-2, error="RuntimeError: boom")
    add(TrialState.FAIL, None, 2e-3)  # failed by the heartbeat: no error of its own
    table = trials_frame(study)
    assert list(table["state"]) == ["COMPLETE", "COMPLETE", "PRUNED", "FAIL", "FAIL"]
    assert list(table["value"][:3]) == [0.5, 0.3, 0.8]  # a pruned trial shows its last reported value
    assert table["run_id"].tolist()[:3] == [1, 3, 5] and str(table["run_id"].dtype) == "Int64"
    assert table["error"][3] == "RuntimeError: boom" and table["error"][4].startswith("No heartbeat from its worker")
    assert state_counts(study) == {"COMPLETE": 2, "PRUNED": 1, "FAIL": 2, "RUNNING": 0, "WAITING": 0}
    best = best_config(study)
    assert best == TrainConfig(model="mlp", epochs=3, lr=3e-3, width=16, batch_size=64, sample_losses=True)
    assert shown_value(study, 0.3) == "0.3000" and metric_name(study) == "validation loss"
    accuracy = open_study(optuna.storages.InMemoryStorage(), "a", SPEC)  # accuracy: higher is better
    accuracy.set_user_attr("metric", "balanced_accuracy")
    for trial in study.get_trials():
        accuracy.add_trial(trial)
    assert best_trial(accuracy).number == 0 and shown_value(accuracy, 0.5) == "50.0%"
    assert metric_name(accuracy) == "validation balanced accuracy"


def test_only_this_machines_dead_workers_trials_are_failed() -> None:
    store = open_store()
    study = open_study(study_storage(), "orphans", SPEC)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    cases = {"dead here": (HOST, dead.pid), "alive here": (HOST, os.getpid()), "elsewhere": ("b", 1)}
    trials = {}
    for name, (host, pid) in cases.items():
        trial = study.ask()
        job_id = jobs.start_inline(store, "train", TrainConfig().to_dict())
        for key, value in {"host": host, "pid": pid, "job_id": job_id}.items():
            trial.set_user_attr(key, value)
        trials[name] = trial.number
    assert fail_orphaned_trials(study, store) == [trials["dead here"]]
    state = {t.number: t for t in study.get_trials()}
    assert state[trials["dead here"]].state == TrialState.FAIL
    assert f"({dead.pid} on {HOST}) died mid-trial" in state[trials["dead here"]].user_attrs["error"]
    assert jobs.get_job(store, state[trials["dead here"]].user_attrs["job_id"]).status == "failed"
    # hard negatives: a live worker here, and a worker on another machine (its pid means nothing here)
    assert state[trials["alive here"]].state == state[trials["elsewhere"]].state == TrialState.RUNNING


@pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed to be used with Study.optimize")
def test_on_postgresql_a_trial_without_heartbeat_is_failed(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("heartbeats are PostgreSQL's (the journal on SQLite has none; pids cover one machine)")
    from recipe_dash.settings import get_settings

    monkeypatch.setenv("RECIPE_DASH_TUNE_HEARTBEAT_SECONDS", "1")
    get_settings.cache_clear()
    store = open_store()
    storage = study_storage()
    study = open_study(storage, "beats", SPEC)
    silent, beating = study.ask(), study.ask()
    job_id = jobs.start_inline(store, "train", TrainConfig().to_dict())
    for trial in (silent, beating):
        trial.set_user_attr("host", "another-machine")  # so only the heartbeat can tell
        storage.record_heartbeat(trial._trial_id)  # type: ignore[attr-defined]
    silent.set_user_attr("job_id", job_id)
    for _ in range(8):  # 4 s: past the 3 s grace for the silent trial, while the other keeps beating
        time.sleep(0.5)
        storage.record_heartbeat(beating._trial_id)  # type: ignore[attr-defined]
    fail_stale_trials(study)
    state = {t.number: t.state for t in study.get_trials()}
    assert state == {silent.number: TrialState.FAIL, beating.number: TrialState.RUNNING}
    job = jobs.get_job(store, job_id)
    assert job.status == "failed" and "stopped sending heartbeats" in job.error
    assert trials_frame(study)["error"][0].startswith("No heartbeat from its worker")


def test_storage_follows_the_store_url(tmp_path: Path) -> None:
    assert journal_path(f"sqlite:///{tmp_path / 'a.db'}") == tmp_path / "a.db.optuna-journal.log"
    with pytest.raises(StoreError, match="Tuning keeps its studies in SQLite or PostgreSQL stores, not mysql"):
        study_storage("mysql+pymysql://user@localhost/db")
