"""Tables with known answers for the Regularize studies, and a way to run a study's runs in this process.

Every table has a 'split' column with a large validation split, so differences between runs are measured
on many paired samples; one thread for torch (tests/training/conftest.py) keeps them quick on 2 cores.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recipe_dash import jobs, workspace
from recipe_dash.regularize import Group, Plan, launch, read_group
from recipe_dash.store import Store, open_store
from tests.training.conftest import shapes_folder, table_file  # noqa: F401 - fixtures


@pytest.fixture
def store() -> Store:
    return open_store()


def run_plan(store: Store, dataset_id: int, plan: Plan) -> Group:
    """Queue a plan's runs without the worker pool and train them here, oldest first."""
    group_id = launch(store, dataset_id, plan, start=False)
    for job in reversed(jobs.list_jobs(store, kind="train", dataset_id=dataset_id)):
        if job.status == "queued":
            jobs.run_job(store, job.id)
    return read_group(store, dataset_id, group_id)


def open_table(store: Store, path: Path) -> int:
    return workspace.open_dataset(store, path)[0]


def _write(path: Path, x: np.ndarray, y: np.ndarray, n_train: int) -> Path:
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(x.shape[1])])
    frame["label"] = np.where(y == 1, "a", "b")
    frame["split"] = ["train"] * n_train + ["val"] * (len(y) - n_train)
    frame.to_csv(path, index=False)
    return path


def data_hungry_table(path: Path, *, n_train: int = 2000, n_val: int = 2000, d: int = 60, seed: int = 0) -> Path:
    """A noiseless linear rule over 60 features: a linear model keeps improving as it sees more rows
    (its error falls roughly like d / n), so the learning curve still climbs at 100%."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_train + n_val, d))
    return _write(path, x, (x @ rng.normal(size=d) > 0).astype(int), n_train)


def saturated_table(path: Path, *, n_train: int = 2000, n_val: int = 2000, seed: int = 0) -> Path:
    """One informative feature and 15% flipped labels: 10% of the rows already find the threshold, and no
    amount of data gets past the label noise, so the curve is flat."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_train + n_val, 3))
    y = (x[:, 0] > 0).astype(int)
    flipped = rng.random(len(y)) < 0.15
    y[flipped] = 1 - y[flipped]
    return _write(path, x, y, n_train)


def overfitting_table(path: Path, *, n_train: int = 300, n_val: int = 1000, seed: int = 0) -> Path:
    """300 training rows, 20 features (5 informative), 20% flipped labels: an MLP memorizes the flips
    (training accuracy ~100%, validation ~65%), the textbook case for a regularizer."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_train + n_val, 20))
    y = (x[:, :5].sum(axis=1) > 0).astype(int)
    flipped = rng.random(len(y)) < 0.2
    y[flipped] = 1 - y[flipped]
    return _write(path, x, y, n_train)
