"""Plans are checked before anything runs, and say what they left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from recipe_dash.errors import OptionError
from recipe_dash.io import load_dataset
from recipe_dash.regularize import learning_curve_plan, native_size, sweep_plan
from recipe_dash.training.config import TrainConfig


def test_a_learning_curve_needs_three_fractions_in_range() -> None:
    with pytest.raises(OptionError, match="at least 3 different fractions, got 2"):
        learning_curve_plan(TrainConfig(), (0.5, 1.0, 1.0))
    with pytest.raises(OptionError, match="fraction must be"):
        learning_curve_plan(TrainConfig(), (0.0, 0.5, 1.0))


def test_an_image_sweep_halves_size_width_and_batch_of_the_builtin_cnn(shapes_folder: Path) -> None:
    dataset = load_dataset(shapes_folder)
    assert native_size(dataset) == (12, 12)
    base = TrainConfig(dropout=0.2, weight_decay=0.1, augment=True, early_stopping=5, input_size=(16, 16))
    plan = sweep_plan(base, "image", native_size=native_size(dataset))
    reference = plan.members[0].config
    assert (reference.dropout, reference.weight_decay, reference.augment) == (0, 0, False)
    assert reference.early_stopping is None and reference.input_size == (16, 16)
    labels = [m.label for m in plan.members]
    assert labels == [
        "unregularized",
        "input 8x8",
        "width 8",
        "batch 16",
        "dropout 0.3",
        "weight decay 0.001",
        "early stopping, patience 3",
        "augmentation",
    ]
    augmented = plan.members[-1].config
    assert augmented.augment and augmented.crop == 0.1 and augmented.flip == "none"


def test_explicit_values_are_checked_and_refused_by_name() -> None:
    with pytest.raises(OptionError, match=r"dropout must be in \[0, 1\), got 1.5"):
        sweep_plan(TrainConfig(), "table", choices={"dropout": [1.5]})
    with pytest.raises(OptionError, match="Unknown regularizer"):
        sweep_plan(TrainConfig(), "table", choices={"mixup": [0.2]})
    with pytest.raises(OptionError, match="'logistic' takes no dropout option"):
        sweep_plan(TrainConfig(model="logistic"), "table", choices={"dropout": [0.3]})
    with pytest.raises(OptionError, match="smaller inputs are for images"):
        sweep_plan(TrainConfig(), "table", choices={"input_size": [8]})


def test_a_table_sweep_adds_noise_as_its_augmentation() -> None:
    plan = sweep_plan(TrainConfig(), "table", choices={"augment": [], "dropout": [0.1, 0.5]})
    assert [m.label for m in plan.members] == ["unregularized", "dropout 0.1", "dropout 0.5", "augmentation"]
    assert plan.members[-1].config.noise == 0.1
