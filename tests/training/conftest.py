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
