from __future__ import annotations

import itertools
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recipe_dash import cli
from recipe_dash.cli.dashboard import SERVER_FLAGS
from recipe_dash.settings import PROJECT_ROOT, get_settings
from recipe_dash.store import open_store

runner = CliRunner()


def test_help_lists_every_subcommand() -> None:
    result = runner.invoke(cli.app, ["--help"])
    assert result.exit_code == 0
    for command in ("app", "analyze", "check-model", "train", "tune", "report"):
        assert command in result.output


def test_help_says_where_the_store_is(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECIPE_DASH_DB")
    get_settings.cache_clear()
    result = runner.invoke(cli.app, ["--help"], env={"COLUMNS": "400"})
    assert f"Store: {isolated_home} (set RECIPE_DASH_HOME to move it)" in result.output
    monkeypatch.setenv("RECIPE_DASH_DB", "postgresql://ana:s3cret@db.example/recipes")
    get_settings.cache_clear()
    result = runner.invoke(cli.app, ["--help"], env={"COLUMNS": "400"})
    assert "postgresql://ana:***@db.example/recipes" in result.output and "s3cret" not in result.output


def test_the_store_defaults_to_the_user_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECIPE_DASH_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    home = get_settings().home
    assert home == tmp_path / "data" / "recipe-dash" or sys.platform != "linux"  # platformdirs follows XDG on Linux
    assert home != tmp_path / ".recipe_dash"


def test_app_records_the_dataset_and_starts_streamlit(image_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(subprocess, "call", lambda cmd, env, cwd: calls.append((cmd, env)) or 0)
    result = runner.invoke(cli.app, ["app", str(image_folder), "--port", "8999"])
    assert result.exit_code == 0, result.output
    command, env = calls[0]
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4].endswith("app_pages/navigation.py")
    assert "--server.port=8999" in command
    assert "--server.fileWatcherType=none" in command  # watching covered .venv/ and the store: a noisy log
    assert "--browser.gatherUsageStats=false" in command  # no request beyond the server
    recorded = open_store().dataset(int(env["RECIPE_DASH_OPEN_DATASET"]))
    assert recorded is not None and recorded.n_samples == 10


def flags(command: list[str]) -> dict[str, str]:
    """`--name=value` (or `--name value`) pairs of a command line."""
    pairs = [arg.partition("=") for arg in command if arg.startswith("--") and "=" in arg]
    return {flag: value for flag, _, value in pairs} | {
        flag: value for flag, value in itertools.pairwise(command) if flag.startswith("--") and "=" not in flag
    }


@pytest.mark.parametrize(("extra", "details"), [([], "none"), (["--dev"], "full")])
def test_app_hides_error_details_and_listens_on_localhost_unless_told(
    monkeypatch: pytest.MonkeyPatch, extra: list[str], details: str
) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "call", lambda cmd, env, cwd: calls.append(cmd) or 0)
    assert runner.invoke(cli.app, ["app", *extra]).exit_code == 0
    shown = flags(calls[0])
    assert shown["--client.showErrorDetails"] == details and shown["--server.address"] == "localhost"
    assert shown["--server.maxUploadSize"] == "2048"


def test_streamlit_run_app_py_is_as_safe_as_recipe_dash_app() -> None:
    """`streamlit run app.py` in a checkout reads .streamlit/config.toml: the same defaults as the CLI's flags."""
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "localhost"
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["maxUploadSize"] == get_settings().max_upload_mb
    for name, value in SERVER_FLAGS.items():  # no file watcher, no telemetry, a quiet log: both ways alike
        section, option = name.split(".")
        assert str(config[section][option]).lower() == value, name


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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "data.csv", "--out", "f.jsonl", "--colour", "red"], "No such option: --colour"),
        (["check-model"], "Missing argument 'spec'"),
        (["train", "data.csv", "--epochs", "many"], "Invalid value for '--epochs'"),
        (["nonsense"], "No such command 'nonsense'"),
    ],
)
def test_typer_usage_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr and "--help" in result.stderr
    assert "Traceback" not in result.output and "╭" not in result.output  # no rich box either


@pytest.mark.parametrize("command", ["app", "analyze", "check-model"])
def test_a_label_column_for_an_image_folder_is_refused(command: str, image_folder: Path, tmp_path: Path) -> None:
    args = {
        "app": ["app", str(image_folder)],
        "analyze": ["analyze", str(image_folder), "--out", str(tmp_path / "f.jsonl")],
        "check-model": ["check-model", "logistic", "--data", str(image_folder)],
    }[command]
    result = runner.invoke(cli.app, [*args, "--label-column", "label"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: label_column is for tables, but 'pets' is an image folder whose labels are its class folders; "
        "drop label_column ('label').\n"
    )


def test_check_model_refuses_a_bad_seed_before_reading_the_data(tmp_path: Path) -> None:
    result = runner.invoke(cli.app, ["check-model", "logistic", "--data", str(tmp_path / "not-read"), "--seed", "-1"])
    assert result.exit_code == 2
    assert result.stderr == "error: seed must be between 0 and 4294967295, got -1.\n"


def test_an_internal_error_is_a_bug_with_its_traceback(image_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only our user errors become one line: a KeyError inside a command is not the user's to fix."""
    from recipe_dash.analyzers import run

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(run, "compute_features", broken)
    result = runner.invoke(cli.app, ["analyze", str(image_folder), "--out", "f.jsonl", "--checks", "imbalance"])
    assert result.exit_code == 1
    assert isinstance(result.exception, KeyError)  # not swallowed into "error: ..." and exit 2
    assert "error:" not in result.stderr
