"""CSV and Parquet tables with a label column, read with the encoding and delimiter they really use."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from recipe_dash.errors import DataError
from recipe_dash.io.dataset import DEFAULT_SPLIT, Dataset, sorted_classes

TABLE_EXTENSIONS = frozenset({".csv", ".tsv", ".txt", ".parquet", ".pq"})
LABEL_CANDIDATES = ("label", "target", "class", "y")
SPLIT_COLUMN = "split"
_SPLIT_ALIASES = {"valid": "val", "validation": "val", "dev": "val"}
_SNIFF_BYTES = 64 * 1024


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
    try:
        frame = pd.read_csv(path, sep=delimiter, encoding=encoding, low_memory=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"'{path.name}' has no columns. Is it empty?") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise DataError(f"'{path.name}' could not be parsed as CSV ({encoding}, {delimiter!r}): {err}") from None
    if frame.columns.empty:
        raise DataError(f"'{path.name}' has no columns. Is it empty?")
    return frame


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
        raise DataError(
            f"Column '{label}' is not in '{path.name}'. Columns: {', '.join(map(str, frame.columns))}."
        )
    if len(frame) == 0:
        raise DataError(f"'{path.name}' has a header but no rows.")
    labels = frame[label].astype("string")
    splits = _split_values(frame)
    samples = pd.DataFrame(
        {"sample_id": pd.RangeIndex(len(frame)).astype(str), "label": labels.to_numpy(), "split": splits}
    ).astype({"sample_id": "string", "label": "string", "split": "string"})
    notes = _label_notes(samples["label"], str(label))
    dataset = Dataset(
        kind="table",
        name=name or path.name,
        source=path,
        root=path,
        samples=samples,
        class_names=sorted_classes(samples["label"]),
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
    values = frame[column].astype("string").str.strip().str.lower().fillna(DEFAULT_SPLIT)
    return values.replace(_SPLIT_ALIASES)


def _label_notes(labels: pd.Series, column: str) -> list[str]:
    if labels.nunique() == 0:
        raise DataError(f"Label column '{column}' has no values. Pick another label column.")
    notes = []
    missing = int(labels.isna().sum())
    if missing:
        notes.append(f"{missing} row(s) have no value in label column '{column}'.")
    if labels.nunique() == 1:
        notes.append(
            f"Column '{column}' has one class ('{labels.dropna().iloc[0]}'); imbalance and label noise need two. "
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
