"""How well one attribute alone predicts the label: the test for nuisance biases and leaking columns.

The model is a lookup table, code -> class, fitted per fold: the best any classifier can do with one
binned attribute, in O(n) time, so every column of a million-row table is scored in seconds. The
predicted class for a code maximises P(code | class), which is what balanced accuracy rewards (a
constant guess scores 1/K however skewed the classes are).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from recipe_dash.analyzers._models.attributes import Attribute
from recipe_dash.analyzers._models.chance import chance_test

SCORE_COLUMNS = ("attribute", "kind", "balanced_accuracy", "chance", "skill", "p_value", "n_codes", "n_samples")


def predictive_power(
    attributes: list[Attribute], labels: pd.Series, *, n_folds: int = 5, seed: int = 0
) -> pd.DataFrame:
    """Cross-validated balanced accuracy of each attribute alone, best first.

    `skill` rescales it so 0 is chance (1/K) and 1 is perfect; `p_value` is the one-sided chance of
    doing as well with an attribute unrelated to the label (`chance.chance_test`). Unlabelled samples
    are left out. Needs at least two classes among `labels`.
    """
    known = labels.notna().to_numpy()
    y, classes = pd.factorize(labels[known], sort=True)
    n_classes = len(classes)
    assert n_classes >= 2, "predictive power needs two classes"
    folds = assign_folds(y, n_folds=n_folds, seed=seed)
    chance = 1.0 / n_classes
    rows = []
    for attr in attributes:
        codes = attr.codes[known]
        predicted, _ = lookup_predictions(codes, y, folds, n_classes, len(attr.categories))
        tested = chance_test(y, predicted, n_classes)
        accuracy = tested.balanced_accuracy
        rows.append(
            (
                attr.name,
                attr.kind,
                accuracy,
                chance,
                (accuracy - chance) / (1 - chance),
                tested.p_value,
                len(attr.categories),
                int(known.sum()),
            )
        )
    frame = pd.DataFrame(rows, columns=list(SCORE_COLUMNS))
    return frame.sort_values("balanced_accuracy", ascending=False, kind="stable").reset_index(drop=True)


def assign_folds(y: np.ndarray, *, n_folds: int, seed: int) -> np.ndarray:
    """Stratified, shuffled, seeded fold number per sample (classes smaller than `n_folds` allowed).

    Fewer folds when no class has `n_folds` members; unstratified halves when no class has two.
    """
    # sklearn takes about a second to import and only the model-based checks need it
    from sklearn.model_selection import StratifiedKFold

    folds = np.zeros(len(y), dtype=np.int8)
    largest = int(np.bincount(y).max()) if len(y) else 0
    if largest < 2:
        return (np.random.default_rng(seed).permutation(len(y)) % 2).astype(np.int8)
    n_splits = max(2, min(n_folds, largest))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        for fold, (_, test) in enumerate(splitter.split(np.zeros(len(y)), y)):
            folds[test] = fold
    return folds


def lookup_predictions(
    codes: np.ndarray, y: np.ndarray, folds: np.ndarray, n_classes: int, n_codes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold class per sample from its code alone, and how sure the lookup is (its share, 0..1).

    The leak judgement needs both: where a column is wrong, and whether it is as sure there as where it is right.
    """
    cells = codes.astype(np.int64) * n_classes + y
    total = np.bincount(cells, minlength=n_codes * n_classes).reshape(n_codes, n_classes)
    predicted = np.empty(len(y), dtype=np.int64)
    confidence = np.empty(len(y), dtype=np.float64)
    for fold in np.unique(folds):
        test = folds == fold
        held = np.bincount(cells[test], minlength=n_codes * n_classes).reshape(n_codes, n_classes)
        counts = total - held
        # Laplace smoothing: an unseen code predicts no class in particular (a near-tie), not the majority.
        likelihood = (counts + 1.0) / (counts.sum(axis=0, keepdims=True) + n_codes)
        predicted[test] = likelihood.argmax(axis=1)[codes[test]]
        confidence[test] = (likelihood.max(axis=1) / likelihood.sum(axis=1))[codes[test]]
    return predicted, confidence
