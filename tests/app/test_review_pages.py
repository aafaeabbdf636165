"""The review in the dashboard (AppTest): decisions on check pages, the gallery, clusters, the Review page, Train."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from recipe_dash.review import Verdict, finding_subject, history, record_decisions
from recipe_dash.settings import PROJECT_ROOT
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.runs import create_run, update_summary
from tests.review.conftest import Analyzed, analyzed
from tests.review.test_report import finished_job

APP = str(PROJECT_ROOT / "app.py")
NAME_BOX = "reviewer_box"


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def sign(at: AppTest, name: str) -> AppTest:
    at.text_input(key=NAME_BOX).set_value(name).run()
    assert not at.exception
    return at


def decided(review: Analyzed) -> tuple[str, str]:
    """alice drops the worst label-noise suspect; alice and bob disagree on the second."""
    first, second = review.results["label_noise"].findings["sample_id"].head(2)
    subject = finding_subject("label_noise", "label_noise", first)
    record_decisions(review.store, review.dataset_id, [subject], Verdict("drop"), reviewer="alice")
    other = finding_subject("label_noise", "label_noise", second)
    record_decisions(review.store, review.dataset_id, [other], Verdict("drop"), reviewer="alice")
    record_decisions(review.store, review.dataset_id, [other], Verdict("not_an_issue"), reviewer="bob")
    return first, second


def test_a_check_page_shows_each_findings_decision_and_its_disputes() -> None:
    review = analyzed("digits")
    first, second = decided(review)
    at = open_page("label_noise")
    table = at.dataframe[-1].value.set_index("sample_id")
    assert table.loc[first, "review"] == "drop · alice"
    assert table.loc[second, "review"] == "⚠ alice: drop · bob: not an issue"
    assert (table["review"] == "").sum() == len(table) - 2
    at.button_group(key="label_noise_status").set_value(["disputed"]).run()
    assert list(at.dataframe[-1].value["sample_id"]) == [second]


def test_the_gallery_decides_with_one_click_and_moves_on_only_for_a_named_reviewer() -> None:
    review = analyzed("digits")
    at = open_page("label_noise")
    at.button_group(key="label_noise_view").set_value("Gallery").run()
    assert not at.exception
    drop = at.button(key="label_noise_gallery_quick_drop")
    assert drop.disabled and any("never anonymous" in c.value for c in at.caption)
    assert any("Suspected label" in m.value for m in at.markdown)
    sign(at, "carol")
    assert "1 of" in " ".join(m.value for m in at.markdown)
    at.text_input(key="label_noise_gallery_quick_comment").set_value("a clear 5").run()
    at.button(key="label_noise_gallery_quick_drop").click().run()
    assert not at.exception
    decisions = history(review.store, review.dataset_id)
    worst = review.results["label_noise"].findings.sort_values("score", ascending=False)["sample_id"].iloc[0]
    assert list(decisions[["sample_id", "decision", "reviewer", "comment"]].itertuples(index=False, name=None)) == [
        (worst, "drop", "carol", "a clear 5")
    ]
    assert "2 of" in " ".join(m.value for m in at.markdown)  # moved on to the next finding
    assert [t.value for t in at.toast] == ["Recorded drop on 1 subject(s)."]


def test_a_cluster_is_decided_as_one_subject_by_its_members() -> None:
    review = analyzed("digits")
    at = sign(open_page("duplicates"), "dora")
    assert any(c.value == "Review: not decided yet." for c in at.caption)
    decide = next(b for b in at.button if b.key and b.key.startswith("cluster_") and b.key.endswith("_decide"))
    decide.click().run()
    assert not at.exception
    row = history(review.store, review.dataset_id).iloc[0]
    assert (row["kind"], row["decision"], row["reviewer"]) == ("cluster", "confirmed", "dora")
    members = review.results["duplicates"].findings.groupby("group")["sample_id"].agg(lambda s: sorted(set(s)))
    assert row["members"] in list(members)
    assert any(c.value.startswith("Review: **confirmed** by dora") for c in at.caption)


def test_the_review_page_shows_progress_disputes_and_what_is_open() -> None:
    review = analyzed("digits")
    decided(review)
    at = open_page("review")
    metrics = {m.label: m.value for m in at.metric}
    n_findings = sum(len(r.findings) for r in review.results.values())
    assert metrics["Decisions"] == "3" and metrics["Reviewers"] == "2" and metrics["Disputed"] == "1"
    assert metrics["Findings decided"] == f"1 of {n_findings}"
    by_check = at.dataframe[0].value.set_index("check")  # progress per check, then per reviewer
    assert (by_check.loc["label_noise", "decided"], by_check.loc["label_noise", "disputed"]) == (1, 1)
    assert at.dataframe(key="disputes_table_0").value["sides"].tolist() == ["alice: drop · bob: not an issue"]
    assert len(at.dataframe(key="unreviewed_table_0").value) == min(500, n_findings - 2)
    assert "**1** dropped" in " ".join(m.value for m in at.markdown)


def test_the_train_page_offers_the_cleaned_data_once_the_review_drops_something() -> None:
    review = analyzed("digits")
    at = open_page("train")
    assert any("no drop or relabel yet" in c.value for c in at.caption)
    decided(review)
    at = open_page("train")
    toggle = at.toggle(key="train_cleaned")
    assert toggle.label == "Train on the team's cleaned data (cleaned: 1 dropped, 0 relabelled)"


def test_the_train_page_shows_the_cleaned_run_beside_the_raw_one() -> None:
    review = analyzed("digits")
    dropped = review.results["duplicates"].findings["sample_id"].iloc[0]
    for config, accuracy in ((TrainConfig(), 0.88), (TrainConfig(drop_samples=(dropped,)), 0.9)):
        job_id = finished_job(review.store, "train", review.dataset_id, {"val_loss": 0.3, "val_accuracy": accuracy})
        seen = {"transform": "16x16 grey", "val_source": "test split", "notes": [], "tracked_ids": []}
        stats = {"verdict": "pass", "summary": "fine", "table": []}
        summary = seen | {"input_stats": stats}
        run_id = create_run(review.store, job_id=job_id, dataset_id=review.dataset_id, config=config, summary=summary)
        row = {"metric": "accuracy", "value": accuracy, "low": accuracy - 0.03, "high": accuracy + 0.03}
        metrics = {"table": [row | {"interval": "Wilson"}], "primary": "accuracy", "imbalanced": False, "n_val": 99}
        update_summary(review.store, run_id, epochs_done=1, metrics=metrics)
    at = open_page("train")
    pair = next(d.value for d in at.dataframe if "data" in d.value.columns)
    assert pair["data"].tolist() == ["raw data", "cleaned: 1 dropped, 0 relabelled"]
    assert pair["value"].tolist() == [0.88, 0.9]
    assert any("validates without 1 dropped" in c.value for c in at.caption) == dropped.startswith("test/")


def test_a_gallery_click_bound_to_a_finding_no_longer_shown_records_nothing() -> None:
    """A redraw that stopped half-way (an error after the next finding was drawn) leaves the previous finding's
    buttons in the browser: their click must not decide on a finding the reviewer no longer sees."""
    review = analyzed("digits")
    at = sign(open_page("label_noise"), "carol")
    at.button_group(key="label_noise_view").set_value("Gallery").run()
    at.session_state["label_noise_gallery_current"] = "another finding, drawn since the buttons were bound"
    at.button(key="label_noise_gallery_quick_drop").click().run()
    assert not at.exception
    assert history(review.store, review.dataset_id).empty
    assert any("moved on before this click" in e.value for e in at.error)
    assert "1 of" in " ".join(m.value for m in at.markdown)  # stays where it was
    at.button(key="label_noise_gallery_quick_drop").click().run()  # drawn again: this click counts
    assert len(history(review.store, review.dataset_id)) == 1


def test_the_review_above_the_gallery_follows_the_finding_shown() -> None:
    analyzed("digits")
    at = sign(open_page("label_noise"), "carol")
    at.button_group(key="label_noise_view").set_value("Gallery").run()

    def reviews() -> list[str]:
        return [m.value for m in at.markdown if m.value.startswith("**Review:**")]

    assert reviews() == ["**Review:** not decided yet"]
    at.button(key="label_noise_gallery_quick_drop").click().run()
    assert "2 of" in " ".join(m.value for m in at.markdown) and reviews() == ["**Review:** not decided yet"]
    at.button(key="label_noise_gallery_prev").click().run()
    assert "1 of" in " ".join(m.value for m in at.markdown) and reviews() == ["**Review:** drop by carol"]


def test_a_gallery_click_before_the_review_above_caught_up_records_nothing() -> None:
    """The decision records what the reviewer had seen of the finding (the review above it); drawn for another
    finding, that would be wrong, so the click is refused instead."""
    review = analyzed("digits")
    at = sign(open_page("label_noise"), "carol")
    at.button_group(key="label_noise_view").set_value("Gallery").run()
    at.session_state["label_noise_gallery_shown_item"] = "the finding shown before"
    at.button(key="label_noise_gallery_quick_drop").click().run()
    assert history(review.store, review.dataset_id).empty
    assert any("moved on before this click" in e.value for e in at.error)


def test_a_gallery_click_delivered_again_before_the_gallery_redrew_does_nothing() -> None:
    """A click acted on leaves nothing current until the gallery draws again: the same click delivered twice
    (Streamlit once did) neither records twice nor moves twice."""
    review = analyzed("digits")
    at = sign(open_page("label_noise"), "carol")
    at.button_group(key="label_noise_view").set_value("Gallery").run()
    at.session_state["label_noise_gallery_current"] = None  # as a decision or a step leaves it
    at.button(key="label_noise_gallery_quick_drop").click().run()
    at.session_state["label_noise_gallery_current"] = None
    at.button(key="label_noise_gallery_next").click().run()
    assert history(review.store, review.dataset_id).empty and not at.error
    assert "1 of" in " ".join(m.value for m in at.markdown)


def test_a_decision_chosen_and_clicked_before_the_page_redraws_is_the_one_recorded() -> None:
    """The browser sends "drop" and the click together (the click came before the redraw "drop" started): the
    store gets drop, not the decision the page drew last; likewise the gallery's relabel class."""
    review = analyzed("digits")
    at = sign(open_page("duplicates"), "dora")
    decide = next(b for b in at.button if b.key and b.key.startswith("cluster_") and b.key.endswith("_decide"))
    prefix = decide.key.removesuffix("_decide")
    at.button_group(key=f"{prefix}_choice").set_value("drop")
    decide.click().run()
    assert not at.exception
    row = history(review.store, review.dataset_id).iloc[-1]
    assert (row["kind"], row["decision"], row["reviewer"]) == ("cluster", "drop", "dora")

    at = sign(open_page("label_noise"), "dora")
    at.button_group(key="label_noise_view").set_value("Gallery").run()
    relabel_to = next(s for s in at.selectbox if s.key and s.key.startswith("label_noise_gallery_relabel_to_"))
    other = next(c for c in ("3", "4") if c != relabel_to.value)
    relabel_to.set_value(other)
    at.button(key="label_noise_gallery_quick_relabel").click().run()
    assert not at.exception
    row = history(review.store, review.dataset_id).iloc[-1]
    assert (row["kind"], row["decision"], row["label"]) == ("finding", "relabel", other)
