"""A metric you can trust: accuracy, balanced accuracy and macro F1, each with a confidence interval.

The interval says how much the validation set's size alone leaves the number uncertain: Wilson's
interval for accuracy, a seeded percentile bootstrap over validation samples for the other two.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

IMBALANCE_RATIO = 1.5  # largest / smallest class count above this: accuracy alone misleads
_BOOT_CHUNK = 100  # bootstrap resamples computed at once (bounds memory on big validation sets)


def classification_metrics(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    n_classes: int,
    confidence: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Rows metric, value, low, high, interval for accuracy, balanced_accuracy and macro_f1."""
    y_true, y_pred = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
    n = len(y_true)
    correct = int((y_true == y_pred).sum())
    acc_low, acc_high = wilson_interval(correct, n, confidence=confidence)
    matrix = _confusion(y_true, y_pred, n_classes)[None]
    boot = _bootstrap_confusions(y_true, y_pred, n_classes, n_boot=n_boot, seed=seed)
    alpha = (1 - confidence) / 2
    rows = [
        {
            "metric": "accuracy",
            "value": correct / n if n else float("nan"),
            "low": acc_low,
            "high": acc_high,
            "interval": "Wilson",
        }
    ]
    for name, fn in (("balanced_accuracy", _balanced_accuracy), ("macro_f1", _macro_f1)):
        samples = fn(boot)
        low, high = np.quantile(samples, [alpha, 1 - alpha]) if len(samples) else (float("nan"),) * 2
        rows.append(
            {
                "metric": name,
                "value": float(fn(matrix)[0]),
                "low": float(low),
                "high": float(high),
                "interval": f"bootstrap ({n_boot})",
            }
        )
    return pd.DataFrame(rows)


def wilson_interval(successes: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion: sensible even at 0% or 100% and on small n."""
    if n == 0:
        return float("nan"), float("nan")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray, *, n_classes: int) -> float:
    """Mean recall over the classes present in `y_true`, without an interval."""
    y_true, y_pred = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
    return float(_balanced_accuracy(_confusion(y_true, y_pred, n_classes)[None])[0]) if len(y_true) else float("nan")


def is_imbalanced(y: np.ndarray, *, n_classes: int, ratio: float = IMBALANCE_RATIO) -> bool:
    """True when the largest present class outnumbers the smallest by more than `ratio`."""
    counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=n_classes)
    present = counts[counts > 0]
    return bool(len(present) > 1 and present.max() > ratio * present.min())


def _confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _bootstrap_confusions(
    y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, *, n_boot: int, seed: int
) -> np.ndarray:
    """(n_boot, C, C) confusion matrices of validation sets resampled with replacement."""
    n = len(y_true)
    if n == 0 or n_boot == 0:
        return np.zeros((0, n_classes, n_classes), dtype=np.int64)
    rng = np.random.default_rng(seed)
    cells = y_true * n_classes + y_pred
    out = []
    for start in range(0, n_boot, _BOOT_CHUNK):
        size = min(_BOOT_CHUNK, n_boot - start)
        picks = cells[rng.integers(0, n, size=(size, n))]
        offsets = np.arange(size)[:, None] * n_classes * n_classes
        counts = np.bincount((picks + offsets).ravel(), minlength=size * n_classes * n_classes)
        out.append(counts.reshape(size, n_classes, n_classes))
    return np.concatenate(out)


def _balanced_accuracy(matrices: np.ndarray) -> np.ndarray:
    """Mean recall over the classes present in y_true (as scikit-learn's balanced_accuracy_score)."""
    support = matrices.sum(axis=2)
    recall = np.divide(np.diagonal(matrices, axis1=1, axis2=2), support, out=np.zeros(support.shape), where=support > 0)
    present = support > 0
    return np.asarray(recall.sum(axis=1) / np.maximum(present.sum(axis=1), 1), dtype=float)


def _macro_f1(matrices: np.ndarray) -> np.ndarray:
    """Mean F1 over classes seen in y_true or y_pred (as scikit-learn's f1_score(average='macro'))."""
    tp = np.diagonal(matrices, axis1=1, axis2=2)
    fp = matrices.sum(axis=1) - tp
    fn = matrices.sum(axis=2) - tp
    denominator = 2 * tp + fp + fn
    f1 = np.divide(2 * tp, denominator, out=np.zeros(denominator.shape), where=denominator > 0)
    seen = denominator > 0
    return np.asarray(f1.sum(axis=1) / np.maximum(seen.sum(axis=1), 1), dtype=float)
