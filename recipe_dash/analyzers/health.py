"""The health summary: one row per check, worst verdict first, for the Overview page and reports."""

from __future__ import annotations

import pandas as pd

from recipe_dash.analyzers.corruption import FORMAT_NOTES
from recipe_dash.analyzers.results import StoredResult
from recipe_dash.evidence import SEVERITY


def health_table(results: dict[str, StoredResult]) -> pd.DataFrame:
    """Columns check, verdict, findings, by_type, summary, analyzed_at; fails first, then warnings.

    `by_type` counts findings per issue type, corrupt first ("3 corrupt · 12 format notes"): the corruption
    check's format notes are counted together and apart from what is corrupt.
    """
    rows = [
        {
            "check": name,
            "verdict": stored.result.verdict,
            "findings": len(stored.result.findings),
            "by_type": _by_type(stored.result.findings["issue_type"]),
            "summary": stored.result.summary,
            "analyzed_at": stored.created_at,
        }
        for name, stored in results.items()
    ]
    frame = pd.DataFrame(rows, columns=["check", "verdict", "findings", "by_type", "summary", "analyzed_at"])
    return frame.sort_values(
        ["verdict", "check"], key=lambda s: s.map(SEVERITY) if s.name == "verdict" else s
    ).reset_index(drop=True)


def _by_type(issue_types: pd.Series) -> str:
    named = issue_types.map(lambda t: "format notes" if t in FORMAT_NOTES else str(t).replace("_", " "))
    counts = sorted(named.value_counts().items(), key=lambda item: (item[0] != "corrupt", -item[1]))
    return " · ".join(f"{n:,} {name}" for name, n in counts)
