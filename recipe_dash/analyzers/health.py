"""The health summary: one row per check, worst verdict first, for the Overview page and reports."""

from __future__ import annotations

import pandas as pd

from recipe_dash.analyzers.results import StoredResult
from recipe_dash.evidence import SEVERITY


def health_table(results: dict[str, StoredResult]) -> pd.DataFrame:
    """Columns check, verdict, findings, summary, analyzed_at; fails first, then warnings."""
    rows = [
        {
            "check": name,
            "verdict": stored.result.verdict,
            "findings": len(stored.result.findings),
            "summary": stored.result.summary,
            "analyzed_at": stored.created_at,
        }
        for name, stored in results.items()
    ]
    frame = pd.DataFrame(rows, columns=["check", "verdict", "findings", "summary", "analyzed_at"])
    return frame.sort_values(
        ["verdict", "check"], key=lambda s: s.map(SEVERITY) if s.name == "verdict" else s
    ).reset_index(drop=True)
