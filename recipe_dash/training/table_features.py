"""Encode a table's columns as the float vectors a network sees, learning every choice from training rows only.

Numeric columns (at least 90% of filled cells parse as numbers) keep their values; cells that are
empty, non-numeric or infinite get the column's training median. Text columns with at most
MAX_CATEGORIES values (and fewer than one per two rows) become one-hot columns (`column=value`;
missing or unseen values are all zero).
Identifiers (unique integers in a column named like an id), constant columns and free text are left
out, each with a note.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recipe_dash.errors import DataError

MAX_CATEGORIES = 20  # more distinct text values than this is free text or an identifier, not a category
NUMERIC_SHARE = 0.9  # share of filled cells that must parse as numbers for a column to be numeric
UNIQUE_SHARE = 0.5  # text with more distinct values than this share of its training cells is free text
_ID_NAME = re.compile(r"(^|[^a-z])(id|uuid|key)($|[^a-z])", re.IGNORECASE)

FeatureGroups = tuple[tuple[str, tuple[int, ...]], ...]  # (group name, feature indices), in column order


@dataclass(frozen=True)
class EncodedTable:
    features: np.ndarray  # (n_rows, n_features) float32, no missing values
    names: tuple[str, ...]  # one per feature: the column, or 'column=value' for one-hot features
    groups: FeatureGroups  # features switched on together by "add signals one at a time"
    notes: tuple[str, ...]  # what was left out or filled in, one sentence each


def encode_table(frame: pd.DataFrame, *, train_rows: np.ndarray, exclude: Collection[str] = ()) -> EncodedTable:
    """Encode every usable column of `frame`; `train_rows` (bool mask) is where medians and categories come from."""
    blocks: list[np.ndarray] = []
    names: list[str] = []
    sources: list[str] = []
    left_out: list[str] = []
    filled: dict[str, int] = {}
    for column in frame.columns:
        if str(column) in exclude:
            continue
        values = frame[column]
        numeric = _as_numeric(values)
        reason: str | None
        if numeric is not None:
            block, reason, n_filled = _numeric_block(str(column), values, numeric, train_rows)
            column_names = [str(column)]
            if n_filled:
                filled[str(column)] = n_filled
        else:
            block, column_names, reason = _one_hot_block(str(column), values, train_rows)
        if reason is not None:
            left_out.append(f"{column} ({reason})")
            continue
        blocks.append(block)
        names += column_names
        sources += [str(column)] * len(column_names)
    if not blocks:
        raise DataError("No usable feature columns: every column is the label, constant, empty, text or an id.")
    notes = []
    if left_out:
        notes.append(f"Left out {len(left_out)} column(s): {', '.join(left_out)}.")
    if filled:
        listed = ", ".join(f"{c} ({n})" for c, n in filled.items())
        notes.append(
            f"Filled {sum(filled.values())} empty, non-numeric or infinite cell(s) with the training median: {listed}."
        )
    features = np.concatenate(blocks, axis=1).astype(np.float32)
    return EncodedTable(features=features, names=tuple(names), groups=_groups(sources), notes=tuple(notes))


def _as_numeric(values: pd.Series) -> pd.Series | None:
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    numeric = pd.to_numeric(values, errors="coerce").astype("float64")
    filled = int(values.notna().sum())
    return numeric if filled and numeric.notna().sum() >= NUMERIC_SHARE * filled else None


def _numeric_block(
    column: str, values: pd.Series, numeric: pd.Series, train_rows: np.ndarray
) -> tuple[np.ndarray, str | None, int]:
    is_integer = pd.api.types.is_integer_dtype(values)
    if is_integer and values.is_unique and _ID_NAME.search(column):
        return np.empty(0), "identifier", 0
    numeric = numeric.where(np.isfinite(numeric))
    train_values = numeric[train_rows]
    if train_values.notna().sum() == 0:
        return np.empty(0), "no number in the training rows", 0
    if train_values.nunique() <= 1:
        return np.empty(0), "constant", 0
    n_missing = int(numeric.isna().sum())
    return numeric.fillna(train_values.median()).to_numpy()[:, None], None, n_missing


def _one_hot_block(column: str, values: pd.Series, train_rows: np.ndarray) -> tuple[np.ndarray, list[str], str | None]:
    text = values.astype("string").str.strip()
    categories = sorted(text[train_rows].dropna().unique())
    if len(categories) == 0:
        return np.empty(0), [], "empty"
    if len(categories) == 1 and text.notna().all():
        return np.empty(0), [], "constant"
    n_filled = int(text[train_rows].notna().sum())
    if len(categories) > MAX_CATEGORIES or (len(categories) > 2 and len(categories) > UNIQUE_SHARE * n_filled):
        return np.empty(0), [], f"{len(categories)} distinct text values"
    block = np.stack([(text == c).fillna(False).to_numpy(dtype=bool) for c in categories], axis=1)
    return block.astype(np.float32), [f"{column}={c}" for c in categories], None


def _groups(sources: list[str]) -> FeatureGroups:
    """Group columns sharing a leading or trailing word ('mean radius', 'mean area' -> 'mean …')."""
    columns = list(dict.fromkeys(sources))
    words = {c: [w for w in re.split(r"[\s_\-.]+", c.lower()) if w] or [c] for c in columns}
    first = Counter(w[0] for w in words.values() if len(w) > 1)
    last = Counter(w[-1] for w in words.values() if len(w) > 1)

    def group_of(column: str) -> str:
        w = words[column]
        if len(w) > 1 and first[w[0]] > 1:
            return f"{w[0]} …"
        if len(w) > 1 and last[w[-1]] > 1:
            return f"… {w[-1]}"
        return column

    members: dict[str, list[int]] = {}
    for index, source in enumerate(sources):
        members.setdefault(group_of(source), []).append(index)
    return tuple((name, tuple(indices)) for name, indices in members.items())
