"""Files and cells a loader would choke on or silently misread: find them before training does.

Two kinds of per-sample findings, kept apart in the summary and on the page: `corrupt` (the sample cannot
be used as it is: it does not decode, is truncated, empty or a bomb; a cell that does not parse; a row
the file's layout broke) and format notes (FORMAT_NOTES: valid samples a pipeline must convert, rename or
drop on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from recipe_dash.analyzers._image_health import image_findings
from recipe_dash.analyzers._table_health import INVISIBLE, table_findings
from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.evidence import Verdict
from recipe_dash.io.dataset import Dataset
from recipe_dash.validation import check_number, check_order

COLUMN_PROBLEM_COLUMNS = ("issue_type", "group", "detail")
# Per-sample issue types for valid samples that need a deliberate conversion (low scores, advice in the detail).
FORMAT_NOTES = ("wrong_extension", "unusual_mode", "odd_size", "several_frames", "exif_rotated", INVISIBLE)


@dataclass(frozen=True, kw_only=True)
class Details(CheckDetails):
    n_corrupt_samples: int = 0  # samples that cannot be used as they are (issue type `corrupt`)
    n_format_notes: int = 0  # other samples with a format note (FORMAT_NOTES)
    by_issue: dict[str, int] = field(default_factory=dict)  # per-sample findings by issue type
    n_column_issues: int = 0  # dataset- and column-level findings
    # Images: decode errors by reason, findings by check, and the Pillow modes and formats seen.
    decode_errors: dict[str, int] = field(default_factory=dict)
    by_check: dict[str, int] = field(default_factory=dict)
    modes: dict[str, int] = field(default_factory=dict)
    formats: dict[str, int] = field(default_factory=dict)
    # Tables: the column problems (COLUMN_PROBLEM_COLUMNS) and bad cells per column.
    columns: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COLUMN_PROBLEM_COLUMNS)))
    cells_by_column: dict[str, int] = field(default_factory=dict)


_REASON_GROUPS = ("zero-byte", "not an image", "truncated", "damaged", "pixels, over the limit", "crashed", "header")


def analyze(
    dataset: Dataset,
    features: pd.DataFrame,
    *,
    min_side: int = 8,
    max_aspect: float = 4.0,
    max_missing: float = 0.5,
    isolated_missing: float = 0.05,
) -> Result:
    """Images: corrupt when undecodable, truncated, empty or a bomb; format notes for a wrong extension, an
    unusual mode, a degenerate size (under `min_side`, beyond `max_aspect`, huge), several frames, an EXIF
    rotation.

    Tables: corrupt cells that do not parse as their column's type, hold inf, a NUL byte, or are isolated
    holes in a filled numeric column (at most `isolated_missing` empty); corrupt rows the file's layout
    broke (left out at load); notes for text with invisible characters; and columns that are empty, mostly
    empty (above `max_missing`), constant, mixed numbers and text, named twice, or could not be read.
    """
    check_number("min_side", min_side, low=1, integer=True, why="pixels")
    check_number("max_aspect", max_aspect, low=1, why="long side over short side")
    check_number("max_missing", max_missing, low=0, high=1, why="a share of the column's cells")
    check_number("isolated_missing", isolated_missing, low=0, high=1, why="a share of the column's cells")
    check_order("isolated_missing", isolated_missing, "max_missing", max_missing)
    if dataset.kind == "image":
        findings = image_findings(features, min_side=min_side, max_aspect=max_aspect)
    else:
        findings = table_findings(dataset, max_missing=max_missing, isolated_missing=isolated_missing)
    per_sample = findings[findings["sample_id"].notna()]
    is_corrupt = per_sample["issue_type"] == "corrupt"
    corrupt_ids = set(per_sample.loc[is_corrupt, "sample_id"])
    n_bad = len(corrupt_ids)
    n_notes = len(set(per_sample.loc[~is_corrupt, "sample_id"]) - corrupt_ids)
    n_columns = int(findings["sample_id"].isna().sum())
    details = _image_details(features, findings) if dataset.kind == "image" else _table_details(findings)
    details = replace(
        details,
        n_corrupt_samples=n_bad,
        n_format_notes=n_notes,
        n_column_issues=n_columns,
        by_issue=_counts(per_sample["issue_type"]),
    )
    verdict: Verdict = "fail" if n_bad else "warn" if n_notes or n_columns else "pass"
    return Result("corruption", verdict, _summary(dataset, n_bad, n_notes, n_columns), findings, details)


def _image_details(features: pd.DataFrame, findings: pd.DataFrame) -> Details:
    errors = features["decode_error"].dropna()
    reasons = {group: int(errors.str.contains(group, regex=False).sum()) for group in _REASON_GROUPS}
    return Details(
        decode_errors={k: v for k, v in reasons.items() if v},
        by_check=_counts(findings["group"]),
        modes=_counts(features["mode"]),
        formats=_counts(features["format"]),
    )


def _table_details(findings: pd.DataFrame) -> Details:
    return Details(
        columns=findings[findings["sample_id"].isna()][list(COLUMN_PROBLEM_COLUMNS)].reset_index(drop=True),
        cells_by_column=_counts(findings[findings["sample_id"].notna()]["group"]),
    )


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in values.value_counts().items()}


def _summary(dataset: Dataset, n_bad: int, n_notes: int, n_columns: int) -> str:
    """E.g. '3 corrupt images: fix or drop them before training; 12 format notes: ...'."""
    image = dataset.kind == "image"
    if not n_bad and not n_notes and not n_columns:
        return f"Every {'image decodes cleanly' if image else 'cell parses as its column type'}."
    parts = []
    if n_bad:
        unit = "images" if image else "rows with corrupt cells"
        parts.append(f"{n_bad:,} corrupt {unit}: fix or drop them before training")
    if n_notes:
        what = "wrong extension, unusual mode, odd size, frames, rotation" if image else "invisible characters"
        parts.append(f"{n_notes:,} format notes ({what}): valid, but convert or rename them on purpose")
    if n_columns:
        parts.append(f"{n_columns} column problem(s): drop or clean those columns")
    return "; ".join(parts) + "."
