from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from recipe_dash import analyze
from recipe_dash.cli import app

CHECKS = "duplicates,corruption,imbalance"


def test_analyze_writes_one_json_object_per_finding_and_prints_a_summary(image_folder: Path, tmp_path: Path) -> None:
    (image_folder / "test" / "dog" / "copy.png").write_bytes((image_folder / "train" / "dog" / "1.png").read_bytes())
    out = tmp_path / "out" / "findings.jsonl"
    result = CliRunner().invoke(app, ["analyze", str(image_folder), "--out", str(out), "--checks", CHECKS])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records and all(list(r) == ["sample_id", "issue_type", "score", "group", "detail"] for r in records)
    assert {(r["sample_id"], r["issue_type"]) for r in records} >= {("test/dog/copy.png", "leakage")}
    assert "duplicates  fail" in result.output and f"{len(records)} findings written" in result.output
    from_python = analyze(image_folder, checks=CHECKS)
    pd.testing.assert_frame_equal(pd.DataFrame(records).astype(from_python.dtypes.to_dict()), from_python)


def test_executor_dask_runs_the_pass_on_a_local_cluster(image_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "findings.jsonl"
    args = ["analyze", str(image_folder), "--out", str(out), "--checks", "corruption", "--executor", "dask"]
    (image_folder / "train" / "cat" / "broken.png").write_bytes(b"not a png")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["sample_id"] for line in out.read_text().splitlines()] == ["train/cat/broken.png"]


def test_dataset_level_findings_have_a_null_sample_id(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    pd.DataFrame({"x": range(40), "label": ["a"] * 36 + ["b"] * 4}).to_csv(table, index=False)
    out = tmp_path / "f.jsonl"
    result = CliRunner().invoke(app, ["analyze", str(table), "--out", str(out), "--checks", "imbalance"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["sample_id"] for line in out.read_text().splitlines()] == [None]


def test_bad_input_is_one_line_on_stderr_and_exit_code_2(image_folder: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "f.jsonl")
    for args, message in [
        (["analyze", str(image_folder), "--out", out, "--checks", "dupes"], "Unknown check 'dupes'"),
        (["analyze", str(tmp_path / "missing"), "--out", out], "does not exist"),
        (["analyze", str(image_folder), "--out", out, "--executor", "spark"], "Unknown executor 'spark'"),
        (["analyze", str(tmp_path / "nope"), "--out", out, "--scheduler", "host:8786"], "scheduler must be a Dask"),
        (["analyze", str(tmp_path / "nope"), "--out", out, "--embedding", ","], "embedding must be a .npy"),
    ]:
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_analyze_uses_the_users_own_embedding(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    from recipe_dash.analyzers import run_checks
    from recipe_dash.io import load_dataset
    from recipe_dash.settings import SAMPLE_DATA

    table = SAMPLE_DATA / "breast_cancer.csv"
    dataset = load_dataset(table)
    vectors = pd.to_numeric(dataset.table["mean radius"], errors="coerce").fillna(0).to_numpy()[:, None]
    good = tmp_path / "good.npy"
    np.save(good, np.hstack([vectors, vectors**2]))
    out = tmp_path / "f.jsonl"
    result = CliRunner().invoke(
        app, ["analyze", str(table), "--out", str(out), "--checks", "label_noise", "--embedding", str(good)]
    )
    assert result.exit_code == 0, result.output
    assert run_checks(dataset, checks="label_noise", embedding=good)["label_noise"].details.source == "embedding"
    assert run_checks(dataset, checks="outliers", embedding=["mean radius"])["outliers"].details.source == "embedding"
    assert run_checks(dataset, checks="label_noise")["label_noise"].details.source == "table"
    short = tmp_path / "short.npy"
    np.save(short, np.zeros((5, 2)))
    result = CliRunner().invoke(
        app, ["analyze", str(table), "--out", str(out), "--checks", "label_noise", "--embedding", str(short)]
    )
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.exit_code == 2 and len(error_lines) == 1 and "has 5 rows" in error_lines[0]
