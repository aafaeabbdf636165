"""Read CSV and Parquet files into frames, with the encoding and delimiter they really use.

Only reading lives here (no Dataset), so `Dataset.table` and the loaders can both use it.
"""

from __future__ import annotations

import codecs
import csv
import mmap
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from pyarrow.csv import ConvertOptions, ParseOptions, ReadOptions

from recipe_dash.errors import DataError

TABLE_EXTENSIONS = frozenset({".csv", ".tsv", ".txt", ".parquet", ".pq"})
_SNIFF_BYTES = 64 * 1024
_QUOTES_WALKED = 20_000


def read_table(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> pd.DataFrame:
    """Read a whole CSV or Parquet file; the frame's index is the 0-based data-row number."""
    path = Path(path)
    _require_nonempty(path)
    if is_parquet(path):
        try:
            return pq.read_table(path).to_pandas()
        except Exception as err:  # pyarrow raises several unrelated types for a broken file
            raise DataError(f"'{path.name}' is not a readable Parquet file: {err}") from None
    if encoding is None or delimiter is None:
        encoding, delimiter = sniff_csv(path)
    frame = _read_csv_arrow(path, encoding, delimiter)
    if frame is None:  # a layout Arrow refuses (ragged rows, say): pandas reads it or says what is wrong
        frame = _read_csv_pandas(path, encoding, delimiter)
    if frame.columns.empty:
        raise DataError(f"'{path.name}' has no columns. Is it empty?")
    return frame


def _read_csv_arrow(path: Path, encoding: str, delimiter: str) -> pd.DataFrame | None:
    """Read with Arrow's multi-threaded parser (several times faster than pandas' on large files);
    None when Arrow cannot parse the file. Cells are read as pandas would read them: empty text is
    missing, dates stay text, repeated or empty header names are renamed like pandas does."""
    read = ReadOptions(encoding="utf8" if encoding == "utf-8-sig" else encoding)  # Arrow skips a UTF-8 BOM
    parse = ParseOptions(delimiter=delimiter, newlines_in_values=_may_have_newlines_in_values(path, encoding))
    column_types: dict[str, pa.DataType] = {}
    for _ in range(2):  # once more when temporal columns must be re-read as text
        convert = ConvertOptions(strings_can_be_null=True, column_types=column_types)
        try:
            table = pa_csv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            return None
        temporal = {f.name: pa.string() for f in table.schema if pa.types.is_temporal(f.type)}
        if not temporal:
            empty = [i for i, f in enumerate(table.schema) if pa.types.is_null(f.type)]
            for i in empty:  # an all-empty column: floats (NaN), as pandas reads it
                table = table.set_column(i, table.field(i).name, pa.nulls(table.num_rows, pa.float64()))
            names = _pandas_column_names(table.column_names)
            return table.rename_columns(names).to_pandas(split_blocks=True, self_destruct=True)
        column_types = temporal
    return None


def _may_have_newlines_in_values(path: Path, encoding: str) -> bool:
    """Whether a quoted cell may hold a line break. Arrow splits a file into blocks at line breaks
    and must be told about such cells, at a 30% cost: pay it only when a pair of quotes spans a
    line break. Quotes are walked with memchr-speed `find`; many quotes or UTF-16 mean "maybe"."""
    if encoding == "utf-16":
        return True
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as text:
        opening = text.find(b'"')
        for _ in range(_QUOTES_WALKED):
            if opening < 0:
                return False
            closing = text.find(b'"', opening + 1)
            if closing < 0 or text.find(b"\n", opening, closing) >= 0:
                return True
            opening = text.find(b'"', closing + 1)
    return True


def _read_csv_pandas(path: Path, encoding: str, delimiter: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, sep=delimiter, encoding=encoding, low_memory=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"'{path.name}' has no columns. Is it empty?") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise DataError(f"'{path.name}' could not be parsed as CSV ({encoding}, {delimiter!r}): {err}") from None


def _pandas_column_names(names: list[str]) -> list[str]:
    """'Unnamed: i' for an empty header cell and 'x.1', 'x.2' for repeats of 'x', as pandas names them
    (so a table reads the same whichever parser read it)."""
    renamed = [name or f"Unnamed: {i}" for i, name in enumerate(names)]
    seen: dict[str, int] = {}
    taken = set(renamed)
    for i, name in enumerate(renamed):
        count = seen.get(name, 0)
        seen[name] = count + 1
        if count:
            candidate = f"{name}.{count}"
            while candidate in taken:
                count += 1
                candidate = f"{name}.{count}"
            seen[name] = count + 1
            renamed[i] = candidate
            taken.add(candidate)
    return renamed


def read_columns(path: Path) -> list[str]:
    """Column names only, so the UI can offer a label column before reading everything."""
    path = Path(path)
    _require_nonempty(path)
    if is_parquet(path):
        try:
            return list(pq.read_schema(path).names)
        except Exception as err:
            raise DataError(f"'{path.name}' is not a readable Parquet file: {err}") from None
    encoding, delimiter = sniff_csv(path)
    try:
        return list(pd.read_csv(path, sep=delimiter, encoding=encoding, nrows=0).columns)
    except pd.errors.EmptyDataError:
        raise DataError(f"'{path.name}' has no columns. Is it empty?") from None


def sniff_csv(path: Path) -> tuple[str, str]:
    """Guess (encoding, delimiter): UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1."""
    with Path(path).open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in head:
        raise DataError(
            f"'{path.name}' looks binary, not like a text CSV (is it Excel or compressed?). "
            "Save it as CSV (UTF-8) or Parquet."
        )
    else:
        encoding = "utf-8-sig" if _decodes(head, "utf-8") else "latin-1"
    text = head.decode(encoding, errors="ignore")
    sample = "\n".join(text.splitlines()[:50])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = "\t" if Path(path).suffix.lower() == ".tsv" else ","
    return encoding, delimiter


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def is_parquet(path: Path) -> bool:
    if path.suffix.lower() in {".parquet", ".pq"}:
        return True
    with path.open("rb") as fh:
        return fh.read(4) == b"PAR1"


def _require_nonempty(path: Path) -> None:
    if not path.is_file():
        raise DataError(f"'{path}' is not a file.")
    if path.stat().st_size == 0:
        raise DataError(f"'{path.name}' is empty (0 bytes).")
