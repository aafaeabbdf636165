"""Team review of a dataset: decisions with history, the report, the cleaned manifest and the CI gate.

- `subjects`: what a decision is about, keyed so the key survives a re-run of the checks.
- `decisions`: record decisions (many reviewers and processes at once) and read the history.
- `states`, `status`: the current state of each subject, joined with today's findings: decided,
  disputed, open, or resolved.
- `manifest`: every sample with keep / drop / relabel and its final label (CSV, JSON), and the
  `Cleaning` a training run applies; `runs`: runs on raw and cleaned data side by side.
- `report`: one self-contained HTML file; `gate`: `recipe-dash analyze --fail-on/--max`.
"""

from __future__ import annotations

from recipe_dash.review.decisions import (
    DECISION_WORDS,
    DECISIONS,
    Verdict,
    decision_text,
    history,
    parse_decision,
    record_decisions,
    version,
)
from recipe_dash.review.manifest import Cleaning, cleaned_manifest, cleaning, manifest_summary, write_manifest
from recipe_dash.review.states import current_states, disagreements
from recipe_dash.review.status import (
    ReviewStatus,
    check_status,
    keyed_findings,
    progress_by_check,
    progress_by_reviewer,
    review_status,
    unreviewed,
    with_states,
)
from recipe_dash.review.subjects import Subject, cluster_subject, finding_subject, finding_subjects, sample_subject

__all__ = [
    "DECISIONS",
    "DECISION_WORDS",
    "Cleaning",
    "ReviewStatus",
    "Subject",
    "Verdict",
    "check_status",
    "cleaned_manifest",
    "cleaning",
    "cluster_subject",
    "current_states",
    "decision_text",
    "disagreements",
    "finding_subject",
    "finding_subjects",
    "history",
    "keyed_findings",
    "manifest_summary",
    "parse_decision",
    "progress_by_check",
    "progress_by_reviewer",
    "record_decisions",
    "review_status",
    "sample_subject",
    "unreviewed",
    "version",
    "with_states",
    "write_manifest",
]
