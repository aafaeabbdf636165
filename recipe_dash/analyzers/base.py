"""What every analyzer returns: a verdict, one sentence, and one row per flagged sample."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from recipe_dash.evidence import Verdict


@dataclass(frozen=True)
class Result:
    """One analyzer's answer; `findings` is columnar so it stays fast at a million rows."""

    analyzer: str  # registry key, e.g. "duplicates"
    verdict: Verdict
    summary: str  # one sentence the user can act on
    findings: pd.DataFrame  # FINDING_COLUMNS; sample_id null for dataset- or column-level findings
    details: dict[str, Any] = field(default_factory=dict)  # analyzer-specific evidence for its page
