"""What data checks and model checks have in common: a verdict, and evidence any SQL backend can store.

Neutral ground: `training` imports this, not the data checks, for its own verdicts.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Literal, Self, Union, get_args, get_origin, get_type_hints

import numpy as np
import pandas as pd

# "not_measured": the check could not judge (too few rows, a model at chance, the wrong kind of data);
# its summary says why. It is never shown as a pass.
Verdict = Literal["pass", "warn", "fail", "not_measured"]
SEVERITY: dict[str, int] = {"fail": 0, "warn": 1, "pass": 2, "not_measured": 3}  # worst first, for sorting
VERDICT_WORDS: dict[str, str] = {"pass": "pass", "warn": "warn", "fail": "fail", "not_measured": "not measured"}
# A frame too big for a JSON column goes elsewhere: (field path such as "scores", frame) -> a small JSON
# reference to store in its place, or None to keep it inline; FrameLoad turns the reference back into it.
FrameSpill = Callable[[str, pd.DataFrame], dict[str, Any] | None]
FrameLoad = Callable[[dict[str, Any]], pd.DataFrame]


def jsonable(value: Any) -> Any:
    """Plain JSON values for any SQL backend: numpy to Python, NaN and infinities to None, a frame
    to a list of row records (rebuild with `pd.DataFrame(records)`), a series to a dict."""
    if isinstance(value, pd.DataFrame):
        return jsonable(value.to_dict("records"))
    if isinstance(value, pd.Series):
        return jsonable(value.to_dict())
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA:
        return None
    return value


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """Base of a check's evidence for its page: typed fields a page reads by attribute, never by a string key
    that breaks only when someone opens the page.

    Fields hold JSON values (numbers, text, None, and tuples, lists and dicts of them), DataFrames and
    nested Evidence; `to_json` and `from_json` round-trip them through any SQL backend's JSON column.
    Large frames (per-sample scores) can be kept out of it: `spill` stores each frame somewhere else and
    leaves a reference, which `load` reads back.
    """

    def to_json(self, *, spill: FrameSpill | None = None) -> dict[str, Any]:
        return {f.name: _encode(getattr(self, f.name), spill, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any], *, load: FrameLoad | None = None) -> Self:
        """Rebuild from `to_json` output; keys this version does not know are ignored.

        Raises KeyError for a frame stored by reference when no `load` is given."""
        hints = get_type_hints(cls)
        known = {f.name for f in fields(cls)}
        return cls(**{name: _decode(hints[name], value, load) for name, value in data.items() if name in known})


def _encode(value: Any, spill: FrameSpill | None, path: str) -> Any:
    if isinstance(value, Evidence):
        return {f.name: _encode(getattr(value, f.name), spill, f"{path}.{f.name}") for f in fields(value)}
    if isinstance(value, pd.DataFrame):  # columns kept, so an empty frame comes back with them
        reference = spill(path, value) if spill is not None else None
        if reference is not None:
            return reference
        return {"columns": [str(c) for c in value.columns], "data": jsonable(value.to_numpy(dtype=object).tolist())}
    if isinstance(value, dict):
        return {str(k): _encode(v, spill, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v, spill, f"{path}.{i}") for i, v in enumerate(value)]
    return jsonable(value)


def _decode(hint: Any, value: Any, load: FrameLoad | None) -> Any:
    if value is None:
        return None
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        return _decode(next(a for a in args if a is not type(None)), value, load)
    if hint is pd.DataFrame:
        if "columns" in value:
            return pd.DataFrame(value["data"], columns=value["columns"])
        if load is None:
            raise KeyError(f"a frame stored by reference ({value}) and nothing to load it with")
        return load(value)
    if isinstance(hint, type) and issubclass(hint, Evidence):
        return hint.from_json(value, load=load)
    if origin is tuple:
        items = args[:1] * len(value) if len(args) == 2 and args[1] is Ellipsis else args
        return tuple(_decode(a, v, load) for a, v in zip(items, value, strict=True))
    if origin is list:
        return [_decode(args[0], v, load) for v in value]
    if origin is dict:
        return {k: _decode(args[1], v, load) for k, v in value.items()}
    return value
