"""`recipe-dash tune`: a study on local workers with a summary; resumed by name; bad input is one line, exit 2."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from recipe_dash import cli, jobs
from recipe_dash.store import open_store
from recipe_dash.tuning.study import LAST_EPOCHS

runner = CliRunner()


def tune(*args: str) -> list[str]:
    return ["tune", *args, "--model", "mlp", "--epochs", "2", "--sampler", "random"]


def test_a_study_on_two_workers_prints_each_trial_and_a_summary_then_resumes(shapes_folder: Path) -> None:
    result = runner.invoke(cli.app, tune(str(shapes_folder), "--study", "cli", "--trials", "4", "--workers", "2"))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Study 'cli' on shapes: 0 trials so far; adding 4 with random on 2 worker(s)" in out
    assert sorted(int(n) for n in re.findall(r"^trial +(\d+) ", out, re.MULTILINE)) == [0, 1, 2, 3]  # each once
    summary = re.search(r"Study 'cli': 4 trials \((.*)\)\.", out)
    assert summary is not None and "failed" not in summary.group(1)
    assert "Values: validation accuracy, averaged over each trial's last 3 epochs." in out
    assert re.search(r"Best: trial \d, validation accuracy \d+\.\d% \(loss \d\.\d{4}\): lr=", out)
    assert f"Full run of the best config: recipe-dash train {shapes_folder} --model mlp --lr " in out
    again = runner.invoke(cli.app, tune(str(shapes_folder), "--study", "cli", "--trials", "2"))
    assert again.exit_code == 0, again.output
    assert "4 trials so far; adding 2" in again.stdout and "Study 'cli': 6 trials" in again.stdout


def test_a_bad_space_is_one_line_naming_the_parameter_and_starts_nothing(shapes_folder: Path, tmp_path: Path) -> None:
    space = tmp_path / "space.yaml"
    space.write_text("lr: {low: 0.1, high: 0.001, log: true}\n")
    result = runner.invoke(cli.app, tune(str(shapes_folder), "--study", "bad", "--space", str(space)))
    assert result.exit_code == 2
    assert result.stderr == "error: Search space: lr has low 0.1 above high 0.001; swap them.\n"
    assert jobs.list_jobs(open_store()) == []


def test_bad_options_and_other_settings_for_an_existing_study_exit_2(shapes_folder: Path) -> None:
    sampler = runner.invoke(cli.app, [*tune(str(shapes_folder), "--study", "x"), "--sampler", "bayes"])
    assert sampler.exit_code == 2 and "Unknown sampler 'bayes'. Choose one of: gp, random, tpe." in sampler.stderr
    workers = runner.invoke(cli.app, tune(str(shapes_folder), "--study", "x", "--workers", "0"))
    assert workers.exit_code == 2 and "workers must be between 1 and 64, got 0" in workers.stderr
    threads = runner.invoke(cli.app, tune(str(shapes_folder), "--study", "x", "--threads", "0"))
    assert threads.exit_code == 2 and "threads must be between 1 and 256, got 0" in threads.stderr
    first = runner.invoke(cli.app, tune(str(shapes_folder), "--study", "x", "--trials", "1"))
    assert first.exit_code == 0, first.output
    other = runner.invoke(cli.app, ["tune", str(shapes_folder), "--study", "x", "--model", "logistic", "--epochs", "2"])
    assert other.exit_code == 2
    assert "Study 'x' exists with other settings (base.model: 'mlp' there, 'logistic' here)" in other.stderr


def test_the_help_says_how_many_epochs_a_value_averages() -> None:
    """The CLI does not import the study module to build its help (optuna loads only when a study runs), so
    the number is written there again: this keeps the two equal."""
    shown = runner.invoke(cli.app, ["tune", "--help"], env={"COLUMNS": "250"}).stdout
    assert f"averaged over each trial's last {LAST_EPOCHS} epochs" in shown
