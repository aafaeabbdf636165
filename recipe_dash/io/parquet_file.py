"""Parquet files as flat frames of plain columns, the only kind the checks (and a CSV) have.

Parquet can hold what a CSV cannot: structs, lists, maps, binary blobs, decimals, time zones. Structs
flatten cleanly into one column per field ('point.lat'); list, map and binary columns have no single
value per cell, so they are left out and named in a note; the other types become the plain type a CSV
reader would have produced (text for dates and durations, floats for decimals and nulls).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from recipe_dash.errors import DataError
from recipe_dash.io.names import name_text, readable_source, shown


def read_parquet(path: Path) -> tuple[pd.DataFrame, tuple[str, ...], tuple[str, ...]]:
    """The file's plain columns (structs flattened), a note naming the columns left out, and their names."""
    try:
        with readable_source(path) as source:
            table = pq.read_table(source)
    except Exception as err:  # pyarrow raises several unrelated types for a broken file
        raise DataError(f"'{shown(name_text(path.name))}' is not a readable Parquet file: {err}") from None
    table = _flattened(table)
    kept, skipped, names = [], [], []
    for field in table.schema:
        if _is_nested(field.type) or pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type):
            skipped.append(f"{field.name} ({_kind(field.type)})")
            names.append(field.name)
        else:
            kept.append(pa.field(field.name, _plain_type(field.type)))
    if skipped and not kept:
        raise DataError(
            f"'{shown(name_text(path.name))}' has only nested or binary columns ({', '.join(skipped)}); "
            "the checks read plain columns. Flatten them into one value per cell."
        )
    table = table.select([f.name for f in kept]).cast(pa.schema(kept))
    notes = ()
    if skipped:
        notes = (
            f"Skipped {len(skipped)} nested or binary column(s) the checks cannot read: {', '.join(skipped)}. "
            "Flatten them into plain columns to check them.",
        )
    return table.to_pandas(), notes, tuple(names)


def _flattened(table: pa.Table) -> pa.Table:
    """Struct columns as one column per field, named 'struct.field', however deep."""
    while any(pa.types.is_struct(field.type) for field in table.schema):
        table = table.flatten()
    return table


def _kind(kind: pa.DataType) -> str:
    """'list', 'map', 'union', 'binary': what a column holds, without Arrow's field names."""
    if pa.types.is_dictionary(kind):
        return _kind(kind.value_type)
    for name, test in (("map", pa.types.is_map), ("union", pa.types.is_union), ("binary", pa.types.is_binary)):
        if test(kind):
            return name
    return (
        "list"
        if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)
        else str(kind)
    )


def _is_nested(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        return _is_nested(kind.value_type)
    return pa.types.is_nested(kind) or pa.types.is_union(kind)


def _plain_type(kind: pa.DataType) -> pa.DataType:
    """The type a CSV reader would give the same values."""
    if pa.types.is_dictionary(kind):
        return _plain_type(kind.value_type)
    if pa.types.is_temporal(kind):  # dates, times, durations: text, as the CSV reader keeps them
        return pa.string()
    if pa.types.is_decimal(kind) or pa.types.is_null(kind) or pa.types.is_float16(kind):
        return pa.float64()
    if pa.types.is_large_string(kind):
        return pa.string()
    return kind
