"""Studies on real worker processes, over both storages a study can live in, on the training tests' data."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from recipe_dash import jobs
from recipe_dash.settings import get_settings
from recipe_dash.store import Store, forget_open_stores
from recipe_dash.store.jobs_model import ACTIVE
from tests.training.conftest import shapes_folder, table_file  # noqa: F401 - fixtures

# A model file whose training steps take a while (so a test can act while a trial runs) and whose width 3
# crashes mid-training, as a user's bug would; built on the CPU in the workers like any model file.
SLOW_MODEL = """\
import time

import torch


class Slow(torch.nn.Module):
    def __init__(self, inputs, n_classes, width, delay):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(inputs, width), torch.nn.ReLU(),
                                       torch.nn.Linear(width, n_classes))
        self.width, self.delay, self.steps = width, delay, 0

    def forward(self, x):
        if self.training:
            self.steps += 1
            time.sleep(self.delay)
            if self.width == 3 and self.steps > 2:
                raise RuntimeError("boom: width 3 crashes in its third step")
        return self.net(x)


def build(input_shape, n_classes, width=8, delay=0.0):
    inputs = 1
    for side in input_shape:
        inputs *= side
    return Slow(inputs, n_classes, width, delay)


def build_slow(input_shape, n_classes, width=8):
    return build(input_shape, n_classes, width, delay=0.4)
"""


@pytest.fixture
def db_url(shared_store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The store (and with it the study storage) every process of the test shares: a SQLite file (studies in
    its journal file), then a throwaway PostgreSQL (tests/_postgres.py)."""
    monkeypatch.setenv("RECIPE_DASH_DB", shared_store_url)  # worker processes inherit it
    get_settings.cache_clear()
    forget_open_stores()
    return shared_store_url


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "models" / "slow.py"
    path.parent.mkdir()
    path.write_text(SLOW_MODEL)
    return path


def wait_until(condition: Callable[[], bool], *, timeout: float = 300.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or condition}")
        time.sleep(0.3)


def wait_for_jobs(store: Store, job_ids: list[int], *, timeout: float = 300.0) -> None:
    """Until every job has ended (a dead worker's job is noticed by get_job)."""

    def ended() -> bool:
        return all((job := jobs.get_job(store, j)) is not None and job.status not in ACTIVE for j in job_ids)

    wait_until(ended, timeout=timeout, what=f"jobs {job_ids}")
