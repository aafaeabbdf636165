"""Every registered analyzer honours the shared contract on ordinary, tiny and one-class data:
it returns a well-formed Result, or refuses with a DataError whose message says what to do.

And on data with a known answer: clean data (an image set and a table built to have no issue)
passes every check, or the check says why it cannot judge; random labels are not called noisy;
a handful of rows is too few for the model-based checks, which say so instead of guessing.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from recipe_dash.analyzers import ANALYZERS
from recipe_dash.analyzers._evidence_files import EvidenceFolder, load_frame
from recipe_dash.analyzers.base import Result
from recipe_dash.analyzers.findings import FINDING_COLUMNS
from recipe_dash.errors import DataError
from recipe_dash.features import compute_features
from recipe_dash.io import Dataset, load_dataset
from tests.conftest import write_image

MODEL_BASED = ("label_noise", "outliers", "biases", "local_global")


def _images(root: Path, classes: list[str], per_class: int) -> Dataset:
    seed = 0
    for split in ("train", "test"):
        for label in classes:
            for i in range(per_class):
                seed += 1
                write_image(root / split / label / f"{i}.png", seed, size=(24, 24), mode="RGB")
    return load_dataset(root)


def _table(path: Path, labels: list[str]) -> Dataset:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(len(labels), 4)), columns=["a", "b", "c", "d"])
    frame["label"] = labels
    frame.to_csv(path, index=False)
    return load_dataset(path)


DATASETS: dict[str, Callable[[Path], Dataset]] = {
    "images": lambda tmp: _images(tmp / "imgs", ["cat", "dog", "eel"], 8),
    "images_one_class": lambda tmp: _images(tmp / "one", ["cat"], 6),
    "images_tiny": lambda tmp: _images(tmp / "tiny", ["cat", "dog"], 1),
    "table": lambda tmp: _table(tmp / "t.csv", ["x", "y", "z"] * 20),
    "table_one_class": lambda tmp: _table(tmp / "one.csv", ["x"] * 30),
    "table_tiny": lambda tmp: _table(tmp / "tiny.csv", ["x", "y"]),
}


@pytest.mark.parametrize("data", list(DATASETS))
@pytest.mark.parametrize("name", list(ANALYZERS))
def test_analyzer_returns_a_well_formed_result(name: str, data: str, tmp_path: Path) -> None:
    dataset = DATASETS[data](tmp_path)
    try:
        result = ANALYZERS[name](dataset, compute_features(dataset))
    except DataError as err:
        assert str(err).strip()  # refusing is fine when the message tells the user why
        return
    assert result.analyzer == name
    assert result.verdict in {"pass", "warn", "fail", "not_measured"}
    assert result.summary and result.summary.strip()[-1] in ".!)"
    if result.verdict == "not_measured":  # a check that cannot judge flags nothing and says why
        assert result.findings.empty and "not measured" in result.summary
    if data in ("images_tiny", "table_tiny") and name in MODEL_BASED:  # 2 samples per class at most
        assert result.verdict == "not_measured", result.summary
    findings = result.findings
    assert tuple(findings.columns) == FINDING_COLUMNS
    assert findings["score"].between(0, 1).all()
    known = set(dataset.samples["sample_id"])
    assert set(findings["sample_id"].dropna()) <= known
    assert findings["issue_type"].notna().all() and findings["detail"].notna().all()
    assert isinstance(result.details, importlib.import_module(f"recipe_dash.analyzers.{name}").Details)
    stored = json.loads(json.dumps(result.details.to_json()))  # storable as JSON in any SQL backend ...
    assert type(result.details).from_json(stored).to_json() == stored  # ... and read back unchanged
    folder = EvidenceFolder(0, None, inline_rows=-1)  # every frame, even an empty one, through Parquet
    spilled = json.loads(json.dumps(result.details.to_json(spill=lambda path, f: folder.spill(name, path, f))))
    assert type(result.details).from_json(spilled, load=load_frame).to_json() == stored
    assert not list(inline_frames(spilled))  # Parquet took every frame: none had to stay inline


def _bars(rng: np.random.Generator, side: int = 32) -> np.ndarray:
    """Two to four horizontal bars at random rows, heights and intensities, over noise."""
    pixels = rng.normal(100, 25, size=(side, side))
    for _ in range(rng.integers(2, 5)):
        top, height = rng.integers(0, side - 4), rng.integers(2, 6)
        pixels[top : top + height, :] += rng.uniform(60, 120)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def clean_images(root: Path, *, random_labels: bool = False, per_class: int = 60) -> Dataset:
    """Horizontal vs vertical bars. A vertical image is a horizontal one transposed, so every nuisance
    property (size, mode, brightness, contrast, file size: BMP is uncompressed) has one distribution in
    both classes; splits are drawn at random, every image is drawn afresh (no copies)."""
    rng = np.random.default_rng(0)
    classes = ("horizontal", "vertical")
    for i in range(2 * per_class):
        label = classes[i % 2]
        pixels = _bars(rng) if label == "horizontal" else _bars(rng).T
        if random_labels:
            label = classes[rng.integers(0, 2)]
        split = "test" if rng.random() < 0.25 else "train"
        path = root / split / label / f"{i}.bmp"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels, "L").save(path)
    return load_dataset(root)


def clean_table(path: Path, *, random_labels: bool = False, n_rows: int = 400) -> Dataset:
    """The label is the sign of a + b + c + d (standard normals), with a margin around the boundary:
    the columns together separate the classes, no single column does it alone (no leak), splits are
    random, values continuous (no copies), no cell missing."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3 * n_rows, 4))
    total = x.sum(axis=1)
    margin = np.abs(total) > 1.0
    x, total = x[margin][:n_rows], total[margin][:n_rows]
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    frame["label"] = np.where(total > 0, "yes", "no")
    if random_labels:
        frame["label"] = rng.choice(["yes", "no"], size=len(frame))
    frame["split"] = np.where(rng.random(len(frame)) < 0.25, "test", "train")
    frame.to_csv(path, index=False)
    return load_dataset(path)


