"""Our metrics match scikit-learn; the intervals cover the value and shrink with the validation size."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

from recipe_dash.training.metrics import classification_metrics, is_imbalanced, wilson_interval


@pytest.mark.parametrize("seed", range(5))
def test_values_match_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y_true = rng.choice(4, size=300, p=[0.6, 0.25, 0.1, 0.05])
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 4, 300))
    table = classification_metrics(y_true, y_pred, n_classes=4).set_index("metric")
    assert table.loc["accuracy", "value"] == pytest.approx(accuracy_score(y_true, y_pred))
    assert table.loc["balanced_accuracy", "value"] == pytest.approx(balanced_accuracy_score(y_true, y_pred))
    assert table.loc["macro_f1", "value"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert ((table["low"] <= table["value"]) & (table["value"] <= table["high"])).all()


def test_a_class_never_predicted_counts_as_zero_f1_like_scikit_learn() -> None:
    y_true, y_pred = np.array([0, 0, 1, 2]), np.array([0, 0, 0, 0])
    table = classification_metrics(y_true, y_pred, n_classes=3).set_index("metric")
    assert table.loc["macro_f1", "value"] == pytest.approx(f1_score(y_true, y_pred, average="macro", zero_division=0))


def test_wilson_interval_known_value_and_edges() -> None:
    assert wilson_interval(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    low, high = wilson_interval(10, 10)
    assert high == 1.0 and 0.69 < low < 0.73


def test_intervals_shrink_as_the_validation_set_grows() -> None:
    rng = np.random.default_rng(0)
    widths = []
    for n in (50, 500, 5000):
        y = rng.integers(0, 3, n)
        pred = np.where(rng.random(n) < 0.8, y, (y + 1) % 3)
        table = classification_metrics(y, pred, n_classes=3, n_boot=300).set_index("metric")
        widths.append((table["high"] - table["low"]).to_numpy())
    assert (widths[0] > widths[1]).all() and (widths[1] > widths[2]).all()


def test_bootstrap_is_seeded() -> None:
    y, pred = np.array([0, 1] * 30), np.array([0, 1, 1] * 20)
    first = classification_metrics(y, pred, n_classes=2, seed=3)
    assert first.equals(classification_metrics(y, pred, n_classes=2, seed=3))


def test_imbalance() -> None:
    assert is_imbalanced(np.array([0] * 80 + [1] * 20), n_classes=2)
    assert not is_imbalanced(np.array([0] * 55 + [1] * 45), n_classes=2)
