"""recipe-dash: walk a dataset and a model through Karpathy's recipe for training neural networks.

`recipe_dash.analyze(path)` runs the data checks and returns their findings; the dashboard
(`recipe-dash app`) and the CLI (`recipe-dash analyze`) use the same engine.
"""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def analyze(
    path: str | Path,
    *,
    checks: list[str] | str | None = None,
    label_column: str | None = None,
    executor: Executor | str | None = None,
    embedding: str | Path | list[str] | None = None,
) -> pd.DataFrame:
    """Findings of the data checks on the dataset at `path`: sample_id, issue_type, score, group, detail.

    `checks` are registry keys (default: all); `executor` is "process" (default), "dask" (a local
    Dask cluster), "tcp://HOST:PORT" (a running Dask scheduler) or any concurrent.futures Executor.
    `embedding`, your own vectors for the model-based checks: a .npy (one row per sample, in sample
    order) or Parquet (with `sample_id`) path, or a list of table columns.
    """
    from recipe_dash.analyzers._models.embedding import check_embedding
    from recipe_dash.analyzers.run import check_executor, findings_table, resolve_checks, run_checks
    from recipe_dash.io import load_dataset

    names = resolve_checks(checks)  # every option is checked before the dataset is read
    check_executor(executor)
    check_embedding(embedding)
    dataset = load_dataset(path, label_column=label_column)
    return findings_table(run_checks(dataset, checks=names, executor=executor, embedding=embedding))


__all__ = ["analyze"]
