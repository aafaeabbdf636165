"""Is a model better than guessing? A check built on a model that is not cannot judge anything.

Balanced accuracy (mean per-class recall) is the measure: any guess that ignores the input, however
skewed towards the common classes, scores 1/K on it. The question is whether the measured value is
significantly above that, given how many samples each class has. Under the null hypothesis "the
predictions are independent of the labels", class k's recall is a binomial share with the rate q_k
at which the model predicts k, so balanced accuracy has mean (sum of q_k) / K and variance
sum(q_k (1 - q_k) / n_k) / K^2 (a normal approximation; sampling without replacement, as in a
permutation test, has a slightly smaller variance, and a continuity correction of half a sample
per class keeps small classes honest: the test errs towards "cannot judge"; tests/analyzers/
test_chance.py measures its false-alarm rate and compares it with permutation p-values).
O(n): it scales to millions of rows, unlike refitting the model on permuted labels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CHANCE_ALPHA = 0.01  # one-sided level: a model at chance looks better than chance 1 time in 100


@dataclass(frozen=True)
class ChanceTest:
    balanced_accuracy: float
    chance: float  # 1/K: what any input-blind guess scores
    p_value: float  # one-sided: the chance of doing this well with predictions unrelated to the labels
    n_samples: int

    @property
    def above_chance(self) -> bool:
        return self.p_value < CHANCE_ALPHA

    def describe(self) -> str:
        """'balanced accuracy 36% vs 33% chance on 1,200 samples, p = 0.21', for a summary."""
        p = f"p = {self.p_value:.2g}" if self.p_value >= 1e-4 else "p < 0.0001"
        accuracy = f"balanced accuracy {self.balanced_accuracy:.0%} vs {self.chance:.0%} chance"
        return f"{accuracy} on {self.n_samples:,} samples, {p}"


def chance_test(y: np.ndarray, predicted: np.ndarray, n_classes: int) -> ChanceTest:
    """Balanced accuracy of `predicted` for labels `y` (codes 0..n_classes-1) and its one-sided p-value."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    present = counts > 0
    k = int(present.sum())
    hits = np.bincount(y, weights=(predicted == y).astype(np.float64), minlength=n_classes)
    balanced = float((hits[present] / counts[present]).mean()) if k else math.nan
    rate = np.bincount(predicted, minlength=n_classes)[:n_classes].astype(np.float64) / max(len(y), 1)
    q = rate[present]
    null_mean = float(q.sum() / k) if k else math.nan
    sd = math.sqrt(float((q * (1 - q) / counts[present]).sum())) / k if k else 0.0
    if k < 2:
        p_value = 1.0  # one class: nothing to tell apart
    elif sd == 0.0:
        p_value = 0.0 if balanced > null_mean else 1.0
    else:
        continuity = float((0.5 / counts[present]).sum()) / k  # half a sample of recall per class
        p_value = 0.5 * math.erfc((balanced - null_mean - continuity) / (sd * math.sqrt(2.0)))
    return ChanceTest(balanced, 1.0 / k if k else math.nan, p_value, len(y))
