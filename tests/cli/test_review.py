"""The review from a terminal: the CI gate of `analyze`, `report` and `manifest`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from recipe_dash.cli import app
from recipe_dash.io import load_dataset
from recipe_dash.review import Verdict, finding_subject, record_decisions
from recipe_dash.store import open_store

CHECKS = "duplicates,corruption,imbalance"


@pytest.fixture
def leaky(image_folder: Path) -> Path:
    """The pets folder with one training image copied into test: a leak across splits."""
    (image_folder / "test" / "dog" / "copy.png").write_bytes((image_folder / "train" / "dog" / "1.png").read_bytes())
    return image_folder


def analyze(folder: Path, tmp_path: Path, *gate: str):
    args = ["analyze", str(folder), "--out", str(tmp_path / "f.jsonl"), "--checks", CHECKS, *gate]
    return CliRunner().invoke(app, args)


def test_the_gate_exits_1_naming_each_violation_and_0_when_clean(leaky: Path, tmp_path: Path) -> None:
    failed = analyze(leaky, tmp_path, "--fail-on", "leakage,corrupt", "--max", "duplicate=0.05")
    assert failed.exit_code == 1, failed.output
    assert "gate: leakage: 2 finding(s) present, none allowed (--fail-on leakage)." in failed.output
    assert "gate: duplicate: 2 of 11 samples (18.2%) exceed the limit 5% (--max duplicate=0.05)." in failed.output
    assert "gate: corrupt" not in failed.output  # none planted
    assert failed.output.rstrip().endswith("gate: FAILED")
    passed = analyze(leaky, tmp_path, "--fail-on", "corrupt", "--max", "duplicate=0.2")
    assert passed.exit_code == 0 and passed.output.rstrip().endswith("gate: passed")
    plain = analyze(leaky, tmp_path)  # no gate: the findings alone, exit 0
    assert plain.exit_code == 0 and "gate:" not in plain.output


def test_findings_the_team_marked_not_an_issue_do_not_fail_the_gate(leaky: Path, tmp_path: Path) -> None:
    store_file = tmp_path / "team.db"
    store = open_store(f"sqlite:///{store_file}")
    dataset_id = store.record_dataset(load_dataset(leaky))
    leaks = [finding_subject("duplicates", "leakage", s) for s in ("test/dog/copy.png", "train/dog/1.png")]
    record_decisions(
        store, dataset_id, leaks[:1], Verdict("not_an_issue", comment="augmented on purpose"), reviewer="a"
    )
    half = analyze(leaky, tmp_path, "--fail-on", "leakage", "--store", str(store_file))
    assert half.exit_code == 1 and "leakage: 1 finding(s) present" in half.output
    assert "1 more marked 'not an issue'" in half.output
    record_decisions(store, dataset_id, leaks[1:], Verdict("not_an_issue"), reviewer="b")
    assert analyze(leaky, tmp_path, "--fail-on", "leakage", "--store", str(store_file)).exit_code == 0
    assert analyze(leaky, tmp_path, "--fail-on", "leakage").exit_code == 1  # without the store, every finding counts


@pytest.mark.parametrize(
    ("gate", "message"),
    [
        (["--fail-on", "leakge"], "unknown issue type or check 'leakge'"),
        (["--max", "label_noise=0.05"], "The gate needs the check(s) label_noise"),
        (["--max", "duplicate=2"], "--max duplicate must be"),
    ],
)
def test_a_bad_gate_is_one_line_and_exit_2_before_any_work(
    leaky: Path, tmp_path: Path, gate: list[str], message: str
) -> None:
    result = analyze(leaky, tmp_path, *gate)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "f.jsonl").exists()


def test_a_store_that_never_saw_the_dataset_is_a_clear_error(leaky: Path, tmp_path: Path) -> None:
    result = analyze(leaky, tmp_path, "--fail-on", "leakage", "--store", str(tmp_path / "empty.db"))
    assert result.exit_code == 2 and "has no review of pets" in result.output


def test_report_and_manifest_run_the_checks_when_none_are_stored(leaky: Path, tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.html"
    result = CliRunner().invoke(app, ["report", str(leaky), "--out", str(report)])
    assert result.exit_code == 0, result.output
    assert "running the checks first" in result.output and f"written to {report}" in result.output
    assert "test/dog/copy.png" in report.read_text(encoding="utf-8")

    store = open_store()
    dataset_id = store.record_dataset(load_dataset(leaky))
    record_decisions(
        store,
        dataset_id,
        [finding_subject("duplicates", "leakage", "test/dog/copy.png")],
        Verdict("drop"),
        reviewer="alice",
    )
    csv, js = tmp_path / "cleaned.csv", tmp_path / "cleaned.json"
    for out in (csv, js):
        result = CliRunner().invoke(app, ["manifest", str(leaky), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "running the checks" not in result.output and "10 keep, 1 drop, 0 relabel" in result.output
    table = pd.read_csv(csv).set_index("sample_id")
    assert table.loc["test/dog/copy.png", "action"] == "drop" and (table["action"] == "keep").sum() == 10
    assert json.loads(js.read_text())["summary"]["drop"] == 1
    bad = CliRunner().invoke(app, ["manifest", str(leaky), "--out", str(tmp_path / "m.txt")])
    assert bad.exit_code == 2 and ".csv or .json" in bad.output
