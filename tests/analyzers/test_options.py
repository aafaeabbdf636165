"""Every option of every data check, and of the functions that run them, is checked before any work:
a bad value raises OptionError naming the option and the value given, in scikit-learn's manner.

"Before any work" is proven by handing the check a dataset and features that fail on first touch:
an option checked late would reach them first and raise AssertionError instead.
"""

from __future__ import annotations

import inspect
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from recipe_dash.analyzers import ANALYZERS, run_checks, start_analysis
from recipe_dash.errors import OptionError, RecipeDashError

NAN = float("nan")
# (check, option) -> values it must refuse: wrong type, out of range, crossing its paired threshold.
BAD_OPTIONS: dict[str, dict[str, list[Any]]] = {
    "duplicates": {"min_evidence": [0.1, 1.5, NAN, "0.5", True], "max_jitter": [-0.01, 1.5, NAN, None]},
    "corruption": {
        "min_side": [0, 4.5, "8"],
        "max_aspect": [0.5, NAN],
        "max_missing": [-0.1, 1.1, 0.01],  # 0.01 is below the default isolated_missing (0.05)
        "isolated_missing": [-0.1, 0.6],  # 0.6 is above the default max_missing (0.5)
    },
    "imbalance": {"warn_ratio": [0, 1.5, 0.05], "fail_ratio": [-0.1, 0.9, "0.1"]},
    "label_noise": {
        "n_folds": [1, 2.5, "5"],
        "seed": [-1, 2**32, 0.5],
        "embedding": [42, [], ["a", 3], [""]],
        "exclude_leaks": [0, "no", None],
        "step": [42, "fold"],
        "max_train_samples": [0, 10.5],
        "warn_rate": [-0.01, 0.5],  # 0.5 is above the default fail_rate (0.1)
        "fail_rate": [1.5, 0.001],  # 0.001 is below the default warn_rate (0.01)
        "max_score_rows": [-1, 1.5],
        "cache_dir": [42, b"/tmp"],
    },
    "outliers": {
        "embedding": [42, ()],
        "threshold": [0, -3, float("inf")],
        "n_neighbors": [0, 2.5],
        "max_reference": [10, 0],  # the kNN view needs n_neighbors + 1 (11) reference rows
        "n_estimators": [0, "200"],
        "max_share": [0, 1.5],
        "max_score_rows": [-5],
        "seed": [-1, None],
    },
    "biases": {
        "n_folds": [1, 0],
        "seed": [-2],
        "leak_threshold": [0, 1.2],
        "bias_threshold": [0, -0.5, 2],
    },
    "distributions": {
        "n_bins": [1, 10.5],
        "psi_warn": [0, 0.5],  # 0.5 is above the default psi_fail (0.25)
        "psi_fail": [-1, 0.05],  # 0.05 is below the default psi_warn (0.1)
        "alpha": [0, 1, 1.5],
    },
    "local_global": {
        "patch_side": [1, 16, 8.5],
        "patches_per_image": [0],
        "local_share": [0, 1.5],
        "n_folds": [1],
        "max_samples": [9, 0],  # n_folds (5) images of each of two classes is 10
        "seed": [-1],
    },
}
CASES = [
    (check, option, value)
    for check, options in BAD_OPTIONS.items()
    for option, values in options.items()
    for value in values
]


class Untouchable:
    """A dataset, features or store whose first use fails: work started before the options were checked."""

    def __init__(self, what: str) -> None:
        self._what = what

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"{self._what}.{name} was read before the options were checked")

    def __len__(self) -> int:
        raise AssertionError(f"len({self._what}) was taken before the options were checked")


def options_of(function: Any) -> set[str]:
    return {p.name for p in inspect.signature(function).parameters.values() if p.kind is p.KEYWORD_ONLY}


@pytest.mark.parametrize("check", list(ANALYZERS))
def test_every_option_of_every_check_has_bad_values_here(check: str) -> None:
    """A new option must come with its validation: add its bad values above."""
    assert set(BAD_OPTIONS[check]) == options_of(ANALYZERS[check])


@pytest.mark.parametrize(("check", "option", "value"), CASES, ids=[f"{c}-{o}-{v!r}" for c, o, v in CASES])
def test_a_bad_option_is_refused_by_name_before_any_work(check: str, option: str, value: Any) -> None:
    with pytest.raises(OptionError) as caught:
        ANALYZERS[check](Untouchable("dataset"), Untouchable("features"), **{option: value})
    message = str(caught.value)
    assert option in message and repr(value) in message, message
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, RecipeDashError)


@pytest.mark.parametrize("check", list(ANALYZERS))
def test_the_defaults_pass_the_checks(check: str) -> None:
    """With every default, the options are fine and the check goes on to read the dataset."""
    with pytest.raises(AssertionError, match="before the options were checked"):
        ANALYZERS[check](Untouchable("dataset"), Untouchable("features"))


def test_the_message_says_the_range_and_why() -> None:
    with pytest.raises(OptionError) as caught:
        ANALYZERS["local_global"](Untouchable("dataset"), Untouchable("features"), patch_side=16)
    assert str(caught.value) == "patch_side must be between 2 and 15 (thumbnails are 16x16), got 16."
    with pytest.raises(OptionError) as caught:
        ANALYZERS["label_noise"](Untouchable("dataset"), Untouchable("features"), seed=-1)
    assert str(caught.value) == "seed must be between 0 and 4294967295, got -1."


RUN_BAD: list[tuple[str, Any]] = [
    ("checks", ["dupes"]),
    ("checks", ""),
    ("checks", 42),
    ("checks", [3]),
    ("executor", "spark"),
    ("executor", 42),
    ("progress", 42),
    ("cache_dir", 42),
    ("embedding", 42),
    ("embedding", []),
]


@pytest.mark.parametrize(("option", "value"), RUN_BAD)
def test_run_checks_refuses_bad_options_before_the_feature_pass(option: str, value: Any) -> None:
    with pytest.raises(OptionError, match="check" if option == "checks" else option):
        run_checks(Untouchable("dataset"), **{option: value})


def test_run_checks_options_all_have_bad_values_here() -> None:
    assert {o for o, _ in RUN_BAD} == options_of(run_checks)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("checks", ["dupes"]),
        ("executor", "spark"),
        ("executor", ThreadPoolExecutor),
        ("embedding", 42),
        ("embedding", ","),
    ],
)
def test_start_analysis_refuses_bad_options_before_submitting(option: str, value: Any) -> None:
    with pytest.raises(OptionError, match="check" if option == "checks" else option):
        start_analysis(Untouchable("store"), 1, **{option: value})


@pytest.mark.parametrize(
    ("option", "value"),
    [("checks", "dupes"), ("executor", "spark"), ("embedding", 42), ("label_column", 42)],
)
def test_the_python_api_refuses_bad_options_before_reading(
    option: str, value: Any, image_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import recipe_dash
    from recipe_dash.io import loading

    monkeypatch.setattr(loading, "load_images", lambda *a, **k: pytest.fail("the dataset was read"))
    with pytest.raises(OptionError, match="check" if option == "checks" else option):
        recipe_dash.analyze(image_folder, **{option: value})


def test_a_label_column_for_an_image_folder_is_refused(image_folder: Path) -> None:
    from recipe_dash.io import load_dataset

    with pytest.raises(OptionError, match=r"label_column is for tables, but 'pets' is an image folder"):
        load_dataset(image_folder, label_column="label")
