"""Paired differences between two models on the same validation samples, against a brute-force bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from recipe_dash.regularize.paired import paired_difference, score
from recipe_dash.training.metrics import balanced_accuracy


def predictions(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels of 3 imbalanced classes and two models that share most of their errors."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(3, size=600, p=[0.6, 0.3, 0.1])
    a = np.where(rng.random(600) < 0.85, labels, (labels + 1) % 3)
    b = np.where(rng.random(600) < 0.9, a, labels)  # b fixes a tenth of a's predictions
    return labels, a, b


@pytest.mark.parametrize("metric", ["accuracy", "balanced_accuracy"])
def test_the_interval_matches_a_paired_bootstrap(metric: str) -> None:
    labels, a, b = predictions(0)
    difference = paired_difference(b, a, labels, metric)
    rng = np.random.default_rng(1)
    boot = []
    for _ in range(2000):
        index = rng.integers(0, len(labels), len(labels))
        boot.append(score(b[index], labels[index], metric) - score(a[index], labels[index], metric))
    low, high = np.quantile(boot, [0.025, 0.975])
    assert difference.value == pytest.approx(score(b, labels, metric) - score(a, labels, metric))
    assert difference.low == pytest.approx(low, abs=0.006) and difference.high == pytest.approx(high, abs=0.006)
    assert difference.low > 0  # fixing errors is a real gain


def test_balanced_accuracy_matches_the_metrics_module() -> None:
    labels, a, _ = predictions(2)
    assert score(a, labels, "balanced_accuracy") == pytest.approx(balanced_accuracy(labels, a, n_classes=3))


def test_identical_models_differ_by_exactly_nothing() -> None:
    labels, a, _ = predictions(3)
    difference = paired_difference(a, a, labels, "accuracy")
    assert (difference.value, difference.low, difference.high) == (0.0, 0.0, 0.0)
