from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recipe_dash import cli
from recipe_dash.store import open_store

runner = CliRunner()


def test_help_lists_every_subcommand() -> None:
    result = runner.invoke(cli.app, ["--help"])
    assert result.exit_code == 0
    for command in ("app", "analyze", "check-model", "train", "tune", "report"):
        assert command in result.output


def test_app_records_the_dataset_and_starts_streamlit(image_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(subprocess, "call", lambda cmd, env, cwd: calls.append((cmd, env)) or 0)
    result = runner.invoke(cli.app, ["app", str(image_folder), "--port", "8999"])
    assert result.exit_code == 0, result.output
    command, env = calls[0]
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4].endswith("app_pages/navigation.py")
    assert "8999" in command
    recorded = open_store().dataset(int(env["RECIPE_DASH_OPEN_DATASET"]))
    assert recorded is not None and recorded.n_samples == 10


def test_bad_input_is_one_line_on_stderr_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("must not start"))
    bad = tmp_path / "t.csv"
    bad.write_text("height,weight\n1,2\n")
    result = runner.invoke(cli.app, ["app", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "No label column" in result.stderr
    assert "Traceback" not in result.output
    assert open_store().datasets() == []


def test_label_column_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: 0)
    table = tmp_path / "t.csv"
    table.write_text("height,diagnosis\n1,a\n2,b\n")
    result = runner.invoke(cli.app, ["app", str(table), "--label-column", "diagnosis"])
    assert result.exit_code == 0, result.output
    assert "2 samples, 2 classes" in result.output


def test_console_script_is_installed() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "recipe-dash"), "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "check-model" in result.stdout


@pytest.mark.parametrize("kind", ["empty_csv", "unsafe_zip", "no_classes", "missing"])
def test_every_bad_input_exits_2_with_one_line(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("must not start"))
    path = tmp_path / {"empty_csv": "e.csv", "unsafe_zip": "u.zip", "no_classes": "flat", "missing": "nope"}[kind]
    if kind == "empty_csv":
        path.touch()
    elif kind == "unsafe_zip":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("../escape.png", b"x")
    elif kind == "no_classes":
        path.mkdir()
        (path / "a.png").write_bytes(b"x")
    result = runner.invoke(cli.app, ["app", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert not (tmp_path / "escape.png").exists()
