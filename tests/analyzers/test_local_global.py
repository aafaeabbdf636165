"""Local vs global: digits need the whole image; stripe textures are visible in any patch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from recipe_dash.analyzers import local_global
from recipe_dash.features import compute_features
from recipe_dash.io import load_dataset
from tests.analyzers._planted import Planted


def test_digits_need_global_context(digits: Planted) -> None:
    result = local_global.analyze(digits.dataset, digits.features)
    accuracies = result.details.accuracies.set_index("view")
    assert accuracies.loc["whole", "balanced_accuracy"] > 0.75
    # patches keep less than half the whole image's skill (accuracy above chance); the check's own bar is 0.8
    assert accuracies.loc["patches", "skill"] < 0.5 * accuracies.loc["whole", "skill"]
    assert result.summary.startswith("The label needs global context")


def test_textures_are_visible_in_patches(tmp_path: Path) -> None:
    """Horizontal vs vertical stripes with random phase and noise: any patch shows the class."""
    rng = np.random.default_rng(0)
    root = tmp_path / "stripes"
    ramp = np.arange(32)
    for label in ("horizontal", "vertical"):
        (root / label).mkdir(parents=True)
        for i in range(40):
            wave = 127 + 100 * np.sin(2 * np.pi * (ramp + rng.uniform(0, 8)) / 8)
            pixels = np.tile(wave[:, None], (1, 32)) if label == "horizontal" else np.tile(wave[None, :], (32, 1))
            pixels = np.clip(pixels + rng.normal(0, 20, pixels.shape), 0, 255).astype(np.uint8)
            Image.fromarray(pixels, "L").save(root / label / f"{i}.png")
    dataset = load_dataset(root)
    result = local_global.analyze(dataset, compute_features(dataset, cache_dir=tmp_path / "features"))
    accuracy = result.details.accuracies.set_index("view")["balanced_accuracy"]
    assert accuracy["patches"] > 0.9
    assert result.summary.startswith("The label is visible in local patches")


def test_tables_are_not_measured(table: Planted) -> None:
    result = local_global.analyze(table.dataset, table.features)
    assert result.verdict == "not_measured" and result.findings.empty
    assert result.summary == (
        "Local vs global not measured: it compares image patches with whole images, and this dataset is a table."
    )


def test_labels_no_image_predicts_are_not_measured(tmp_path: Path) -> None:
    """Noise images with random labels: there is no skill to split between patches and the whole."""
    rng = np.random.default_rng(0)
    root = tmp_path / "noise"
    for i in range(60):
        label = ("a", "b")[rng.integers(0, 2)]
        (root / label).mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (32, 32), dtype=np.uint8), "L").save(root / label / f"{i}.png")
    dataset = load_dataset(root)
    result = local_global.analyze(dataset, compute_features(dataset, cache_dir=tmp_path / "features"))
    assert result.verdict == "not_measured" and result.findings.empty
    assert "predicts the label barely or not better than chance" in result.summary
    assert len(result.details.accuracies) == 3  # the figures stay for the page


def test_patch_side_must_fit_the_thumbnail(digits: Planted) -> None:
    with pytest.raises(ValueError, match="patch_side must be between 2 and 15"):
        local_global.analyze(digits.dataset, digits.features, patch_side=16)
