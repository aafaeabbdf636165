"""Run a per-file task over chunks on any Executor; a file that kills its worker is reported, not fatal."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from typing import Any

from recipe_dash.errors import RecipeDashError
from recipe_dash.features.executors import Workers

Task = Callable[[list[str]], Any]  # a chunk of paths -> whatever `on_chunk` takes
_MAX_FAILURES_BEFORE_SUCCESS = 5  # every file failing means the executor is broken, not the files


def chunked(items: list[str], n_workers: int) -> list[list[str]]:
    """Chunks small enough for steady progress and cheap retries, big enough to amortise a task."""
    size = max(8, min(256, -(-len(items) // (n_workers * 16))))
    return [items[i : i + size] for i in range(0, len(items), size)]


def run_chunks(
    workers: Workers,
    chunks: list[list[str]],
    task: Task,
    *,
    on_chunk: Callable[[list[str], Any], None],
    on_crash: Callable[[str, str], None],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Submit `chunks` with a bounded window, hand each result to `on_chunk`.

    A chunk whose task fails (its worker died, or the task raised) is retried one file at a time
    with nothing else in flight, so the one file to blame is found; `on_crash(path, reason)` gets it.
    """
    queue = deque(chunks)
    suspects: deque[str] = deque()  # files of failed chunks, retried alone
    in_flight: dict[Future[Any], tuple[list[str], Executor, bool]] = {}
    window = max(2, workers.n_workers * 4)
    done_files = succeeded = failed = 0
    try:
        while queue or suspects or in_flight:
            if suspects and not in_flight:
                path = suspects.popleft()
                in_flight[workers.executor.submit(task, [path])] = ([path], workers.executor, True)
            while not suspects and queue and len(in_flight) < window:
                chunk = queue.popleft()
                in_flight[workers.executor.submit(task, chunk)] = (chunk, workers.executor, False)
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                chunk, executor, isolated = in_flight.pop(future)
                try:
                    result = future.result()
                except Exception as err:  # a dead worker or a bug on one odd file: isolate, then blame
                    if isinstance(err, BrokenExecutor):
                        workers.renew(executor)
                    if not isolated:
                        suspects.extend(chunk)
                        continue
                    failed += 1
                    if failed >= _MAX_FAILURES_BEFORE_SUCCESS and not succeeded:
                        raise RecipeDashError(
                            f"The workers failed on the first {failed} files tried alone ({_describe(err)}); "
                            "check the executor or the Dask cluster."
                        ) from err
                    on_crash(chunk[0], _describe(err))
                else:
                    succeeded += 1
                    on_chunk(chunk, result)
                done_files += len(chunk)
                if progress is not None:
                    progress(done_files)
    finally:
        for future in in_flight:
            future.cancel()


def _describe(err: BaseException) -> str:
    if isinstance(err, BrokenExecutor) or type(err).__name__ == "KilledWorker":  # a process pool's or Dask's
        return "the decoder crashed its worker process"
    return f"the worker failed on it: {type(err).__name__}: {err}"
