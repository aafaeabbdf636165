"""Decisions: append-only history, retries stored once, disagreements until settled, keys that survive a re-run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.analyzers.findings import findings_frame
from recipe_dash.errors import DataError, OptionError
from recipe_dash.io import load_dataset
from recipe_dash.review import (
    Verdict,
    cluster_subject,
    current_states,
    finding_subject,
    history,
    parse_decision,
    record_decisions,
    review_status,
    sample_subject,
    version,
)
from recipe_dash.review.subjects import finding_keys, sample_keys
from recipe_dash.store import Store, open_store

LABEL = finding_subject("label_noise", "label_noise", "train/cat/0.png")


@pytest.fixture
def recorded(store_url: str, image_folder: Path) -> tuple[Store, int]:
    """The pets folder recorded in a store on each backend: SQLite in memory, a SQLite file, PostgreSQL."""
    store = open_store(store_url)
    return store, store.record_dataset(load_dataset(image_folder))


def state_of(store: Store, dataset_id: int, key: str) -> pd.Series:
    states = current_states(history(store, dataset_id)).set_index("subject")
    return states.loc[key]


def test_history_is_append_only_and_numbered_per_subject(recorded: tuple[Store, int]) -> None:
    store, dataset_id = recorded
    other = sample_subject("train/dog/1.png")
    assert record_decisions(store, dataset_id, [LABEL, other], Verdict("confirmed"), reviewer="alice") == 2
    assert (
        record_decisions(store, dataset_id, [LABEL], Verdict("relabel", "dog", "looks like a dog"), reviewer="bob") == 1
    )
    frame = history(store, dataset_id)
    assert len(frame) == 3 and version(store, dataset_id) == (3, int(frame["id"].max()))
    mine = frame[frame["subject"] == LABEL.key]
    assert list(mine["seq"]) == [1, 2] and list(mine["decision"]) == ["confirmed", "relabel"]
    assert list(frame.loc[frame["subject"] == other.key, "seq"]) == [1]
    state = state_of(store, dataset_id, LABEL.key)
    assert (state["outcome"], state["reviewer"], state["n_decisions"]) == ("relabel → dog", "bob", 2)
    assert state["comment"] == "looks like a dog"


def test_a_retried_decision_is_stored_once(recorded: tuple[Store, int]) -> None:
    store, dataset_id = recorded
    for _ in range(3):  # e.g. a retry after a lost acknowledgement
        record_decisions(store, dataset_id, [LABEL], Verdict("drop"), reviewer="alice", uid="click-1")
    assert len(history(store, dataset_id)) == 1
    record_decisions(store, dataset_id, [LABEL], Verdict("drop"), reviewer="alice", uid="click-2")
    assert len(history(store, dataset_id)) == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Verdict("maybe"), "decision"),
        (lambda: Verdict("relabel"), "needs the new class"),
        (lambda: Verdict("drop", "dog"), "Only a relabel takes a class"),
    ],
)
def test_malformed_verdicts_are_refused(make, message: str) -> None:
    with pytest.raises(OptionError, match=message):
        make()


def test_anonymous_and_unknown_class_decisions_are_refused_and_nothing_is_stored(recorded: tuple[Store, int]) -> None:
    store, dataset_id = recorded
    for who in ("", "   "):
        with pytest.raises(OptionError, match="not anonymous"):
            record_decisions(store, dataset_id, [LABEL], Verdict("drop"), reviewer=who)
    with pytest.raises(OptionError, match="relabel class"):
        record_decisions(
            store, dataset_id, [LABEL], Verdict("relabel", "eel"), reviewer="a", class_names=["cat", "dog"]
        )
    with pytest.raises(DataError, match="not in the store"):
        record_decisions(store, dataset_id + 99, [LABEL], Verdict("drop"), reviewer="alice")
    assert history(store, dataset_id).empty


def test_concurrent_different_decisions_are_disputed_until_someone_settles(recorded: tuple[Store, int]) -> None:
    store, dataset_id = recorded
    key = LABEL.key
    # alice and bob both saw no decision (seen 0) and decide differently at the same moment
    record_decisions(store, dataset_id, [LABEL], Verdict("drop"), reviewer="alice", seen={key: 0})
    record_decisions(store, dataset_id, [LABEL], Verdict("not_an_issue"), reviewer="bob", seen={key: 0})
    state = state_of(store, dataset_id, key)
    assert state["disputed"] and state["sides"] == "alice: drop · bob: not an issue"
    # carol saw both (head seq 2) and settles it
    record_decisions(store, dataset_id, [LABEL], Verdict("drop"), reviewer="carol", seen={key: 2})
    assert not state_of(store, dataset_id, key)["disputed"]
    # dave's page was stale (it had seen seq 1 only): he did not see bob's word, so the dispute is back
    record_decisions(store, dataset_id, [LABEL], Verdict("drop"), reviewer="dave", seen={key: 1})
    assert state_of(store, dataset_id, key)["disputed"]
    assert len(history(store, dataset_id)) == 4  # nobody's decision was lost


def test_concurrent_equal_decisions_and_a_reviewer_changing_their_mind_are_no_dispute(
    recorded: tuple[Store, int],
) -> None:
    store, dataset_id = recorded
    key = LABEL.key
    record_decisions(store, dataset_id, [LABEL], Verdict("drop"), reviewer="alice", seen={key: 0})
    record_decisions(store, dataset_id, [LABEL], Verdict("drop"), reviewer="bob", seen={key: 0})
    assert not state_of(store, dataset_id, key)["disputed"]
    other = finding_subject("outliers", "outlier", "train/dog/0.png")
    record_decisions(store, dataset_id, [other], Verdict("drop"), reviewer="alice", seen={other.key: 0})
    record_decisions(store, dataset_id, [other], Verdict("fixed"), reviewer="alice", seen={other.key: 0})  # stale tab
    assert not state_of(store, dataset_id, other.key)["disputed"]


def test_parse_decision_reads_what_people_type() -> None:
    assert parse_decision("not an issue") == Verdict("not_an_issue")
    assert parse_decision("relabel → 5") == Verdict("relabel", "5")
    assert parse_decision("relabel:cat") == Verdict("relabel", "cat")
    assert parse_decision(" Drop ") == Verdict("drop")


def _result(name: str, findings: pd.DataFrame) -> Result:
    return Result(name, "warn", "", findings, CheckDetails())


def _duplicates(groups: dict[str, list[str]], *, score: float) -> pd.DataFrame:
    ids = [s for members in groups.values() for s in members]
    group = [g for g, members in groups.items() for _ in members]
    return findings_frame(ids, "duplicate", score, group, "copy")


def test_decisions_survive_a_rerun_that_renumbers_clusters_and_reorders_findings(recorded: tuple[Store, int]) -> None:
    store, dataset_id = recorded
    first = {
        "duplicates": _result("duplicates", _duplicates({"dup-0": ["a", "b"], "dup-1": ["c", "d"]}, score=1.0)),
        "label_noise": _result("label_noise", findings_frame(["e", "f"], "label_noise", 0.9, "given:cat -> dog", "?")),
    }
    assert set(review_status(first, history(store, dataset_id)).findings["status"]) == {"undecided"}
    record_decisions(store, dataset_id, [cluster_subject(["b", "a"])], Verdict("drop"), reviewer="alice")
    record_decisions(
        store, dataset_id, [finding_subject("duplicates", "duplicate", "c")], Verdict("not_an_issue"), reviewer="bob"
    )
    record_decisions(
        store, dataset_id, [finding_subject("label_noise", "label_noise", "e")], Verdict("fixed"), reviewer="bob"
    )

    # The re-run numbers the clusters the other way round, lists rows in another order, scores and groups differ,
    # no longer finds e's label problem, and finds a third copy of c.
    second = {
        "duplicates": _result(
            "duplicates", _duplicates({"dup-0": ["d", "x", "c"], "dup-1": ["b", "a"]}, score=0.8).iloc[::-1]
        ),
        "label_noise": _result("label_noise", findings_frame(["f"], "label_noise", 0.7, "given:cat -> eel", "?")),
    }
    status = review_status(second, history(store, dataset_id))
    rows = status.findings.set_index(["analyzer", "sample_id"])
    assert rows.loc[("duplicates", "a"), "status"] == "decided" and rows.loc[("duplicates", "a"), "via"] == "cluster"
    assert rows.loc[("duplicates", "b"), "outcome"] == "drop"
    assert (
        rows.loc[("duplicates", "c"), "outcome"] == "not an issue" and rows.loc[("duplicates", "c"), "via"] == "finding"
    )
    assert rows.loc[("duplicates", "d"), "status"] == "undecided"  # its cluster changed: decide on it again
    assert rows.loc[("label_noise", "f"), "status"] == "undecided"
    clusters = status.clusters.set_index("group")
    assert clusters.loc["dup-1", "outcome"] == "drop" and pd.isna(clusters.loc["dup-0", "outcome"])
    assert list(status.resolved["sample_id"]) == ["e"]  # found no more: resolved, decision kept
    assert cluster_subject(["a", "b"]).key == cluster_subject(["b", "a", "a"]).key != cluster_subject(["a"]).key


def test_column_wise_keys_are_the_subjects_own() -> None:
    findings = pd.concat(
        [
            findings_frame(["a/1.png", "b/2.png"], "label_noise", 0.5, "given:a -> suspected:b", "?"),
            findings_frame([None, None], "bias", 0.5, ["column:zip", None], "leak"),
        ],
        ignore_index=True,
    ).astype({"sample_id": "string", "group": "string"})
    keys = finding_keys("biases", findings).tolist()
    expected = [
        finding_subject("biases", "label_noise", "a/1.png").key,
        finding_subject("biases", "label_noise", "b/2.png").key,
        finding_subject("biases", "bias", None, "column:zip").key,
        finding_subject("biases", "bias", None, None).key,
    ]
    assert keys == expected and len(set(keys)) == 4
    assert sample_keys(findings["sample_id"]).tolist()[:2] == [
        sample_subject("a/1.png").key,
        sample_subject("b/2.png").key,
    ]
    assert sample_keys(findings["sample_id"]).isna().tolist() == [False, False, True, True]
