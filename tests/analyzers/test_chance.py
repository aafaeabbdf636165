"""The better-than-chance test behind label_noise, biases and local_global: its balanced accuracy is
scikit-learn's, its false alarms stay at or under its level, and its p-values track a permutation test."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score

from recipe_dash.analyzers._models.chance import CHANCE_ALPHA, chance_test


def test_balanced_accuracy_matches_sklearn() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 500)
    predicted = np.where(rng.random(500) < 0.6, y, rng.integers(0, 4, 500))
    tested = chance_test(y, predicted, 4)
    assert tested.balanced_accuracy == pytest.approx(balanced_accuracy_score(y, predicted))
    assert tested.chance == 0.25 and tested.above_chance and tested.p_value < 1e-10


@pytest.mark.parametrize(
    ("sizes", "prediction_shares"),
    [
        ([15, 15], [0.5, 0.5]),
        ([20, 200], [0.2, 0.8]),  # a small class, rarely predicted: where a normal tail is least exact
        ([10, 10, 10], [0.6, 0.3, 0.1]),
        ([50] * 10, [0.1] * 10),
        ([500, 500], [0.9, 0.1]),
    ],
)
def test_predictions_unrelated_to_the_labels_look_better_than_chance_at_most_alpha_of_the_time(
    sizes: list[int], prediction_shares: list[float]
) -> None:
    rng = np.random.default_rng(1)
    n_classes = len(sizes)
    y = np.repeat(np.arange(n_classes), sizes)
    alarms = [
        chance_test(y, rng.choice(n_classes, size=len(y), p=prediction_shares), n_classes).above_chance
        for _ in range(2000)
    ]
    assert np.mean(alarms) <= CHANCE_ALPHA + 0.005  # 2000 draws: about +-0.002 of sampling error at 1%


def test_p_values_track_a_permutation_test() -> None:
    """Permuting the labels against fixed predictions (2000 times) is the exact null. The test's p-value is never
    much smaller (it would call a chance model skilled) and at most a little larger (it may call a
    barely skilled model unjudgeable on very small classes: 8 per class, 0.59 against 0.41)."""
    rng = np.random.default_rng(2)
    for sizes in ([12, 12], [30, 60, 30], [200, 200], [20, 200], [8, 8, 8]):
        n_classes = len(sizes)
        y = np.repeat(np.arange(n_classes), sizes)
        for _ in range(3):
            predicted = np.where(rng.random(len(y)) < 0.15, y, rng.integers(0, n_classes, len(y)))  # weak skill
            tested = chance_test(y, predicted, n_classes)
            permuted = np.array(
                [chance_test(rng.permutation(y), predicted, n_classes).balanced_accuracy for _ in range(2000)]
            )
            exact = float(np.mean(permuted >= tested.balanced_accuracy - 1e-12))
            assert 0.8 * exact - 0.003 <= tested.p_value <= exact + 0.2, (sizes, tested.p_value, exact)


def test_a_constant_guess_or_one_class_is_never_above_chance() -> None:
    y = np.array([0, 1, 2] * 20)
    assert chance_test(y, np.zeros_like(y), 3).p_value == 1.0
    assert not chance_test(np.zeros(10, dtype=np.int64), np.zeros(10, dtype=np.int64), 1).above_chance
    assert chance_test(y, y, 3).describe() == "balanced accuracy 100% vs 33% chance on 60 samples, p < 0.0001"
