"""Run checks on a dataset: one feature pass shared by every analyzer, then each analyzer in turn."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from recipe_dash.analyzers import ANALYZERS
from recipe_dash.analyzers._models.embedding import EmbeddingSource, check_embedding
from recipe_dash.analyzers._progress import StagedProgress
from recipe_dash.analyzers.base import Result
from recipe_dash.analyzers.findings import concat_findings
from recipe_dash.errors import OptionError
from recipe_dash.features import EXECUTOR_KINDS, Workers, compute_features, open_executor
from recipe_dash.io.dataset import Dataset
from recipe_dash.validation import check_choice, check_folder

Progress = Callable[[int, int, str], None]  # (done, total, message); may raise to stop the run
# None/"process", "dask", a "tcp://HOST:PORT" scheduler, an Executor, or Workers from open_executor
ExecutorChoice = Executor | Workers | str | None


def resolve_checks(checks: Iterable[str] | str | None) -> list[str]:
    """Registry keys to run, in registry order; accepts "duplicates,corruption" as typed on a command line."""
    if checks is None:
        return list(ANALYZERS)
    given = checks.split(",") if isinstance(checks, str) else list(checks) if isinstance(checks, Iterable) else None
    if given is None or not all(isinstance(c, str) for c in given):
        raise OptionError(
            f"checks must be names of checks, as a list or as text 'duplicates,corruption', got {checks!r}."
        )
    names = [c.strip() for c in given if c.strip()]
    if not names:
        raise OptionError(f"checks is empty. Choose one or more of: {', '.join(sorted(ANALYZERS))}.")
    for name in names:
        check_choice("check", name, ANALYZERS)
    return [n for n in ANALYZERS if n in names]


def run_checks(
    dataset: Dataset,
    *,
    checks: Iterable[str] | str | None = None,
    executor: ExecutorChoice = None,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
    embedding: EmbeddingSource | None = None,
) -> dict[str, Result]:
    """Compute (or reuse) the features, then run each check; results keyed by registry key.

    `embedding` (a user's own vectors) goes to every check whose signature takes one; a check that takes
    `step` reports its slow steps (label noise: each out-of-fold fold) as progress messages.
    """
    names = resolve_checks(checks)  # every option is checked before the feature pass starts
    check_executor(executor)
    if progress is not None and not callable(progress):
        raise OptionError(f"progress must be a function (done, total, message) or None, got {progress!r}.")
    check_folder("cache_dir", cache_dir)
    check_embedding(embedding)
    with executor_from(executor) as pool:
        features = compute_features(dataset, executor=pool, progress=progress, cache_dir=cache_dir)
    results = {}
    for name in names:
        if isinstance(progress, StagedProgress):  # one bar over every step, weighted by its expected time
            progress.begin(name)
        elif progress is not None:
            progress(dataset.n_samples, dataset.n_samples, f"running {name}")
        started = time.monotonic()
        analyzer = ANALYZERS[name]
        parameters = inspect.signature(analyzer).parameters
        options: dict[str, Any] = (
            {"embedding": embedding} if embedding is not None and "embedding" in parameters else {}
        )
        if progress is not None and "step" in parameters:
            options["step"] = _step_reporter(progress, dataset.n_samples, name)
        result = analyzer(dataset, features, **options)
        results[name] = replace(result, seconds=round(time.monotonic() - started, 3))
    return results


def _step_reporter(progress: Progress, n_samples: int, name: str) -> Callable[[str], None]:
    """A check's step as a progress message; the bar stays full (the feature pass it measures is done)."""
    return lambda message: progress(n_samples, n_samples, f"running {name}: {message}")


def findings_table(results: dict[str, Result]) -> pd.DataFrame:
    """Every finding of every check, in the shared columns (sample_id, issue_type, score, group, detail)."""
    return concat_findings([r.findings for r in results.values()])


def check_executor(choice: ExecutorChoice) -> None:
    """None, an Executor, Workers, or a name: "process", "dask" or a "tcp://HOST:PORT" Dask scheduler address."""
    if choice is None or isinstance(choice, (Executor, Workers)):
        return
    if not isinstance(choice, str):
        raise OptionError(
            f"executor must be a name ({', '.join(EXECUTOR_KINDS)}, tcp://HOST:PORT), a concurrent.futures "
            f"Executor or None, got {choice!r}."
        )
    if not choice.startswith("tcp://") and choice not in EXECUTOR_KINDS:
        raise OptionError(
            f"Unknown executor {choice!r}. Choose one of: {', '.join(EXECUTOR_KINDS)}, or tcp://HOST:PORT."
        )


@contextmanager
def executor_from(choice: ExecutorChoice) -> Iterator[Executor | Workers | None]:
    """An Executor for `choice`, started here and shut down afterwards unless the caller passed one."""
    if choice is None or isinstance(choice, (Executor, Workers)):
        with nullcontext(choice) as given:
            yield given
        return
    if choice.startswith("tcp://"):
        with open_executor("dask", scheduler=choice) as workers:
            yield workers
        return
    check_executor(choice)
    with open_executor(choice) as workers:
        yield workers
