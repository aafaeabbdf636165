"""Where the feature pass runs: a local process pool, or Dask when one machine is not enough."""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any, Literal

from recipe_dash.errors import RecipeDashError

ExecutorKind = Literal["process", "dask"]
EXECUTOR_KINDS: tuple[ExecutorKind, ...] = ("process", "dask")


class Workers:
    """An executor, how many tasks it runs at once, and how to replace it if a worker kills it."""

    def __init__(self, executor: Executor, n_workers: int, *, factory: Callable[[], Executor] | None = None) -> None:
        self.executor = executor
        self.n_workers = n_workers
        self._factory = factory  # None: the executor cannot be replaced (it is the caller's)

    def renew(self, broken: Executor) -> None:
        """Replace `broken` (a process pool whose worker died) unless that was already done."""
        if broken is not self.executor:
            return
        if self._factory is None:
            raise RecipeDashError(
                "A worker process died and broke the executor that was passed in; rerun the analysis."
            )
        broken.shutdown(wait=False, cancel_futures=True)
        self.executor = self._factory()


def local_pool(n_workers: int) -> ProcessPoolExecutor:
    """A process pool: forked workers from a single-threaded caller, a fork server otherwise.

    Forking starts workers at once and, unlike spawn or forkserver, never re-imports the caller's
    `__main__`, so `recipe_dash.analyze(path)` works from a plain script without a main guard. A
    threaded caller (a Streamlit server, a Dask client) must not fork: a thread may hold a lock.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        method = "fork"
    else:
        method = "forkserver" if "forkserver" in methods else "spawn"
    return ProcessPoolExecutor(max_workers=n_workers, mp_context=multiprocessing.get_context(method))


def start_workers(workers: Workers, prepare: Callable[[], None]) -> None:
    """Run `prepare` here, then start a process pool's workers, with the heap frozen in between.

    Forked workers inherit what `prepare` loaded (the compiled kernels). Frozen (`gc.freeze`), the
    objects this process already holds are left out of garbage collection while the Numba kernels
    load, which make some 50,000 objects and would otherwise set off a full collection of the whole
    heap, 70-100 ms before any worker starts; and a forked worker's collections never scan, nor copy,
    the pages it shares with this process. They are thawed once the workers have forked, unless the
    caller had frozen objects itself: thawing would undo that.
    """
    ours = gc.get_freeze_count() == 0
    if ours:
        gc.freeze()
    try:
        prepare()
        if isinstance(workers.executor, ProcessPoolExecutor):
            with suppress(BrokenExecutor):  # a broken pool is replaced when the first chunk fails
                workers.executor.submit(int).result()  # a forking pool starts all its workers at the first task
    finally:
        if ours:
            gc.unfreeze()


def wrap_executor(executor: Executor) -> Workers:
    """Workers for an executor the caller owns (never shut down or replaced here)."""
    if isinstance(executor, ProcessPoolExecutor):
        n_workers = int(executor._max_workers)  # type: ignore[attr-defined]  # no public accessor for the pool size
    else:
        n_workers = _dask_threads(executor) or os.cpu_count() or 1
    return Workers(executor, n_workers)


@contextmanager
def open_executor(
    kind: ExecutorKind = "process", *, scheduler: str | None = None, n_workers: int | None = None
) -> Iterator[Workers]:
    """Start the executor for one analysis and shut it down afterwards.

    `kind="dask"` starts a `distributed.LocalCluster` on this machine, or connects to the running
    cluster at `scheduler` (``tcp://HOST:PORT``); its workers must see the dataset's files at the
    same paths and have recipe-dash installed.
    """
    if scheduler is not None and kind != "dask":
        raise RecipeDashError("A Dask scheduler address needs the Dask executor (--executor dask).")
    if kind == "process":
        size = n_workers or os.cpu_count() or 1
        workers = Workers(local_pool(size), size, factory=lambda: local_pool(size))
        try:
            yield workers
        finally:
            workers.executor.shutdown(wait=True, cancel_futures=True)
        return
    if kind != "dask":
        raise RecipeDashError(f"Unknown executor '{kind}'. Choose one of: {', '.join(EXECUTOR_KINDS)}.")
    with _dask_client(scheduler, n_workers) as client:
        executor = client.get_executor()
        try:
            yield Workers(executor, max(1, sum(client.nthreads().values())))
        finally:
            executor.shutdown(wait=False)


def _dask_threads(executor: Executor) -> int | None:
    client = getattr(executor, "_client", None)  # distributed's ClientExecutor keeps its Client here
    return sum(client.nthreads().values()) if client is not None else None


@contextmanager
def _dask_client(scheduler: str | None, n_workers: int | None) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise RecipeDashError("The Dask executor needs dask.distributed: pip install 'recipe-dash[dask]'.") from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as err:
            raise RecipeDashError(
                f"Cannot reach the Dask scheduler at {scheduler}: {err}. Is the cluster running?"
            ) from None
        with client:
            yield client
        return
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=n_workers or os.cpu_count() or 1, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client
