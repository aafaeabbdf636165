"""The training side of Regularize: augmentation, early stopping, training subsets, pretrained weights,
the dropout-beside-BatchNorm warning, and the first layer a run leaves behind."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from recipe_dash.io import load_dataset
from recipe_dash.training.architecture import dropout_batchnorm_warning
from recipe_dash.training.augment import Augmentation, augment_batch, continuous_features
from recipe_dash.training.data import TensorData, prepare_data
from recipe_dash.training.final import first_layer
from recipe_dash.training.loop import evaluate, fit
from recipe_dash.training.models import ModelError
from recipe_dash.training.weights import load_weights, read_state_dict
from tests.training import zoo


def image_batch() -> torch.Tensor:
    """Two 1x5x6 images whose every pixel is distinct, so a moved pixel is found."""
    return torch.arange(60, dtype=torch.float32).reshape(2, 1, 5, 6) + 1


def test_horizontal_flips_mirror_about_half_of_the_images_exactly() -> None:
    x = image_batch().repeat(50, 1, 1, 1)
    out = augment_batch(x, Augmentation(flip="horizontal", shift=0), torch.Generator().manual_seed(0))
    mirrored = torch.tensor([torch.equal(o, i.flip(-1)) for o, i in zip(out, x, strict=True)])
    unchanged = torch.tensor([torch.equal(o, i) for o, i in zip(out, x, strict=True)])
    assert bool((mirrored ^ unchanged).all())  # each image is one or the other, pixel for pixel
    assert 30 < int(mirrored.sum()) < 70


def test_vertical_flips_mirror_rows_and_no_flip_leaves_images_alone() -> None:
    x = image_batch()
    generator = torch.Generator().manual_seed(1)
    out = torch.cat([augment_batch(x, Augmentation(flip="vertical", shift=0), generator) for _ in range(20)])
    assert all(torch.equal(o, i.flip(-2)) or torch.equal(o, i) for o, i in zip(out, x.repeat(20, 1, 1, 1), strict=True))
    assert torch.equal(augment_batch(x, Augmentation(flip="none", shift=0), generator), x)


def test_shifts_move_whole_pixels_and_fill_with_zero() -> None:
    x = image_batch()
    out = augment_batch(x, Augmentation(shift=2), torch.Generator().manual_seed(3))
    for moved, original in zip(out, x, strict=True):
        kept = moved[moved != 0]
        assert torch.isin(kept, original).all()  # every value is one of the image's own: no interpolation
        assert len(kept) >= 3 * 4  # at most 2 rows and 2 columns shifted out


def test_crops_scale_back_to_the_input_size_and_noise_is_seeded() -> None:
    x = torch.randn(8, 3, 16, 16)
    one = augment_batch(x, Augmentation(shift=0, crop=0.3, noise=0.1), torch.Generator().manual_seed(5))
    two = augment_batch(x, Augmentation(shift=0, crop=0.3, noise=0.1), torch.Generator().manual_seed(5))
    assert one.shape == x.shape and torch.equal(one, two) and not torch.equal(one, x)


def test_table_noise_spares_one_hot_and_binary_columns() -> None:
    rng = np.random.default_rng(0)
    x = torch.tensor(np.c_[rng.normal(size=200), rng.integers(0, 2, 200), rng.normal(size=200)], dtype=torch.float32)
    mask = continuous_features(x)
    assert mask is not None and mask.tolist() == [True, False, True]
    out = augment_batch(x, Augmentation(noise=0.5), torch.Generator().manual_seed(0), continuous=mask)
    assert torch.equal(out[:, 1], x[:, 1]) and not torch.equal(out[:, 0], x[:, 0])
    assert float((out[:, 0] - x[:, 0]).std()) == pytest.approx(0.5, rel=0.2)


def test_early_stopping_stops_after_its_patience_and_keeps_the_best_epoch(shapes: TensorData) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(math.prod(shapes.input_shape), 256), nn.ReLU(), nn.Linear(256, 3))
    x, y = shapes.x_train[:24], shapes.y_train[:24]  # 24 samples: memorized long before 200 epochs end
    val_losses: list[float] = []

    class Watch:
        def on_first_batch(self, xb: torch.Tensor, index: torch.Tensor) -> None: ...
        def on_step(self, stats: object) -> None: ...
        def on_epoch(self, end: object) -> None:
            val_losses.append(end.val.loss)  # type: ignore[attr-defined]

    result = fit(model, x, y, epochs=200, lr=3e-3, val=(shapes.x_val, shapes.y_val), patience=2, recorder=Watch())
    assert result.stopped_epoch == len(val_losses) < 200
    assert result.best_epoch == int(np.argmin(val_losses)) + 1 == result.stopped_epoch - 2
    assert result.val is not None and result.val.loss == pytest.approx(min(val_losses))
    assert evaluate(model, shapes.x_val, shapes.y_val).loss == pytest.approx(min(val_losses))  # best weights back


def test_a_training_fraction_is_stratified_nested_and_leaves_validation_alone(shapes_folder: Path) -> None:
    dataset = load_dataset(shapes_folder)
    full = prepare_data(dataset)
    quarter = prepare_data(dataset, train_fraction=0.25)
    half = prepare_data(dataset, train_fraction=0.5)
    assert len(full.y_train) == 120 and len(quarter.y_train) == 30 and len(half.y_train) == 60
    assert torch.bincount(quarter.y_train).tolist() == [10, 10, 10]
    assert set(quarter.ids_train) <= set(half.ids_train)
    assert quarter.ids_val == full.ids_val
    assert any("stratified 25% of the training split: 30 of 120" in note for note in quarter.notes)


def test_matching_weights_load_and_give_the_same_outputs(tmp_path: Path) -> None:
    source, target = zoo.mlp_dropout((4,), 3), zoo.mlp_dropout((4,), 3)
    torch.save(source.state_dict(), tmp_path / "w.pt")
    digest = load_weights(target, tmp_path / "w.pt", spec="mlp_dropout")
    x = torch.randn(5, 4)
    assert torch.equal(source.eval()(x), target.eval()(x)) and len(digest) == 64


def test_checkpoints_with_a_state_dict_inside_are_read(tmp_path: Path) -> None:
    model = zoo.mlp_dropout((4,), 3)
    torch.save({"epoch": 3, "state_dict": model.state_dict()}, tmp_path / "ckpt.pt")
    assert set(read_state_dict(tmp_path / "ckpt.pt")) == set(model.state_dict())


def test_a_mismatched_shape_names_the_first_mismatched_layer(tmp_path: Path) -> None:
    torch.save(zoo.mlp_dropout((5,), 3).state_dict(), tmp_path / "w.pt")
    with pytest.raises(ModelError, match=r"layer '1.weight' is shaped \(64, 5\) in the file but \(64, 4\)"):
        load_weights(zoo.mlp_dropout((4,), 3), tmp_path / "w.pt", spec="mlp_dropout")


def test_weights_with_layers_the_model_lacks_are_another_architecture(tmp_path: Path) -> None:
    model = zoo.mlp_dropout((4,), 3)
    torch.save({**model.state_dict(), "head.extra": torch.zeros(1)}, tmp_path / "w.pt")
    with pytest.raises(ModelError, match=r"another architecture.*layer 'head\.extra' is in the file but not in"):
        load_weights(model, tmp_path / "w.pt", spec="mlp_dropout")


class _Planted:
    """Unpickling this would run code: it writes a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(self.marker),))  # type: ignore[return-value]


