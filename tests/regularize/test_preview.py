"""Visualize the batch: what augmentation does to a few training samples, before a run uses it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recipe_dash.io import load_dataset
from recipe_dash.regularize import preview_augmentation
from recipe_dash.training.config import TrainConfig


def test_an_image_preview_shows_every_class_and_exact_mirrors(shapes_folder: Path) -> None:
    preview = preview_augmentation(load_dataset(shapes_folder), TrainConfig(flip="horizontal", shift=0), n=6)
    assert preview.originals.shape == (6, 1, 12, 12) and preview.augmented.shape == (3, 6, 1, 12, 12)
    assert sorted(set(preview.labels)) == ["0", "1", "2"] and len(set(preview.sample_ids)) == 6
    for copy in preview.augmented:
        for image, original in zip(copy, preview.originals, strict=True):
            assert np.array_equal(image, original) or np.array_equal(image, original[..., ::-1])
    assert preview.description == "horizontal flips"
    assert abs(preview.originals.mean()) < 1e-5  # standardized as the net gets them


def test_a_table_preview_adds_noise_to_numbers_only(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"size": rng.normal(size=60), "colour": rng.choice(["red", "blue"], 60), "label": rng.choice(["a", "b"], 60)}
    )
    frame.to_csv(tmp_path / "t.csv", index=False)
    preview = preview_augmentation(load_dataset(tmp_path / "t.csv"), TrainConfig(noise=0.3), n=4, copies=2)
    assert preview.feature_names == ("size", "colour=blue", "colour=red")
    change = preview.augmented - preview.originals[None]
    assert (change[..., 0] != 0).all() and (change[..., 1:] == 0).all()
    assert "noise of 0.3 std on continuous features" in preview.description
