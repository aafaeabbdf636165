"""Small learnable datasets built on the fly, and one thread for torch so tests stay quick on 2 cores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from recipe_dash.io import load_dataset
from recipe_dash.training.data import TensorData, prepare_data

torch.set_num_threads(1)
N_CLASSES = 3


def make_shapes(root: Path, *, per_class: int = 40, val_per_class: int = 10, size: int = 12) -> Path:
    """root/{train,val}/{0,1,2}/*.png: a bright bar whose row depends on the class, on faint noise."""
    rng = np.random.default_rng(0)
    for split, n in (("train", per_class), ("val", val_per_class)):
        for label in range(N_CLASSES):
            folder = root / split / str(label)
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(n):
                pixels = (rng.random((size, size)) < 0.2) * rng.integers(0, 60, (size, size))
                row = 2 + label * 4 + int(rng.integers(0, 2))
                pixels[row, 1:-1] = 255
                Image.fromarray(pixels.astype(np.uint8)).save(folder / f"{i:03d}.png")
    return root


def make_table(path: Path, *, n: int = 240) -> Path:
    """Two informative 'signal' columns, three 'noise' columns, no split column (so validation is carved)."""
    rng = np.random.default_rng(1)
    label = rng.integers(0, 2, n)
    frame = pd.DataFrame(
        {
            "signal a": label * 2.0 + rng.normal(0, 0.5, n),
            "signal b": -label * 1.5 + rng.normal(0, 0.5, n),
            "noise a": rng.normal(0, 1, n),
            "noise b": rng.normal(5, 3, n),
            "noise c": rng.normal(0, 1, n),
            "label": np.where(label == 1, "yes", "no"),
        }
    )
    frame.to_csv(path, index=False)
    return path


def make_digits8(root: Path, *, n: int = 600, levels: int = 16) -> tuple[Path, Path]:
    """scikit-learn's 8x8 digits as an image folder (train/test class folders) and as a 64-column table.

    `levels=16` keeps the raw grey levels 0..16 in the PNGs (dim images, as the data is stored);
    `levels=255` stretches them to 0..255.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    rows = []
    for i, (pixels, label) in enumerate(zip(digits.images[:n], digits.target[:n], strict=True)):
        split = "test" if i % 5 == 0 else "train"
        values = np.round(pixels * levels / 16).astype(np.uint8)
        folder = root / "images" / split / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(values).save(folder / f"{i:04d}.png")
        rows.append({**{f"p{j}": int(v) for j, v in enumerate(values.ravel())}, "label": str(label), "split": split})
    pd.DataFrame(rows).to_csv(root / "digits.csv", index=False)
    return root / "images", root / "digits.csv"


@pytest.fixture(scope="session")
def digits8(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TensorData]:
    """The dim 8x8 digits as images (standardized, the default) and as a table: the same data twice."""
    images, table = make_digits8(tmp_path_factory.mktemp("digits8"))
    return {"images": prepare_data(load_dataset(images)), "table": prepare_data(load_dataset(table))}


@pytest.fixture(scope="session")
def shapes_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_shapes(tmp_path_factory.mktemp("shapes") / "shapes")


@pytest.fixture(scope="session")
def table_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_table(tmp_path_factory.mktemp("table") / "signals.csv")


@pytest.fixture(scope="session")
def shapes(shapes_folder: Path) -> TensorData:
    return prepare_data(load_dataset(shapes_folder))


@pytest.fixture(scope="session")
def table(table_file: Path) -> TensorData:
    return prepare_data(load_dataset(table_file))
