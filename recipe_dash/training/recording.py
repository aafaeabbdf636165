"""What a live run writes while it trains: its curve, per-sample losses per epoch, its first batch.

Per-sample losses are those the loop scored at each epoch's end (training split unless the run
turned that pass off, validation always), one Parquet file per epoch.

Every store and file write happens in order on one background thread, so the training thread never
waits on a commit or a disk: it only appends rows to a buffer and hands work over. Rows reach the
store every FLUSH_SECONDS with a progress report; the job's stop flag is read back with it, so Stop
works mid-epoch. Metric intervals (a bootstrap) are recomputed at most every METRICS_SECONDS and
always after the last epoch.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import torch

from recipe_dash.jobs import JobContext, JobStopped
from recipe_dash.store import Store
from recipe_dash.training.data import TensorData
from recipe_dash.training.loop import EpochEnd, Evaluation, StepStats
from recipe_dash.training.metrics import classification_metrics, is_imbalanced
from recipe_dash.training.runs import insert_metrics, run_dir, save_batch, update_summary, write_sample_losses

FLUSH_SECONDS = 1.0  # training-step rows reach the store at most this late
METRICS_SECONDS = 5.0  # how stale the live metric intervals may get


class RunRecorder:
    """Implements loop.Recorder for a run in the store; `context` is None when no job drives the run.

    Call `close()` however training ends: it waits for pending writes and re-raises a write error.
    """

    def __init__(
        self, store: Store, run_id: int, data: TensorData, *, total_steps: int, context: JobContext | None = None
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.data = data
        self.total_steps = total_steps
        self.context = context
        self._rows: list[dict[str, Any]] = []
        self._last_flush = -math.inf  # the first step is reported at once
        self._last_metrics = -math.inf
        self._stop = False  # set by the writer thread from the job's stop flag
        self._writer = _Writer()
        self._train_ids, self._val_ids = pa.array(data.ids_train, pa.string()), pa.array(data.ids_val, pa.string())
        self._classes = pa.array(data.class_names, pa.string())

    def on_first_batch(self, xb: torch.Tensor, index: torch.Tensor) -> None:
        labels = [self.data.class_names[int(i)] for i in self.data.y_train[index]]
        ids = [self.data.ids_train[int(i)] for i in index]
        self._writer.submit(save_batch, run_dir(self.run_id), xb.detach().cpu().numpy(), labels, ids)

    def on_step(self, stats: StepStats) -> None:
        self._rows.append(
            {
                "run_id": self.run_id,
                "step": stats.step,
                "epoch": stats.epoch,
                "split": "train",
                "loss": stats.loss,
                "accuracy": stats.accuracy,
                "lr": stats.lr,
                "grad_norm": stats.grad_norm,
                "wall_time": stats.wall_time,
            }
        )
        if time.monotonic() - self._last_flush >= FLUSH_SECONDS:
            self._flush(f"step {stats.step}, epoch {stats.epoch:.2f}, loss {stats.loss:.4f}", stats.step)
        self._stop_if_asked()

    def on_epoch(self, end: EpochEnd) -> None:
        self._writer.submit(self._write_epoch, end, self._metrics_due(end))
        # "train_eval": the end-of-epoch pass over the training split, in eval mode like validation (no dropout,
        # no augmentation), so the two curves' gap is the model's, not the regularizer's noise.
        for split, scored in (("train_eval", end.train), ("val", end.val)):
            if scored is not None:
                self._rows.append(
                    {
                        "run_id": self.run_id,
                        "step": end.step,
                        "epoch": float(end.epoch),
                        "split": split,
                        "loss": scored.loss,
                        "accuracy": scored.accuracy,
                        "lr": None,
                        "grad_norm": None,
                        "wall_time": end.wall_time,
                    }
                )
        self._stop_if_asked()

    def close(self) -> None:
        """Write what is buffered and wait for every pending write."""
        if self._rows:
            self._flush("", None)
        self._writer.close()

    def _flush(self, message: str, step: int | None) -> None:
        rows, self._rows = self._rows, []
        self._last_flush = time.monotonic()
        self._writer.submit(insert_metrics, self.store, rows)
        if self.context is not None and step is not None:
            self._writer.submit(self._report, self.context, step, message)

    def _report(self, context: JobContext, step: int, message: str) -> None:
        """Progress for the page, and the stop flag read back in the same breath (writer thread)."""
        context.progress(step, self.total_steps, message)
        self._stop = context.stop_requested()

    def _stop_if_asked(self) -> None:
        if self._stop:
            raise JobStopped()

    def _metrics_due(self, end: EpochEnd) -> bool:
        """Metric intervals (and with them the run's summary) are refreshed every METRICS_SECONDS and at the end."""
        now = time.monotonic()
        if end.val is None or (not end.last and now - self._last_metrics < METRICS_SECONDS):
            return False
        self._last_metrics = now
        return True

    def _write_epoch(self, end: EpochEnd, with_metrics: bool) -> None:
        """Per-sample losses of train and validation, those the epoch scored, to Parquet; metrics when due."""
        tables = []
        if end.train is not None:
            tables.append(self._samples(self._train_ids, "train", self.data.y_train, end.train))
        if end.val is not None:
            tables.append(self._samples(self._val_ids, "val", self.data.y_val, end.val))
        if tables:
            write_sample_losses(self.run_id, end.epoch, pa.concat_tables(tables))
        if with_metrics and end.val is not None:
            update_summary(
                self.store, self.run_id, epochs_done=end.epoch, metrics=trusted_metrics(self.data, end.val.predicted)
            )

    def _samples(self, ids: pa.Array, split: str, labels: torch.Tensor, scored: Evaluation) -> pa.Table:
        """One split's per-sample rows; labels and predictions dictionary-encoded with the class names."""
        return pa.table(
            {
                "sample_id": ids,
                "split": pa.DictionaryArray.from_arrays(np.zeros(len(ids), dtype=np.int8), pa.array([split])),
                "label": pa.DictionaryArray.from_arrays(labels.numpy().astype(np.int32), self._classes),
                "predicted": pa.DictionaryArray.from_arrays(scored.predicted.astype(np.int32), self._classes),
                "loss": pa.array(scored.losses.astype(np.float32)),
            }
        )


def trusted_metrics(data: TensorData, predicted: np.ndarray) -> dict[str, Any]:
    """Validation metrics with intervals, and which one to read first (balanced accuracy when imbalanced)."""
    table = classification_metrics(data.y_val.numpy(), predicted, n_classes=data.n_classes)
    imbalanced = is_imbalanced(data.y_val.numpy(), n_classes=data.n_classes)
    return {
        "table": table.to_dict("records"),
        "imbalanced": imbalanced,
        "primary": "balanced_accuracy" if imbalanced else "accuracy",
        "n_val": len(data.y_val),
    }


class _Writer:
    """One daemon thread running submitted writes in order; the first error is raised to the submitter."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="run-writer", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        self._raise_error()
        self._queue.put((fn, args))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._raise_error()

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    item[0](*item[1])
                except BaseException as err:  # kept for the training thread, which decides
                    self._error = err

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error
