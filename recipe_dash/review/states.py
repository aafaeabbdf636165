"""The current state of every decided subject: its latest decision, and whether reviewers disagree on it."""

from __future__ import annotations

import pandas as pd

from recipe_dash.review.decisions import decision_text

STATE_COLUMNS = (
    "subject",
    "kind",
    "analyzer",
    "issue_type",
    "sample_id",
    "group_key",
    "members",
    "decision",
    "label",
    "outcome",  # the decision as it reads: "relabel → 5"
    "reviewer",
    "comment",
    "created_at",
    "seq",  # the head of the subject's history: a new decision that saw it passes it as `seen`
    "n_decisions",
    "disputed",  # the latest decision did not see an earlier one that says something else
    "sides",  # "alice: drop · bob: not an issue" while disputed
)


def current_states(history: pd.DataFrame) -> pd.DataFrame:
    """One row per subject in `history` (decisions.history): its latest decision and whether it is disputed."""
    if history.empty:
        empty = pd.DataFrame(columns=list(STATE_COLUMNS))
        return empty.astype({"seq": "int64", "n_decisions": "int64", "disputed": bool})
    ordered = history.sort_values(["subject", "seq"], kind="stable")
    outcome = [decision_text(d, lbl) for d, lbl in zip(ordered["decision"], ordered["label"], strict=True)]
    ordered = ordered.assign(outcome=outcome)
    heads = ordered.groupby("subject", sort=False).tail(1).set_index("subject")
    counts = ordered.groupby("subject", sort=False).size()
    head_of = heads[["seq", "based_on", "outcome"]].add_suffix("_head")
    joined = ordered.join(head_of, on="subject")
    unseen = (joined["seq"] > joined["based_on_head"]) & (joined["seq"] < joined["seq_head"])
    # A reviewer who changes their mind in a stale tab does not disagree with themselves.
    head_reviewer = joined["subject"].map(heads["reviewer"])
    against = joined[unseen & (joined["outcome"] != joined["outcome_head"]) & (joined["reviewer"] != head_reviewer)]
    sides = {
        subject: " · ".join(_sides(rows, heads.loc[subject]))
        for subject, rows in against.groupby("subject", sort=False)
    }
    states = heads.reset_index().assign(
        n_decisions=lambda f: f["subject"].map(counts).astype("int64"),
        disputed=lambda f: f["subject"].isin(sides),
        sides=lambda f: [sides.get(s, "") for s in f["subject"]],
    )
    return states[list(STATE_COLUMNS)].reset_index(drop=True)


def disagreements(states: pd.DataFrame) -> pd.DataFrame:
    """The disputed subjects, oldest dispute first."""
    return states[states["disputed"]].sort_values("created_at", kind="stable").reset_index(drop=True)


def _sides(rows: pd.DataFrame, head: pd.Series) -> list[str]:
    """Each reviewer's latest word among the decisions in dispute, the head's author last."""
    words = {r.reviewer: r.outcome for r in rows.itertuples()}
    return [*(f"{who}: {what}" for who, what in words.items()), f"{head['reviewer']}: {head['outcome']}"]