def test_an_arbitrary_pickle_is_refused_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        with (tmp_path / f"raw{protocol}.pt").open("wb") as handle:
            pickle.dump(_Planted(marker), handle, protocol=protocol)
        with pytest.raises(ModelError):
            read_state_dict(tmp_path / f"raw{protocol}.pt")
    torch.save({"weights": _Planted(marker)}, tmp_path / "saved.pt")
    with pytest.raises(ModelError, match=r"not a plain state_dict: it refers to code .*Unsupported global"):
        read_state_dict(tmp_path / "saved.pt")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not torch", r"'w.pt' is not a PyTorch weights file \(Unsupported operand"),
        (b"PK\x03\x04broken zip", "is not a PyTorch weights file"),
        (None, "does not exist or is not a regular file"),
    ],
)
def test_other_files_are_refused_by_name(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "w.pt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=message):
        read_state_dict(path)


def test_dropout_beside_batchnorm_is_warned_about_and_either_alone_is_not() -> None:
    both = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 2))
    warning = dropout_batchnorm_warning(both)
    assert warning is not None and "Dropout '3', p=0.3" in warning and "BatchNorm ('1')" in warning
    assert dropout_batchnorm_warning(zoo.mlp_dropout((4,), 3)) is None
    assert dropout_batchnorm_warning(zoo.mlp_batchnorm((4,), 3)) is None
    off = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.0), nn.Linear(8, 2))
    assert dropout_batchnorm_warning(off) is None  # p = 0 drops nothing


class _DeclaredBackwards(nn.Module):
    """The head is declared first, the conv runs first: the forward pass decides which layer is first."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(4 * 6 * 6, 3)
        self.conv = nn.Conv2d(1, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.conv(x).flatten(1))


def test_the_first_layer_is_the_first_one_a_forward_pass_runs() -> None:
    layer = first_layer(_DeclaredBackwards(), torch.zeros(2, 1, 8, 8))
    assert layer is not None and layer.name == "conv" and layer.kind == "conv" and layer.weight.shape == (4, 1, 3, 3)
    linear = first_layer(zoo.mlp_dropout((4,), 3), torch.zeros(2, 4))
    assert linear is not None and linear.name == "1" and linear.kind == "linear" and linear.weight.shape == (64, 4)
    assert first_layer(nn.Sequential(nn.Flatten()), torch.zeros(2, 4)) is None
