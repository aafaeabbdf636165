"""The health summary: one row per check, worst verdict first, for the Overview page and reports."""

from __future__ import annotations

import pandas as pd

from recipe_dash.analyzers.base import Result
from recipe_dash.analyzers.corruption import FORMAT_NOTES
from recipe_dash.analyzers.results import StoredResult
from recipe_dash.evidence import SEVERITY, Verdict

COLUMNS = ["check", "verdict", "findings", "flagged", "by_type", "summary", "analyzed_at"]


def health_table(results: dict[str, StoredResult]) -> pd.DataFrame:
    """One row per check, fails first, then warnings.

    `flagged` says what the findings are about, with units ("15 samples · 3 columns"), since a row count mixes
    samples with classes and columns. `by_type` counts findings per issue type, corrupt first ("3 corrupt ·
    12 format notes"): the corruption check's format notes are counted together and apart from what is corrupt.
    """
    rows = [
        {
            "check": name,
            "verdict": shown_verdict(stored.result),
            "findings": len(stored.result.findings),
            "by_type": _by_type(stored.result.findings["issue_type"]),
            "flagged": flagged(stored.result.findings),
            "summary": stored.result.summary,
            "analyzed_at": stored.created_at,
        }
        for name, stored in results.items()
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(
        ["verdict", "check"], key=lambda s: s.map(SEVERITY) if s.name == "verdict" else s
    ).reset_index(drop=True)


def _by_type(issue_types: pd.Series) -> str:
    named = issue_types.map(lambda t: "format notes" if t in FORMAT_NOTES else str(t).replace("_", " "))
    counts = sorted(named.value_counts().items(), key=lambda item: (item[0] != "corrupt", -item[1]))
    return " · ".join(f"{n:,} {name}" for name, n in counts)


def shown_verdict(result: Result) -> Verdict:
    """The verdict to show: "not_measured" for a check that did not run (`details.skipped` says why), whatever
    verdict it returned, so a page never shows PASS for what nobody measured."""
    return "not_measured" if result.details.skipped else result.verdict


def flagged(findings: pd.DataFrame) -> str:
    """Distinct samples flagged, then the classes or columns a dataset-level finding is about (its group's
    prefix, "class:9" or "column:notes"); "nothing flagged" when empty."""
    counts = {"sample": int(findings["sample_id"].nunique())}
    about = findings.loc[findings["sample_id"].isna(), "group"].fillna("other:").str.split(":").str[0]
    counts |= {str(kind): int(n) for kind, n in about.value_counts(sort=False).items()}
    return " · ".join(f"{n:,} {_plural(kind, n)}" for kind, n in counts.items() if n) or "nothing flagged"


def _plural(noun: str, n: int) -> str:
    return noun if n == 1 else noun + ("es" if noun.endswith("s") else "s")
