"""Attributes read junk-laden columns as numbers, and one attribute's predictive power is honest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score

from recipe_dash.analyzers._models import assign_folds, attribute, predictive_power
from recipe_dash.analyzers._models.attributes import MISSING, OTHER


def test_numbers_with_junk_cells_stay_numeric() -> None:
    column = pd.Series(["1.5", "2", "3.25"] * 10 + ["n/a", "#VALUE!", "inf", None])
    attr = attribute("x", column)
    assert attr.kind == "numeric"
    assert attr.values is not None
    assert np.isnan(attr.values[30:]).all()
    assert attr.n_missing == 4
    assert attr.categories == ("1.5", "2", "3.25", MISSING)


def test_many_values_are_binned_by_quantile() -> None:
    values = np.random.default_rng(0).normal(size=1000)
    attr = attribute("x", pd.Series(values), max_codes=10)
    assert len(attr.categories) == 10
    assert np.bincount(attr.codes).min() == 100  # deciles hold a tenth each


def test_text_keeps_frequent_values_and_groups_the_rest() -> None:
    column = pd.Series(["a"] * 50 + ["b"] * 30 + [f"rare{i}" for i in range(10)] + [None] * 5)
    attr = attribute("c", column, max_codes=3)
    assert attr.kind == "categorical"
    assert attr.categories == ("a", "b", OTHER, MISSING)
    assert np.bincount(attr.codes).tolist() == [50, 30, 10, 5]
    assert attr.n_distinct == 12


def test_predictive_power_matches_sklearn_on_a_lookup() -> None:
    rng = np.random.default_rng(0)
    labels = pd.Series(rng.choice(["x", "y", "z"], 600, p=[0.6, 0.3, 0.1]))
    noisy = np.where(rng.random(600) < 0.7, labels, rng.choice(["x", "y", "z"], 600))
    attr = attribute("c", pd.Series(noisy))
    ours = predictive_power([attr], labels, n_folds=5, seed=3)["balanced_accuracy"].iloc[0]
    # Reference: per fold, predict for each value the class maximising P(value | class) (Laplace-smoothed).
    y, folds = pd.factorize(labels, sort=True)[0], assign_folds(pd.factorize(labels, sort=True)[0], n_folds=5, seed=3)
    predicted = np.empty(600, dtype=np.int64)
    for fold in range(5):
        train = pd.crosstab(attr.codes[folds != fold], y[folds != fold]).reindex(range(3), fill_value=0)
        likelihood = (train + 1) / (train.sum(axis=0) + 3)
        predicted[folds == fold] = likelihood.to_numpy().argmax(axis=1)[attr.codes[folds == fold]]
    assert ours == pytest.approx(balanced_accuracy_score(y, predicted))
    assert ours > 0.6


def test_an_unrelated_column_scores_chance_and_a_copy_scores_one() -> None:
    rng = np.random.default_rng(1)
    labels = pd.Series(rng.choice(["a", "b"], 2000, p=[0.9, 0.1]))
    scores = predictive_power(
        [attribute("copy", labels), attribute("noise", pd.Series(rng.normal(size=2000)))], labels
    ).set_index("attribute")
    assert scores.loc["copy", "balanced_accuracy"] == 1.0
    assert scores.loc["noise", "balanced_accuracy"] == pytest.approx(0.5, abs=0.05)  # not 0.9: balanced
