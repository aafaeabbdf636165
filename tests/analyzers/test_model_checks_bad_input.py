"""Bad input never crashes a model-based check: it answers with a reason instead."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from recipe_dash.analyzers import ANALYZERS
from recipe_dash.analyzers.base import Result
from recipe_dash.analyzers.findings import FINDING_COLUMNS
from recipe_dash.features import compute_features
from recipe_dash.io import Dataset, load_dataset

CHECKS = ("label_noise", "outliers", "biases", "distributions", "local_global")


def one_class_table(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path / "one.csv"
    pd.DataFrame({"x": rng.normal(size=50), "label": "only", "split": ["train", "test"] * 25}).to_csv(path, index=False)
    return path


def all_nan_table(tmp_path: Path) -> Path:
    path = tmp_path / "nan.csv"
    pd.DataFrame({"x": [np.nan] * 40, "y": [None] * 40, "label": ["a", "b"] * 20}).to_csv(path, index=False)
    return path


def three_rows(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.csv"
    pd.DataFrame({"x": [1.0, 2.0, 3.0], "label": ["a", "b", "a"]}).to_csv(path, index=False)
    return path


def broken_images(tmp_path: Path) -> Path:
    root = tmp_path / "broken"
    for label in ("cat", "dog"):
        (root / label).mkdir(parents=True)
        for i in range(6):
            (root / label / f"{i}.png").write_bytes(b"" if i % 2 else b"not an image at all")
    return root


def one_class_images(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    root = tmp_path / "cats" / "cat"
    root.mkdir(parents=True)
    for i in range(30):
        Image.fromarray(rng.integers(0, 256, (20, 20), dtype=np.uint8), "L").save(root / f"{i}.png")
    return root.parent


DATASETS: dict[str, Callable[[Path], Path]] = {
    "one class (table)": one_class_table,
    "all-NaN columns": all_nan_table,
    "three rows": three_rows,
    "every image broken": broken_images,
    "one class (images)": one_class_images,
}


@pytest.fixture(params=list(DATASETS))
def bad(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Dataset, pd.DataFrame]:
    dataset = load_dataset(DATASETS[request.param](tmp_path))
    return dataset, compute_features(dataset, cache_dir=tmp_path / "features")


@pytest.mark.parametrize("check", CHECKS)
def test_bad_input_gets_a_result_with_a_reason(check: str, bad: tuple[Dataset, pd.DataFrame]) -> None:
    dataset, features = bad
    result = ANALYZERS[check](dataset, features)
    assert isinstance(result, Result)
    assert result.analyzer == check
    assert result.verdict in {"pass", "warn", "fail", "not_measured"}
    assert result.summary.endswith(".")
    assert tuple(result.findings.columns) == FINDING_COLUMNS
    if result.details.skipped:  # a check that could not run is never a pass
        assert result.verdict == "not_measured"
        assert result.findings.empty
        assert result.details.skipped in result.summary
