"""The bundled samples with their features and answer keys, computed once per test session.

Imported by the model-based analyzer tests (fixtures imported into a test module are registered
there), so they do not depend on a shared conftest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from recipe_dash.features import compute_features
from recipe_dash.io import Dataset, load_dataset
from recipe_dash.sample_data import load_manifest
from recipe_dash.settings import SAMPLE_DATA


@dataclass(frozen=True)
class Planted:
    dataset: Dataset
    features: pd.DataFrame
    manifest: dict[str, Any]

    def ids(self, *issue_types: str) -> set[str]:
        """Sample ids planted with any of `issue_types`."""
        return {e["sample_id"] for e in self.manifest["planted"] if e["issue_type"] in issue_types and e["sample_id"]}


def _load(path: Path, manifest: Path, cache: Path) -> Planted:
    dataset = load_dataset(path)
    return Planted(dataset, compute_features(dataset, cache_dir=cache), load_manifest(manifest))


@pytest.fixture(scope="session")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    return _load(SAMPLE_DATA / "digits", SAMPLE_DATA / "digits.manifest.json", tmp_path_factory.mktemp("features"))


@pytest.fixture(scope="session")
def table(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    return _load(
        SAMPLE_DATA / "breast_cancer.csv",
        SAMPLE_DATA / "breast_cancer.manifest.json",
        tmp_path_factory.mktemp("features"),
    )


def f1(found: set[str], truth: set[str]) -> float:
    hits = len(found & truth)
    return 2 * hits / (len(found) + len(truth)) if found or truth else 1.0
