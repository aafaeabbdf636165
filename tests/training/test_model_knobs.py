"""Weight decay, dropout, width and depth: the knobs tuning and regularizing turn, and their defaults unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from recipe_dash import jobs, workspace
from recipe_dash.errors import OptionError
from recipe_dash.store import open_store
from recipe_dash.training import runs
from recipe_dash.training.builtin_models import cnn, mlp
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.data import TensorData
from recipe_dash.training.loop import fit
from recipe_dash.training.models import ModelError, build_model, builder_keywords, configure, resolve_model


def layers(model: nn.Module, kind: type[nn.Module]) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, kind)]


def test_default_builtins_keep_their_layers() -> None:
    """Two hidden layers of 128 and 16-32-64 channels, no dropout layer: runs recorded before stay comparable."""
    net = mlp((64,), 10)
    assert [(m.in_features, m.out_features) for m in layers(net, nn.Linear)] == [(64, 128), (128, 128), (128, 10)]
    conv = cnn((1, 32, 32), 10)
    assert [m.out_channels for m in layers(conv, nn.Conv2d)] == [16, 32, 64]
    assert len(layers(conv, nn.MaxPool2d)) == 2 and not layers(net, nn.Dropout) and not layers(conv, nn.Dropout)


def test_width_depth_and_dropout_shape_the_builtins() -> None:
    net = mlp((64,), 10, width=32, depth=3, dropout=0.25)
    assert [(m.in_features, m.out_features) for m in layers(net, nn.Linear)] == [(64, 32), (32, 32), (32, 32), (32, 10)]
    assert [m.p for m in layers(net, nn.Dropout)] == [0.25] * 3
    conv = cnn((1, 8, 8), 10, width=4, depth=5, dropout=0.5)  # deeper than 8 pixels can be halved: pools stop at 1
    assert [m.out_channels for m in layers(conv, nn.Conv2d)] == [4, 8, 16, 32, 64]
    assert len(layers(conv, nn.MaxPool2d)) == 3 and [m.p for m in layers(conv, nn.Dropout)] == [0.5]
    assert conv(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_config_passes_only_the_knobs_that_are_set() -> None:
    assert TrainConfig().model_options() == {}
    assert TrainConfig(dropout=0.1, width=64).model_options() == {"dropout": 0.1, "width": 64}
    assert TrainConfig.from_dict(TrainConfig(weight_decay=1e-4, depth=3).to_dict()).depth == 3


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\), got 1.0"),
        ({"weight_decay": -1e-4}, "weight_decay must be at least 0"),
        ({"width": 0}, "width must be at least 1"),
        ({"depth": 2.5}, "depth must be an integer"),
    ],
)
def test_bad_knob_values_name_the_knob(values: dict[str, object], message: str) -> None:
    with pytest.raises(OptionError, match=message):
        TrainConfig(**values)  # type: ignore[arg-type]


def test_a_builder_that_cannot_take_a_knob_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="'logistic' takes no dropout option"):
        configure(resolve_model("logistic"), {"dropout": 0.2})
    plain = tmp_path / "plain.py"
    plain.write_text("import torch\n\ndef build(input_shape, n_classes):\n    return torch.nn.Linear(4, n_classes)\n")
    with pytest.raises(ModelError, match=r"takes no width option.*build\(input_shape, n_classes, width=\.\.\.\)"):
        configure(resolve_model(f"{plain}:build"), {"width": 8})
    assert configure(resolve_model(f"{plain}:build"), {}).options == {}  # nothing set: any builder works


def test_a_model_file_receives_the_knobs_it_declares(tmp_path: Path) -> None:
    wide = tmp_path / "wide.py"
    wide.write_text(
        "import torch\n\ndef build(input_shape, n_classes, width=3, **extra):\n"
        "    return torch.nn.Sequential(torch.nn.Linear(4, width), torch.nn.Linear(width, n_classes))\n"
    )
    source = configure(resolve_model(f"{wide}:build"), {"width": 7, "dropout": 0.1})
    model = build_model(source, (4,), 2, seed=0, example=torch.zeros(2, 4))
    assert model[0].out_features == 7


def test_a_model_files_keywords_are_read_without_running_it(tmp_path: Path) -> None:
    path = tmp_path / "net.py"
    path.write_text(
        "raise SystemExit('never run')\n\n"
        "def build(input_shape, n_classes, width=64, depth=SIZE, *, dropout=0.1, **extra):\n    pass\n"
    )
    keywords = builder_keywords(f"{path}:build")
    assert keywords.defaults == {"width": 64, "depth": None, "dropout": 0.1} and keywords.any
    plain = builder_keywords("logistic")
    assert plain.defaults == {} and not plain.any and plain.refused(["width"]) == ["width"]
    assert builder_keywords("mlp").defaults == {"width": 128, "depth": 2, "dropout": 0.0}
    with pytest.raises(ModelError, match="has no function 'make'"):
        builder_keywords(f"{path}:make")
    with pytest.raises(ModelError, match="is outside the model folders"):
        builder_keywords(f"{path}:build", allowed_dirs=[tmp_path / "models"])


def test_weight_decay_shrinks_the_weights(shapes: TensorData) -> None:
    def weight_norm(weight_decay: float) -> float:
        model = build_model(resolve_model("mlp"), shapes.input_shape, 3, seed=0, example=shapes.x_train)
        fit(
            model,
            shapes.x_train,
            shapes.y_train,
            epochs=10,
            batch_size=16,
            lr=1e-2,
            optimizer="adamw",
            weight_decay=weight_decay,
        )
        return float(torch.cat([p.detach().ravel() for p in model.parameters()]).norm())

    assert weight_norm(1.0) < 0.8 * weight_norm(0.0)


def test_a_run_builds_its_model_with_the_configured_knobs(shapes_folder: Path) -> None:
    store = open_store()
    dataset_id, _ = workspace.open_dataset(store, shapes_folder)
    config = TrainConfig(model="mlp", width=16, depth=1, dropout=0.2, weight_decay=1e-3, epochs=1)
    job_id = jobs.create_job(store, runs.TRAIN_JOB, config.to_dict(), dataset_id)
    jobs.run_job(store, job_id)
    assert jobs.get_job(store, job_id).status == "done"
    refused = jobs.create_job(store, runs.TRAIN_JOB, TrainConfig(model="logistic", dropout=0.2).to_dict(), dataset_id)
    jobs.run_job(store, refused)
    job = jobs.get_job(store, refused)
    assert job.status == "failed" and "'logistic' takes no dropout option" in job.error
