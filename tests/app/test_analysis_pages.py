"""The data-check pages through AppTest, on the bundled samples with their stored results."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from recipe_dash.analyzers import ANALYZERS, duplicates, latest_results, run_checks, save_results
from recipe_dash.analyzers.base import Result
from recipe_dash.analyzers.duplicates import count_clusters
from recipe_dash.features import compute_features
from recipe_dash.io import load_dataset
from recipe_dash.settings import PROJECT_ROOT, SAMPLE_DATA
from recipe_dash.store import open_store

APP = str(PROJECT_ROOT / "app.py")
PAGES = ["overview", *ANALYZERS]  # every check has its page, named as its registry key
SAMPLES = {"digits": SAMPLE_DATA / "digits", "table": SAMPLE_DATA / "breast_cancer.csv"}


@cache
def sample_results(name: str) -> dict[str, Result]:
    """Every check on one bundled sample, computed once per test session."""
    return run_checks(load_dataset(SAMPLES[name]))


def analyzed(name: str) -> AppTest:
    """An app whose store holds the sample and its complete results."""
    store = open_store()
    dataset_id = store.record_dataset(load_dataset(SAMPLES[name]))
    save_results(store, dataset_id, sample_results(name))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    return at


@pytest.mark.parametrize("name", list(SAMPLES))
@pytest.mark.parametrize("page", PAGES)
def test_every_check_page_renders_its_result(name: str, page: str) -> None:
    at = analyzed(name)
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception
    assert not at.error  # unreadable images are placeholder tiles, never a red box


@pytest.mark.parametrize("page", PAGES[1:])
def test_pages_before_any_analysis_point_to_overview(page: str) -> None:
    open_store().record_dataset(load_dataset(SAMPLES["table"]))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception
    assert "Run the checks on the Overview page" in at.info[0].value


def test_overview_lists_every_check_worst_first() -> None:
    at = analyzed("table")
    at.switch_page("app_pages/overview.py").run()
    # st.badge renders as ":red-badge[:material/cancel: FAIL]"
    badges = [m.value.rstrip("]").rsplit(":", 1)[-1].strip() for m in at.markdown if "-badge[" in m.value]
    assert len(badges) == len(sample_results("table"))
    order = {"FAIL": 0, "WARN": 1, "PASS": 2, "NOT MEASURED": 3}
    assert [order[b] for b in badges] == sorted(order[b] for b in badges) and badges[0] == "FAIL"
    assert badges[-1] == "NOT MEASURED"  # local_global on a table: not a pass
    assert "billing_code" in " ".join(m.value for m in at.markdown)


def test_duplicates_threshold_merges_and_splits_clusters() -> None:
    at = analyzed("digits")
    at.switch_page("app_pages/duplicates.py").run()
    clusters = {m.label: m.value for m in at.metric}
    assert clusters["Across splits (leakage)"] == "8 clusters" and clusters["Conflicting labels"] == "6 clusters"
    samples = {m.label: m.delta for m in at.metric if m.delta}
    assert samples == {"Across splits (leakage)": "16 samples", "Conflicting labels": "12 samples"}
    stored = open_store().datasets()[0].id
    result = latest_results(open_store(), stored)["duplicates"].result
    assert "16 samples leak" in result.summary and "12 carry conflicting" in result.summary  # the stored one agrees
    assert clusters["Clusters"] == f"{result.details.n_clusters:,}"  # the Overview's clusters are the page's
    live = next(m.value for m in at.markdown if m.value.startswith("At **"))
    assert "across splits: 8 clusters (16 samples)" in live
    dataset = load_dataset(SAMPLES["digits"])
    links = duplicates.search(dataset, compute_features(dataset))
    shown = {}
    for threshold in (1.0, 0.5, 0.3, links.loosest, 0.5):  # back to the default: clusters split again
        at.slider[0].set_value(threshold).run()
        metrics = {m.label: int(m.value.replace(",", "")) for m in at.metric if m.label.endswith("lusters")}
        counts = count_clusters(duplicates.clusters(dataset, links, threshold=float(threshold)))
        assert (metrics["Clusters"], metrics["Samples in clusters"]) == (counts.clusters, counts.members)
        live = next(m.value for m in at.markdown if m.value.startswith(f"At **{threshold:g}**"))
        assert live == f"At **{threshold:g}**: {counts.summary()}"  # the sentence follows the slider too
        shown[threshold] = metrics
    assert shown[1.0]["Samples in clusters"] < shown[0.5]["Samples in clusters"]  # near copies join at the default
    # a looser evidence threshold only adds samples to clusters
    assert (
        shown[0.5]["Samples in clusters"]
        <= shown[0.3]["Samples in clusters"]
        <= shown[links.loosest]["Samples in clusters"]
    )
    at.pills[1].set_value(["leakage"]).run()
    assert all("leaks across splits" in m.value for m in at.markdown if m.value.startswith("Cluster "))


def test_duplicates_page_says_when_a_big_table_limits_the_threshold(tmp_path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(80_000, 2)), columns=["x", "y"])  # dense: rows crowd each other
    frame["label"] = rng.choice(["a", "b"], size=len(frame))
    frame.to_csv(tmp_path / "dense.csv", index=False)
    dataset = load_dataset(tmp_path / "dense.csv")
    store = open_store()
    save_results(store, store.record_dataset(dataset), run_checks(dataset, checks="duplicates"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/duplicates.py").run()
    assert not at.exception
    assert any("threshold stops at" in i.value for i in at.info)
    assert at.slider[0].max < 0.1


def findings_table(at: AppTest):
    return next(d.value for d in at.dataframe if {"issue_type", "score"} <= set(d.value.columns))


def test_findings_filters_narrow_the_table() -> None:
    at = analyzed("table")
    at.switch_page("app_pages/corruption.py").run()
    table = findings_table(at)
    assert set(table["issue_type"]) == {"corrupt"} and len(table) == 15
    at.slider[0].set_value(0.8).run()
    assert (findings_table(at)["score"] >= 0.8).all() and 0 < len(findings_table(at)) < 15


def test_overview_refuses_an_embedding_file_outside_the_data_roots(tmp_path) -> None:
    from recipe_dash import jobs

    open_store().record_dataset(load_dataset(SAMPLES["table"]))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/overview.py").run()
    at.text_input(key="embedding").set_value("/etc/vectors.npy").run()
    at.button[0].click().run()
    assert not at.exception
    assert "outside the folders" in at.error[0].value
    assert jobs.list_jobs(open_store()) == []


def test_overview_under_a_running_bar_says_results_come_not_that_nothing_ran() -> None:
    from recipe_dash import jobs

    store = open_store()
    dataset_id = store.record_dataset(load_dataset(SAMPLES["table"]))
    jobs.create_job(store, "analyze", {"checks": ["imbalance"]}, dataset_id)  # queued: a worker would pick it up
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    assert len(at.get("progress")) == 1
    assert not any("No check has run" in i.value for i in at.info)
    assert any("appears here when the run ends" in c.value for c in at.caption)
    assert [b.label for b in at.button] == ["Stop"]  # no second "Run checks" while one is going


def test_overview_counts_carry_their_unit() -> None:
    at = analyzed("table")
    at.switch_page("app_pages/overview.py").run()
    counts = [m.value for m in at.markdown if m.value.startswith("**") and m.value.endswith("**")]
    assert "**15 samples · 3 columns**" in counts and "**1 class**" in counts
    assert "**2 columns**" in counts  # Biases & leakage: billing_code and intake_score leak the label
