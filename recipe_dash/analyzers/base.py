"""What every analyzer returns: a verdict, one sentence, and one row per flagged sample."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

Verdict = Literal["pass", "warn", "fail"]
FINDING_COLUMNS = ("sample_id", "issue_type", "score", "group", "detail")
_DTYPES = {"sample_id": "string", "issue_type": "string", "score": "float64", "group": "string", "detail": "string"}


@dataclass(frozen=True)
class Result:
    """One analyzer's answer; `findings` is columnar so it stays fast at a million rows."""

    analyzer: str  # registry key, e.g. "duplicates"
    verdict: Verdict
    summary: str  # one sentence the user can act on
    findings: pd.DataFrame  # FINDING_COLUMNS; sample_id null for dataset- or column-level findings
    details: dict[str, Any] = field(default_factory=dict)  # analyzer-specific evidence for its page


def findings_frame(
    sample_id: Any = (),
    issue_type: Any = (),
    score: Any = (),
    group: Any = None,
    detail: Any = (),
) -> pd.DataFrame:
    """Build a findings table from columns (scalars broadcast), with the shared dtypes and order."""
    columns = {"sample_id": sample_id, "issue_type": issue_type, "score": score, "group": group, "detail": detail}
    lengths = {len(v) for v in columns.values() if _is_column(v)}
    if len(lengths) > 1:
        raise ValueError(f"findings columns differ in length: {sorted(lengths)}")
    n_rows = lengths.pop() if lengths else 0
    if n_rows == 0:
        return _EMPTY.copy()  # analyzers ask for many empty tables; building one costs 100x a copy
    frame = pd.DataFrame({k: (v if _is_column(v) else [v] * n_rows) for k, v in columns.items()})
    frame = frame.astype(_DTYPES)
    if ((frame["score"] < 0) | (frame["score"] > 1)).any():
        raise ValueError("finding scores must lie in [0, 1]")
    return frame


def empty_findings() -> pd.DataFrame:
    return _EMPTY.copy()


_EMPTY = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in _DTYPES.items()})


def concat_findings(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True).astype(_DTYPES) if frames else empty_findings()


def _is_column(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray, pd.Series, pd.Index))
