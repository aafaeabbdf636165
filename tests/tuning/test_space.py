"""Search spaces: declared in YAML, JSON or a dict, the default per model, and one clear message per bad space."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

from recipe_dash.errors import OptionError
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.models import builder_keywords
from recipe_dash.tuning.space import (
    Choice,
    Range,
    default_space,
    load_space,
    parse_space,
    space_from_table,
    space_table,
)

SPACE_YAML = """\
lr: {low: 1e-4, high: 1.0e-2, log: true}   # 1e-4 without a dot is text to YAML 1.1: read as the number
weight_decay: {low: 1.0e-6, high: 1.0e-2, log: true}
dropout: {low: 0.0, high: 0.5}
batch_size: [32, 64, 128]
width: {low: 8, high: 64, log: true}
depth: {low: 1, high: 3}
augment: [false, true]
"""


def test_a_yaml_space_reads_ranges_by_the_settings_types(tmp_path: Path) -> None:
    path = tmp_path / "space.yaml"
    path.write_text(SPACE_YAML)
    space = load_space(path)
    assert space.names == ("lr", "weight_decay", "dropout", "batch_size", "width", "depth", "augment")
    lr, width = space.params[0], space.params[4]
    assert lr == Range("lr", 1e-4, 1e-2, log=True) and not lr.integer
    assert isinstance(width, Range) and width.integer and width.log
    assert space.params[3] == Choice("batch_size", (32, 64, 128))
    assert parse_space(space.to_json()) == space  # what the study stores reads back the same


def test_json_spaces_and_dicts_read_the_same(tmp_path: Path) -> None:
    path = tmp_path / "space.json"
    path.write_text('{"lr": {"low": 0.0001, "high": 0.01, "log": true}, "optimizer": ["adam", "sgd"]}')
    assert load_space(path) == parse_space(
        {"lr": {"low": 1e-4, "high": 1e-2, "log": True}, "optimizer": ["adam", "sgd"]}
    )


def test_draws_stay_in_their_ranges_with_their_types() -> None:
    space = parse_space(
        {
            "lr": {"low": 1e-4, "high": 1e-2, "log": True},
            "width": {"low": 8, "high": 64, "log": True},
            "dropout": {"low": 0.0, "high": 0.5, "step": 0.1},
            "augment": [False, True],
        }
    )
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    draws = []
    for _ in range(30):
        trial = study.ask()
        draws.append(space.suggest(trial))
        study.tell(trial, 0.0)
    assert all(1e-4 <= d["lr"] <= 1e-2 and 8 <= d["width"] <= 64 and isinstance(d["width"], int) for d in draws)
    assert {round(d["dropout"], 6) for d in draws} <= {0.0, 0.1, 0.2, 0.3, 0.4, 0.5}
    assert {d["augment"] for d in draws} == {False, True}
    TrainConfig(**draws[0])  # every draw is a valid config


def test_default_space_follows_the_model(tmp_path: Path) -> None:
    mlp = default_space(builder_keywords("mlp")).to_json()
    assert set(mlp) == {"lr", "weight_decay", "batch_size", "dropout", "width"}
    assert mlp["lr"] == {"low": 1e-4, "high": 1e-2, "log": True} and mlp["width"] == {
        "low": 32,
        "high": 256,
        "log": True,
    }
    assert default_space(builder_keywords("auto", kind="image")).to_json()["width"] == {
        "low": 4,
        "high": 32,
        "log": True,
    }
    assert set(default_space(builder_keywords("logistic")).names) == {"lr", "weight_decay", "batch_size"}
    own = tmp_path / "own.py"
    own.write_text("def build(input_shape, n_classes, dropout=0.1, **extra):\n    raise NotImplementedError\n")
    assert set(default_space(builder_keywords(f"{own}:build")).names) == {"lr", "weight_decay", "batch_size", "dropout"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"lr": {"low": 0.1, "high": 0.01}}, "Search space: lr has low 0.1 above high 0.01; swap them."),
        ({"lrate": {"low": 1e-4, "high": 1e-2}}, "Search space: unknown parameter 'lrate'. Tunable: augment, "),
        ({"lr": {"low": 0.0, "high": 0.1, "log": True}}, "lr low: lr must be greater than 0, got 0.0"),
        (
            {"weight_decay": {"low": 0, "high": 0.1, "log": True}},
            "Search space: weight_decay is log-uniform, so low must be above 0, got 0.0.",
        ),
        ({"batch_size": []}, "Search space: batch_size has an empty choice list; give at least one value."),
        ({"dropout": {"low": 0.0, "high": 1.5}}, r"Search space: dropout high: dropout must be in \[0, 1\), got 1.5"),
        ({"augment": {"low": 0, "high": 1}}, "Search space: augment takes a list of choices"),
        ({"optimizer": ["adam", "rmsprop"]}, "Search space: optimizer a choice: Unknown optimizer 'rmsprop'"),
        ({"batch_size": [32, "many"]}, "Search space: batch_size a choice must be a number, got 'many'"),
        ({"width": {"low": 8}}, r"Search space: width needs a range \{low: ..., high: ...\}"),
        ({"lr": {"low": 1e-4, "high": 1e-2, "log": True, "step": 1e-4}}, "lr cannot have both log: true and a step"),
        ({"width": {"low": 8, "high": 64, "step": 2.5}}, "width is an integer, so its step must be one"),
        ({"batch_size": [32, 32]}, "batch_size lists a choice twice"),
        ({}, "Search space is empty"),
        (["lr"], "Search space must map parameters to ranges or choices"),
    ],
)
def test_a_bad_space_is_one_message_naming_the_parameter(spec: object, message: str) -> None:
    with pytest.raises(OptionError, match=message) as caught:
        parse_space(spec)
    assert "\n" not in str(caught.value)


def test_unreadable_and_malformed_files_say_which_file(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="Cannot read the search space file"):
        load_space(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("lr: {low: 1e-4, high: [\n")
    with pytest.raises(OptionError, match=r"'.*broken.yaml' is not valid YAML: .*line 2") as caught:
        load_space(broken)
    assert "\n" not in str(caught.value)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{'lr': 1}")
    with pytest.raises(OptionError, match="is not valid JSON"):
        load_space(bad_json)


def test_the_page_table_reads_back_as_the_space_it_shows() -> None:
    shown = space_table(default_space(builder_keywords("mlp")))
    assert [row["parameter"] for row in shown if row["vary"]] == [
        "lr",
        "weight_decay",
        "batch_size",
        "dropout",
        "width",
    ]
    assert [row["parameter"] for row in shown if not row["vary"]] == ["depth", "epochs", "augment", "optimizer"]
    assert space_from_table(shown) == default_space(builder_keywords("mlp"))
    for row in shown:
        row["vary"] = row["parameter"] in ("lr", "augment", "optimizer")
    shown[-1]["choices"] = "adam, sgd"
    assert space_from_table(shown).to_json() == {
        "lr": {"low": 1e-4, "high": 1e-2, "log": True},
        "augment": [False, True],
        "optimizer": ["adam", "sgd"],
    }


def test_an_emptied_cell_of_the_page_table_is_named() -> None:
    rows = space_table(default_space(builder_keywords("logistic")))
    rows[0]["high"] = float("nan")  # what the editor gives for a cleared number
    with pytest.raises(OptionError, match=r"Search space: lr high must be a number, got None\."):
        space_from_table(rows)
    rows[0]["high"], rows[0]["choices"] = 0.01, "0.001, {"  # text YAML cannot read stays text, and is refused
    with pytest.raises(OptionError, match=r"Search space: lr a choice must be a number, got '\{'"):
        space_from_table(rows)
