"""Every planted bug is caught by a failing check; no correct model fails any check."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from recipe_dash.evidence import jsonable
from recipe_dash.plots import model_check_figure
from recipe_dash.training.data import TensorData
from recipe_dash.training.model_checks import MODEL_CHECKS, run_model_checks
from recipe_dash.training.models import ModelError, ModelSource, resolve_model
from tests.training import zoo

CORRECT = [
    "logistic",
    "mlp",
    "cnn",
    "examples/models/small_cnn.py:build",
    "tests.training.zoo:cnn_batchnorm",
    "tests.training.zoo:mlp_log_softmax",
    "tests.training.zoo:mlp_dropout",
]
BUGS = {  # model -> checks that must fail
    "batch_mixing_mean": {"batch_independence"},
    "batch_mixing_reshape": {"batch_independence"},
    "softmax_before_loss": {"loss_at_init", "overfit_one_batch"},
    "huge_init": {"loss_at_init", "init_well"},
    "frozen_layers": {"gradient_flow"},
    "ignores_input": {"input_independent"},
    "log_of_input": {"nan_inf"},
    "unseeded_noise": {"reproducible"},
    "head_100x": {"loss_at_init"},
    "head_100x_batchnorm": {"loss_at_init"},
    "cnn_head_100x": {"loss_at_init"},
}


def verdicts(spec: str, data: TensorData) -> dict[str, str]:
    results = run_model_checks(resolve_model(spec, kind=data.kind), data)
    assert [r.name for r in results] == list(MODEL_CHECKS)
    assert all(r.evidence for r in results)
    return {r.name: r.verdict for r in results}


@pytest.mark.parametrize("spec", CORRECT)
def test_correct_image_models_fail_no_check(spec: str, shapes: TensorData) -> None:
    found = verdicts(spec, shapes)
    assert "fail" not in found.values(), found


@pytest.mark.parametrize("spec", ["logistic", "mlp", "tests.training.zoo:mlp_log_softmax"])
def test_correct_table_models_fail_no_check(spec: str, table: TensorData) -> None:
    found = verdicts(spec, table)
    assert "fail" not in found.values(), found


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_every_planted_bug_fails_its_check(bug: str, shapes: TensorData) -> None:
    found = verdicts(f"tests.training.zoo:{bug}", shapes)
    assert {name for name, verdict in found.items() if verdict == "fail"} >= BUGS[bug], found


@pytest.mark.parametrize("bug", ["batch_mixing_reshape", "softmax_before_loss", "frozen_layers", "ignores_input"])
def test_bugs_are_caught_on_tables_too(bug: str, table: TensorData) -> None:
    found = verdicts(f"tests.training.zoo:{bug}", table)
    assert {name for name, verdict in found.items() if verdict == "fail"} >= BUGS[bug], found


def test_failing_evidence_says_what_to_do(shapes: TensorData) -> None:
    results = {r.name: r for r in run_model_checks(resolve_model("tests.training.zoo:frozen_layers"), shapes)}
    assert "frozen (1.weight, 1.bias)" in results["gradient_flow"].evidence
    results = {r.name: r for r in run_model_checks(resolve_model("tests.training.zoo:softmax_before_loss"), shapes)}
    assert "remove the final softmax" in results["loss_at_init"].evidence


def test_batch_independence_charts_only_the_diagonal(shapes: TensorData) -> None:
    result = next(
        r
        for r in run_model_checks(resolve_model("tests.training.zoo:cnn_batchnorm"), shapes)
        if r.name == "batch_independence"
    )
    matrix = result.details["dependency"]
    assert all(matrix[i][i] > 0 for i in range(len(matrix)))
    assert all(matrix[i][j] == 0 for i in range(len(matrix)) for j in range(len(matrix)) if i != j)


@pytest.mark.parametrize(
    ("bug", "message"),
    [
        ("wrong_shape", "expected float logits shaped (2, 3)"),
        ("not_a_module", "not a torch.nn.Module"),
        ("raises", "raised RuntimeError: no GPU here"),
    ],
)
def test_models_that_do_not_build_are_refused_with_a_message(bug: str, message: str, shapes: TensorData) -> None:
    with pytest.raises(ModelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_model_checks(ModelSource(bug, getattr(zoo, bug)), shapes)


def test_every_evidence_plot_finds_the_details_it_reads(shapes: TensorData) -> None:
    """The Model checks page draws these from the job's JSON: a renamed key must fail here, not on the page."""
    results = run_model_checks(resolve_model("cnn", kind=shapes.kind), shapes)
    stored = json.loads(json.dumps([jsonable(asdict(r)) for r in results]))  # as the worker saves them
    drawn = {c["name"] for c in stored if model_check_figure(c["name"], c["details"]) is not None}
    assert drawn == {"init_well", "overfit_one_batch", "decreasing_loss", "gradient_flow", "batch_independence"}


