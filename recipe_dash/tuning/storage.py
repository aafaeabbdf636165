"""Where studies live: an Optuna storage chosen from the store's URL (RECIPE_DASH_DB), and how dead workers'
trials are failed so a study goes on without them.

- SQLite (the default store): a JournalStorage over a JournalFileBackend beside the database file, which is
  what Optuna recommends for several processes on one machine (its docs advise against SQLite for parallel
  optimization: writers lock the whole file).
- PostgreSQL: an RDBStorage on the same database, in a schema of its own ("optuna"): Optuna's tables and its
  Alembic version table would otherwise share a namespace with ours. Workers on any machine that reaches the
  database join a study by name. Each running trial records a heartbeat; one silent for three heartbeats is
  failed by the next worker that asks for a trial (Optuna's `fail_stale_trials`), and by anyone following.

On both, a trial whose worker process on this machine is gone is failed at once (`fail_orphaned_trials`),
without waiting for a heartbeat: the journal has none, and a local death needs no grace period.
"""

from __future__ import annotations

import warnings
from functools import lru_cache, partial
from pathlib import Path

import optuna
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import FrozenTrial, TrialState
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, ProgrammingError, SQLAlchemyError

from recipe_dash import jobs
from recipe_dash.errors import StoreError
from recipe_dash.jobs.liveness import HOST
from recipe_dash.settings import get_settings
from recipe_dash.store import Store, open_store

SCHEMA = "optuna"  # PostgreSQL schema of Optuna's tables, beside ours in "public"


def study_storage(db_url: str | None = None) -> BaseStorage:
    """The Optuna storage that goes with the store at `db_url` (default: the configured one), one per process."""
    return _storage(db_url or get_settings().db_url)


def journal_path(db_url: str) -> Path:
    """The journal file of a SQLite store: beside its database file (in RECIPE_DASH_HOME for an in-memory one)."""
    database = make_url(db_url).database
    if not database or database == ":memory:":
        return get_settings().home / "optuna-journal.log"
    return Path(database).expanduser().with_name(Path(database).name + ".optuna-journal.log")


def fail_orphaned_trials(study: optuna.Study, store: Store) -> list[int]:
    """Fail the running trials whose worker process, on this machine, is gone; returns their numbers.

    The trial's error says so, and its training run's job is marked failed too (the Train page shows why).
    """
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        pid = trial.user_attrs.get("pid")
        if trial.user_attrs.get("host") != HOST or not isinstance(pid, int) or jobs.process_alive(pid):
            continue
        reason = f"Its worker process ({pid} on {HOST}) died mid-trial."
        try:
            study._storage.set_trial_user_attr(trial._trial_id, "error", reason)
            study._storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL)
        except optuna.exceptions.UpdateFinishedTrialError:
            continue  # another process failed it first
        _fail_run_job(store, trial, reason)
        failed.append(trial.number)
    return failed


def fail_stale_trials(study: optuna.Study) -> None:
    """Optuna's heartbeat check (PostgreSQL only; a no-op on the journal), for those who follow a study."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


@lru_cache(maxsize=4)
def _storage(db_url: str) -> BaseStorage:
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        path = journal_path(db_url)
        path.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(str(path)))
    if url.get_backend_name() != "postgresql":
        raise StoreError(
            f"Tuning keeps its studies in SQLite or PostgreSQL stores, not {url.get_backend_name()}. "
            "Set RECIPE_DASH_DB to a postgresql:// URL (or leave it unset for SQLite)."
        )
    _create_schema(db_url)
    heartbeat = get_settings().tune_heartbeat_seconds
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # the heartbeat's arguments
            return RDBStorage(
                db_url,
                engine_kwargs={"pool_pre_ping": True, "connect_args": {"options": f"-csearch_path={SCHEMA}"}},
                heartbeat_interval=heartbeat,
                grace_period=3 * heartbeat,
                heartbeat_stale_trial_callback=partial(_on_stale, db_url),
            )
    except SQLAlchemyError as err:
        raise StoreError(f"Cannot open the tuning storage at {_safe(db_url)}: {err}") from None


def _create_schema(db_url: str) -> None:
    """Optuna's schema, made once; two processes racing to make it both succeed."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    except (IntegrityError, ProgrammingError):
        pass  # made by a concurrent process between the check and the create
    except SQLAlchemyError as err:
        raise StoreError(f"Cannot create the '{SCHEMA}' schema for tuning at {_safe(db_url)}: {err}") from None
    finally:
        engine.dispose()


def _on_stale(db_url: str, study: optuna.Study, trial: FrozenTrial) -> None:
    """Optuna failed a trial whose worker stopped beating: its run's job says so too."""
    reason = "Its tuning worker stopped sending heartbeats (the process or its machine died)."
    _fail_run_job(open_store(db_url), trial, reason)


def _fail_run_job(store: Store, trial: FrozenTrial, reason: str) -> None:
    job_id = trial.user_attrs.get("job_id")
    if isinstance(job_id, int):
        jobs.end_inline(store, job_id, "failed", error=reason, message="failed")


def _safe(db_url: str) -> str:
    return make_url(db_url).render_as_string(hide_password=True)
