"""Starting the feature workers: warmed up first, forked with the parent's heap frozen."""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest

from recipe_dash.features.executors import Workers, start_workers

_PREPARED: list[str] = []  # set by `prepare` in the parent; a worker forked after it sees it


def _worker_state() -> tuple[list[str], int]:
    return list(_PREPARED), gc.get_freeze_count()


@pytest.fixture
def forking_pool() -> Iterator[Workers]:
    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
    try:
        yield Workers(pool, 2)
    finally:
        pool.shutdown()
        _PREPARED.clear()


def test_workers_fork_after_prepare_with_the_parents_objects_frozen(forking_pool: Workers) -> None:
    start_workers(forking_pool, lambda: _PREPARED.append("kernels"))
    prepared, frozen_in_worker = forking_pool.executor.submit(_worker_state).result()
    assert prepared == ["kernels"]  # forked after prepare, not at this task
    assert frozen_in_worker > 1000  # the worker's collections skip everything it inherited
    assert gc.get_freeze_count() == 0  # and this process collects its objects again


def test_objects_the_caller_froze_stay_frozen(forking_pool: Workers) -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        start_workers(forking_pool, lambda: None)
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
