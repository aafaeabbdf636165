"""The report of the bundled digits sample: one file under 5 MB with the checks, model checks, runs and decisions."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import update

from recipe_dash import jobs
from recipe_dash.review import Verdict, cluster_subject, finding_subject, record_decisions
from recipe_dash.review.report import gather_report, write_report
from recipe_dash.store import JobRecord, Store
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.runs import create_run, insert_metrics, update_summary
from tests.review.conftest import Analyzed

REPORT_LIMIT = 5_000_000


def finished_job(store: Store, kind: str, dataset_id: int, result: dict) -> int:
    job_id = jobs.create_job(store, kind, TrainConfig().to_dict(), dataset_id)
    with store.session() as session, session.begin():
        session.execute(update(JobRecord).where(JobRecord.id == job_id).values(status="done", result=result))
    return job_id


def reviewed_digits(review: Analyzed) -> None:
    """Decisions by two reviewers (one disputed), a model-checks job and a run on the cleaned data."""
    store, dataset_id = review.store, review.dataset_id
    noisy = review.results["label_noise"].findings["sample_id"].head(3).tolist()
    copies = review.results["duplicates"].findings.query("group == 'dup-0'")["sample_id"].tolist()
    record_decisions(
        store,
        dataset_id,
        [finding_subject("label_noise", "label_noise", noisy[0])],
        Verdict("relabel", "5", "<script>alert('x')</script> clearly a five"),
        reviewer="alice",
    )
    record_decisions(store, dataset_id, [cluster_subject(copies)], Verdict("drop"), reviewer="bob")
    for who, decision in (("alice", "drop"), ("bob", "not_an_issue")):
        record_decisions(
            store,
            dataset_id,
            [finding_subject("label_noise", "label_noise", noisy[1])],
            Verdict(decision),
            reviewer=who,
            seen={},
        )
    checks = [
        {"name": "loss_at_init", "verdict": "pass", "evidence": "Loss 2.30 at init, log(10) = 2.30."},
        {"name": "overfit_one_batch", "verdict": "fail", "evidence": "Stalled at 1.2."},
    ]
    finished_job(store, "model_checks", dataset_id, {"checks": checks, "model": "cnn", "job_id": 0})
    config = TrainConfig(drop_samples=(copies[0],), relabel_samples=((noisy[0], "5"),))
    job_id = finished_job(store, "train", dataset_id, {"val_loss": 0.31, "val_accuracy": 0.91})
    run_id = create_run(store, job_id=job_id, dataset_id=dataset_id, config=config, summary={})
    metrics = {
        "table": [{"metric": "accuracy", "value": 0.91, "low": 0.87, "high": 0.94, "interval": "Wilson"}],
        "primary": "accuracy",
        "imbalanced": False,
    }
    update_summary(store, run_id, epochs_done=2, metrics=metrics)
    insert_metrics(
        store,
        [
            {
                "run_id": run_id,
                "step": s,
                "epoch": s / 10,
                "split": "train",
                "loss": 2.3 / s,
                "accuracy": 0.5,
                "lr": 3e-4,
                "grad_norm": 1.0,
                "wall_time": float(s),
            }
            for s in range(1, 21)
        ],
    )


def test_the_digits_report_is_one_small_offline_file_with_everything(digits_review: Analyzed, tmp_path: Path) -> None:
    reviewed_digits(digits_review)
    data = gather_report(digits_review.store, digits_review.dataset_id, digits_review.dataset)
    path = write_report(tmp_path / "report.html", data)
    size = path.stat().st_size
    print(f"digits report: {size / 1e6:.2f} MB")
    assert size < REPORT_LIMIT
    text = path.read_text(encoding="utf-8")
    # nothing is fetched from elsewhere: no external script, style sheet, image or font
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=['\"]?(https?:)?//", text)
    assert "url(http" not in text and "@import" not in text
    for check in digits_review.results:
        assert f"id='check-{check}'" in text
    for word in ("Worst 8 of", "data:image/png;base64,", "Progress per reviewer", "Open disagreements"):
        assert word in text
    assert text.count("class='figure'") >= 5  # class counts, noise matrix, class noise, outliers, ...
    # the decisions, their reviewers and comments (escaped), the dispute, the manifest
    assert "relabel → 5" in text and "&lt;script&gt;alert('x')&lt;/script&gt; clearly a five" in text
    assert "<script>alert" not in text
    assert "alice: drop · bob: not an issue" in text
    assert "<b>1</b> dropped, <b>1</b> relabelled" in text
    # the model checks and the run on the cleaned data
    assert "overfit_one_batch" in text and "Stalled at 1.2." in text
    assert "cleaned: 1 dropped, 1 relabelled" in text and "0.91" in text
