from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import update

from recipe_dash import analyze, jobs
from recipe_dash.analyzers import (
    latest_analysis,
    latest_results,
    resolve_checks,
    run_checks,
    save_results,
    start_analysis,
)
from recipe_dash.analyzers.findings import findings_frame
from recipe_dash.jobs.progress import describe
from recipe_dash.store import open_store
from recipe_dash.store.analysis_model import AnalysisResultRecord
from recipe_dash.workspace import open_dataset
from tests.conftest import write_image

CHECKS = ["duplicates", "corruption", "imbalance"]


@pytest.fixture
def planted(image_folder: Path) -> Path:
    """The shared pets folder plus a train image copied into test (leakage) and a zero-byte file."""
    (image_folder / "test" / "cat" / "leak.png").write_bytes((image_folder / "train" / "cat" / "0.png").read_bytes())
    (image_folder / "train" / "dog" / "empty.png").write_bytes(b"")
    return image_folder


def test_checks_are_validated_and_kept_in_registry_order() -> None:
    assert resolve_checks("imbalance, duplicates") == ["duplicates", "imbalance"]
    with pytest.raises(ValueError, match=r"Unknown check 'dupes'\. Choose one of: .*duplicates"):
        resolve_checks(["dupes"])


def test_the_label_noise_model_reports_each_fold_as_progress(image_folder: Path) -> None:
    from recipe_dash.io import load_dataset

    messages: list[tuple[int, int, str]] = []
    dataset = load_dataset(image_folder)
    run_checks(dataset, checks=["label_noise"], progress=lambda d, t, m: messages.append((d, t, m)))
    folds = [m for d, t, m in messages if m.startswith("running label_noise: out-of-fold model")]
    assert folds and folds[-1].endswith("done")
    assert all((d, t) == (dataset.n_samples, dataset.n_samples) for d, t, m in messages if m in folds)


def test_the_python_api_returns_the_findings_of_every_check(planted: Path) -> None:
    findings = analyze(planted, checks=CHECKS)
    assert list(findings.columns) == ["sample_id", "issue_type", "score", "group", "detail"]
    found = set(zip(findings["sample_id"], findings["issue_type"], strict=True))
    assert {
        ("test/cat/leak.png", "leakage"),
        ("train/cat/0.png", "leakage"),
        ("train/dog/empty.png", "corrupt"),
    } <= found


def test_results_round_trip_through_the_store_and_replace_only_the_checks_run(planted: Path) -> None:
    store = open_store()
    dataset_id, dataset = open_dataset(store, planted)
    first = run_checks(dataset, checks=CHECKS)
    save_results(store, dataset_id, first, job_id=None)
    stored = latest_results(store, dataset_id)
    assert list(stored) == sorted(CHECKS)
    for name, result in first.items():
        pd.testing.assert_frame_equal(stored[name].result.findings, result.findings)
        assert stored[name].result.verdict == result.verdict and stored[name].result.summary == result.summary
        assert type(stored[name].result.details) is type(result.details)
        assert stored[name].result.details.to_json() == result.details.to_json()
        assert stored[name].result.seconds == result.seconds is not None
    replacement = replace(first["imbalance"], summary="Replaced.", findings=findings_frame())
    save_results(store, dataset_id, {"imbalance": replacement})
    again = latest_results(store, dataset_id)
    assert again["imbalance"].result.summary == "Replaced." and len(again["imbalance"].result.findings) == 0
    assert again["duplicates"].created_at == stored["duplicates"].created_at  # untouched


def test_a_result_stored_in_an_older_shape_reads_as_not_run(planted: Path) -> None:
    """A result saved by an older version without today's fields is not shown half-read: the page asks for a run."""
    store = open_store()
    dataset_id, dataset = open_dataset(store, planted)
    save_results(store, dataset_id, run_checks(dataset, checks=CHECKS))
    with store.session() as session, session.begin():
        session.execute(
            update(AnalysisResultRecord).where(AnalysisResultRecord.analyzer == "imbalance").values(details={})
        )
    assert sorted(latest_results(store, dataset_id)) == sorted(set(CHECKS) - {"imbalance"})


def test_an_analysis_job_reports_progress_and_saves_results(planted: Path) -> None:
    store = open_store()
    dataset_id, _ = open_dataset(store, planted)
    job_id = jobs.create_job(store, "analyze", {"checks": CHECKS, "executor": "process"}, dataset_id)
    jobs.run_job(store, job_id)
    job = jobs.get_job(store, job_id)
    assert (job.status, job.done, job.total) == ("done", 100, 100)  # percent of the expected time
    shown = describe(job)
    assert shown.fraction == 1.0 and not shown.active and "left" not in shown.text
    stored = latest_results(store, dataset_id)
    assert set(stored) == set(CHECKS) and all(s.job_id == job_id for s in stored.values())
    assert stored["corruption"].result.verdict == "fail"


def test_a_cancelled_analysis_leaves_the_previous_results_intact(planted: Path) -> None:
    store = open_store()
    dataset_id, _ = open_dataset(store, planted)
    done = jobs.create_job(store, "analyze", {"checks": CHECKS}, dataset_id)
    jobs.run_job(store, done)
    before = latest_results(store, dataset_id)
    write_image(planted / "train" / "cat" / "new.png", seed=77)  # a changed dataset ...
    stopped = jobs.create_job(store, "analyze", {"checks": CHECKS}, dataset_id)
    jobs.request_stop(store, stopped)  # ... whose analysis is stopped at its first progress report
    jobs.run_job(store, stopped)
    assert jobs.get_job(store, stopped).status == "cancelled"
    after = latest_results(store, dataset_id)
    assert {k: (v.job_id, v.created_at) for k, v in after.items()} == {
        k: (v.job_id, v.created_at) for k, v in before.items()
    }


def test_start_analysis_runs_in_a_worker_process_and_a_reload_finds_it(planted: Path) -> None:
    store = open_store()
    dataset_id, _ = open_dataset(store, planted)
    job_id = start_analysis(store, dataset_id, checks=["imbalance"])
    assert latest_analysis(store, dataset_id).id == job_id  # what a reloaded page looks up
    deadline = time.monotonic() + 120
    while describe(jobs.get_job(store, job_id)).active and time.monotonic() < deadline:
        time.sleep(0.2)
    job = jobs.get_job(store, job_id)
    assert job.status == "done", job.error
    assert latest_results(store, dataset_id)["imbalance"].job_id == job_id
