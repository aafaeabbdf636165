"""What data checks and model checks have in common: a verdict, and evidence any SQL backend can store.

Neutral ground: `training` imports this, not the data checks, for its own verdicts.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd

# "not_measured": the check could not judge (too few rows, a model at chance, the wrong kind of data);
# its summary says why. It is never shown as a pass.
Verdict = Literal["pass", "warn", "fail", "not_measured"]
SEVERITY: dict[str, int] = {"fail": 0, "warn": 1, "pass": 2, "not_measured": 3}  # worst first, for sorting
VERDICT_WORDS: dict[str, str] = {"pass": "pass", "warn": "warn", "fail": "fail", "not_measured": "not measured"}


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
