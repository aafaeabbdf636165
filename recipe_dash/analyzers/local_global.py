"""Does the label live in local detail or in the whole picture? It decides the architecture.

The same simple model (logistic regression on pixels and their Fourier magnitudes) is
cross-validated on three inputs made from each image's 16x16 thumbnail: the whole thumbnail, the
thumbnail downscaled to half its side, and small random patches. If patches predict nearly as well
as the whole, a small receptive field (or texture features) suffices; if only the whole works, the
model needs global context. If the downscaled image does as well, a smaller input size is a cheap
regulariser. When even the whole thumbnail predicts the label no better than chance (`chance_test`),
there is nothing to compare and the check is not measured; so it is for a table.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from recipe_dash.analyzers._models import assign_folds
from recipe_dash.analyzers._models.chance import ChanceTest, chance_test
from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.analyzers.findings import findings_frame
from recipe_dash.features import TINY_SIDE
from recipe_dash.io.dataset import Dataset
from recipe_dash.validation import check_number, check_seed

ACCURACY_COLUMNS = ("view", "input", "side", "balanced_accuracy", "chance", "skill")
MIN_SKILL = 0.05  # below this skill (0 = chance, 1 = perfect) of the whole image, a share of it means nothing


@dataclass(frozen=True, kw_only=True)
class Details(CheckDetails):
    patch_side: int
    n_folds: int
    accuracies: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(ACCURACY_COLUMNS)))
    statement: str = ""  # what the comparison says about local vs global structure
    n_images: int = 0
    whole_p_value: float | None = None  # of the whole thumbnail's accuracy being no better than chance


def analyze(
    dataset: Dataset,
    features: pd.DataFrame,
    *,
    patch_side: int = 8,
    patches_per_image: int = 4,
    local_share: float = 0.8,
    n_folds: int = 5,
    max_samples: int = 5_000,
    seed: int = 0,
) -> Result:
    """Compare cross-validated balanced accuracy on patches vs the whole (downscaled) thumbnail.

    Patches reaching `local_share` of the whole image's skill (accuracy above chance) mean "local".
    """
    side = TINY_SIDE
    check_number("patch_side", patch_side, low=2, high=side - 1, integer=True, why=f"thumbnails are {side}x{side}")
    check_number("patches_per_image", patches_per_image, low=1, integer=True)
    check_number("local_share", local_share, low=0, high=1, low_open=True, why="a share of the whole image's skill")
    check_number("n_folds", n_folds, low=2, integer=True, why="cross-validation needs two folds")
    check_number("max_samples", max_samples, low=2 * n_folds, integer=True, why="n_folds images of each of two classes")
    check_seed(seed)
    details = Details(patch_side=patch_side, n_folds=n_folds)
    if dataset.kind != "image":
        reason = "it compares image patches with whole images, and this dataset is a table."
        summary = f"Local vs global not measured: {reason}"
        return Result("local_global", "not_measured", summary, findings_frame(), replace(details, skipped=reason))
    images, y, n_classes = _thumbnails(dataset, features, n_folds=n_folds, max_samples=max_samples, seed=seed)
    if n_classes < 2:
        reason = (
            f"fewer than two classes have {n_folds} or more decodable images; "
            "cross-validation needs them. Check the labels or lower n_folds."
        )
        return Result(
            "local_global",
            "not_measured",
            f"Local vs global not measured: {reason}",
            findings_frame(),
            replace(details, skipped=reason),
        )
    assert images.shape[1] == side, "the feature pass makes TINY_SIDE thumbnails"
    folds = assign_folds(y, n_folds=n_folds, seed=seed)
    rng = np.random.default_rng(seed)
    half = images.reshape(len(images), side // 2, 2, side // 2, 2).mean(axis=(2, 4))
    patches, owner = _random_patches(images, patch_side, patches_per_image, rng)
    chance = 1.0 / n_classes
    whole = _cv_accuracy(images, y, folds, seed)
    rows = [
        ("whole", f"{side}x{side} thumbnail", side, whole.balanced_accuracy),
        (
            "downscaled",
            f"{side // 2}x{side // 2} thumbnail",
            side // 2,
            _cv_accuracy(half, y, folds, seed).balanced_accuracy,
        ),
        (
            "patches",
            f"random {patch_side}x{patch_side} patches",
            patch_side,
            _cv_accuracy(patches, y[owner], folds[owner], seed).balanced_accuracy,
        ),
    ]
    table = pd.DataFrame([(*r, chance, (r[3] - chance) / (1 - chance)) for r in rows], columns=list(ACCURACY_COLUMNS))
    details = replace(details, accuracies=table, n_images=len(images), whole_p_value=whole.p_value)
    if not whole.above_chance or table["skill"].iloc[0] < MIN_SKILL:
        statement = (
            f"Local vs global not measured: even the whole {side}x{side} thumbnail predicts the label barely or "
            f"not better than chance with a linear model ({whole.describe()}), so there is nothing to compare "
            "patches with."
        )
        return Result(
            "local_global", "not_measured", statement, findings_frame(), replace(details, statement=statement)
        )
    statement = _statement(table, local_share, patch_side, side)
    details = replace(details, statement=statement)
    return Result("local_global", "pass", statement, findings_frame(), details)


def _thumbnails(
    dataset: Dataset, features: pd.DataFrame, *, n_folds: int, max_samples: int, seed: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """(images as (n, side, side) floats in 0..1, label codes, number of classes) for usable samples."""
    labels = dataset.labels
    usable = (features["decode_error"].isna() & features["tiny"].notna() & labels.notna()).to_numpy()
    counts = labels[usable].value_counts()
    kept = sorted(str(c) for c, n in counts.items() if n >= n_folds)
    usable = usable & labels.isin(kept).to_numpy()
    index = np.flatnonzero(usable)
    if len(index) > max_samples:
        index = np.sort(np.random.default_rng(seed).choice(index, size=max_samples, replace=False))
    raw = features["tiny"].to_numpy()[index]
    pixels = np.frombuffer(b"".join(raw), dtype=np.uint8).astype(np.float32) / 255.0
    side = round(np.sqrt(len(raw[0]))) if len(raw) else 0
    codes = labels.iloc[index].map({c: i for i, c in enumerate(kept)}).to_numpy(dtype=np.int64)
    return pixels.reshape(len(index), side, side), codes, len(kept)


def _random_patches(
    images: np.ndarray, patch_side: int, per_image: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`per_image` patches at random positions from every image, and which image each came from."""
    n, side = len(images), images.shape[1]
    owner = np.repeat(np.arange(n), per_image)
    top = rng.integers(0, side - patch_side + 1, size=len(owner))
    left = rng.integers(0, side - patch_side + 1, size=len(owner))
    offsets = np.arange(patch_side)
    rows = (top[:, None] + offsets)[:, :, None]
    cols = (left[:, None] + offsets)[:, None, :]
    return images[owner[:, None, None], rows, cols], owner


