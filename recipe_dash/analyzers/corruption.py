"""Files and cells a loader would choke on or silently misread: find them before training does."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from recipe_dash.analyzers._table_health import table_findings
from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.analyzers.findings import concat_findings, findings_frame
from recipe_dash.evidence import Verdict
from recipe_dash.io.dataset import Dataset
from recipe_dash.validation import check_number, check_order

FORMAT_EXTENSIONS = {
    "PNG": {".png"},
    "JPEG": {".jpg", ".jpeg"},
    "BMP": {".bmp"},
    "GIF": {".gif"},
    "TIFF": {".tif", ".tiff"},
    "WEBP": {".webp"},
    "PPM": {".ppm", ".pgm", ".pbm"},
}
USUAL_MODES = frozenset({"L", "RGB", "RGBA", "P"})  # anything else needs care when converting (CMYK, 16-bit...)
MODE_NAMES = {
    "CMYK": "CMYK (4-channel print colours)",
    "I": "32-bit integer",
    "F": "32-bit float",
    "1": "1-bit black and white",
    "LA": "grayscale with alpha",
    "PA": "palette with alpha",
}
HUGE_FACTOR = 64  # an image with this many times the median pixel count (and over HUGE_PIXELS) is flagged
HUGE_PIXELS = 4096 * 4096
COLUMN_PROBLEM_COLUMNS = ("issue_type", "group", "detail")


@dataclass(frozen=True, kw_only=True)
class Details(CheckDetails):
    n_corrupt_samples: int = 0  # samples with at least one per-sample finding
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
    """Images: undecodable, truncated, bombs, wrong extension, unusual modes, extreme sizes.

    Tables: cells that do not parse as their column's type, inf, isolated holes in a filled numeric
    column (at most `isolated_missing` empty); and columns that are empty, mostly empty (above
    `max_missing`), constant, mixed numbers and text, or named twice.
    """
    check_number("min_side", min_side, low=1, integer=True, why="pixels")
    check_number("max_aspect", max_aspect, low=1, why="long side over short side")
    check_number("max_missing", max_missing, low=0, high=1, why="a share of the column's cells")
    check_number("isolated_missing", isolated_missing, low=0, high=1, why="a share of the column's cells")
    check_order("isolated_missing", isolated_missing, "max_missing", max_missing)
    if dataset.kind == "image":
        findings = _image_findings(features, min_side=min_side, max_aspect=max_aspect)
    else:
        findings = table_findings(dataset, max_missing=max_missing, isolated_missing=isolated_missing)
    per_sample = findings[findings["sample_id"].notna()]
    n_bad, n_columns = per_sample["sample_id"].nunique(), int(findings["sample_id"].isna().sum())
    details = _image_details(features, findings) if dataset.kind == "image" else _table_details(findings)
    details = replace(details, n_corrupt_samples=int(n_bad), n_column_issues=n_columns)
    verdict: Verdict = "fail" if n_bad else "warn" if n_columns else "pass"
    return Result("corruption", verdict, _summary(dataset, n_bad, n_columns), findings, details)


def _image_findings(features: pd.DataFrame, *, min_side: int, max_aspect: float) -> pd.DataFrame:
    ids = features["sample_id"]
    broken = features["decode_error"].notna()
    frames = [
        findings_frame(
            ids[broken], "corrupt", 1.0, "decode", "Does not decode: " + features["decode_error"][broken] + "."
        )
    ]
    extension = ids.map(lambda s: PurePosixPath(s).suffix.lower())
    expected = features["format"].map(lambda f: FORMAT_EXTENSIONS.get(f, set()) if isinstance(f, str) else set())
    wrong = np.array([bool(e) and x not in e for x, e in zip(extension, expected, strict=True)])
    frames.append(
        findings_frame(
            ids[wrong],
            "corrupt",
            0.7,
            "extension",
            "The content is "
            + features["format"][wrong]
            + " but the name ends in "
            + extension[wrong]
            + "; tools that trust the extension will misread it.",
        )
    )
    mode = features["mode"]
    odd_mode = mode.notna() & ~mode.isin(USUAL_MODES) & ~broken
    palette_alpha = (mode == "P") & features["transparency"].fillna(False) & ~broken
    frames.append(
        findings_frame(
            ids[odd_mode],
            "corrupt",
            0.6,
            "mode",
            "Unusual mode "
            + mode[odd_mode].map(_mode_name)
            + " ("
            + mode[odd_mode]
            + "); convert it explicitly before training.",
        )
    )
    frames.append(
        findings_frame(
            ids[palette_alpha],
            "corrupt",
            0.6,
            "mode",
            "Palette image with transparency; converting to RGB paints the transparent area "
            "with an arbitrary palette colour.",
        )
    )
    frames.append(_size_findings(features, min_side=min_side, max_aspect=max_aspect))
    return concat_findings(frames)


def _mode_name(mode: str) -> str:
    return "16-bit grayscale" if mode.startswith("I;16") else MODE_NAMES.get(mode, mode)


def _size_findings(features: pd.DataFrame, *, min_side: int, max_aspect: float) -> pd.DataFrame:
    """Images under `min_side`, stretched beyond `max_aspect` (and far from the typical shape), or
    with far more pixels than the typical image (HUGE_FACTOR times, and over HUGE_PIXELS)."""
    width = features["width"].astype("float64").to_numpy()
    height = features["height"].astype("float64").to_numpy()
    known = ~np.isnan(width) & ~np.isnan(height) & features["decode_error"].isna().to_numpy()
    aspect = np.where(known, np.maximum(width, height) / np.maximum(np.minimum(width, height), 1), np.nan)
    typical = float(np.nanmedian(aspect)) if known.any() else 1.0
    pixels = width * height
    typical_pixels = float(np.nanmedian(np.where(known, pixels, np.nan))) if known.any() else 0.0
    tiny = known & (np.minimum(width, height) < min_side)
    stretched = known & ~tiny & (aspect > max_aspect) & (aspect > 2 * typical)
    huge = known & (pixels > HUGE_PIXELS) & (pixels > HUGE_FACTOR * typical_pixels)
    ids = features["sample_id"]
    sizes = pd.Series([f"{w:.0f}x{h:.0f}" for w, h in zip(width, height, strict=True)], index=features.index)
    return concat_findings(
        [
            findings_frame(
                ids[tiny], "corrupt", 0.8, "size", "Tiny image (" + sizes[tiny] + f"), under {min_side} px on a side."
            ),
            findings_frame(
                ids[stretched],
                "corrupt",
                np.clip(aspect[stretched] / (4 * max_aspect), 0.5, 1.0),
                "size",
                "Extreme aspect ratio (" + sizes[stretched] + "); resizing to a square will distort it.",
            ),
            findings_frame(
                ids[huge],
                "corrupt",
                0.5,
                "size",
                "Huge image (" + sizes[huge] + f"), over {HUGE_FACTOR}x the typical pixel count; "
                "it dominates decoding time and memory.",
            ),
        ]
    )


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


def _summary(dataset: Dataset, n_bad: int, n_columns: int) -> str:
    unit = "images" if dataset.kind == "image" else "cells in rows"
    if not n_bad and not n_columns:
        return f"Every {'image decodes cleanly' if dataset.kind == 'image' else 'cell parses as its column type'}."
    parts = []
    if n_bad:
        parts.append(f"{n_bad} {unit} are corrupt or unusual: fix or drop them before training")
    if n_columns:
        parts.append(f"{n_columns} column problem(s): drop or clean those columns")
    return "; ".join(parts) + "."
