"""Dataset -> tensors: splits, the image transform, table encoding, input statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from recipe_dash.errors import DataError
from recipe_dash.io import load_dataset
from recipe_dash.training.data import prepare_data
from recipe_dash.training.input_stats import input_statistics
from tests.conftest import write_image
from tests.training.conftest import make_shapes


def test_images_arrive_as_chw_floats_standardized_per_channel(shapes_folder: Path) -> None:
    data = prepare_data(load_dataset(shapes_folder))
    assert data.input_shape == (1, 12, 12) and data.x_train.dtype == torch.float32
    assert abs(float(data.x_train.mean())) < 1e-4 and abs(float(data.x_train.std()) - 1) < 1e-3
    assert "divided by 255" in data.transform and "standardized per channel" in data.transform
    assert data.val_source.startswith("Validating on the 'val' split")
    assert (len(data.y_train), len(data.y_val)) == (120, 30)
    raw = prepare_data(load_dataset(shapes_folder), normalize=False)
    assert float(raw.x_train.min()) >= 0 and float(raw.x_train.max()) == 1.0


def test_dim_images_are_standardized_like_bright_ones_and_flagged_when_kept_raw(tmp_path: Path) -> None:
    """Pixels 0..16 (as sklearn's digits store them): the same picture as 0..255 once standardized."""
    bright = make_shapes(tmp_path / "bright", per_class=4, val_per_class=2)
    for path in bright.rglob("*.png"):
        dim = tmp_path / "dim" / path.relative_to(bright)
        dim.parent.mkdir(parents=True, exist_ok=True)
        pixels = np.asarray(Image.open(path), dtype=np.uint16)
        Image.fromarray((pixels * 16 // 255).astype(np.uint8)).save(dim)
    as_dim, as_bright = prepare_data(load_dataset(tmp_path / "dim")), prepare_data(load_dataset(bright))
    assert torch.corrcoef(torch.stack([as_dim.x_train.flatten(), as_bright.x_train.flatten()]))[0, 1] > 0.99
    assert abs(float(as_dim.x_train.std()) - 1) < 1e-3
    raw = input_statistics(prepare_data(load_dataset(tmp_path / "dim"), normalize=False))
    assert raw.verdict == "warn" and "not normalized (gray)" in raw.summary


def test_undecodable_images_are_skipped_and_counted(tmp_path: Path) -> None:
    root = make_shapes(tmp_path / "s", per_class=4, val_per_class=2)
    (root / "train" / "0" / "empty.png").write_bytes(b"")
    (root / "train" / "1" / "truncated.png").write_bytes((root / "train" / "1" / "000.png").read_bytes()[:40])
    data = prepare_data(load_dataset(root))
    assert data.n_skipped == 2 and len(data.y_train) == 12
    assert "Skipped 2 image(s)" in data.notes[0] and "train/0/empty.png" in data.notes[0]


def test_mixed_sizes_are_resized_to_the_most_common_or_the_asked_size(tmp_path: Path) -> None:
    for i in range(3):
        write_image(tmp_path / "d" / "a" / f"{i}.png", i, size=(8, 6))
        write_image(tmp_path / "d" / "b" / f"{i}.png", 10 + i, size=(8, 6), mode="RGB" if i == 0 else "L")
    write_image(tmp_path / "d" / "b" / "big.png", 99, size=(20, 20))
    assert prepare_data(load_dataset(tmp_path / "d")).input_shape == (1, 6, 8)
    assert prepare_data(load_dataset(tmp_path / "d"), input_size=(4, 4)).input_shape == (1, 4, 4)


def test_without_val_or_test_a_seeded_stratified_share_of_train_validates(table_file: Path) -> None:
    dataset = load_dataset(table_file)
    first, again = prepare_data(dataset, seed=1), prepare_data(dataset, seed=1)
    other = prepare_data(dataset, seed=2)
    assert first.ids_val == again.ids_val and first.ids_val != other.ids_val
    assert len(first.ids_val) == 48 and "stratified 20% of train" in first.val_source
    train_share = first.y_train.float().mean()
    assert abs(float(first.y_val.float().mean()) - float(train_share)) < 0.03  # stratified


def test_the_test_split_validates_when_there_is_no_val_split(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text(
        "x,label,split\n" + "".join(f"{i},{'ab'[i % 2]},{'test' if i % 5 == 0 else 'train'}\n" for i in range(40))
    )
    data = prepare_data(load_dataset(table))
    assert "validating on the 'test' split (8 samples)" in data.val_source
    assert set(data.ids_val) == {str(i) for i in range(0, 40, 5)}


def test_table_encoding_fills_drops_and_one_hot_encodes_from_train_rows(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    rows = ["record_id,size,weight,site,colour,notes,label,split"]
    for i in range(20):
        weight = "n/a" if i == 3 else ("inf" if i == 4 else str(i * 2.0))
        colour = ["red", "blue"][i % 2] if i < 18 else "green"  # green only in test rows
        rows.append(f"{1000 + i},{i},{weight},s1,{colour},text {i},{'ab'[i % 2]},{'test' if i >= 18 else 'train'}")
    table.write_text("\n".join(rows) + "\n")
    data = prepare_data(load_dataset(table), normalize=False)
    assert data.feature_names == ("size", "weight", "colour=blue", "colour=red")
    left_out, filled = data.notes
    assert (
        "record_id (identifier)" in left_out
        and "site (constant)" in left_out
        and "notes (18 distinct text values)" in left_out
    )
    assert "Filled 2" in filled and "weight (2)" in filled
    train_weights = [i * 2.0 for i in range(18) if i not in (3, 4)]
    assert float(data.x_train[3, 1]) == pytest.approx(np.median(train_weights))
    assert data.x_val[:, 2:].sum() == 0  # an unseen category is all zeros


def test_tables_are_standardized_with_training_statistics_only(table: object, table_file: Path) -> None:
    data = prepare_data(load_dataset(table_file))
    assert torch.allclose(data.x_train.mean(0), torch.zeros(5), atol=1e-5)
    assert not torch.allclose(data.x_val.mean(0), torch.zeros(5), atol=1e-3)
    assert "training split's mean and std" in data.transform
    assert dict(data.feature_groups) == {"signal …": (0, 1), "noise …": (2, 3, 4)}


def test_input_statistics_pass_when_normalized_and_warn_when_not(table_file: Path) -> None:
    dataset = load_dataset(table_file)
    assert input_statistics(prepare_data(dataset)).verdict == "pass"
    raw = input_statistics(prepare_data(dataset, normalize=False))
    assert raw.verdict == "warn" and "not normalized (noise b)" in raw.summary
    assert list(raw.table.columns) == ["feature", "train_mean", "train_std", "val_mean", "val_std"]


def test_input_statistics_notice_scaling_with_all_splits(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(3, 2, (200, 4))
    features[:40] += 2.0  # the first rows (validation) differ from the rest
    leaked = (features - features.mean(0)) / features.std(0)  # standardized on ALL rows: the mistake
    frame = pd.DataFrame(leaked, columns=list("abcd")).assign(
        label=rng.integers(0, 2, 200), split=["val"] * 40 + ["train"] * 160
    )
    frame.to_csv(tmp_path / "leak.csv", index=False)
    stats = input_statistics(prepare_data(load_dataset(tmp_path / "leak.csv"), normalize=False))
    assert stats.verdict == "warn" and "train and validation pooled" in stats.summary


def test_image_channels_have_statistics(shapes_folder: Path) -> None:
    stats = input_statistics(prepare_data(load_dataset(shapes_folder)))
    assert list(stats.table["feature"]) == ["gray"] and stats.verdict == "pass"


def test_no_train_split_is_a_clear_error(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("x,label,split\n1,a,test\n2,b,test\n")
    with pytest.raises(DataError, match="no labelled samples in a 'train' split"):
        prepare_data(load_dataset(table))
