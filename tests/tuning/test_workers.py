"""Studies on worker processes, on SQLite (journal file) and PostgreSQL: every trial once, as a run like any
other; a killed worker's trial failed while the study goes on; resume by name; Stop; crashing trials."""

from __future__ import annotations

import dataclasses
import os
import signal
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from recipe_dash import jobs, workspace
from recipe_dash.errors import OptionError
from recipe_dash.jobs.liveness import mark_failed
from recipe_dash.settings import get_settings
from recipe_dash.store import open_store
from recipe_dash.training import runs
from recipe_dash.training.config import TrainConfig
from recipe_dash.tuning import Launch, parse_space, start_study, stop_study, trials_frame
from recipe_dash.tuning.objective import STOPPED
from tests.tuning.conftest import wait_for_jobs, wait_until

BASE = TrainConfig(model="mlp", epochs=2, sample_losses=False)


def test_two_workers_run_every_trial_exactly_once(db_url: str, shapes_folder: Path) -> None:
    store = open_store()
    dataset_id, dataset = workspace.open_dataset(store, shapes_folder)
    launch = Launch(sampler="random", pruner="none", n_trials=6, n_workers=2, seed=3)
    study, job_ids = start_study(store, dataset_id, dataset, "twice", BASE, None, launch)
    assert len(job_ids) == 2
    wait_for_jobs(store, job_ids)
    assert [jobs.get_job(store, j).status for j in job_ids] == ["done", "done"]
    trials = study.get_trials()
    assert sorted(t.number for t in trials) == list(range(6))  # none lost, none duplicated
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert {t.user_attrs["worker"] for t in trials} == set(job_ids)  # both workers took trials
    assert len({tuple(sorted(t.params.items())) for t in trials}) == 6  # no config drawn twice
    # each trial is one run in the store, on the Train page's list, tagged with its study and trial
    run_ids = [t.user_attrs["run_id"] for t in trials]
    listed = runs.list_runs(store, dataset_id=dataset_id)
    assert sorted(listed["run_id"]) == sorted(run_ids) and set(listed["status"]) == {"done"}
    for trial in trials:
        record = runs.get_run(store, trial.user_attrs["run_id"])
        assert (record.summary["study"], record.summary["trial"]) == ("twice", trial.number)
        assert TrainConfig.from_dict(record.config) == dataclasses.replace(BASE, **trial.params)
        curve = runs.metrics_frame(store, [record.id])
        val = curve[curve["split"] == "val"]
        # the trial's value: the mean of its last 3 epochs (here both), reported after each epoch as well
        assert list(val["epoch"]) == [1.0, 2.0] and val["accuracy"].mean() == pytest.approx(trial.value)
        assert trial.intermediate_values[1] == pytest.approx(val["accuracy"].iloc[0])
        assert trial.user_attrs["val_loss"] == pytest.approx(val["loss"].iloc[-1])
    table = trials_frame(study)
    assert list(table["state"]) == ["COMPLETE"] * 6 and table["error"].isna().all()


