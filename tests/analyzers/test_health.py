"""The Overview's health table: verdicts that never claim what was not measured, counts with their units."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from recipe_dash.analyzers import local_global
from recipe_dash.analyzers.findings import findings_frame
from recipe_dash.analyzers.health import flagged, health_table, shown_verdict
from recipe_dash.analyzers.results import StoredResult
from recipe_dash.io import load_dataset


def test_a_check_that_did_not_run_shows_not_measured_whatever_it_returned(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("f,label\n1,a\n2,b\n3,a\n4,b\n")
    result = local_global.analyze(load_dataset(table), None)  # patches of a table: cannot be measured
    assert result.details.skipped and shown_verdict(result) == "not_measured"
    row = health_table({"local_global": StoredResult(result, datetime.now(UTC), None)}).iloc[0]
    assert row["verdict"] == "not_measured" and "not measured" in row["summary"]


def test_flagged_counts_samples_once_and_names_classes_and_columns() -> None:
    findings = findings_frame(
        ["a", "a", "b", None, None, None],
        ["duplicate", "leakage", "duplicate", "imbalance", "bias", "constant_column"],
        1.0,
        ["dup-1", "dup-1", "dup-1", "class:cat", "column:x", "column:y"],
        "d",
    )
    assert flagged(findings) == "2 samples · 1 class · 2 columns"
    assert flagged(findings.iloc[3:4]) == "1 class"
    assert flagged(findings.iloc[:0]) == "nothing flagged"
