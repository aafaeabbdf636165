"""Read CSV and Parquet files into frames, with the encoding and delimiter they really use.

Only reading lives here (no Dataset), so `Dataset.table` and the loaders can both use it.
"""

from __future__ import annotations

import codecs
import csv
import mmap
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from pyarrow.csv import ConvertOptions, ParseOptions, ReadOptions

from recipe_dash.errors import DataError
from recipe_dash.io.names import name_text, readable_source, require_regular, shown
from recipe_dash.io.parquet_file import read_parquet

TABLE_EXTENSIONS = frozenset({".csv", ".tsv", ".txt", ".parquet", ".pq"})
MAX_BAD_ROWS = 0.5  # more ragged rows than this share: the header or delimiter is wrong, not a few damaged rows
_SNIFF_BYTES = 64 * 1024
_QUOTES_WALKED = 20_000
_COLUMN_COUNT = re.compile(r"Expected \d+ columns?, got \d+")  # Arrow's message for a ragged row
_BINARY_MAGIC = {b"\x1f\x8b": "gzip", b"PK\x03\x04": "zip (or .xlsx)", b"\xd0\xcf\x11\xe0": "Excel .xls"}
_MAX_NUL_SHARE = 0.01  # a few NUL bytes are damaged cells of a text file; more means the file is binary


@dataclass(frozen=True)
class SkippedRow:
    """A data row left out of the table because the file's layout broke there."""

    row: int  # 0-based data-row number: the sample id the row would have had
    line: int  # 1-based record number in the file: its line, unless a quoted cell above spans lines
    reason: str  # what is wrong with it, one sentence


@dataclass(frozen=True)
class TableRead:
    """A table as read, with what reading it had to leave out or reshape."""

    frame: pd.DataFrame  # index = 0-based data-row number in the file (gaps where rows were left out)
    notes: tuple[str, ...] = ()  # columns skipped or flattened, lines skipped, one sentence each
    skipped_rows: tuple[SkippedRow, ...] = ()
    skipped_columns: tuple[str, ...] = ()  # Parquet columns with no single value per cell (lists, maps, blobs)


