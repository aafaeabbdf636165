"""A lean store: per-sample evidence goes to Parquet beside it, pages still read typed details, and a
replaced result takes its files with it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from recipe_dash import jobs
from recipe_dash.analyzers import latest_results, run_checks, save_results
from recipe_dash.analyzers._evidence_files import INLINE_ROWS
from recipe_dash.analyzers.outliers import Details
from recipe_dash.settings import get_settings
from recipe_dash.store import Store
from recipe_dash.store.analysis_model import AnalysisResultRecord
from recipe_dash.workspace import open_dataset
from tests.jobs.conftest import write_table

N_ROWS = 3 * INLINE_ROWS


@pytest.fixture
def analyzed(store_url: str, tmp_path: Path) -> tuple[Store, int, dict]:
    store = Store(store_url)
    dataset_id, dataset = open_dataset(store, write_table(tmp_path / "t.csv", N_ROWS))
    return store, dataset_id, run_checks(dataset, checks=["outliers", "imbalance"])


def stored_details(store: Store, check: str) -> dict:
    with store.session() as session:
        return session.scalar(select(AnalysisResultRecord.details).where(AnalysisResultRecord.analyzer == check))


def evidence_files() -> list[Path]:
    return sorted((get_settings().home / "evidence").rglob("*.parquet"))


def test_per_sample_scores_live_in_parquet_and_come_back_typed(analyzed: tuple[Store, int, dict]) -> None:
    store, dataset_id, results = analyzed
    scores = results["outliers"].details.scores
    assert len(scores) == N_ROWS  # every row scored: a frame the JSON column would carry whole
    save_results(store, dataset_id, results)
    row = stored_details(store, "outliers")
    assert row["scores"] == {"parquet": evidence_files()[0].relative_to(get_settings().home).as_posix(), "rows": N_ROWS}
    assert len(json.dumps(row)) < 10_000  # summaries and small tables only
    assert [p.name for p in evidence_files()] == ["outliers.scores.parquet"]  # small frames stay inline
    back = latest_results(store, dataset_id)["outliers"].result.details
    assert isinstance(back, Details)
    pd.testing.assert_frame_equal(back.scores, scores.reset_index(drop=True), check_dtype=False)
    assert back.to_json() == results["outliers"].details.to_json()


def test_a_new_run_replaces_the_files_of_the_old_one(analyzed: tuple[Store, int, dict]) -> None:
    store, dataset_id, results = analyzed
    save_results(store, dataset_id, results)
    (first,) = evidence_files()
    save_results(store, dataset_id, {"outliers": results["outliers"]})
    (second,) = evidence_files()
    assert second != first and not first.parent.exists()  # the superseded run's folder is gone
    save_results(store, dataset_id, {"imbalance": results["imbalance"]})  # another check: no effect on these
    assert evidence_files() == [second]


def test_a_missing_evidence_file_asks_for_a_new_run(analyzed: tuple[Store, int, dict]) -> None:
    store, dataset_id, results = analyzed
    save_results(store, dataset_id, results)
    evidence_files()[0].unlink()
    assert sorted(latest_results(store, dataset_id)) == ["imbalance"]  # the page then says "run the checks"


def test_a_stopped_or_lost_job_never_replaces_results(analyzed: tuple[Store, int, dict]) -> None:
    store, dataset_id, results = analyzed
    save_results(store, dataset_id, results)
    before = {k: v.created_at for k, v in latest_results(store, dataset_id).items()}
    files = evidence_files()
    job_id = jobs.create_job(store, "analyze", {}, dataset_id)
    jobs.runner._update(store, job_id, status="failed")  # judged lost while its worker was frozen
    with pytest.raises(jobs.JobStopped):
        save_results(store, dataset_id, results, job_id=job_id)
    assert {k: v.created_at for k, v in latest_results(store, dataset_id).items()} == before
    assert evidence_files() == files  # nothing of the refused save is left on disk
