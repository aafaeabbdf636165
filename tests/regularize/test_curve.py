"""The learning curve's verdict on tables whose answer is known: one that still climbs, one that is flat."""

from __future__ import annotations

from pathlib import Path

from recipe_dash import jobs
from recipe_dash.regularize import launch, learning_curve, learning_curve_plan, read_group
from recipe_dash.store import Store
from recipe_dash.training.config import TrainConfig
from tests.regularize.conftest import data_hungry_table, open_table, run_plan, saturated_table

BASE = TrainConfig(model="logistic", epochs=10, lr=3e-3)


def test_a_curve_that_still_climbs_says_more_data_would_help(store: Store, tmp_path: Path) -> None:
    group = run_plan(store, open_table(store, data_hungry_table(tmp_path / "t.csv")), learning_curve_plan(BASE))
    curve = learning_curve(group)
    assert curve.conclusion == "more_data", curve.summary
    assert curve.slope is not None and curve.slope.low > 0
    assert "More data would likely help" in curve.summary and "per doubling" in curve.summary
    assert curve.points["n_train"].tolist() == [200, 500, 1000, 2000]  # stratified shares of 2000 rows
    assert curve.points["val"].is_monotonic_increasing
    assert curve.points["gap"].iloc[0] > curve.points["gap"].iloc[-1]  # 200 rows overfit more than 2000


def test_a_flat_curve_says_more_data_would_not_help(store: Store, tmp_path: Path) -> None:
    group = run_plan(store, open_table(store, saturated_table(tmp_path / "t.csv")), learning_curve_plan(BASE))
    curve = learning_curve(group)
    assert curve.conclusion == "flat", curve.summary
    assert curve.slope is not None and curve.slope.high < 0.01
    assert "would likely not help" in curve.summary and "does not overfit" in curve.summary


def test_every_fraction_gets_the_full_runs_steps_and_validation_stays_the_same(store: Store, tmp_path: Path) -> None:
    plan = learning_curve_plan(TrainConfig(model="logistic", epochs=4, lr=3e-3), (0.25, 0.5, 1.0))
    assert [m.config.epochs for m in plan.members] == [16, 8, 4]
    assert all(m.config.early_stopping == 3 for m in plan.members)
    group = run_plan(store, open_table(store, saturated_table(tmp_path / "t.csv", n_train=400, n_val=200)), plan)
    assert {m.summary["n_val"] for m in group.members} == {200}
    assert [m.summary["n_train"] for m in group.members] == [100, 200, 400]


def test_the_verdict_waits_for_the_largest_fraction(store: Store, tmp_path: Path) -> None:
    dataset_id = open_table(store, saturated_table(tmp_path / "t.csv", n_train=400, n_val=200))
    plan = learning_curve_plan(TrainConfig(model="logistic", epochs=2), (0.1, 0.25, 0.5, 1.0))
    group_id = launch(store, dataset_id, plan, start=False)
    queued = list(reversed(jobs.list_jobs(store, kind="train", dataset_id=dataset_id)))
    for job in queued[:3]:
        jobs.run_job(store, job.id)
    jobs.request_stop(store, queued[3].id)  # the 100% run, stopped before it started
    curve = learning_curve(read_group(store, dataset_id, group_id))
    assert curve.conclusion == "not_measured"
    assert "3 of 4 runs finished; the largest fraction is not among them" in curve.summary
