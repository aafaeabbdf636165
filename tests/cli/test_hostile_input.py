"""`recipe-dash analyze` and `check-model` on hostile and unusual input: results or one line and exit 2."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recipe_dash.cli import app
from tests.hostile import nested_parquet, odd_names_folder, special_file, unusual_images_folder

CHECKS = "duplicates,corruption,imbalance"


def analyze(path: Path, out: Path, checks: str = CHECKS) -> tuple[int, str, list[dict]]:
    result = CliRunner().invoke(app, ["analyze", str(path), "--out", str(out), "--checks", checks])
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    return result.exit_code, result.output, records


def test_names_that_are_not_utf8_are_written_escaped_and_nothing_raw_reaches_the_terminal(tmp_path: Path) -> None:
    code, output, records = analyze(odd_names_folder(tmp_path / "odd"), tmp_path / "f.jsonl")
    assert code == 0, output
    assert "\x1b" not in output and "Traceback" not in output
    assert not [r for r in records if r["issue_type"] == "corrupt"]


def test_valid_but_unusual_images_get_format_notes_never_corrupt(tmp_path: Path) -> None:
    expected = unusual_images_folder(tmp_path / "imgs")
    (tmp_path / "imgs" / "a" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    code, output, records = analyze(tmp_path / "imgs", tmp_path / "f.jsonl", "corruption")
    assert code == 0, output
    assert {r["sample_id"]: r["issue_type"] for r in records} == {**expected, "a/broken.png": "corrupt"}
    assert "1 corrupt images: fix or drop them before training; 7 format notes" in output


@pytest.mark.parametrize("kind", ["fifo", "socket", "device"])
def test_a_pipe_socket_or_device_named_like_a_table_is_one_line_and_exit_2(tmp_path: Path, kind: str) -> None:
    started = time.monotonic()
    code, output, _ = analyze(special_file(tmp_path / "data.csv", kind), tmp_path / "f.jsonl")
    assert code == 2 and "not a regular file" in output and len(output.strip().splitlines()) == 1
    assert time.monotonic() - started < 10


def test_a_csv_with_ragged_rows_is_analyzed_and_the_rows_reported_by_line(tmp_path: Path) -> None:
    lines = ["x,y,label", *(f"{i},{i % 7},{'ab'[i % 2]}" for i in range(40))]
    lines[6] += ",extra,fields"
    lines[13] = "13"
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    code, output, records = analyze(path, tmp_path / "f.jsonl", "corruption,imbalance")
    assert code == 0, output
    rows = {r["sample_id"]: r["detail"] for r in records if r["group"] == "row"}
    assert set(rows) == {"5", "12"} and rows["5"].startswith("Line 7 has 5 field(s) where the header has 3")
    assert "note: Left out 2 broken row(s)" in output


def test_a_parquet_with_nested_columns_analyzes_the_plain_ones_and_names_the_rest(tmp_path: Path) -> None:
    code, output, _ = analyze(nested_parquet(tmp_path / "n.parquet"), tmp_path / "f.jsonl", "corruption,biases")
    assert code == 0, output
    assert "note: Skipped 3 nested or binary column(s) the checks cannot read: tags (list), attrs (map)" in output