def _cv_accuracy(images: np.ndarray, y: np.ndarray, folds: np.ndarray, seed: int) -> ChanceTest:
    """Balanced accuracy of out-of-fold predictions of an L2 logistic regression on `_inputs` (and
    its p-value, meaningful for one sample per image, not for several patches per image)."""
    # sklearn takes about a second to import and only the model-based checks need it
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    X = _inputs(images)
    predicted = np.empty(len(y), dtype=np.int64)
    with threadpool_limits(1, user_api="blas"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        for fold in np.unique(folds):
            test = folds == fold
            model = LogisticRegression(C=0.1, max_iter=200, random_state=seed).fit(X[~test], y[~test])
            predicted[test] = model.predict(X[test])
    return chance_test(y, predicted, int(y.max()) + 1)


def _inputs(images: np.ndarray) -> np.ndarray:
    """Pixels plus the magnitudes of their 2-d Fourier transform: the pixels carry shapes where they
    sit, the magnitudes carry texture (orientation, frequency) wherever it sits, which a linear model
    on pixels alone cannot see in a randomly placed patch."""
    spectrum = np.abs(np.fft.rfft2(images - images.mean(axis=(1, 2), keepdims=True)))
    return np.column_stack([images.reshape(len(images), -1), spectrum.reshape(len(images), -1)])


def _statement(table: pd.DataFrame, local_share: float, patch_side: int, side: int) -> str:
    skill = dict(zip(table["view"], table["skill"], strict=True))
    accuracy = dict(zip(table["view"], table["balanced_accuracy"], strict=True))
    figures = (
        f"balanced accuracy {accuracy['patches']:.0%} on random {patch_side}x{patch_side} patches vs "
        f"{accuracy['whole']:.0%} on the whole {side}x{side} image"
    )
    if skill["patches"] >= local_share * skill["whole"]:
        verdict = f"The label is visible in local patches ({figures}): a small receptive field can work."
    else:
        verdict = f"The label needs global context ({figures}): use a model that sees the whole image."
    if skill["downscaled"] >= local_share * skill["whole"]:
        verdict += (
            f" The {side // 2}x{side // 2} version keeps most of it ({accuracy['downscaled']:.0%}), so a "
            "smaller input size is a cheap regulariser."
        )
    return verdict