def test_a_killed_worker_leaves_its_trial_failed_and_the_study_goes_on(
    db_url: str, shapes_folder: Path, model_file: Path
) -> None:
    store = open_store()
    dataset_id, dataset = workspace.open_dataset(store, shapes_folder)
    base = TrainConfig(model=f"{model_file}:build_slow", epochs=2, sample_losses=False)
    space = parse_space({"lr": {"low": 1e-3, "high": 1e-2, "log": True}})
    launch = Launch(sampler="random", pruner="none", n_trials=6, n_workers=2)
    study, job_ids = start_study(store, dataset_id, dataset, "killed", base, space, launch)
    victim, survivor = job_ids

    def victim_trial() -> optuna.trial.FrozenTrial | None:
        running = study.get_trials(states=(TrialState.RUNNING,))
        return next((t for t in running if t.user_attrs.get("worker") == victim and "pid" in t.user_attrs), None)

    wait_until(lambda: victim_trial() is not None, what="a running trial of the first worker")
    killed = victim_trial()
    assert killed is not None
    os.kill(killed.user_attrs["pid"], signal.SIGKILL)
    wait_for_jobs(store, job_ids)
    assert jobs.get_job(store, victim).status == "failed" and "died" in jobs.get_job(store, victim).error
    assert jobs.get_job(store, survivor).status == "done"
    trials = {t.number: t for t in study.get_trials()}
    assert trials[killed.number].state == TrialState.FAIL
    assert "died mid-trial" in trials[killed.number].user_attrs["error"]
    # the study went on: the survivor took every trial left of the launch's six, the victim's included
    assert len(trials) == 6
    assert all(t.state == TrialState.COMPLETE for n, t in trials.items() if n != killed.number)
    assert all(t.user_attrs["worker"] == survivor for t in trials.values() if t.datetime_start > killed.datetime_start)
    assert not [t for t in trials.values() if t.state == TrialState.RUNNING]
    run_job = jobs.get_job(store, killed.user_attrs["job_id"])
    assert run_job.status == "failed"  # the killed trial's run says so on the Train page too


def test_trials_longer_than_the_job_heartbeat_timeout_complete(
    db_url: str, shapes_folder: Path, model_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trial's run is a job its study's worker runs itself: the worker beats for it, so a trial that takes
    many heartbeat timeouts is not judged lost (and stopped) by the pool's housekeeping."""
    timeout = 4.0
    monkeypatch.setenv("RECIPE_DASH_HEARTBEAT_TIMEOUT", str(timeout))  # workers inherit it
    get_settings.cache_clear()
    store = open_store()
    dataset_id, dataset = workspace.open_dataset(store, shapes_folder)
    base = TrainConfig(model=f"{model_file}:build_slow", epochs=10, sample_losses=False)
    space = parse_space({"lr": {"low": 1e-3, "high": 1e-2, "log": True}})
    study, job_ids = start_study(store, dataset_id, dataset, "long", base, space, Launch(sampler="random", n_trials=1))

    def housekeeping() -> bool:  # as a polling page does, all along
        jobs.dispatch(store)
        return all(jobs.get_job(store, j).status not in ("queued", "running") for j in job_ids)

    wait_until(housekeeping, what="the study's worker")
    assert jobs.get_job(store, job_ids[0]).status == "done", jobs.get_job(store, job_ids[0]).error
    trials = study.get_trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE], [t.user_attrs.get("error") for t in trials]
    assert trials[0].duration.total_seconds() > 2 * timeout  # the trial outlived two timeouts
    assert {jobs.get_job(store, t.user_attrs["job_id"]).status for t in trials} == {"done"}


def test_a_stopped_study_resumes_by_name_and_refuses_other_settings(
    db_url: str, shapes_folder: Path, model_file: Path
) -> None:
    store = open_store()
    dataset_id, dataset = workspace.open_dataset(store, shapes_folder)
    base = TrainConfig(model=f"{model_file}:build_slow", epochs=8, sample_losses=False)
    space = parse_space({"lr": {"low": 1e-3, "high": 1e-2, "log": True}})
    study, first = start_study(store, dataset_id, dataset, "resumed", base, space, Launch(sampler="random", n_trials=5))
    wait_until(lambda: bool(study.get_trials(states=(TrialState.RUNNING,))), what="a running trial")
    assert stop_study(store, "resumed") == 1
    wait_for_jobs(store, first)
    assert jobs.get_job(store, first[0]).status == "cancelled"
    stopped = study.get_trials()
    assert len(stopped) < 5 and stopped[-1].state == TrialState.FAIL and stopped[-1].user_attrs["error"] == STOPPED
    assert jobs.get_job(store, stopped[-1].user_attrs["job_id"]).status == "cancelled"

    again, second = start_study(
        store, dataset_id, dataset, "resumed", base, space, Launch(sampler="random", n_trials=2, pruner="none")
    )
    wait_for_jobs(store, second)
    trials = again.get_trials()
    assert [t.number for t in trials] == list(range(len(stopped) + 2))
    assert all(t.state == TrialState.COMPLETE for t in trials[len(stopped) :])
    # the resumed launch draws fresh configs, not the first launch's again
    assert not {t.params["lr"] for t in trials[len(stopped) :]} & {t.params["lr"] for t in stopped}
    with pytest.raises(
        OptionError, match=r"Study 'resumed' exists with other settings \(base.epochs: 8 there, 3 here\)"
    ):
        start_study(store, dataset_id, dataset, "resumed", dataclasses.replace(base, epochs=3), space, Launch())


