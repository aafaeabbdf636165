"""Confident learning against hand-worked numbers and simulated noise with a known rate."""

from __future__ import annotations

import numpy as np
import pytest

from recipe_dash.analyzers._confident_learning import confident_learning


def test_hand_worked_example() -> None:
    # Two classes. Class-0 samples get P(0) = 0.9, 0.8, 0.1 (the third looks like class 1);
    # class-1 samples get P(1) = 0.7, 0.9.
    P = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.3, 0.7], [0.1, 0.9]])
    y = np.array([0, 0, 0, 1, 1])
    learned = confident_learning(P, y)
    # t_0 = mean(0.9, 0.8, 0.1) = 0.6; t_1 = mean(0.7, 0.9) = 0.8.
    assert learned.thresholds == pytest.approx([0.6, 0.8])
    # Sample 2 is confidently class 1 (0.9 >= 0.8) though labelled 0; sample 3 (0.7 < 0.8, 0.3 < 0.6) is not counted.
    assert learned.confident_joint.tolist() == [[2, 1], [0, 1]]
    # Calibrated rows: class 0 -> [2/3, 1/3] * 3 = [2, 1]; class 1 -> [0, 1] * 2 = [0, 2]; total 5.
    assert learned.joint == pytest.approx(np.array([[2, 1], [0, 2]]) / 5)
    assert learned.noise_rate == pytest.approx(0.2)
    # round(5 * 1/5) = 1 sample of class 0 with the largest P1 - P0 margin: sample 2.
    assert learned.is_issue.tolist() == [False, False, True, False, False]
    assert learned.suspected[2] == 1
    assert learned.self_confidence == pytest.approx([0.9, 0.8, 0.1, 0.7, 0.9])


def test_clean_confident_predictions_have_no_noise() -> None:
    y = np.repeat(np.arange(3), 20)
    P = np.full((60, 3), 0.05)
    P[np.arange(60), y] = 0.9
    learned = confident_learning(P, y)
    assert learned.noise_rate == pytest.approx(0.0)
    assert not learned.is_issue.any()


def test_simulated_noise_rate_and_flips_are_recovered() -> None:
    rng = np.random.default_rng(0)
    n, k = 3000, 4
    truth = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), truth] += 3.0
    P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    flipped = rng.random(n) < 0.1
    given = np.where(flipped, (truth + rng.integers(1, k, n)) % k, truth)
    learned = confident_learning(P, given)
    assert learned.noise_rate == pytest.approx(flipped.mean(), abs=0.02)
    hits = (learned.is_issue & flipped).sum()
    f1 = 2 * hits / (learned.is_issue.sum() + flipped.sum())
    assert f1 > 0.8
    assert (learned.suspected[learned.is_issue & flipped] == truth[learned.is_issue & flipped]).mean() > 0.95


def test_counted_subset_sets_the_joint_but_all_samples_are_judged() -> None:
    P = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.3, 0.7], [0.1, 0.9], [0.1, 0.9]])
    y = np.array([0, 0, 0, 1, 1, 0])  # the last sample is a copy of sample 4 with another label
    counted = np.array([True, True, True, True, True, False])
    learned = confident_learning(P, y, counted)
    assert learned.confident_joint.sum() == 4  # the copy is not counted
    assert learned.noise_rate == pytest.approx(0.2)
    assert learned.is_issue[5]
