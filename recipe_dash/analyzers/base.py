"""What every data check returns: a verdict, one sentence, one row per flagged sample, and typed evidence."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from recipe_dash.evidence import Evidence, Verdict


@dataclass(frozen=True, kw_only=True)
class CheckDetails(Evidence):
    """Base of each check's `Details`: the evidence its page shows, read by attribute.

    Each check module defines `class Details(CheckDetails)`; the store finds it by registry key
    (key = module name), so a stored result comes back with the same type.
    """

    # Why the check did not run, or not fully (its summary says so too); None when it did.
    skipped: str | None = None


@dataclass(frozen=True)
class Result:
    """One check's answer; `findings` is columnar so it stays fast at a million rows."""

    analyzer: str  # registry key, e.g. "duplicates"
    verdict: Verdict
    summary: str  # one sentence the user can act on
    findings: pd.DataFrame  # FINDING_COLUMNS; sample_id null for dataset- or column-level findings
    details: CheckDetails  # the check module's own `Details`, for its page
    seconds: float | None = None  # how long the check took (set by the runner)
