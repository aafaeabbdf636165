"""A search space: which training settings a study varies, over what ranges; from a file, the page or the model.

Written as a mapping from a TrainConfig setting to a range or a list of choices, in YAML or JSON:

    lr: {low: 1.0e-4, high: 1.0e-2, log: true}    # log-uniform
    weight_decay: {low: 1.0e-6, high: 1.0e-2, log: true}
    dropout: {low: 0.0, high: 0.5}
    batch_size: [32, 64, 128]                      # a choice
    width: {low: 8, high: 64, log: true}           # drawn as an integer: width is one
    augment: [false, true]

A range is drawn as a float or an integer by the setting's own type (`step` optional, not with `log`).
Every bound and choice is checked as the setting itself would be, so a bad space fails before any trial,
with one message naming the parameter.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna
import yaml

from recipe_dash.errors import OptionError
from recipe_dash.training.config import TrainConfig

if TYPE_CHECKING:
    from recipe_dash.training.models import Keywords

# Settings a study may vary, with the type a range of each is drawn as (bool and str take choices only).
TUNABLE: dict[str, type] = {
    "lr": float,
    "weight_decay": float,
    "dropout": float,
    "batch_size": int,
    "width": int,
    "depth": int,
    "epochs": int,
    "augment": bool,
    "optimizer": str,
}
RANGE_KEYS = {"low", "high", "log", "step"}
# What the page offers for settings a model's default space leaves fixed (off until the user ticks them).
OFFERED: dict[str, Any] = {
    "dropout": {"low": 0.0, "high": 0.5},
    "width": {"low": 8, "high": 256, "log": True},
    "depth": {"low": 1, "high": 4},
    "epochs": {"low": 5, "high": 30},
    "augment": [False, True],
    "optimizer": ["adam", "adamw", "sgd"],
}


@dataclass(frozen=True)
class Range:
    """Uniform (or log-uniform) between low and high, inclusive; integers when the setting is one."""

    name: str
    low: float
    high: float
    log: bool = False
    step: float | None = None

    @property
    def integer(self) -> bool:
        return TUNABLE[self.name] is int

    def to_json(self) -> dict[str, Any]:
        bounds: dict[str, Any] = {"low": self.low, "high": self.high, "log": self.log}
        return bounds | ({"step": self.step} if self.step is not None else {})


@dataclass(frozen=True)
class Choice:
    """One of a list of values."""

    name: str
    choices: tuple[Any, ...]

    def to_json(self) -> list[Any]:
        return list(self.choices)


@dataclass(frozen=True)
class SearchSpace:
    """Parameters in declaration order; `to_json()` gives back what `parse_space` reads."""

    params: tuple[Range | Choice, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def to_json(self) -> dict[str, Any]:
        return {p.name: p.to_json() for p in self.params}

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """The trial's values, drawn by its study's sampler."""
        values: dict[str, Any] = {}
        for p in self.params:
            if isinstance(p, Choice):
                values[p.name] = trial.suggest_categorical(p.name, list(p.choices))
            elif p.integer:
                step = int(p.step) if p.step is not None else 1
                values[p.name] = trial.suggest_int(p.name, int(p.low), int(p.high), log=p.log, step=step)
            else:
                values[p.name] = trial.suggest_float(p.name, p.low, p.high, log=p.log, step=p.step)
        return values


def parse_space(spec: object) -> SearchSpace:
    """Check a declared space (a mapping as described above); OptionError names the first bad parameter."""
    if not isinstance(spec, Mapping):
        raise OptionError(
            "Search space must map parameters to ranges or choices, e.g. {lr: {low: 1e-4, high: 1e-2, log: true}}, "
            f"got {type(spec).__name__}."
        )
    if not spec:
        raise OptionError("Search space is empty: declare at least one parameter, e.g. lr: {low: 1e-4, high: 1e-2}.")
    return SearchSpace(tuple(_parameter(str(name), value) for name, value in spec.items()))


def load_space(path: Path) -> SearchSpace:
    """Read a YAML or JSON file (JSON by the .json suffix, YAML otherwise) and check it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise OptionError(f"Cannot read the search space file '{path}': {err}.") from None
    try:
        spec = json.loads(text) if Path(path).suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        where = " ".join(str(err).split())  # YAML's message spans lines; ours is one
        raise OptionError(f"The search space file '{path}' is not valid {_format(path)}: {where}") from None
    return parse_space(spec)


