"""Per-sample score tables small enough to store with a result, plus a histogram over every sample.

Results are stored as JSON (`recipe_dash.evidence.jsonable`); a million per-sample rows
would cost seconds and a gigabyte on every save and page load. So a result keeps the worst
`limit` rows (the ones a person reviews first) and a histogram of the score over all samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_ROWS = 100_000  # per-sample rows kept in a result's details


def keep_worst(frame: pd.DataFrame, column: str, *, high_is_bad: bool, limit: int = MAX_ROWS) -> pd.DataFrame:
    """All rows if there are at most `limit`, else the `limit` worst by `column` (unscored rows last)."""
    if len(frame) <= limit:
        return frame
    order = frame[column].sort_values(ascending=not high_is_bad, kind="stable", na_position="last").index
    return frame.loc[order[:limit]].reset_index(drop=True)


def score_histogram(values: np.ndarray, flagged: np.ndarray, *, bins: int = 50) -> pd.DataFrame:
    """Counts of `values` (NaN ignored) in equal-width bins, and how many of each bin are flagged."""
    finite = ~np.isnan(values)
    if not finite.any():
        return pd.DataFrame(columns=["left", "right", "count", "flagged"])
    edges = np.histogram_bin_edges(values[finite], bins=bins)
    counts = np.histogram(values[finite], bins=edges)[0]
    flagged_counts = np.histogram(values[finite & flagged], bins=edges)[0]
    return pd.DataFrame({"left": edges[:-1], "right": edges[1:], "count": counts, "flagged": flagged_counts})
