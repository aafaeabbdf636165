"""Baselines, the learning-rate finder and signals added one at a time, on data where the answer is known."""

from __future__ import annotations

import pytest

from recipe_dash.errors import DataError
from recipe_dash.training.baselines import YOUR_MODEL, run_baselines
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.data import TensorData
from recipe_dash.training.lr_finder import find_lr
from recipe_dash.training.models import resolve_model
from recipe_dash.training.signals import add_signals


def test_baselines_table_and_a_real_model_beats_them_all(shapes: TensorData) -> None:
    table = run_baselines(shapes, resolve_model("mlp"), TrainConfig(epochs=5, lr=3e-3, batch_size=16))
    assert list(table["baseline"]) == [
        "majority class",
        "input-independent (zeroed inputs)",
        "logistic regression",
        "small CNN",
        YOUR_MODEL,
    ]
    majority = table.iloc[0]
    assert majority["val_accuracy"] == pytest.approx(1 / 3) and majority["val_loss"] == pytest.approx(1.0986, abs=1e-3)
    assert table["beaten"].iloc[:2].all() and table["beaten"].iloc[-1] is None


def test_a_model_ignoring_its_input_does_not_beat_the_baselines(shapes: TensorData) -> None:
    table = run_baselines(shapes, resolve_model("tests.training.zoo:ignores_input"), TrainConfig(epochs=3, lr=3e-3))
    assert not table.set_index("baseline").loc["logistic regression", "beaten"]


def test_a_baseline_identical_to_the_chosen_model_is_not_listed_twice(table: TensorData) -> None:
    names = run_baselines(table, resolve_model("logistic"), TrainConfig(epochs=1))["baseline"].tolist()
    assert "logistic regression" not in names and "small MLP" in names


def test_lr_finder_suggests_a_sane_rate_and_stops_when_the_loss_blows_up(table: TensorData) -> None:
    """On noisy labels (standardized shapes are separable enough that no rate up to 10 hurts them)."""
    curve = find_lr(resolve_model("mlp"), table, batch_size=16)
    assert 1e-5 < curve.suggested < 1.0
    assert len(curve.lrs) < 100 and curve.lrs == sorted(curve.lrs)  # stopped before 10
    assert max(curve.losses[-5:]) > min(curve.losses)
    assert "Suggested learning rate" in curve.note


def test_signals_show_the_informative_group_and_not_the_noise(table: TensorData) -> None:
    steps = add_signals(
        table, resolve_model("logistic"), TrainConfig(epochs=20, lr=1e-2), order=["noise …", "signal …"]
    )
    assert list(steps["added"]) == ["(none: inputs zeroed)", "noise …", "signal …"]
    assert list(steps["n_features"]) == [0, 3, 5]
    assert abs(steps["accuracy_gain"].iloc[1]) < 0.15 and steps["accuracy_gain"].iloc[2] > 0.3


def test_signals_need_a_table_and_known_groups(shapes: TensorData, table: TensorData) -> None:
    with pytest.raises(DataError, match="need a table"):
        add_signals(shapes, resolve_model("mlp"), TrainConfig())
    with pytest.raises(DataError, match="Unknown feature group"):
        add_signals(table, resolve_model("mlp"), TrainConfig(), order=["colour"])
