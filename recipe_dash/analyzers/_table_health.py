"""Table cells that do not hold what their column holds, and columns that cannot help a model."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recipe_dash.analyzers.findings import concat_findings, findings_frame
from recipe_dash.io.columns import (
    NUMERIC_SHARE,
    identifier_columns,
    numeric_share,
    numeric_view,
    sample_cells,
    to_float,
)
from recipe_dash.io.dataset import Dataset
from recipe_dash.io.tabular import SPLIT_COLUMN

INVISIBLE = "invisible_characters"  # a format note: text cells that look equal and are not
# Characters no one typed on purpose: a NUL is a damaged file, U+FFFD a byte the encoding could not read;
# a byte-order mark or a zero-width character makes two equal-looking values differ.
_DAMAGE = {"\x00": "a NUL byte (the file is damaged there)", "\ufffd": "a byte the file's encoding cannot read (�)"}
_INVISIBLE = {
    "\ufeff": "byte-order mark",
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2060": "word joiner",
}
_SUSPECT = re.compile("[" + "".join(_DAMAGE) + "".join(_INVISIBLE) + "]")
_STRIP = {ord(char): None for char in _INVISIBLE}
_MANGLED = re.compile(r"^(?P<base>.+)\.(?P<n>\d+)$")  # pandas renames a repeated header 'x' to 'x.1'
MIXED_SHARE = 0.1  # a text column whose numeric share lies in [MIXED_SHARE, NUMERIC_SHARE) mixes types


def table_findings(dataset: Dataset, *, max_missing: float, isolated_missing: float) -> pd.DataFrame:
    """Bad cells (one row each) and column problems (sample_id null, group 'column:NAME')."""
    table = dataset.table
    skip = {str(dataset.label_column), *identifier_columns(table)}
    parsed = numeric_view(table)
    checked = [p for p, name in enumerate(table.columns) if str(name) not in skip and str(name).lower() != SPLIT_COLUMN]

    def check(position: int) -> pd.DataFrame:
        return _column_findings(
            str(table.columns[position]),
            table.iloc[:, position],
            parsed[position],
            max_missing=max_missing,
            isolated_missing=isolated_missing,
        )

    text = [p for p, name in enumerate(table.columns) if parsed[p] is None or str(name) in skip]
    with ThreadPoolExecutor(2) as pool:  # column scans are NumPy/Arrow work that releases the GIL
        columns = list(pool.map(check, checked))
        characters = list(pool.map(lambda p: _odd_characters(str(table.columns[p]), table.iloc[:, p]), text))
    return concat_findings([_skipped_rows(dataset), _duplicated_names(table), *columns, *characters])


def _skipped_rows(dataset: Dataset) -> pd.DataFrame:
    """Rows the reader left out (ragged, a repeated header), by the data-row number they would have had."""
    rows = dataset.skipped_rows
    return findings_frame([str(r.row) for r in rows], "corrupt", 1.0, "row", [r.reason for r in rows])


def _odd_characters(name: str, column: pd.Series) -> pd.DataFrame:
    """Text cells holding a NUL or an unreadable byte (corrupt), or an invisible character (a note)."""
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return findings_frame()
    try:
        cells = pa.array(column, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return findings_frame()
    hit = pc.fill_null(pc.match_substring_regex(cells, _SUSPECT.pattern), False).to_numpy(zero_copy_only=False)
    if not hit.any():
        return findings_frame()
    rows, values = column.index.to_numpy()[hit], column[hit]
    found = [[char for char in {**_DAMAGE, **_INVISIBLE} if char in str(v)] for v in values]
    damaged = np.array([any(c in _DAMAGE for c in chars) for chars in found], dtype=bool)
    detail = [
        f"Cell '{name}' holds {', '.join(_DAMAGE.get(c) or 'an invisible ' + _INVISIBLE[c] for c in chars)}: "
        + (
            "re-export the file or fix the cell."
            if any(c in _DAMAGE for c in chars)
            else f"{str(v).translate(_STRIP)!r} and {str(v)!r} look alike but differ; strip it."
        )
        for chars, v in zip(found, values, strict=True)
    ]
    detail_array = np.array(detail, dtype=object)
    return concat_findings(
        [
            findings_frame(
                [str(r) for r in rows[damaged]], "corrupt", 0.9, f"column:{name}", list(detail_array[damaged])
            ),
            findings_frame(
                [str(r) for r in rows[~damaged]], INVISIBLE, 0.4, f"column:{name}", list(detail_array[~damaged])
            ),
        ]
    )


def _column_findings(
    name: str, column: pd.Series, numeric: pd.Series | None, *, max_missing: float, isolated_missing: float
) -> pd.DataFrame:
    """`numeric` is the column read as numbers (`recipe_dash.io.columns.as_numeric`), None for text."""
    n_rows = len(column)
    missing = column.isna()
    share_missing = float(missing.mean()) if n_rows else 0.0
    if n_rows and missing.all():
        return _column_issue(name, "empty_column", 1.0, f"{name} is empty in every row; drop it.")
    problems = []
    if share_missing > max_missing:
        problems.append(
            _column_issue(
                name,
                "high_missing",
                share_missing,
                f"{name} is empty in {share_missing:.1%} of rows; drop it or impute with care.",
            )
        )
    filled = column[~missing]
    if n_rows > 1 and not filled.empty and _constant(filled):
        problems.append(
            _column_issue(
                name,
                "constant_column",
                1.0,
                f"{name} is '{filled.iloc[0]}' in every filled row; it cannot help a model.",
            )
        )
    if numeric is None:
        problems.append(_mixed(name, filled))
        return concat_findings(problems)
    rows = column.index.to_numpy()
    if not pd.api.types.is_numeric_dtype(column):  # text that is mostly numbers: the rest are bad cells
        bad = (~missing & numeric.isna()).to_numpy()
        problems.append(
            _cells(name, rows[bad], 0.9, [f"Numeric cell '{name}' holds the text {v!r}." for v in column[bad]])
        )
    infinite = np.isinf(numeric.to_numpy())
    problems.append(
        _cells(
            name,
            rows[infinite],
            0.9,
            [f"Numeric cell '{name}' holds {'-inf' if v < 0 else 'inf'} (infinite)." for v in numeric[infinite]],
        )
    )
    if 0 < share_missing <= isolated_missing:  # a few holes in a filled column look like damage, not design
        holes = missing.to_numpy()
        problems.append(
            _cells(
                name,
                rows[holes],
                0.6,
                f"Numeric cell '{name}' is missing (empty, or a marker like 'n/a') in an otherwise filled column.",
            )
        )
    return concat_findings(problems)


def _constant(filled: pd.Series) -> bool:
    """One distinct value (a comparison pass, much cheaper than counting distinct values)."""
    if pd.api.types.is_numeric_dtype(filled):
        return bool(filled.min() == filled.max())
    return bool((filled == filled.iloc[0]).all())


def _mixed(name: str, filled: pd.Series) -> pd.DataFrame:
    if filled.empty or numeric_share(sample_cells(filled)) < MIXED_SHARE / 2:  # plain text: no need to parse it all
        return findings_frame()
    parsed = to_float(filled)
    n_numbers = int(parsed.notna().sum())
    share = n_numbers / len(filled)
    if not MIXED_SHARE <= share < NUMERIC_SHARE:
        return findings_frame()
    example = filled[parsed.isna()].iloc[0]
    detail = (
        f"{name} mixes {n_numbers} numbers with {len(filled) - n_numbers} text values like {example!r}; "
        "a model will read it as text. Split or clean it."
    )
    return _column_issue(name, "mixed_types", 0.8, detail)


def _duplicated_names(table: pd.DataFrame) -> pd.DataFrame:
    names = [str(c) for c in table.columns]
    repeated = {n for n in names if names.count(n) > 1}
    for n in names:
        match = _MANGLED.match(n)
        if match and match["base"] in names:
            repeated.add(match["base"])
    return concat_findings(
        [
            _column_issue(
                n, "duplicated_column", 1.0, f"The header names column '{n}' more than once; rename the copies."
            )
            for n in sorted(repeated)
        ]
    )


def _column_issue(name: str, issue_type: str, score: float, detail: str) -> pd.DataFrame:
    return findings_frame([None], issue_type, min(score, 1.0), f"column:{name}", detail)


def _cells(name: str, rows: np.ndarray, score: float, detail: list[str] | str) -> pd.DataFrame:
    if len(rows) == 0:
        return findings_frame()
    return findings_frame([str(r) for r in rows], "corrupt", score, f"column:{name}", detail)