def _run_all(dataset: Dataset, cache: Path) -> dict[str, Result]:
    features = compute_features(dataset, cache_dir=cache)
    return {name: analyze(dataset, features) for name, analyze in ANALYZERS.items()}


# What the clean data cannot be judged on, and the reason the summary must give.
NOT_MEASURED_WHEN_CLEAN = {"table": {"local_global": "this dataset is a table"}}


@pytest.mark.parametrize("kind", ["images", "table"])
def test_clean_data_passes_every_check(kind: str, tmp_path: Path) -> None:
    dataset = clean_images(tmp_path / "bars") if kind == "images" else clean_table(tmp_path / "clean.csv")
    results = _run_all(dataset, tmp_path / "features")
    excused = NOT_MEASURED_WHEN_CLEAN.get(kind, {})
    for name, result in results.items():
        assert result.findings.empty, (name, result.findings.head())
        if name in excused:
            assert result.verdict == "not_measured" and excused[name] in result.summary, (name, result.summary)
        else:
            assert result.verdict == "pass", (name, result.summary)


@pytest.mark.parametrize("kind", ["images", "table"])
def test_random_labels_are_not_called_noisy(kind: str, tmp_path: Path) -> None:
    """A model cannot learn random labels, so it cannot tell which are wrong: label noise says so."""
    if kind == "images":
        dataset = clean_images(tmp_path / "bars", random_labels=True)
    else:
        dataset = clean_table(tmp_path / "random.csv", random_labels=True)
    result = ANALYZERS["label_noise"](dataset, compute_features(dataset, cache_dir=tmp_path / "features"))
    assert result.verdict == "not_measured" and result.findings.empty
    assert "no better than chance (balanced accuracy" in result.summary and "50% chance" in result.summary
    assert result.details.chance_p_value >= 0.01


def inline_frames(value: object) -> Iterator[object]:
    """Frames encoded inline ({"columns": [...], "data": [...]}) anywhere in stored details."""
    if isinstance(value, dict):
        if set(value) == {"columns", "data"}:
            yield value
        for item in value.values():
            yield from inline_frames(item)
    elif isinstance(value, list):
        for item in value:
            yield from inline_frames(item)
