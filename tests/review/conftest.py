"""The review's fixtures: a store holding a bundled sample with its stored results (computed once per session)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from recipe_dash.analyzers import save_results
from recipe_dash.analyzers.base import Result
from recipe_dash.io import Dataset, load_dataset
from recipe_dash.store import Store, open_store
from tests.app.test_analysis_pages import SAMPLES, sample_results


@dataclass(frozen=True)
class Analyzed:
    store: Store
    dataset_id: int
    dataset: Dataset
    results: dict[str, Result]


def analyzed(name: str) -> Analyzed:
    """A bundled sample recorded in this test's store with every check's stored result."""
    store = open_store()
    dataset = load_dataset(SAMPLES[name])
    dataset_id = store.record_dataset(dataset)
    results = sample_results(name)
    save_results(store, dataset_id, results)
    return Analyzed(store, dataset_id, dataset, results)


@pytest.fixture
def digits_review() -> Analyzed:
    return analyzed("digits")


@pytest.fixture
def table_review() -> Analyzed:
    return analyzed("table")