def test_a_crashing_trial_fails_with_its_error_and_the_study_goes_on(shapes_folder: Path, model_file: Path) -> None:
    store = open_store()
    dataset_id, dataset = workspace.open_dataset(store, shapes_folder)
    base = TrainConfig(model=f"{model_file}:build", epochs=2, sample_losses=False)
    space = parse_space({"width": [3, 8]})
    study, job_ids = start_study(store, dataset_id, dataset, "crash", base, space, Launch(sampler="random", n_trials=6))
    wait_for_jobs(store, job_ids)
    assert jobs.get_job(store, job_ids[0]).status == "done"
    trials = study.get_trials()
    assert len(trials) == 6 and {t.params["width"] for t in trials} == {3, 8}
    for trial in trials:
        run_job = jobs.get_job(store, trial.user_attrs["job_id"])
        if trial.params["width"] == 3:
            assert trial.state == TrialState.FAIL
            assert trial.user_attrs["error"] == "RuntimeError: boom: width 3 crashes in its third step"
            assert run_job.status == "failed" and "boom" in run_job.result["traceback"]  # a bug keeps its traceback
        else:
            assert trial.state == TrialState.COMPLETE and run_job.status == "done"


def test_a_trial_whose_run_is_judged_lost_fails_with_that_reason_and_the_study_goes_on(
    shapes_folder: Path, model_file: Path
) -> None:
    store = open_store()
    dataset_id, dataset = workspace.open_dataset(store, shapes_folder)
    base = TrainConfig(model=f"{model_file}:build_slow", epochs=8, sample_losses=False)
    space = parse_space({"lr": {"low": 1e-3, "high": 1e-2, "log": True}})
    launch = Launch(sampler="random", pruner="none", n_trials=2)
    study, job_ids = start_study(store, dataset_id, dataset, "lost", base, space, launch)

    def running_run() -> int | None:
        running = [t for t in study.get_trials(states=(TrialState.RUNNING,)) if "job_id" in t.user_attrs]
        return running[0].user_attrs["job_id"] if running else None

    wait_until(lambda: running_run() is not None, what="a trial's run")
    run_job = running_run()
    reason = "No heartbeat for 60 s: its worker (pid 1 on this host) was frozen or killed."
    assert mark_failed(store, run_job, reason)  # as the pool does when the run's heartbeat stops
    wait_for_jobs(store, job_ids)
    first, second = study.get_trials()
    assert first.state == TrialState.FAIL and first.user_attrs["error"] == reason  # not "stopped by the user"
    assert (jobs.get_job(store, run_job).status, jobs.get_job(store, run_job).error) == ("failed", reason)
    assert second.state == TrialState.COMPLETE and jobs.get_job(store, job_ids[0]).status == "done"


def test_a_space_knob_the_model_cannot_take_is_refused_before_any_trial(shapes_folder: Path) -> None:
    store = open_store()
    dataset_id, dataset = workspace.open_dataset(store, shapes_folder)
    space = parse_space({"dropout": {"low": 0.0, "high": 0.5}})
    logistic = TrainConfig(model="logistic", epochs=1)
    with pytest.raises(OptionError, match="Search space: dropout: 'logistic' takes no dropout option"):
        start_study(store, dataset_id, dataset, "nope", logistic, space, Launch(n_trials=1))
    assert jobs.list_jobs(store) == []
