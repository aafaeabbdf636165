"""Typed evidence survives the store's JSON column unchanged, whatever it holds."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from recipe_dash.evidence import Evidence, jsonable


@dataclass(frozen=True, kw_only=True)
class Balance(Evidence):
    n: int
    ratio: float | None


@dataclass(frozen=True, kw_only=True)
class Sample(Evidence):
    threshold: float
    names: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    frame: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["a", "b"]))
    by_split: dict[str, Balance] = field(default_factory=dict)
    note: str | None = None


def through_json(evidence: Sample) -> Sample:
    return Sample.from_json(json.loads(json.dumps(evidence.to_json())))


def test_every_kind_of_field_round_trips() -> None:
    frame = pd.DataFrame({"a": [1.5, np.nan], "b": ["x", "y"]})
    original = Sample(
        threshold=np.float64(0.25),
        names=("one", "two"),
        pairs=(("train", "cat"),),
        frame=frame,
        by_split={"all": Balance(n=np.int64(3), ratio=2.0), "test": Balance(n=0, ratio=None)},
        note="why",
    )
    back = through_json(original)
    assert back.threshold == 0.25 and back.names == ("one", "two") and back.pairs == (("train", "cat"),)
    pd.testing.assert_frame_equal(back.frame, frame)
    assert back.by_split == {"all": Balance(n=3, ratio=2.0), "test": Balance(n=0, ratio=None)}
    assert back.note == "why"


def test_an_empty_frame_keeps_its_columns_and_defaults_fill_missing_keys() -> None:
    back = through_json(Sample(threshold=1.0))
    assert list(back.frame.columns) == ["a", "b"] and back.frame.empty
    newer = Sample.from_json({"threshold": 2.0, "from_a_newer_version": 1})
    assert newer.to_json() == Sample(threshold=2.0).to_json()


def test_jsonable_turns_numpy_and_non_finite_numbers_into_plain_json() -> None:
    value = {"n": np.int64(3), "ratio": float("nan"), "frame": pd.DataFrame({"a": [1.5]}), "arr": np.arange(2)}
    assert json.loads(json.dumps(jsonable(value))) == {"n": 3, "ratio": None, "frame": [{"a": 1.5}], "arr": [0, 1]}
