"""The engine against the bundled samples' answer keys (sample_data/*.manifest.json)."""

from __future__ import annotations

import pandas as pd
import pytest

from recipe_dash.analyzers import corruption, duplicates, imbalance
from recipe_dash.analyzers.findings import concat_findings
from tests.analyzers._planted import Planted

EXACT_TYPES = ("duplicate", "leakage", "conflicting_label", "corrupt", "wrong_extension", "unusual_mode", "odd_size")


def _precision_recall(found: set[str], truth: set[str]) -> tuple[float, float]:
    hits = len(found & truth)
    return hits / max(len(found), 1), hits / max(len(truth), 1)


def _found(findings: pd.DataFrame, issue_type: str) -> set[str]:
    rows = findings[(findings["issue_type"] == issue_type) & findings["sample_id"].notna()]
    return set(rows["sample_id"])


@pytest.mark.parametrize("sample", ["digits", "table"])
def test_precision_and_recall_against_the_manifest(sample: str, request: pytest.FixtureRequest) -> None:
    planted: Planted = request.getfixturevalue(sample)
    findings = concat_findings(
        [
            duplicates.analyze(planted.dataset, planted.features).findings,
            corruption.analyze(planted.dataset, planted.features).findings,
        ]
    )
    for issue_type in EXACT_TYPES:
        found, truth = _found(findings, issue_type), planted.ids(issue_type)
        if not truth:  # not planted in this sample: nothing may be found
            assert not found, (issue_type, found)
            continue
        precision, recall = _precision_recall(found, truth)
        assert precision >= 0.95 and recall >= 0.95, (issue_type, precision, recall)
    precision, recall = _precision_recall(_found(findings, "near_duplicate"), planted.ids("near_duplicate"))
    assert precision >= 0.95 and recall >= 0.95, ("near_duplicate", precision, recall)


def test_no_hard_negative_is_flagged(digits: Planted) -> None:
    """The closest pairs of distinct scans are look-alikes, not copies: neither member may be flagged."""
    findings = duplicates.analyze(digits.dataset, digits.features).findings
    flagged = set(findings["sample_id"].dropna())
    negatives = digits.manifest["hard_negatives"]
    assert len(negatives) >= 20
    assert not [pair for pair in negatives if pair["a"] in flagged or pair["b"] in flagged]


def test_table_column_problems_match_the_manifest(table: Planted) -> None:
    findings = corruption.analyze(table.dataset, table.features).findings
    columns = findings[findings["sample_id"].isna()]
    found = set(zip(columns["group"].str.removeprefix("column:"), columns["issue_type"], strict=True))
    planted = {
        (e["column"], e["issue_type"])
        for e in table.manifest["planted"]
        if e["issue_type"] in {"constant_column", "high_missing", "mixed_types"}
    }
    assert found == planted


@pytest.mark.parametrize("sample", ["digits", "table"])
def test_the_planted_rare_class_is_the_imbalance_finding(sample: str, request: pytest.FixtureRequest) -> None:
    planted: Planted = request.getfixturevalue(sample)
    result = imbalance.analyze(planted.dataset, planted.features)
    rare = [e["class"] for e in planted.manifest["planted"] if e["issue_type"] == "imbalance"]
    assert result.verdict == "warn" and list(result.details.rare_classes) == rare
