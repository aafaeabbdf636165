"""One numeric matrix per dataset for the model-based checks, with the columns that must stay out.

Tables: numeric columns robustly scaled (median and IQR, so the outliers we look for do not squash
everyone else) with a missing-indicator where cells were empty or junk; text columns one-hot on
their frequent values. Identifier, constant, empty and leaking columns are kept out: a column that
repeats the given label lets the model predict the noisy label and hides the noise.
Images: the 16x16 grayscale thumbnail plus colour and texture statistics, all from decoded pixels,
so two files with the same pixels get the same row. A user's own embedding replaces both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recipe_dash.analyzers._models.attributes import MISSING, Attribute, table_attributes
from recipe_dash.analyzers._models.embedding import EmbeddingSource, load_embedding
from recipe_dash.analyzers._models.single_feature import predictive_power
from recipe_dash.analyzers._robust import robust_location_scale, robust_z
from recipe_dash.io.columns import identifier_columns
from recipe_dash.io.dataset import Dataset

DEFAULT_LEAK_THRESHOLD = 0.9  # balanced accuracy of one column alone above which it is called a leak
_IMAGE_STATS = ("brightness", "contrast", "blur", "mean_r", "mean_g", "mean_b")


@dataclass(frozen=True)
class ModelInput:
    """The rows and columns a model of the data sees."""

    matrix: np.ndarray  # (n_rows, d) float32; row r is the sample at the r-th True of `rows`
    rows: np.ndarray  # (n_samples,) bool over dataset.samples: which samples have a row
    feature_names: tuple[str, ...]
    named: np.ndarray  # (d,) bool: features worth naming to a person (not single thumbnail pixels)
    excluded: pd.DataFrame  # columns `column`, `reason`: what was kept out of the matrix and why
    source: str  # "table", "image" or "embedding"


def model_input(
    dataset: Dataset,
    features: pd.DataFrame,
    *,
    embedding: EmbeddingSource | None = None,
    leak_threshold: float | None = DEFAULT_LEAK_THRESHOLD,
    n_folds: int = 5,
    seed: int = 0,
) -> ModelInput:
    """Build the matrix for `dataset`: its user embedding if given, else table columns or image pixels.

    `leak_threshold=None` skips the leak search (checks that do not use labels, like outliers).
    """
    if embedding is not None:
        vectors, rows, names = load_embedding(dataset, embedding)
        scaled = _standardize(vectors)
        return ModelInput(scaled, rows, names, np.zeros(len(names), dtype=bool), _excluded([]), "embedding")
    if dataset.kind == "table":
        return _table_input(dataset, leak_threshold=leak_threshold, n_folds=n_folds, seed=seed)
    return _image_input(features)


def leaking_columns(
    attributes: list[Attribute], labels: pd.Series, *, threshold: float, n_folds: int, seed: int
) -> pd.DataFrame:
    """Attributes whose cross-validated balanced accuracy alone reaches `threshold` (needs 2 classes)."""
    if labels.dropna().nunique() < 2 or not attributes:
        return pd.DataFrame(columns=["attribute", "balanced_accuracy"])
    scores = predictive_power(attributes, labels, n_folds=n_folds, seed=seed)
    return scores[scores["balanced_accuracy"] >= threshold]


def _table_input(dataset: Dataset, *, leak_threshold: float | None, n_folds: int, seed: int) -> ModelInput:
    attributes = table_attributes(dataset)
    reasons: list[tuple[str, str]] = [
        (name, "identifier-like (all values distinct)") for name in identifier_columns(dataset.table)
    ]
    reasons += [(a.name, "empty (no values)") for a in attributes if a.n_missing == len(a.codes)]
    reasons += [
        (a.name, f"constant (always '{a.categories[0]}')")
        for a in attributes
        if a.is_constant and a.n_missing < len(a.codes)
    ]
    if leak_threshold is not None:
        candidates = [a for a in attributes if a.name not in {name for name, _ in reasons}]
        leaks = leaking_columns(candidates, dataset.labels, threshold=leak_threshold, n_folds=n_folds, seed=seed)
        reasons += [
            (name, f"leaks the label (balanced accuracy {acc:.2f} alone)")
            for name, acc in zip(leaks["attribute"], leaks["balanced_accuracy"], strict=True)
        ]
    dropped = {name for name, _ in reasons}
    blocks: list[np.ndarray] = []
    names: list[str] = []
    for attr in attributes:
        if attr.name in dropped:
            continue
        block, block_names = _numeric_block(attr) if attr.kind == "numeric" else _one_hot_block(attr)
        blocks.append(block)
        names += block_names
    n_rows = dataset.n_samples
    matrix = np.column_stack(blocks).astype(np.float32) if blocks else np.zeros((n_rows, 0), dtype=np.float32)
    return ModelInput(
        matrix, np.ones(n_rows, dtype=bool), tuple(names), np.ones(len(names), dtype=bool), _excluded(reasons), "table"
    )


def _numeric_block(attr: Attribute) -> tuple[np.ndarray, list[str]]:
    """Robust z-scores (median 0, IQR-based scale), missing cells at the median plus an indicator."""
    assert attr.values is not None
    values = attr.values
    missing = np.isnan(values)
    median, scale = robust_location_scale(values[~missing])
    scaled = np.where(missing, 0.0, (values - median) / scale)
    if not missing.any():
        return scaled[:, None], [attr.name]
    return np.column_stack([scaled, missing.astype(np.float64)]), [attr.name, f"{attr.name} is missing"]


def _one_hot_block(attr: Attribute) -> tuple[np.ndarray, list[str]]:
    """0/1 per code: the frequent values, OTHER and MISSING (the attribute already capped their number)."""
    block = np.eye(len(attr.categories))[attr.codes]
    names = [f"{attr.name} is missing" if c == MISSING else f"{attr.name} = {c}" for c in attr.categories]
    return block, names


def _image_input(features: pd.DataFrame) -> ModelInput:
    """Thumbnail pixels (0..1, centred) plus robustly scaled pixel statistics, for decoded images."""
    rows = (features["decode_error"].isna() & features["tiny"].notna()).to_numpy()
    if not rows.any():
        return ModelInput(np.zeros((0, 0), dtype=np.float32), rows, (), np.zeros(0, dtype=bool), _excluded([]), "image")
    tiny = features.loc[rows, "tiny"].to_numpy()
    pixels = np.frombuffer(b"".join(tiny), dtype=np.uint8).reshape(len(tiny), -1).astype(np.float32) / 255.0
    pixels -= pixels.mean(axis=0, keepdims=True)
    stats = features.loc[rows, list(_IMAGE_STATS)].to_numpy(dtype=np.float64, na_value=np.nan)
    stats[:, _IMAGE_STATS.index("blur")] = np.log1p(np.clip(stats[:, _IMAGE_STATS.index("blur")], 0, None))
    scaled = np.column_stack([robust_z(column) for column in stats.T])
    side = round(np.sqrt(pixels.shape[1]))
    names = tuple(f"pixel ({r}, {c})" for r in range(side) for c in range(side)) + _IMAGE_STATS
    named = np.r_[np.zeros(pixels.shape[1], dtype=bool), np.ones(len(_IMAGE_STATS), dtype=bool)]
    matrix = np.column_stack([pixels, scaled]).astype(np.float32)
    return ModelInput(matrix, rows, names, named, _excluded([]), "image")


def _standardize(vectors: np.ndarray) -> np.ndarray:
    mean = vectors.mean(axis=0, keepdims=True)
    std = vectors.std(axis=0, keepdims=True)
    return np.asarray((vectors - mean) / np.where(std > 0, std, 1.0), dtype=np.float32)


def _excluded(reasons: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(reasons, columns=["column", "reason"]).astype("string")