CHECK_CONFIG_BAD = {
    "batch_size": [0, 2.5],
    "measure_size": [0, 16],  # 16 is below the default batch_size (32): the batch is its first rows
    "lr": [0, -1e-3, float("nan")],
    "optimizer": ["rmsprop"],
    "steps": [0],
    "overfit_size": [0],
    "overfit_steps": [0, 1.5],
    "overfit_max_steps": [0, 100],  # 100 is below overfit_steps (400): the extension would end before it starts
    "repeat_steps": [-1],
    "dependency_size": [1, 64],  # 64 is above batch_size: the pairs are taken from the batch
    "seed": [-1, 2**32],
}


def test_every_check_config_field_has_bad_values_here() -> None:
    from dataclasses import fields

    from recipe_dash.training.probe import CheckConfig

    assert set(CHECK_CONFIG_BAD) == {f.name for f in fields(CheckConfig)}


@pytest.mark.parametrize(
    ("field", "value"), [(f, v) for f, values in CHECK_CONFIG_BAD.items() for v in values], ids=repr
)
def test_check_config_refuses_a_bad_value_by_name(field: str, value: object) -> None:
    from recipe_dash.errors import OptionError
    from recipe_dash.training.probe import CheckConfig

    with pytest.raises(OptionError) as caught:
        CheckConfig(**{field: value})
    assert field in str(caught.value) and repr(value) in str(caught.value)


@pytest.mark.parametrize("kind", ["images", "table"])
@pytest.mark.parametrize(
    "spec",
    [
        "logistic",
        "tests.training.zoo:mlp_batchnorm",
        "tests.training.zoo:mlp_layernorm",
        "tests.training.zoo:mlp_dropout",
        "tests.training.zoo:residual_mlp",
    ],
)
def test_correct_linear_and_normalized_models_fail_no_check_on_digits(
    spec: str, kind: str, digits8: dict[str, TensorData]
) -> None:
    """The 8x8 digits as dim images and as a table: a correct model, linear ones included, fails nothing."""
    found = verdicts(spec, digits8[kind])
    assert "fail" not in found.values(), found


@pytest.mark.parametrize("kind", ["images", "table"])
def test_a_linear_model_overfits_one_batch_on_images_as_on_the_table(kind: str, digits8: dict[str, TensorData]) -> None:
    result = next(
        r for r in run_model_checks(resolve_model("logistic"), digits8[kind]) if r.name == "overfit_one_batch"
    )
    assert result.verdict == "pass", result.evidence


@pytest.mark.parametrize("kind", ["images", "table"])
@pytest.mark.parametrize("bug", ["head_100x", "head_100x_batchnorm"])
def test_an_oversized_last_layer_fails_loss_at_init_on_images_and_tables(
    bug: str, kind: str, digits8: dict[str, TensorData]
) -> None:
    results = {r.name: r for r in run_model_checks(resolve_model(f"tests.training.zoo:{bug}"), digits8[kind])}
    assert results["loss_at_init"].verdict == "fail", results["loss_at_init"].evidence
    assert results["loss_at_init"].details["head_scale"] > 50


def test_a_plateau_fails_overfit_one_batch_and_a_slow_steady_fall_only_warns(shapes: TensorData) -> None:
    """The softmax bug levels off above zero; a linear model with too little budget is still falling."""
    from recipe_dash.training.probe import CheckConfig

    plateau = run_model_checks(resolve_model("tests.training.zoo:softmax_before_loss"), shapes)
    assert next(r for r in plateau if r.name == "overfit_one_batch").verdict == "fail"
    tight = CheckConfig(overfit_steps=50, overfit_max_steps=50)
    slow = run_model_checks(resolve_model("logistic"), shapes, config=tight)
    result = next(r for r in slow if r.name == "overfit_one_batch")
    assert result.verdict == "warn" and "Still falling" in result.evidence
