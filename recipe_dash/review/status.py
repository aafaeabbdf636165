"""Today's findings joined with the team's decisions: what is decided, disputed, still open, or resolved.

A finding counts as decided by its own decision, else by a decision on its duplicate cluster (for
the duplicates check), else by a decision on its sample: the most specific word wins. A decision
whose finding or cluster is no longer found is resolved: the re-run no longer sees the problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select

from recipe_dash.analyzers.base import Result
from recipe_dash.analyzers.findings import empty_findings
from recipe_dash.review.states import current_states
from recipe_dash.review.subjects import CLUSTER_CHECK, clusters_of, finding_keys, sample_keys
from recipe_dash.store import Store
from recipe_dash.store.analysis_model import AnalysisResultRecord

STATUS = ("undecided", "decided", "disputed")
_STATE_FIELDS = ["subject", "outcome", "decision", "label", "reviewer", "created_at", "seq", "disputed", "sides"]


@dataclass(frozen=True)
class ReviewStatus:
    """The review of one dataset as of now."""

    # One row per current finding: analyzer, sample_id, issue_type, score, group, detail, subject,
    # cluster (the subject key of its duplicate cluster, if any), status, via (finding, cluster or
    # sample: whose decision counts), outcome, decision, new_label, reviewer, decided_at, seq, sides
    findings: pd.DataFrame
    clusters: pd.DataFrame  # current duplicate clusters: group, members, subject, status, outcome, reviewer, seq
    resolved: pd.DataFrame  # decided subjects no longer found (states.STATE_COLUMNS)
    states: pd.DataFrame  # every decided subject's current state
    history: pd.DataFrame  # every decision
    checks: tuple[str, ...] = ()  # the checks whose results were joined (none: nothing analyzed yet)


def review_status(results: Mapping[str, Result], history: pd.DataFrame) -> ReviewStatus:
    """Join each check's current findings with the decisions in `history` (decisions.history)."""
    states = current_states(history)
    frames = [check_status(analyzer, result.findings, states) for analyzer, result in results.items()]
    findings = pd.concat(frames, ignore_index=True) if frames else check_status("", empty_findings(), states)
    duplicates = results.get(CLUSTER_CHECK)
    clusters = clusters_of(duplicates.findings) if duplicates is not None else clusters_of(empty_findings())
    clusters = _with_state(clusters, states, on="subject")
    seen = set(findings["subject"]) | set(clusters["subject"])
    resolved = states[states["kind"].isin(["finding", "cluster"]) & ~states["subject"].isin(seen)]
    return ReviewStatus(findings, clusters, resolved.reset_index(drop=True), states, history, tuple(results))


