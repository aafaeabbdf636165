"""CSV and Parquet tables with a label column, read with the encoding and delimiter they really use."""

from __future__ import annotations

import codecs
import csv
import mmap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from pyarrow.csv import ConvertOptions, ParseOptions, ReadOptions

from recipe_dash.errors import DataError
from recipe_dash.io.dataset import DEFAULT_SPLIT, Dataset, sorted_classes

TABLE_EXTENSIONS = frozenset({".csv", ".tsv", ".txt", ".parquet", ".pq"})
LABEL_CANDIDATES = ("label", "target", "class", "y")
SPLIT_COLUMN = "split"
_SPLIT_ALIASES = {"valid": "val", "validation": "val", "dev": "val"}
_SNIFF_BYTES = 64 * 1024
_QUOTES_WALKED = 20_000


def read_table(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> pd.DataFrame:
    """Read a whole CSV or Parquet file; the frame's index is the 0-based data-row number."""
    path = Path(path)
    _require_nonempty(path)
    if _is_parquet(path):
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
    if _is_parquet(path):
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


def load_table(path: Path, *, label_column: str | None = None, name: str | None = None) -> Dataset:
    """Load a CSV or Parquet file as a Dataset; the label column is found or must be named."""
    path = Path(path)
    options = {} if _is_parquet(path) else dict(zip(("encoding", "delimiter"), sniff_csv(path), strict=True))
    frame = read_table(path, **options)
    label = label_column or detect_label_column(frame.columns)
    if label is None:
        raise DataError(
            f"No label column found in '{path.name}'. Columns: {', '.join(map(str, frame.columns))}. "
            "Choose one (--label-column C on the command line)."
        )
    if label not in frame.columns:
        raise DataError(f"Column '{label}' is not in '{path.name}'. Columns: {', '.join(map(str, frame.columns))}.")
    if len(frame) == 0:
        raise DataError(f"'{path.name}' has a header but no rows.")
    labels = frame[label].astype("string")
    splits = _split_values(frame)
    row_numbers = pa.compute.cast(pa.array(np.arange(len(frame))), pa.string())  # 20x faster than pandas' astype
    samples = pd.DataFrame(
        {"sample_id": pd.array(row_numbers, dtype="string"), "label": labels, "split": splits.astype("string")}
    )
    classes = sorted_classes(samples["label"])
    notes = _label_notes(samples["label"], classes, str(label))
    dataset = Dataset(
        kind="table",
        name=name or path.name,
        source=path,
        root=path,
        samples=samples,
        class_names=classes,
        label_column=label,
        load_notes=tuple(notes),
        read_options=options,
    )
    dataset.__dict__["table"] = frame  # already read: seed the cached property
    return dataset


def detect_label_column(columns: pd.Index | list[str]) -> str | None:
    by_lower = {str(c).lower(): str(c) for c in columns}
    return next((by_lower[c] for c in LABEL_CANDIDATES if c in by_lower), None)


def _split_values(frame: pd.DataFrame) -> pd.Series:
    column = next((c for c in frame.columns if str(c).lower() == SPLIT_COLUMN), None)
    if column is None:
        return pd.Series(DEFAULT_SPLIT, index=frame.index)
    codes, names = pd.factorize(frame[column].astype("string"))  # a handful of distinct values: clean those
    cleaned = pd.Series(names, dtype="string").str.strip().str.lower().replace(_SPLIT_ALIASES)
    by_code = pa.array([*cleaned, DEFAULT_SPLIT], pa.string())
    codes[codes < 0] = len(by_code) - 1  # missing takes the default
    return pd.Series(pd.array(by_code.take(codes), dtype="string"), index=frame.index)  # Arrow: no per-row objects


def _label_notes(labels: pd.Series, classes: tuple[str, ...], column: str) -> list[str]:
    if not classes:
        raise DataError(f"Label column '{column}' has no values. Pick another label column.")
    notes = []
    missing = int(labels.isna().sum())
    if missing:
        notes.append(f"{missing} row(s) have no value in label column '{column}'.")
    if len(classes) == 1:
        notes.append(
            f"Column '{column}' has one class ('{classes[0]}'); imbalance and label noise need two. "
            "Pick another label column if this is not the label."
        )
    return notes


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _is_parquet(path: Path) -> bool:
    if path.suffix.lower() in {".parquet", ".pq"}:
        return True
    with path.open("rb") as fh:
        return fh.read(4) == b"PAR1"


def _require_nonempty(path: Path) -> None:
    if not path.is_file():
        raise DataError(f"'{path}' is not a file.")
    if path.stat().st_size == 0:
        raise DataError(f"'{path.name}' is empty (0 bytes).")
