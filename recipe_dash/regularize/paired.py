"""How sure is a difference between two models scored on the same validation samples?

Both metrics here are weighted means of per-sample correctness (accuracy: every sample alike; balanced
accuracy: each class alike), so the difference of two models is the weighted mean of per-sample
differences, and its standard error follows from their spread within each class. Pairing matters: two
models that err on the same hard samples differ far less than their separate intervals suggest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recipe_dash.training.artifacts import ValPredictions

Z95 = 1.959964  # two-sided 95% normal quantile
METRICS = ("accuracy", "balanced_accuracy")


@dataclass(frozen=True)
class Difference:
    value: float  # metric of a minus metric of b
    low: float  # 95% interval
    high: float

    def scaled(self, factor: float) -> Difference:
        return Difference(self.value * factor, self.low * factor, self.high * factor)


def score(predicted: np.ndarray, labels: np.ndarray, metric: str) -> float:
    """Accuracy or balanced accuracy (mean recall over the classes present)."""
    correct = (np.asarray(predicted) == np.asarray(labels)).astype(float)
    weights = _weights(np.asarray(labels), metric)
    return float((weights * correct).sum())


def paired_difference(predicted_a: np.ndarray, predicted_b: np.ndarray, labels: np.ndarray, metric: str) -> Difference:
    """metric(a) - metric(b) with a normal 95% interval, from per-sample differences stratified by class."""
    labels = np.asarray(labels)
    d = (np.asarray(predicted_a) == labels).astype(float) - (np.asarray(predicted_b) == labels).astype(float)
    weights = _weights(labels, metric)
    value = float((weights * d).sum())
    variance = 0.0
    for label in np.unique(labels):
        members = labels == label
        n = int(members.sum())
        if n > 1:  # a class of one sample adds its weight but no measurable spread
            variance += float(weights[members].sum()) ** 2 * float(d[members].var(ddof=1)) / n
    half = Z95 * variance**0.5
    return Difference(value, value - half, value + half)


def predicted_classes(predictions: ValPredictions) -> np.ndarray:
    return np.asarray(predictions.probabilities.argmax(axis=1))


def aligned(a: ValPredictions, b: ValPredictions) -> bool:
    """True when both were scored on the same validation samples, in the same order."""
    return a.sample_ids.shape == b.sample_ids.shape and bool((a.sample_ids == b.sample_ids).all())


def _weights(labels: np.ndarray, metric: str) -> np.ndarray:
    """Each sample's weight in the metric's mean: 1/n (accuracy) or 1/(classes x class size) (balanced)."""
    assert metric in METRICS, metric
    n = len(labels)
    if metric == "accuracy":
        return np.full(n, 1.0 / max(n, 1))
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    return 1.0 / (len(classes) * counts[inverse])