def check_status(analyzer: str, findings: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """One check's findings with their subject, their cluster's, and the state that counts for each.

    Adds analyzer, subject, cluster, sample_key, own_seq (the head of the finding's own history:
    what a new decision on it has seen), status, via, outcome, decision, new_label (of a relabel),
    reviewer, decided_at, seq, disputed and sides.
    """
    return with_states(keyed_findings(analyzer, findings), states)


def keyed_findings(analyzer: str, findings: pd.DataFrame) -> pd.DataFrame:
    """The findings with the keys of their subject, their duplicate cluster and their sample: the costly,
    decision-independent half of `check_status` (a page caches it per analysis)."""
    found = findings.assign(analyzer=analyzer, subject=finding_keys(analyzer, findings))
    found["cluster"] = pd.Series(pd.NA, index=found.index, dtype="string")
    if analyzer == CLUSTER_CHECK and len(found):
        keys = clusters_of(found).set_index("group")["subject"]
        found["cluster"] = found["group"].map(keys).astype("string")
    found["sample_key"] = sample_keys(found["sample_id"])
    return found


def with_states(keyed: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """`keyed_findings` joined with the current states: the cheap half of `check_status`, redone per decision."""
    found = keyed.assign(own_seq=keyed["subject"].map(states.set_index("subject")["seq"]).fillna(0).astype("int64"))
    return _with_effective_state(found, states)


def analysis_stamp(store: Store, dataset_id: int) -> str:
    """When the dataset's stored results last changed (one indexed query): a cache key for them."""
    query = select(func.max(AnalysisResultRecord.created_at), func.count()).where(
        AnalysisResultRecord.dataset_id == dataset_id
    )
    with store.session() as session:
        newest, count = session.execute(query).one()
    return f"{newest}|{count}"


def progress_by_check(status: ReviewStatus) -> pd.DataFrame:
    """check, findings (distinct subjects), decided, disputed, undecided, share decided; resolved decisions too."""
    distinct = status.findings.drop_duplicates("subject")
    table = pd.crosstab(distinct["analyzer"], distinct["status"]).reindex(columns=list(STATUS), fill_value=0)
    table["findings"] = table.sum(axis=1)
    resolved = status.resolved.groupby("analyzer").size()
    table["resolved"] = resolved.reindex(table.index, fill_value=0)
    table["share_decided"] = table["decided"] / table["findings"].clip(lower=1)
    table = table.rename_axis(index="check", columns=None).reset_index()
    return table[["check", "findings", "decided", "disputed", "undecided", "resolved", "share_decided"]]


def progress_by_reviewer(history: pd.DataFrame) -> pd.DataFrame:
    """reviewer, decisions, subjects, last decision time, and how many of each decision."""
    if history.empty:
        return pd.DataFrame(columns=["reviewer", "decisions", "subjects", "last_decision"])
    grouped = history.groupby("reviewer")
    table = pd.DataFrame(
        {
            "decisions": grouped.size(),
            "subjects": grouped["subject"].nunique(),
            "last_decision": grouped["created_at"].max(),
        }
    )
    kinds = pd.crosstab(history["reviewer"], history["decision"])
    return table.join(kinds).reset_index().sort_values("decisions", ascending=False, kind="stable")


def unreviewed(status: ReviewStatus) -> pd.DataFrame:
    """Findings nobody decided on yet (one row per subject), highest score first."""
    open_ = status.findings[status.findings["status"] == "undecided"]
    return open_.sort_values("score", ascending=False, kind="stable").drop_duplicates("subject")


def _with_state(frame: pd.DataFrame, states: pd.DataFrame, *, on: str) -> pd.DataFrame:
    joined = frame.merge(states[_STATE_FIELDS], how="left", left_on=on, right_on="subject", suffixes=("", "_state"))
    joined = joined.drop(columns=[c for c in joined.columns if c.endswith("_state")])
    joined["status"] = _status(joined)
    return joined


def _with_effective_state(findings: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """The state of the finding's own subject, else its cluster's, else its sample's."""
    by_subject = states.set_index("subject")[_STATE_FIELDS[1:]]
    effective = pd.DataFrame(index=findings.index, columns=_STATE_FIELDS[1:], dtype=object)
    effective = effective.rename(columns={"label": "label_state"})  # a finding's own `label` is its sample's
    via = pd.Series(pd.NA, index=findings.index, dtype="string")
    for name, keys in (
        ("finding", findings["subject"]),
        ("cluster", findings["cluster"]),
        ("sample", findings["sample_key"]),
    ):
        open_rows = via.isna() & keys.isin(by_subject.index)
        if open_rows.any():
            effective.loc[open_rows] = by_subject.loc[keys[open_rows].to_numpy()].to_numpy()  # same column order
            via[open_rows] = name
    out = findings.assign(**{c: effective[c] for c in effective.columns}, via=via)
    out = out.rename(columns={"created_at": "decided_at", "label_state": "new_label"})
    out["disputed"] = out["disputed"].fillna(False).astype(bool)
    out["status"] = _status(out)
    return out


def _status(frame: pd.DataFrame) -> pd.Series:
    decided = frame["outcome"].notna()
    disputed = frame["disputed"].fillna(False).astype(bool) if "disputed" in frame else False
    return pd.Series(
        [
            ("disputed" if d else "decided") if k else "undecided"
            for k, d in zip(decided, disputed & decided, strict=True)
        ],
        index=frame.index,
        dtype="string",
    )
