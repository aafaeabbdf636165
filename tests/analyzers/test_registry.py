"""Every registered analyzer honours the shared contract on ordinary, tiny and one-class data:
it returns a well-formed Result, or refuses with a DataError whose message says what to do."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recipe_dash.analyzers import ANALYZERS
from recipe_dash.analyzers.findings import FINDING_COLUMNS
from recipe_dash.errors import DataError
from recipe_dash.features import compute_features
from recipe_dash.io import Dataset, load_dataset
from tests.conftest import write_image


def _images(root: Path, classes: list[str], per_class: int) -> Dataset:
    seed = 0
    for split in ("train", "test"):
        for label in classes:
            for i in range(per_class):
                seed += 1
                write_image(root / split / label / f"{i}.png", seed, size=(24, 24), mode="RGB")
    return load_dataset(root)


def _table(path: Path, labels: list[str]) -> Dataset:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(len(labels), 4)), columns=["a", "b", "c", "d"])
    frame["label"] = labels
    frame.to_csv(path, index=False)
    return load_dataset(path)


DATASETS: dict[str, Callable[[Path], Dataset]] = {
    "images": lambda tmp: _images(tmp / "imgs", ["cat", "dog", "eel"], 8),
    "images_one_class": lambda tmp: _images(tmp / "one", ["cat"], 6),
    "images_tiny": lambda tmp: _images(tmp / "tiny", ["cat", "dog"], 1),
    "table": lambda tmp: _table(tmp / "t.csv", ["x", "y", "z"] * 20),
    "table_one_class": lambda tmp: _table(tmp / "one.csv", ["x"] * 30),
    "table_tiny": lambda tmp: _table(tmp / "tiny.csv", ["x", "y"]),
}


@pytest.mark.parametrize("data", list(DATASETS))
@pytest.mark.parametrize("name", list(ANALYZERS))
def test_analyzer_returns_a_well_formed_result(name: str, data: str, tmp_path: Path) -> None:
    dataset = DATASETS[data](tmp_path)
    try:
        result = ANALYZERS[name](dataset, compute_features(dataset))
    except DataError as err:
        assert str(err).strip()  # refusing is fine when the message tells the user why
        return
    assert result.analyzer == name
    assert result.verdict in {"pass", "warn", "fail", "not_measured"}
    assert result.summary and result.summary.strip()[-1] in ".!)"
    findings = result.findings
    assert tuple(findings.columns) == FINDING_COLUMNS
    assert findings["score"].between(0, 1).all()
    known = set(dataset.samples["sample_id"])
    assert set(findings["sample_id"].dropna()) <= known
    assert findings["issue_type"].notna().all() and findings["detail"].notna().all()
    assert isinstance(result.details, importlib.import_module(f"recipe_dash.analyzers.{name}").Details)
    stored = json.loads(json.dumps(result.details.to_json()))  # storable as JSON in any SQL backend ...
    assert type(result.details).from_json(stored).to_json() == stored  # ... and read back unchanged