def read_table(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> pd.DataFrame:
    """Read a whole CSV or Parquet file; the frame's index is the 0-based data-row number."""
    return read_table_checked(path, encoding=encoding, delimiter=delimiter).frame


def read_table_checked(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> TableRead:
    """`read_table`, with the rows it left out (ragged, a repeated header) and what it skipped, for findings."""
    path = Path(path)
    _require_nonempty(path)
    if is_parquet(path):
        frame, notes, skipped_columns = read_parquet(path)
        return TableRead(frame, notes, skipped_columns=skipped_columns)
    if encoding is None or delimiter is None:
        encoding, delimiter = sniff_csv(path)
    read = _read_csv_arrow(path, encoding, delimiter)
    if read is None:  # a layout Arrow refuses (an index column without a header, say): pandas reads it or says why
        read = TableRead(_read_csv_pandas(path, encoding, delimiter))
    if read.frame.columns.empty:
        raise DataError(f"'{_shown_name(path)}' has no columns. Is it empty?")
    return _without_repeated_headers(read)


def _read_csv_arrow(path: Path, encoding: str, delimiter: str) -> TableRead | None:
    """Read with Arrow's multi-threaded parser (several times faster than pandas' on large files);
    None when Arrow cannot parse the file. Cells are read as pandas would read them: empty text is
    missing, dates stay text, repeated or empty header names are renamed like pandas does.

    Rows with more or fewer fields than the header are read again single-threaded (Arrow numbers
    rows only then) and left out as SkippedRows, unless they are more than MAX_BAD_ROWS of the file.
    """
    newlines = _may_have_newlines_in_values(path, encoding)
    comments = _comment_lines(path, encoding)
    read = ReadOptions(encoding="utf8" if encoding == "utf-8-sig" else encoding, skip_rows=comments)
    parse = ParseOptions(delimiter=delimiter, newlines_in_values=newlines)
    ragged: list[tuple[int, int, int]] = []  # (record number, fields, expected fields)

    def skip_ragged(row: pa_csv.InvalidRow) -> str:
        ragged.append((row.number or 0, row.actual_columns, row.expected_columns))
        return "skip"

    column_types: dict[str, pa.DataType] = {}
    for _ in range(3):  # again single-threaded for ragged rows, again when temporal columns must be text
        convert = ConvertOptions(strings_can_be_null=True, column_types=column_types)
        try:
            with readable_source(path) as source:
                table = pa_csv.read_csv(source, read_options=read, parse_options=parse, convert_options=convert)
        except (pa.ArrowInvalid, UnicodeDecodeError) as err:
            if parse.invalid_row_handler is not None or not _COLUMN_COUNT.search(str(err)):
                return None
            read = ReadOptions(encoding=read.encoding, skip_rows=comments, use_threads=False)
            parse = ParseOptions(delimiter=delimiter, newlines_in_values=newlines, invalid_row_handler=skip_ragged)
            continue
        temporal = {f.name: pa.string() for f in table.schema if pa.types.is_temporal(f.type)}
        if temporal and not column_types:
            column_types, ragged = temporal, []
            continue
        if len(ragged) > MAX_BAD_ROWS * (table.num_rows + len(ragged)):
            return None  # not a few damaged rows: the header or the delimiter does not fit the file
        empty = [i for i, f in enumerate(table.schema) if pa.types.is_null(f.type)]
        for i in empty:  # an all-empty column: floats (NaN), as pandas reads it
            table = table.set_column(i, table.field(i).name, pa.nulls(table.num_rows, pa.float64()))
        frame = table.rename_columns(_pandas_column_names(table.column_names)).to_pandas(
            split_blocks=True, self_destruct=True
        )
        skipped = _ragged_rows(ragged, comments, newlines)
        if skipped:
            frame.index = _data_rows(len(frame), [s.row for s in skipped])
        notes = (f"Skipped {comments} comment line(s) at the top of the file.",) if comments else ()
        return TableRead(frame, notes, skipped)
    return None


def _ragged_rows(ragged: list[tuple[int, int, int]], comments: int, newlines: bool) -> tuple[SkippedRow, ...]:
    where = "record" if newlines else "line"
    return tuple(
        SkippedRow(
            row=number - comments - 2,
            line=number,
            reason=f"{where.capitalize()} {number} has {fields} field(s) where the header has {expected}; the row "
            "was left out (fix its quoting or delimiter).",
        )
        for number, fields, expected in ragged
    )


def _data_rows(n_kept: int, left_out: list[int]) -> pd.Index:
    """Data-row numbers of the kept rows: 0..n-1 without the ones left out."""
    numbers = np.arange(n_kept + len(left_out))
    return pd.Index(np.delete(numbers, left_out))


def _without_repeated_headers(read: TableRead) -> TableRead:
    """Leave out rows that repeat the header (files concatenated, often with a byte-order mark): as data they
    add a class named like the label column and a text cell in every numeric column."""
    frame = read.frame
    text_columns = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if len(frame.columns) < 2 or len(text_columns) < len(frame.columns):
        return read  # a numeric column cannot hold its own name
    is_header = pd.Series(True, index=frame.index)
    for column in frame.columns:
        is_header &= frame[column].astype("string").str.lstrip("\ufeff").str.strip().eq(str(column)).fillna(False)
    if not is_header.any():
        return read
    repeated = tuple(
        SkippedRow(
            row=int(row),
            line=int(row) + 2,
            reason=f"Data row {int(row)} repeats the header (two files concatenated?); the row was left out.",
        )
        for row in frame.index[is_header.to_numpy()]
    )
    skipped = tuple(sorted([*read.skipped_rows, *repeated], key=lambda s: s.row))
    kept = frame[~is_header.to_numpy()]
    return TableRead(kept.apply(_numbers_if_all_parse), read.notes, skipped)


def _numbers_if_all_parse(column: pd.Series) -> pd.Series:
    """A column the repeated header made text, back to numbers when every other cell is one."""
    try:
        return pd.to_numeric(column)
    except (ValueError, TypeError):
        return column


def _comment_lines(path: Path, encoding: str) -> int:
    """Lines starting with '#' above the header (tool banners), which no parser should read as data."""
    if encoding.startswith("utf-16"):
        return 0
    count = 0
    with path.open("rb") as fh:
        for raw in fh:
            if not raw.lstrip(b"\xef\xbb\xbf").startswith(b"#") or count >= 1000:
                break
            count += 1
    return count


def _may_have_newlines_in_values(path: Path, encoding: str) -> bool:
    """Whether a quoted cell may hold a line break. Arrow splits a file into blocks at line breaks
    and must be told about such cells, at a 30% cost: pay it only when a pair of quotes spans a
    line break. Quotes are walked with memchr-speed `find`; many quotes or UTF-16 mean "maybe"."""
    if encoding.startswith("utf-16"):
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
        raise DataError(f"'{_shown_name(path)}' has no columns. Is it empty?") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise DataError(
            f"'{_shown_name(path)}' could not be parsed as CSV ({encoding}, {delimiter!r}): {err}"
        ) from None


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
            with readable_source(path) as source:
                return list(pq.read_schema(source).names)
        except Exception as err:
            raise DataError(f"'{_shown_name(path)}' is not a readable Parquet file: {err}") from None
    encoding, delimiter = sniff_csv(path)
    try:
        return list(pd.read_csv(path, sep=delimiter, encoding=encoding, nrows=0).columns)
    except pd.errors.EmptyDataError:
        raise DataError(f"'{_shown_name(path)}' has no columns. Is it empty?") from None


def sniff_csv(path: Path) -> tuple[str, str]:
    """Guess (encoding, delimiter): UTF-8 (with or without BOM), UTF-16 (with a BOM, or ASCII-range text
    without one), else Latin-1. A few NUL bytes are damaged cells of a text file (the corruption check
    lists them); a compressed file, a spreadsheet or mostly NULs are refused."""
    with Path(path).open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif (utf16 := _utf16_without_bom(head)) is not None:
        encoding = utf16
    elif any(head.startswith(magic) for magic in _BINARY_MAGIC) or head.count(0) > _MAX_NUL_SHARE * len(head):
        kind = next((name for magic, name in _BINARY_MAGIC.items() if head.startswith(magic)), "binary data")
        raise DataError(
            f"'{_shown_name(path)}' looks binary ({kind}), not like a text CSV (is it Excel or compressed?). "
            "Save it as CSV (UTF-8) or Parquet."
        )
    else:
        encoding = "utf-8-sig" if _decodes(head, "utf-8") else "latin-1"
    text = head.decode(encoding, errors="ignore").replace("\x00", "")
    sample = "\n".join(text.splitlines()[:50])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = "\t" if Path(path).suffix.lower() == ".tsv" else ","
    return encoding, delimiter


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when every other byte is NUL, as in text of the ASCII range."""
    if len(head) < 16:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


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
    require_regular(path)
    if path.stat().st_size == 0:
        raise DataError(f"'{_shown_name(path)}' is empty (0 bytes).")


def _shown_name(path: Path) -> str:
    return shown(name_text(path.name))