def default_space(keywords: Keywords) -> SearchSpace:
    """The recipe's usual suspects around the safe defaults: learning rate and weight decay log-uniform, batch
    size, and the model's dropout and width when its builder names them (the built-in MLP and CNN do); the
    width range spans a quarter to twice the builder's own default."""
    spec: dict[str, Any] = {
        "lr": {"low": 1e-4, "high": 1e-2, "log": True},
        "weight_decay": {"low": 1e-6, "high": 1e-2, "log": True},
        "batch_size": [32, 64, 128],
    }
    defaults = keywords.defaults
    if "dropout" in defaults:
        spec["dropout"] = {"low": 0.0, "high": 0.5}
    width = defaults.get("width")
    if isinstance(width, int) and not isinstance(width, bool) and width >= 1:
        spec["width"] = {"low": max(1, width // 4), "high": width * 2, "log": True}
    return parse_space(spec)


def space_table(space: SearchSpace) -> list[dict[str, Any]]:
    """The space as rows for an editable table, one per tunable setting; those outside it are offered off."""
    declared = space.to_json()
    rows = []
    for name in (*space.names, *(n for n in OFFERED if n not in declared)):
        value = declared.get(name, OFFERED.get(name))
        choices = ", ".join(json.dumps(v) for v in value) if isinstance(value, list) else ""
        bounds = value if isinstance(value, dict) else {}
        rows.append(
            {
                "parameter": name,
                "vary": name in declared,
                "low": bounds.get("low"),
                "high": bounds.get("high"),
                "log": bool(bounds.get("log", False)),
                "choices": choices,
            }
        )
    return rows


def space_from_table(rows: list[dict[str, Any]]) -> SearchSpace:
    """Read the table back: a ticked row is its choices when it lists some (comma-separated), else its range."""
    spec: dict[str, Any] = {}
    for row in rows:
        if not row.get("vary"):
            continue
        choices = str(row.get("choices") or "").strip()
        if choices:
            spec[str(row["parameter"])] = [_scalar(part) for part in choices.split(",") if part.strip()]
        else:
            bounds = {"low": _cell(row.get("low")), "high": _cell(row.get("high")), "log": bool(row.get("log"))}
            spec[str(row["parameter"])] = bounds
    return parse_space(spec)


def _scalar(text: str) -> Any:
    """One typed choice: 64, 0.5, true, adam (YAML's reading of it; text as written when YAML cannot read it)."""
    try:
        return yaml.safe_load(text.strip())
    except yaml.YAMLError:
        return text.strip()


def _cell(value: object) -> object:
    """An empty cell of an edited table (None or NaN) is a missing bound."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _parameter(name: str, value: object) -> Range | Choice:
    if name not in TUNABLE:
        raise OptionError(f"Search space: unknown parameter '{name}'. Tunable: {', '.join(sorted(TUNABLE))}.")
    kind = TUNABLE[name]
    if isinstance(value, list | tuple):
        if not value:
            raise OptionError(f"Search space: {name} has an empty choice list; give at least one value.")
        choices = tuple(_checked(name, choice, "a choice") for choice in value)
        if len(set(map(repr, choices))) < len(choices):
            raise OptionError(f"Search space: {name} lists a choice twice: {list(value)}.")
        return Choice(name, choices)
    if kind in (bool, str):
        raise OptionError(f"Search space: {name} takes a list of choices (e.g. {_example(name)}), not {value!r}.")
    if not isinstance(value, Mapping) or not {"low", "high"} <= set(value) or set(value) - RANGE_KEYS:
        raise OptionError(
            f"Search space: {name} needs a range {{low: ..., high: ...}} (optionally log: true or step: ...) "
            f"or a list of choices, got {value!r}."
        )
    low, high = _checked(name, value["low"], "low"), _checked(name, value["high"], "high")
    log, step = value.get("log", False), _number(value.get("step"))
    if not isinstance(log, bool):
        raise OptionError(f"Search space: {name} log must be true or false, got {log!r}.")
    if low > high:
        raise OptionError(f"Search space: {name} has low {low!r} above high {high!r}; swap them.")
    if log and low <= 0:
        raise OptionError(f"Search space: {name} is log-uniform, so low must be above 0, got {low!r}.")
    if step is not None:
        if log:
            raise OptionError(f"Search space: {name} cannot have both log: true and a step; drop one.")
        if isinstance(step, bool) or not isinstance(step, int | float) or not step > 0 or not math.isfinite(step):
            raise OptionError(f"Search space: {name} step must be a number above 0, got {step!r}.")
        if kind is int and not float(step).is_integer():
            raise OptionError(f"Search space: {name} is an integer, so its step must be one, got {step!r}.")
    return Range(name, low, high, log, step)


def _checked(name: str, value: object, what: str) -> Any:
    """A bound or choice, checked by the setting's own rule (a dropout of 1.5 fails as a run's would)."""
    kind = TUNABLE[name]
    if kind in (int, float):
        value = _number(value)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise OptionError(f"Search space: {name} {what} must be a number, got {value!r}.")
        value = float(value) if kind is float else value
    elif kind is bool and not isinstance(value, bool):
        raise OptionError(f"Search space: {name} {what} must be true or false, got {value!r}.")
    try:
        TrainConfig(**{name: value})
    except OptionError as err:
        raise OptionError(f"Search space: {name} {what}: {err}") from None
    return int(value) if kind is int else value


def _number(value: object) -> object:
    """YAML 1.1 reads `1e-4` (no dot) as text; such text is taken as the number it spells."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _example(name: str) -> str:
    return "[false, true]" if TUNABLE[name] is bool else "[adam, adamw]"


def _format(path: Path) -> str:
    return "JSON" if Path(path).suffix.lower() == ".json" else "YAML"
