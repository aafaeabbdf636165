"""Out-of-fold probabilities: no sample, and no copy of it, is scored by a model that saw it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recipe_dash.analyzers._models import ModelInput, duplicate_groups, out_of_fold


def _inputs(matrix: np.ndarray) -> ModelInput:
    d = matrix.shape[1]
    return ModelInput(
        matrix.astype(np.float32),
        np.ones(len(matrix), dtype=bool),
        tuple(f"f{i}" for i in range(d)),
        np.ones(d, dtype=bool),
        pd.DataFrame(columns=["column", "reason"]),
        "table",
    )


def test_copies_cannot_hand_their_label_across_folds(tmp_path: Path) -> None:
    """Random labels, every row twice: if copies straddled folds, kNN would score ~100%."""
    rng = np.random.default_rng(0)
    base = rng.normal(size=(300, 5))
    labels = pd.Series(np.repeat(rng.choice(["a", "b"], 300), 2))
    oof = out_of_fold(_inputs(np.repeat(base, 2, axis=0)), labels, cache_dir=tmp_path)
    assert (oof.fold[::2] == oof.fold[1::2]).all()
    assert oof.counted.sum() == 300 and oof.counted[::2].all()
    accuracy = (np.asarray(oof.classes)[oof.probs.argmax(axis=1)] == labels.to_numpy()).mean()
    assert accuracy < 0.6


def test_probabilities_are_complete_and_seeded(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    labels = pd.Series(np.where(X[:, 0] > 0, "pos", "neg"))
    first = out_of_fold(_inputs(X), labels, cache_dir=tmp_path / "a")
    again = out_of_fold(_inputs(X), labels, cache_dir=tmp_path / "b")
    assert np.allclose(first.probs.sum(axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first.probs, again.probs)
    assert sorted(np.bincount(first.fold)) == [40] * 5
    cached = out_of_fold(_inputs(X), labels, cache_dir=tmp_path / "a")
    assert np.array_equal(cached.probs, first.probs) and cached.classes == ("neg", "pos")


def test_large_folds_train_on_a_subsample_with_every_class(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3000, 2))
    labels = pd.Series(np.where(np.arange(3000) < 30, "rare", np.where(X[:, 0] > 0, "pos", "neg")))
    X[:30] += 6
    oof = out_of_fold(_inputs(X), labels, max_train_samples=300, cache_dir=tmp_path)
    predicted = np.asarray(oof.classes)[oof.probs.argmax(axis=1)]
    assert (predicted[:30] == "rare").mean() > 0.9


def test_duplicate_groups_follow_first_appearance() -> None:
    matrix = np.array([[1, 2], [3, 4], [1, 2], [5, 6], [3, 4]], dtype=np.float32)
    assert duplicate_groups(matrix).tolist() == [0, 1, 0, 2, 1]
