"""Out-of-fold class probabilities: every sample scored by a model that never saw it, nor a copy of it.

Folds are stratified and seeded. Samples with identical feature rows (exact duplicates as the model
sees them) form one group: only its first member trains or counts, and all members share its fold
and its prediction, so a copy in another fold cannot hand its label to the model. The model is the
average of a k-nearest-neighbour vote (local) and a logistic regression (global): both are cheap on
CPU, and they fail differently. Large folds train on a seeded, stratified subsample. Results are
cached as Parquet under RECIPE_DASH_HOME, keyed by the exact matrix, labels and options.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from threadpoolctl import threadpool_limits

from recipe_dash.analyzers._models.single_feature import assign_folds
from recipe_dash.settings import get_settings

if TYPE_CHECKING:  # matrix imports the leak judgement, which uses this module's fitting constants
    from recipe_dash.analyzers._models.matrix import ModelInput

_VERSION = "oof-1"  # bump when the model changes, so old caches are not reused
CLIP = 10.0  # robust z-scores beyond this are clipped for the fit: one wild cell must not steer a model
NEIGHBOURS = 10
_MIN_PER_CLASS = 50  # a subsample keeps at least this many of each class (all, if fewer), so rare ones stay learnable


@dataclass(frozen=True)
class OutOfFold:
    """Probabilities over `classes` for every sample that could be scored."""

    classes: tuple[str, ...]
    probs: np.ndarray  # (n_samples, K) float32, NaN where not scored
    scored: np.ndarray  # (n_samples,) bool
    counted: np.ndarray  # (n_samples,) bool: scored and the first of its duplicate group
    fold: np.ndarray  # (n_samples,) int8, -1 where not scored
    notes: tuple[str, ...]  # why samples or classes were left out, one sentence each


def out_of_fold(
    inputs: ModelInput,
    labels: pd.Series,
    *,
    n_folds: int = 5,
    seed: int = 0,
    max_train_samples: int = 20_000,
    cache_dir: Path | None = None,
    step: Callable[[str], None] | None = None,
) -> OutOfFold:
    """Out-of-fold probabilities for `labels` (aligned with dataset.samples) from `inputs.matrix`.

    `step` hears a sentence after each fold (for a progress message; the folds are the slow part).
    """
    if n_folds < 2:
        raise ValueError(f"n_folds must be at least 2, got {n_folds}.")
    folder = cache_dir or get_settings().home / "oof"
    key = _cache_key(inputs, labels, n_folds, seed, max_train_samples)
    cached = _read_cache(folder / f"{key}.parquet")
    if cached is not None:
        return cached
    result = _compute(inputs, labels, n_folds=n_folds, seed=seed, max_train_samples=max_train_samples, step=step)
    _write_cache(folder / f"{key}.parquet", result)
    return result


def duplicate_groups(matrix: np.ndarray) -> np.ndarray:
    """Group id per row; rows with identical values share one (ids numbered by first appearance)."""
    if matrix.shape[1] == 0:
        return np.zeros(len(matrix), dtype=np.int64)
    hashes = pd.util.hash_pandas_object(pd.DataFrame(matrix), index=False).to_numpy()
    return np.asarray(pd.factorize(hashes)[0], dtype=np.int64)


def _compute(
    inputs: ModelInput,
    labels: pd.Series,
    *,
    n_folds: int,
    seed: int,
    max_train_samples: int,
    step: Callable[[str], None] | None = None,
) -> OutOfFold:
    n_samples = len(inputs.rows)
    sample_row = np.full(n_samples, -1, dtype=np.int64)
    sample_row[inputs.rows] = np.arange(int(inputs.rows.sum()))
    group = np.full(n_samples, -1, dtype=np.int64)
    group[inputs.rows] = duplicate_groups(inputs.matrix)
    labelled = inputs.rows & labels.notna().to_numpy()
    pairs = pd.DataFrame({"group": group[labelled], "label": labels[labelled].to_numpy()}).drop_duplicates()
    counts = pairs["label"].value_counts()
    notes = [
        f"Class '{name}' has {n} distinct sample(s), fewer than the {n_folds} folds; its samples are not scored."
        for name, n in counts.items()
        if n < n_folds
    ]
    classes = tuple(sorted(str(name) for name, n in counts.items() if n >= n_folds))
    if n_samples - int(inputs.rows.sum()):
        notes.append(
            f"{n_samples - int(inputs.rows.sum())} sample(s) have no feature vector (e.g. undecodable "
            "images) and are not scored."
        )
    probs = np.full((n_samples, len(classes)), np.nan, dtype=np.float32)
    fold = np.full(n_samples, -1, dtype=np.int8)
    if len(classes) < 2:
        empty = np.zeros(n_samples, dtype=bool)
        return OutOfFold(classes, probs, empty, empty, fold, tuple(notes))
    code = {name: i for i, name in enumerate(classes)}
    y_all = labels.map(code).to_numpy(dtype=np.float64, na_value=np.nan)
    scored = inputs.rows & ~np.isnan(y_all)
    counted = scored & ~pd.Series(np.where(scored, group, -1)).duplicated().to_numpy()
    rep_idx = np.flatnonzero(counted)
    rep_y = y_all[rep_idx].astype(np.int64)
    rep_fold = assign_folds(rep_y, n_folds=n_folds, seed=seed)
    fold_of_group = pd.Series(rep_fold, index=group[rep_idx])
    fold[scored] = fold_of_group.reindex(group[scored]).to_numpy(dtype=np.int8)
    X = np.clip(inputs.matrix, -CLIP, CLIP)
    rng = np.random.default_rng(seed)
    n_fitted = int(rep_fold.max()) + 1
    for f in range(n_fitted):
        train = rep_idx[rep_fold != f]
        train = stratified_subsample(train, y_all[train].astype(np.int64), max_train_samples, rng)
        test = np.flatnonzero(fold == f)
        probs[test] = _fit_predict(
            X[sample_row[train]], y_all[train].astype(np.int64), X[sample_row[test]], len(classes), seed
        )
        if step is not None:
            step(f"out-of-fold model: fold {f + 1} of {n_fitted} done")
    return OutOfFold(classes, probs, scored, counted, fold, tuple(notes))


def _fit_predict(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, n_classes: int, seed: int) -> np.ndarray:
    """Mean of kNN (distance-weighted) and L2 logistic-regression probabilities, over all classes.

    BLAS runs single-threaded: lbfgs makes many small matrix products, and threaded OpenBLAS spends
    more time waking threads than multiplying (measured: 20x slower on 2 cores).
    """
    # sklearn takes about a second to import and only the model-based checks need it
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    out = np.zeros((len(X_test), n_classes), dtype=np.float64)
    with threadpool_limits(1, user_api="blas"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        knn = KNeighborsClassifier(n_neighbors=min(NEIGHBOURS, len(X_train)), weights="distance")
        out[:, knn.fit(X_train, y_train).classes_] += knn.predict_proba(X_test) / 2
        linear = LogisticRegression(C=0.1, max_iter=200, random_state=seed).fit(X_train, y_train)
        out[:, linear.classes_] += linear.predict_proba(X_test) / 2
    return out.astype(np.float32)


def stratified_subsample(index: np.ndarray, y: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    """About `limit` samples, each class keeping its share (and at least _MIN_PER_CLASS members)."""
    if len(index) <= limit:
        return index
    keep = []
    for c in np.unique(y):
        members = index[y == c]
        take = min(len(members), max(_MIN_PER_CLASS, round(limit * len(members) / len(index))))
        keep.append(rng.choice(members, size=take, replace=False))
    return np.sort(np.concatenate(keep))


def _cache_key(inputs: ModelInput, labels: pd.Series, n_folds: int, seed: int, max_train: int) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(json.dumps([_VERSION, n_folds, seed, max_train, inputs.matrix.shape]).encode())
    digest.update(np.ascontiguousarray(inputs.matrix).data)
    digest.update(inputs.rows.tobytes())
    codes, names = pd.factorize(labels, sort=True)
    digest.update(codes.astype(np.int64).tobytes())
    digest.update(json.dumps([str(n) for n in names]).encode())
    return digest.hexdigest()


def _write_cache(path: Path, result: OutOfFold) -> None:
    columns = {"fold": result.fold, "scored": result.scored, "counted": result.counted}
    columns |= {f"p:{name}": result.probs[:, i] for i, name in enumerate(result.classes)}
    meta = {b"recipe_dash": json.dumps({"classes": list(result.classes), "notes": list(result.notes)}).encode()}
    table = pa.table(columns).replace_schema_metadata(meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    pq.write_table(table, partial)
    partial.replace(path)


def _read_cache(path: Path) -> OutOfFold | None:
    if not path.is_file():
        return None
    try:
        table = pq.read_table(path)
        meta = json.loads(table.schema.metadata[b"recipe_dash"])
    except (OSError, pa.ArrowInvalid, KeyError, ValueError):  # a broken cache file is recomputed
        return None
    classes = tuple(meta["classes"])
    probs = (
        np.column_stack([table.column(f"p:{c}").to_numpy() for c in classes])
        if classes
        else np.zeros((table.num_rows, 0), dtype=np.float32)
    )
    return OutOfFold(
        classes,
        probs.astype(np.float32),
        table.column("scored").to_numpy(),
        table.column("counted").to_numpy(),
        table.column("fold").to_numpy(),
        tuple(meta["notes"]),
    )
