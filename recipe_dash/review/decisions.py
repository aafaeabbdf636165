"""Record the team's decisions and read their history; the current state of a subject is its latest decision.

Writes are safe with many reviewers and processes at once, on SQLite and PostgreSQL alike:
- each subject's history is numbered 1, 2, 3, ... by the database itself (a unique (subject, seq)
  pair; a writer that lost the race to a number retries on top of the winner), so two decisions
  made at the same moment are both kept, in the order they were written;
- each decision carries a client-made `uid`: a write retried after a lost acknowledgement is
  recognised and not stored twice;
- each decision says which seq of its subject the reviewer had seen (`based_on`). The latest
  decision disputes any earlier one it did not see whose outcome differs: the page shows the
  disagreement until someone decides again having seen both.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Insert, exists, func, literal, null, select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from recipe_dash.errors import DataError, OptionError, StoreError
from recipe_dash.review.subjects import Subject, digest
from recipe_dash.store import Store
from recipe_dash.store.models import utcnow
from recipe_dash.store.review_model import ReviewDecision
from recipe_dash.validation import check_choice

DECISIONS = ("confirmed", "not_an_issue", "fixed", "drop", "relabel")
DECISION_WORDS = {
    "confirmed": "confirmed",
    "not_an_issue": "not an issue",
    "fixed": "fixed",
    "drop": "drop",
    "relabel": "relabel",
}
HISTORY_COLUMNS = (
    "id",
    "uid",
    "subject",
    "kind",
    "analyzer",
    "issue_type",
    "sample_id",
    "group_key",
    "members",
    "seq",
    "based_on",
    "decision",
    "label",
    "comment",
    "reviewer",
    "created_at",
)
MAX_ATTEMPTS = 60  # a writer losing the race to a seq this many times in a row means something else is wrong
MAX_NAME = 255


@dataclass(frozen=True)
class Verdict:
    """What a reviewer decided: one of DECISIONS, the new class of a relabel, and why."""

    decision: str
    label: str | None = None
    comment: str = ""

    def __post_init__(self) -> None:
        check_choice("decision", self.decision, DECISIONS)
        if self.decision == "relabel" and not (self.label or "").strip():
            raise OptionError("A relabel needs the new class: choose the class the sample should have.")
        if self.decision != "relabel" and self.label is not None:
            raise OptionError(f"Only a relabel takes a class; '{self.decision}' was given the class {self.label!r}.")


def decision_text(decision: str, label: str | None = None) -> str:
    """How a decision reads: "not an issue", "relabel → 5"."""
    return f"relabel → {label}" if decision == "relabel" else DECISION_WORDS.get(decision, decision)


def parse_decision(text: str) -> Verdict:
    """Read a decision as people type it: "not an issue", "drop", "relabel → 5" or "relabel:5"."""
    words = text.strip()
    for arrow in ("→", "->", ":"):
        if words.lower().startswith("relabel") and arrow in words:
            return Verdict("relabel", words.split(arrow, 1)[1].strip())
    return Verdict(words.lower().replace(" ", "_"))


def record_decisions(
    store: Store,
    dataset_id: int,
    subjects: Sequence[Subject],
    verdict: Verdict,
    *,
    reviewer: str,
    seen: Mapping[str, int] | None = None,
    uid: str | None = None,
    class_names: Sequence[str] | None = None,
) -> int:
    """Append one decision per subject in one transaction; returns how many were new (0 for a retried uid).

    `seen` maps a subject key to the seq the reviewer saw (default 0: nothing). `uid` names this
    decision for retries (default: a fresh one). Anonymous decisions are refused, and a relabel must
    name one of `class_names` when they are given.
    """
    who = " ".join(reviewer.split()) if reviewer else ""
    if not who:
        raise OptionError("Decisions are not anonymous: give your name (or sign in) before deciding.")
    if len(who) > MAX_NAME:
        raise OptionError(f"reviewer is {len(who)} characters long; at most {MAX_NAME} fit.")
    if verdict.decision == "relabel" and class_names is not None:
        check_choice("relabel class", verdict.label, class_names)
    if not subjects:
        return 0
    if store.dataset(dataset_id) is None:
        raise DataError(f"Dataset #{dataset_id} is not in the store. Load it again before deciding.")
    batch = uid or uuid.uuid4().hex
    unique = {s.key: s for s in subjects}
    # One order for every writer: two bulk decisions on overlapping subjects never wait on each other in a cycle.
    rows = [
        _row(dataset_id, subject, verdict, who, (seen or {}).get(key, 0), batch)
        for key, subject in sorted(unique.items())
    ]
    for attempt in range(MAX_ATTEMPTS):
        try:
            with store.session() as session, session.begin():
                return sum(len(session.execute(_insert(row)).all()) for row in rows)
        except IntegrityError:
            time.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))  # someone took that seq: go again on top
        except OperationalError as err:
            raise StoreError(f"Could not record the decision in {store.url}: {err.orig}") from None
    raise StoreError(f"Could not record the decision after {MAX_ATTEMPTS} attempts: the store is too busy.")


def history(store: Store, dataset_id: int, *, subjects: Sequence[str] | None = None) -> pd.DataFrame:
    """Every decision on the dataset (or on the `subjects` keys only: one index lookup), oldest first."""
    columns = [getattr(ReviewDecision, c) for c in HISTORY_COLUMNS]
    query = select(*columns).where(ReviewDecision.dataset_id == dataset_id).order_by(ReviewDecision.id)
    if subjects is not None:
        query = query.where(ReviewDecision.subject.in_(list(subjects)))
    try:
        with store.session() as session:
            rows = session.execute(query).all()
    except SQLAlchemyError as err:
        raise StoreError(f"Could not read the review of dataset #{dataset_id}: {err}") from None
    frame = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    return frame.astype({"seq": "int64", "based_on": "int64", "id": "int64"}) if len(frame) else frame


def version(store: Store, dataset_id: int) -> tuple[int, int]:
    """(number of decisions, newest id): changes whenever anyone decides, cheap enough to poll."""
    query = select(func.count(), func.max(ReviewDecision.id)).where(ReviewDecision.dataset_id == dataset_id)
    with store.session() as session:
        count, newest = session.execute(query).one()
    return int(count), int(newest or 0)


def _row(dataset_id: int, subject: Subject, verdict: Verdict, reviewer: str, based_on: int, batch: str) -> dict:
    return {
        "uid": digest(f"{batch}|{subject.key}"),
        "dataset_id": dataset_id,
        "subject": subject.key,
        "kind": subject.kind,
        "analyzer": subject.analyzer,
        "issue_type": subject.issue_type,
        "sample_id": subject.sample_id,
        "group_key": subject.group,
        "members": list(subject.members) if subject.kind == "cluster" else None,
        "based_on": int(based_on),
        "decision": verdict.decision,
        "label": verdict.label.strip() if verdict.label else None,
        "comment": verdict.comment.strip(),
        "reviewer": reviewer,
        "created_at": utcnow(),
    }


def _insert(row: dict) -> Insert:
    """INSERT ... SELECT with the next seq computed by the database, nothing when the uid is already stored.

    One statement, so SQLite takes its write lock before reading the head (no stale read to upgrade);
    PostgreSQL may hand two writers the same seq, and the unique constraint turns one into a retry.
    """
    table = ReviewDecision.__table__
    names = list(row)
    values = [null() if row[n] is None else literal(row[n], table.c[n].type) for n in names]
    head = (
        select(func.coalesce(func.max(ReviewDecision.seq), 0) + 1)
        .where(ReviewDecision.dataset_id == row["dataset_id"], ReviewDecision.subject == row["subject"])
        .scalar_subquery()
    )
    source = select(*values, head).where(~exists().where(ReviewDecision.uid == row["uid"]))
    return table.insert().from_select([*names, "seq"], source).returning(table.c.id)
