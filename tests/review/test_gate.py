"""The CI gate on the bundled samples: listed issue types fail, rates over a limit fail, `not an issue` waives."""

from __future__ import annotations

import pytest

from recipe_dash.analyzers import ANALYZERS
from recipe_dash.analyzers.base import Result
from recipe_dash.analyzers.findings import ISSUE_TYPES, findings_frame
from recipe_dash.errors import OptionError
from recipe_dash.review import Verdict, finding_subjects, history, record_decisions, review_status
from recipe_dash.review.gate import evaluate_gate, gate_findings, parse_gate, require_checks
from tests.app.test_analysis_pages import SAMPLES, sample_results
from tests.review.conftest import Analyzed


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_issue_type_a_check_reports_is_registered_with_its_check(name: str) -> None:
    for check, result in sample_results(name).items():
        for issue_type in result.findings["issue_type"].unique():
            assert ISSUE_TYPES.get(issue_type) == check, f"register {issue_type!r} in ISSUE_TYPES under {check!r}"
    assert set(ISSUE_TYPES.values()) <= set(ANALYZERS)


@pytest.mark.parametrize(
    ("fail_on", "limits", "message"),
    [
        ("leakge", [], "unknown issue type or check 'leakge'"),
        (None, ["label_noise"], "ISSUE=SHARE"),
        (None, ["label_noise=lots"], "share between 0 and 1"),
        (None, ["label_noise=1.5"], "--max label_noise"),
        (None, ["outlier=0.1,typo=0.2"], "'typo'"),
    ],
)
def test_a_malformed_gate_is_refused_before_any_work(fail_on: str | None, limits: list[str], message: str) -> None:
    with pytest.raises(OptionError, match=message):
        parse_gate(fail_on, limits)


def test_a_gate_on_a_check_that_will_not_run_is_refused() -> None:
    gate = parse_gate("leakage", ["label_noise=0.05"])
    assert gate.checks == {"duplicates", "label_noise"}
    require_checks(gate, ANALYZERS)
    with pytest.raises(OptionError, match="label_noise"):
        require_checks(gate, ["duplicates", "corruption"])


def test_listed_issues_and_rates_fail_the_gate_and_not_an_issue_waives(digits_review: Analyzed) -> None:
    results, n = digits_review.results, digits_review.dataset.n_samples
    leakage = results["duplicates"].findings.query("issue_type == 'leakage'")
    noisy = results["label_noise"].findings["sample_id"].nunique()
    assert len(leakage) and noisy  # the sample plants both
    share = noisy / n
    gate = parse_gate("leakage,corrupt", [f"label_noise={share - 0.01:.4f}", f"outliers={1.0}"])
    lines = evaluate_gate(gate, results, gate_findings(results), n)
    assert len(lines) == 3
    assert lines[0].startswith(f"leakage: {len(leakage)} finding(s) present")
    assert lines[1].startswith("corrupt: ")
    assert lines[2].startswith(f"label_noise: {noisy} of {n} samples")
    assert (
        evaluate_gate(parse_gate(None, [f"label_noise={share + 0.001:.4f}"]), results, gate_findings(results), n) == []
    )

    # The team marks every leakage finding and enough label-noise suspects "not an issue": both pass;
    # a leakage finding under dispute still counts.
    store, dataset_id = digits_review.store, digits_review.dataset_id
    record_decisions(store, dataset_id, finding_subjects(leakage, "duplicates"), Verdict("not_an_issue"), reviewer="a")
    suspects = results["label_noise"].findings.head(20)
    record_decisions(
        store, dataset_id, finding_subjects(suspects, "label_noise"), Verdict("not_an_issue"), reviewer="a"
    )
    reviewed = review_status(results, history(store, dataset_id)).findings
    lines = evaluate_gate(gate, results, reviewed, n)
    assert [line.split(":")[0] for line in lines] == ["corrupt"]
    record_decisions(store, dataset_id, finding_subjects(leakage.head(1), "duplicates"), Verdict("drop"), reviewer="b")
    lines = evaluate_gate(gate, results, review_status(results, history(store, dataset_id)).findings, n)
    assert lines[0].startswith("leakage: 1 finding(s) present") and "marked 'not an issue'" in lines[0]


def test_a_rate_of_column_findings_is_refused_and_an_unmeasured_check_fails(table_review: Analyzed) -> None:
    results, n = table_review.results, table_review.dataset.n_samples
    assert len(results["biases"].findings)  # the table sample plants a leaking column
    with pytest.raises(OptionError, match="--fail-on bias"):
        evaluate_gate(parse_gate(None, ["bias=0.1"]), results, gate_findings(results), n)
    skipped = dict(results)
    outliers = results["outliers"]
    skipped["outliers"] = Result(
        "outliers",
        "not_measured",
        "Too few rows.",
        findings_frame(),
        type(outliers.details)(**{**outliers.details.__dict__, "skipped": "too few rows"}),
    )
    lines = evaluate_gate(parse_gate("outlier", []), skipped, gate_findings(skipped), n)
    assert lines == ["outlier: the outliers check could not judge (Too few rows.)"]
