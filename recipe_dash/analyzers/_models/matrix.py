"""One numeric matrix per dataset for the model-based checks, with the columns that must stay out.

Tables: numeric columns robustly scaled (median and IQR, so the outliers we look for do not squash
everyone else) with a missing-indicator where cells were empty or junk; text columns one-hot on
their frequent values. Identifier, constant, empty and leaking columns (see `leaks`) are kept out:
a column that repeats the given label lets the model predict the noisy label and hides the noise.
Images: histograms of oriented gradients of the 32x32 grayscale thumbnail (see `hog`: stroke
directions, not pixel positions) plus colour and texture statistics, all from decoded pixels, so two
files with the same pixels get the same row. A user's own embedding replaces both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recipe_dash.analyzers._models.attributes import model_columns, table_attributes
from recipe_dash.analyzers._models.embedding import EmbeddingSource, load_embedding
from recipe_dash.analyzers._models.hog import hog_features
from recipe_dash.analyzers._models.leaks import describe_leak, judge_leaks
from recipe_dash.analyzers._robust import robust_z
from recipe_dash.features.images import GRAY_SIDE
from recipe_dash.io.columns import identifier_columns
from recipe_dash.io.dataset import Dataset

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
    exclude_leaks: bool = True,
    n_folds: int = 5,
    seed: int = 0,
) -> ModelInput:
    """Build the matrix for `dataset`: its user embedding if given, else table columns or image pixels.

    `exclude_leaks=False` keeps columns that leak the label (to show what they would hide).
    """
    if embedding is not None:
        vectors, rows, names = load_embedding(dataset, embedding)
        scaled = _standardize(vectors)
        return ModelInput(scaled, rows, names, np.zeros(len(names), dtype=bool), _excluded([]), "embedding")
    if dataset.kind == "table":
        return _table_input(dataset, exclude_leaks=exclude_leaks, n_folds=n_folds, seed=seed)
    return _image_input(features)


def _table_input(dataset: Dataset, *, exclude_leaks: bool, n_folds: int, seed: int) -> ModelInput:
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
    if exclude_leaks:
        judged = judge_leaks(dataset, attributes=attributes, n_folds=n_folds, seed=seed)
        reasons += [
            (row["attribute"], f"leaks the label: {describe_leak(row)}")
            for _, row in judged[judged["is_leak"]].iterrows()
        ]
    dropped = {name for name, _ in reasons}
    blocks: list[np.ndarray] = []
    names: list[str] = []
    for attr in attributes:
        if attr.name in dropped:
            continue
        block, block_names = model_columns(attr)
        blocks.append(block)
        names += block_names
    n_rows = dataset.n_samples
    matrix = np.column_stack(blocks).astype(np.float32) if blocks else np.zeros((n_rows, 0), dtype=np.float32)
    return ModelInput(
        matrix, np.ones(n_rows, dtype=bool), tuple(names), np.ones(len(names), dtype=bool), _excluded(reasons), "table"
    )


def _image_input(features: pd.DataFrame) -> ModelInput:
    """HOG of the 32x32 thumbnail (z-scored per number) plus robustly scaled pixel statistics, for decoded images."""
    rows = (features["decode_error"].isna() & features["gray32"].notna()).to_numpy()
    if not rows.any():
        return ModelInput(np.zeros((0, 0), dtype=np.float32), rows, (), np.zeros(0, dtype=bool), _excluded([]), "image")
    thumbnails = features.loc[rows, "gray32"].to_numpy()
    pixels = np.frombuffer(b"".join(thumbnails), dtype=np.uint8).reshape(len(thumbnails), GRAY_SIDE, GRAY_SIDE)
    shape = _standardize(hog_features(pixels))
    stats = features.loc[rows, list(_IMAGE_STATS)].to_numpy(dtype=np.float64, na_value=np.nan)
    stats[:, _IMAGE_STATS.index("blur")] = np.log1p(np.clip(stats[:, _IMAGE_STATS.index("blur")], 0, None))
    scaled = np.column_stack([robust_z(column) for column in stats.T])
    names = tuple(f"gradient histogram {i}" for i in range(shape.shape[1])) + _IMAGE_STATS
    named = np.r_[np.zeros(shape.shape[1], dtype=bool), np.ones(len(_IMAGE_STATS), dtype=bool)]
    matrix = np.column_stack([shape, scaled]).astype(np.float32)
    return ModelInput(matrix, rows, names, named, _excluded([]), "image")


def _standardize(vectors: np.ndarray) -> np.ndarray:
    mean = vectors.mean(axis=0, keepdims=True)
    std = vectors.std(axis=0, keepdims=True)
    return np.asarray((vectors - mean) / np.where(std > 0, std, 1.0), dtype=np.float32)


def _excluded(reasons: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(reasons, columns=["column", "reason"]).astype("string")
