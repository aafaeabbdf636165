"""One trial = one training run like any other: a job row and a run in the store, its curve on the Train page.

The study's worker process trains each trial itself on data it prepared once (no process start, no data
preparation per trial). After each epoch the trial's value so far (the mean of its last epochs' validation
scores, StudySpec.value) and the latest score's standard error go to the pruner, which may end the run
there. A trial that fails keeps its error (the run's message, or the bug's type and text) and the study
goes on; Stop on the study (or on the trial's run, from the Train page) ends the trial as failed
"stopped by the user", and a run or worker the pool judged lost ends it as failed with the pool's reason.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass

import optuna
from sqlalchemy import select

from recipe_dash import jobs
from recipe_dash.errors import RecipeDashError
from recipe_dash.jobs import JobContext, JobStopped
from recipe_dash.jobs.liveness import HOST, Heartbeat
from recipe_dash.store import Store
from recipe_dash.store.jobs_model import JobRecord
from recipe_dash.store.training_model import RunRecord
from recipe_dash.training.data import TensorData
from recipe_dash.training.loop import EpochEnd, Evaluation
from recipe_dash.training.metrics import classification_metrics, is_imbalanced
from recipe_dash.training.models import ModelSource, configure
from recipe_dash.training.runs import TRAIN_JOB
from recipe_dash.training.worker import record_run
from recipe_dash.tuning.pruning import SCORE_SE, standard_error
from recipe_dash.tuning.storage import fail_orphaned_trials
from recipe_dash.tuning.study import StudySpec

STOPPED = "Stopped by the user."


@dataclass
class TrialContext(JobContext):
    """A trial run's job context: stopping its run or its whole study (the worker's job) both stop it."""

    study_job: JobContext | None = None

    def stop_requested(self) -> bool:
        return super().stop_requested() or (self.study_job is not None and self.study_job.stop_requested())


class TrialRunner:
    """The study's objective: trains a trial's config and returns its value, the mean of its last epochs' scores."""

    def __init__(self, context: JobContext, spec: StudySpec, data: TensorData, source: ModelSource) -> None:
        self.context = context  # the worker's job: its stop flag stops the study
        self.spec = spec
        self.data = data
        self.source = source
        imbalanced = is_imbalanced(data.y_val.numpy(), n_classes=data.n_classes)
        # the accuracy the Train page reads first (★): balanced when the validation classes are imbalanced
        self.metric = "balanced_accuracy" if imbalanced else "accuracy"

    def score(self, val: Evaluation) -> float:
        """The objective on one validation pass."""
        if self.spec.objective == "loss":
            return val.loss
        if self.metric == "accuracy":
            return val.accuracy
        table = classification_metrics(self.data.y_val.numpy(), val.predicted, n_classes=self.data.n_classes, n_boot=0)
        return float(table.set_index("metric").loc["balanced_accuracy", "value"])

    def score_se(self, val: Evaluation) -> float:
        """The standard error of `score(val)`: how far it may move by chance (the pruner allows for it)."""
        metric = "loss" if self.spec.objective == "loss" else self.metric
        return standard_error(metric, self.data.y_val.numpy(), val.predicted, val.losses)

    def __call__(self, trial: optuna.Trial) -> float:
        fail_orphaned_trials(trial.study, self.context.store)  # a dead neighbour's trial, failed before this one starts
        params = self.spec.space.suggest(trial)
        config = self.spec.config(params)  # the space was checked, so a config always builds
        store = self.context.store
        job_id = jobs.start_inline(
            store,
            TRAIN_JOB,
            config.to_dict(),
            self.context.dataset_id,
            message=f"trial {trial.number} of study {trial.study.study_name}",
        )
        for key, value in {"job_id": job_id, "worker": self.context.job_id, "host": HOST, "pid": os.getpid()}.items():
            trial.set_user_attr(key, value)
        run_context = TrialContext(
            store=store,
            job_id=job_id,
            kind=TRAIN_JOB,
            config=config.to_dict(),
            dataset_id=self.context.dataset_id,
            study_job=self.context,
        )
        scores: list[float] = []
        try:
            with Heartbeat(store, job_id):  # the run's job is alive while this worker trains it
                outcome = record_run(
                    run_context,
                    config,
                    self.data,
                    configure(self.source, config.model_options()),
                    tags={"study": trial.study.study_name, "trial": trial.number},
                    watch=lambda end: self._report(trial, end, scores),
                )
        except optuna.TrialPruned as pruned:
            jobs.end_inline(store, job_id, "done", message=f"pruned {pruned}")
            raise
        except JobStopped:
            lost = _lost(store, job_id, self.context.job_id)
            if lost is None:
                _fail(trial, store, job_id, STOPPED, status="cancelled")
            else:  # judged lost by the pool (this worker froze): the run's job keeps the failed status it got
                trial.set_user_attr("error", lost)
            if self.context.stop_requested():
                trial.study.stop()
            raise
        except RecipeDashError as err:  # the user's to fix: the message as written
            _fail(trial, store, job_id, str(err))
            raise
        except Exception as err:  # a bug: its type and traceback kept on the run's job, and the study goes on
            _fail(trial, store, job_id, f"{type(err).__name__}: {err}", trace=traceback.format_exc(limit=20))
            raise
        finally:
            run_id = _run_of(store, job_id)
            if run_id is not None:  # none when the model did not build
                trial.set_user_attr("run_id", run_id)
        jobs.end_inline(store, job_id, "done", result=outcome, message="done")
        return self.spec.value(scores)

    def _report(self, trial: optuna.Trial, end: EpochEnd, scores: list[float]) -> None:
        """Give the pruner this epoch's score; end the run when it says so."""
        assert end.val is not None, "tuning trains with a validation split"
        scores.append(self.score(end.val))
        values = {
            "epochs_done": end.epoch,
            "val_loss": end.val.loss,
            "val_accuracy": end.val.accuracy,
            SCORE_SE: self.score_se(end.val),  # the pruner allows for it
        }
        for key, value in values.items():
            trial.set_user_attr(key, value)
        trial.report(self.spec.value(scores), end.epoch)
        if trial.should_prune():
            raise optuna.TrialPruned(
                f"after epoch {end.epoch}: {self.metric if self.spec.objective != 'loss' else 'loss'} {scores[-1]:.4f}"
            )


def _fail(
    trial: optuna.Trial, store: Store, job_id: int, error: str, *, status: str = "failed", trace: str | None = None
) -> None:
    """The trial keeps its error; its run's job ends as a run that failed (or was stopped) would."""
    trial.set_user_attr("error", error)
    result = {"traceback": trace} if trace else None
    message = "stopped by the user" if status == "cancelled" else "failed"
    jobs.end_inline(
        store, job_id, status, error=None if status == "cancelled" else error, message=message, result=result
    )


def _lost(store: Store, *job_ids: int) -> str | None:
    """Why the first of these jobs was judged lost (ended as failed while it ran), or None: a job that stops
    a trial was either asked to stop by a user or judged lost, and only the first is "stopped by the user"."""
    with store.session() as session:
        for job_id in job_ids:
            record = session.get(JobRecord, job_id)
            if record is not None and record.status == "failed" and not record.stop_requested:
                return str(record.error or "Judged lost: no heartbeat from its worker.")
    return None


def _run_of(store: Store, job_id: int) -> int | None:
    with store.session() as session:
        return session.scalar(select(RunRecord.id).where(RunRecord.job_id == job_id))
