"""A study's worker processes: each is a job ("tune") that runs the launch's trials while any are left.

`launch` submits one job per worker; every worker loads the study by name from the shared storage, prepares
the data once and trains trial after trial (objective.py), each claimed from the launch's budget (budget.py),
until none is left, its timeout or Stop. Workers on other machines are the same jobs started there by the
same command: the storage is what they share.
Torch gets the machine's cores divided among the local workers (`Launch.worker_threads`), so two workers on
two cores do not fight over them.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from recipe_dash import jobs
from recipe_dash.errors import OptionError
from recipe_dash.io import Dataset
from recipe_dash.jobs import JobContext
from recipe_dash.store import JobRecord, Store
from recipe_dash.store.jobs_model import ACTIVE
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.models import ModelError, builder_keywords, check_keywords
from recipe_dash.tuning.budget import claim_trial, open_budget
from recipe_dash.tuning.space import SearchSpace, default_space
from recipe_dash.tuning.storage import fail_orphaned_trials, study_storage
from recipe_dash.tuning.study import (
    Launch,
    StudySpec,
    dataset_identity,
    load_spec,
    make_pruner,
    make_sampler,
    open_study,
)

TUNE_JOB = "tune"
MODEL_KNOBS = ("dropout", "width", "depth")


def start_study(
    store: Store,
    dataset_id: int,
    dataset: Dataset,
    name: str,
    base: TrainConfig,
    space: SearchSpace | None,
    settings: Launch,
    *,
    objective: str = "accuracy",
    allowed_dirs: Sequence[Path] | None = None,
) -> tuple[optuna.Study, list[int]]:
    """Create the study (or join it by name), then launch its workers here; everything is checked first.

    Without a space, the model's default space. A space that varies a knob the model cannot take (width for
    the logistic baseline) is refused now, naming the parameter, rather than failing every trial. The model
    is read, not run, in this process (the dashboard's, with `allowed_dirs` its model folders).
    """
    keywords = builder_keywords(base.model, kind=dataset.kind, allowed_dirs=allowed_dirs)
    check_keywords(base.model, keywords, list(base.model_options()))
    space = space or default_space(keywords)
    for knob in (p.name for p in space.params if p.name in MODEL_KNOBS):
        try:
            check_keywords(base.model, keywords, [knob])
        except ModelError as err:
            raise OptionError(f"Search space: {knob}: {err}") from None
    spec = StudySpec(dataset_identity(dataset), base, space, objective)
    study = open_study(study_storage(store.url), name, spec)
    return study, launch(store, dataset_id, name, settings)


def launch(store: Store, dataset_id: int, study_name: str, settings: Launch) -> list[int]:
    """Start the launch's workers on this machine; returns their job ids at once. The study must exist.

    The workers take the launch's trials one at a time from a shared budget; `share` is each one's part
    if all trials took equally long, the denominator of its progress.
    """
    n_before = len(optuna.load_study(study_name=study_name, storage=study_storage(store.url)).trials)
    threads = settings.worker_threads(os.cpu_count() or 1)
    budget = open_budget(store, study_name, settings.n_trials)
    return [
        jobs.submit(
            store,
            TUNE_JOB,
            {
                "study": study_name,
                "launch": asdict(settings),
                "worker": worker,
                "share": share,
                "n_before": n_before,
                "threads": threads,
                "budget": budget,
            },
            dataset_id,
        )
        for worker, share in enumerate(settings.shares())
    ]


def tune_worker(context: JobContext) -> dict[str, Any]:
    """The job: run trials of the study while its launch has any left (until its timeout or Stop), each a
    recorded training run."""
    import torch

    from recipe_dash.training.worker import load_inputs
    from recipe_dash.tuning.objective import TrialRunner

    torch.set_num_threads(int(context.config["threads"]))
    settings = Launch(**context.config["launch"])
    share = int(context.config["share"])
    with warnings.catch_warnings():  # GPSampler and the heartbeat are marked experimental
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study = optuna.load_study(
            study_name=context.config["study"],
            storage=study_storage(context.store.url),
            sampler=make_sampler(
                settings, worker=context.config["worker"], n_before=context.config["n_before"], job=context.job_id
            ),
            pruner=make_pruner(settings),
        )
        spec = load_spec(study)
        _, data, source = load_inputs(context, spec.base.to_dict())
        runner = TrialRunner(context, spec, data, source)
        study.set_user_attr("metric", runner.metric)  # the same from every worker: one data, one seed
        finished: list[int] = []

        def after_trial(study: optuna.Study, trial: FrozenTrial) -> None:
            finished.append(trial.number)
            done = len(finished)
            context.progress(done, max(share, done), f"trial {trial.number} {trial.state.name.lower()}", force=True)

        context.progress(0, share, "starting trials", force=True)
        fail_orphaned_trials(study, context.store)
        deadline = None if settings.timeout is None else time.monotonic() + settings.timeout
        budget = context.config.get("budget")  # None for a job queued before launches had budgets: its share
        started = 0
        while not context.stop_requested() and (deadline is None or time.monotonic() < deadline):
            if not (claim_trial(context.store, int(budget)) if budget is not None else started < share):
                break  # the launch's trials are all taken
            started += 1
            study.optimize(runner, n_trials=1, catch=(Exception,), callbacks=[after_trial])
    context.check_stop()  # stopped: the job ends cancelled; its finished trials stay in the study
    return {"study": study.study_name, "trials": finished}


def study_jobs(store: Store, study_name: str) -> list[JobRecord]:
    """This store's worker jobs of a study, newest first (a dead worker is noticed here)."""
    found = [job for job in jobs.list_jobs(store, kind=TUNE_JOB) if job.config.get("study") == study_name]
    return [jobs.get_job(store, job.id) or job if job.status in ACTIVE else job for job in found]


@dataclass(frozen=True)
class LaunchProgress:
    """The newest launch of a study from this store, for a progress bar."""

    done: int  # trials its workers finished
    total: int  # trials it adds
    active: int  # its workers still queued or running
    failed: list[JobRecord]  # its workers that failed, to say why


def launch_progress(store: Store, study_name: str) -> LaunchProgress | None:
    """None before the study was launched from this store."""
    workers = study_jobs(store, study_name)
    if not workers:
        return None
    key = (workers[0].config.get("n_before"), workers[0].config.get("launch"))
    launch = [j for j in workers if (j.config.get("n_before"), j.config.get("launch")) == key]
    return LaunchProgress(
        done=int(sum(j.done for j in launch)),
        total=int(sum(j.config.get("share", 0) for j in launch)),
        active=sum(j.status in ACTIVE for j in launch),
        failed=[j for j in launch if j.status == "failed"],
    )


def stop_study(store: Store, study_name: str) -> int:
    """Ask every active worker of the study to stop (they end their running trial as stopped); returns how many."""
    active = [job for job in study_jobs(store, study_name) if job.status in ACTIVE]
    for job in active:
        jobs.request_stop(store, job.id)
    return len(active)
