"""The findings table every check returns (one row per flagged sample), and its views for the pages.

Columns: sample_id (null for dataset- or column-level findings), issue_type, score in [0, 1]
(1 = surely an issue), group, detail. Columnar, so it stays fast at a million rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from recipe_dash.io import Dataset

FINDING_COLUMNS = ("sample_id", "issue_type", "score", "group", "detail")
# Every issue type a check reports, with the check that reports it. The CI gate (`analyze --fail-on`)
# refuses names not listed here, so a typo cannot pass silently; tests/review/test_gate.py fails when
# a check reports a type missing here.
ISSUE_TYPES: dict[str, str] = {
    "duplicate": "duplicates",
    "near_duplicate": "duplicates",
    "leakage": "duplicates",
    "conflicting_label": "duplicates",
    "corrupt": "corruption",
    "wrong_extension": "corruption",
    "unusual_mode": "corruption",
    "odd_size": "corruption",
    "several_frames": "corruption",
    "exif_rotated": "corruption",
    "invisible_characters": "corruption",
    "empty_column": "corruption",
    "high_missing": "corruption",
    "constant_column": "corruption",
    "mixed_types": "corruption",
    "duplicated_column": "corruption",
    "imbalance": "imbalance",
    "label_noise": "label_noise",
    "outlier": "outliers",
    "bias": "biases",
    "drift": "distributions",
}
_DTYPES = {"sample_id": "string", "issue_type": "string", "score": "float64", "group": "string", "detail": "string"}


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


def with_samples(dataset: Dataset, findings: pd.DataFrame) -> pd.DataFrame:
    """Add `about`, `label` and `split` to each finding.

    `about` is what the finding is about: the sample id, or for a dataset-level finding what its group names
    ("class:9" -> "class '9'", "column:height split:test" -> "column 'height' · split 'test'"). A dataset-level
    finding's `label` and `split` come from its group's class and split, so the filters find it; they stay
    empty where they do not apply.
    """
    info = dataset.samples[["sample_id", "label", "split"]]
    joined = findings.merge(info, on="sample_id", how="left")
    no_sample = joined["sample_id"].isna()
    parsed = {group: _group_parts(group) for group in joined.loc[no_sample, "group"].dropna().unique()}
    groups = joined["group"].where(no_sample)
    described = groups.map(lambda g: " · ".join(f"{k} '{v}'" for k, v in parsed[g].items()) if g in parsed else None)
    joined["about"] = joined["sample_id"].fillna(described.astype("string")).fillna(joined["issue_type"])
    for column, key in (("label", "class"), ("split", "split")):
        named = groups.map(lambda g, key=key: parsed[g].get(key) if g in parsed else None).astype("string")
        joined[column] = joined[column].fillna(named)
    return joined[["about", "sample_id", "label", "split", "issue_type", "score", "group", "detail"]]


def _group_parts(group: str) -> dict[str, str]:
    """ "column:height split:test" -> {"column": "height", "split": "test"}; a token without ":" is its own key."""
    parts = [token.partition(":") for token in group.split()]
    return {key: value for key, _, value in parts if value} or {group: ""}


def filter_findings(
    frame: pd.DataFrame,
    *,
    issue_types: list[str] | None = None,
    min_score: float = 0.0,
    labels: list[str] | None = None,
    splits: list[str] | None = None,
) -> pd.DataFrame:
    """Rows matching every given filter, highest score first."""
    mask = frame["score"] >= min_score
    if issue_types:
        mask &= frame["issue_type"].isin(issue_types)
    if labels:
        mask &= frame["label"].isin(labels)
    if splits:
        mask &= frame["split"].isin(splits)
    return frame[mask.fillna(False)].sort_values("score", ascending=False, kind="stable")
