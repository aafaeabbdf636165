"""Everything the checks know about one sample, for deciding on it with the evidence beside the image."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from recipe_dash.analyzers.base import Result
from recipe_dash.review.subjects import CLUSTER_CHECK, CLUSTER_PREFIX


@dataclass(frozen=True)
class SampleEvidence:
    """One sample's findings and the evidence a reviewer compares it with."""

    sample_id: str
    findings: pd.DataFrame  # analyzer, issue_type, score, group, detail: every current finding on it
    copies: tuple[str, ...] = ()  # the other members of its duplicate cluster
    suspected_label: str | None = None  # label noise: the class the out-of-fold model expects
    suspected_prob: float | None = None  # the model's probability of that class
    label_quality: float | None = None  # the model's probability of the given label


def sample_evidence(results: Mapping[str, Result], sample_id: str) -> SampleEvidence:
    """Collect the sample's findings, its copies and the suspected label from the checks' stored results."""
    frames = [r.findings[r.findings["sample_id"] == sample_id].assign(analyzer=name) for name, r in results.items()]
    findings = pd.concat([f for f in frames if len(f)] or [pd.DataFrame(columns=["analyzer", "issue_type"])])
    copies: tuple[str, ...] = ()
    duplicates = results.get(CLUSTER_CHECK)
    if duplicates is not None:
        groups = findings.loc[findings["analyzer"] == CLUSTER_CHECK, "group"].dropna()
        groups = groups[groups.str.startswith(CLUSTER_PREFIX)]
        if len(groups):
            same = duplicates.findings[duplicates.findings["group"] == groups.iloc[0]]["sample_id"].dropna()
            copies = tuple(dict.fromkeys(s for s in same.astype(str) if s != sample_id))
    suspected = _suspected(results.get("label_noise"), sample_id)
    return SampleEvidence(sample_id, findings.reset_index(drop=True), copies, *suspected)


def _suspected(result: Result | None, sample_id: str) -> tuple[str | None, float | None, float | None]:
    scores = getattr(result.details, "scores", None) if result is not None else None
    if scores is None or scores.empty or "suspected_label" not in scores:
        return None, None, None
    row = scores[scores["sample_id"] == sample_id]
    if row.empty or pd.isna(row["suspected_label"].iloc[0]):
        return None, None, None
    first = row.iloc[0]
    return str(first["suspected_label"]), _number(first.get("suspected_prob")), _number(first.get("label_quality"))


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]
