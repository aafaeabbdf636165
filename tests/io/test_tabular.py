from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recipe_dash.errors import DataError
from recipe_dash.io import load_dataset
from recipe_dash.io.table_file import _read_csv_arrow, read_columns

ROWS = "a,b,label,split\n1,x,cat,train\n2,y,dog,train\n3,z,cat,test\n4,w,dog,Validation\n"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_with_label_and_split(tmp_path: Path) -> None:
    dataset = load_dataset(write(tmp_path / "t.csv", ROWS))
    assert dataset.kind == "table" and dataset.label_column == "label"
    assert list(dataset.sample_ids) == ["0", "1", "2", "3"]
    assert list(dataset.samples["split"]) == ["train", "train", "test", "val"]
    assert dataset.class_names == ("cat", "dog")
    assert dataset.row("2")["b"] == "z"


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    dataset = load_dataset(write(tmp_path / "t.csv", ROWS.replace(",", delimiter)))
    assert list(dataset.table.columns) == ["a", "b", "label", "split"]


def test_latin1_and_utf16_and_bom(tmp_path: Path) -> None:
    text = "name,target\nJosé,ü\nZoë,ß\n"
    for i, encoding in enumerate(["latin-1", "utf-16", "utf-8-sig"]):
        dataset = load_dataset(write(tmp_path / f"t{i}.csv", text, encoding))
        assert dataset.label_column == "target"
        assert list(dataset.table["name"]) == ["José", "Zoë"]


@pytest.mark.parametrize("column", ["Target", "class", "y"])
def test_label_column_detection(tmp_path: Path, column: str) -> None:
    dataset = load_dataset(write(tmp_path / "t.csv", f"f,{column}\n1,a\n2,b\n"))
    assert dataset.label_column == column


def test_missing_label_column_lists_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "height,weight,diagnosis\n1,2,a\n")
    with pytest.raises(DataError, match="Columns: height, weight, diagnosis"):
        load_dataset(path)
    assert load_dataset(path, label_column="diagnosis").class_names == ("a",)
    with pytest.raises(DataError, match="'nope' is not in"):
        load_dataset(path, label_column="nope")


def test_empty_and_header_only_and_binary(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="empty"):
        load_dataset(write(tmp_path / "empty.csv", ""))
    with pytest.raises(DataError, match="no rows"):
        load_dataset(write(tmp_path / "header.csv", "a,label\n"))
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary\x00stuff")
    with pytest.raises(DataError, match="looks binary"):
        load_dataset(binary)


def test_one_class_loads_with_a_note(tmp_path: Path) -> None:
    dataset = load_dataset(write(tmp_path / "t.csv", "f,label\n1,cat\n2,cat\n"))
    assert any("one class ('cat')" in note for note in dataset.load_notes)


def test_label_without_any_value_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no values"):
        load_dataset(write(tmp_path / "t.csv", "f,label\n1,\n2,\n"))


def test_parquet(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
    frame.to_parquet(tmp_path / "t.parquet")
    dataset = load_dataset(tmp_path / "t.parquet")
    assert dataset.label_column == "y" and dataset.class_names == ("0", "1")
    assert read_columns(tmp_path / "t.parquet") == ["x", "y"]
    (tmp_path / "bad.parquet").write_bytes(b"PAR1garbage")
    with pytest.raises(DataError, match="not a readable Parquet"):
        load_dataset(tmp_path / "bad.parquet")


def test_unsupported_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a supported dataset"):
        load_dataset(write(tmp_path / "t.xlsx", "x"))
    with pytest.raises(DataError, match="does not exist"):
        load_dataset(tmp_path / "nothing")


def test_arrow_reading_matches_pandas_on_awkward_files(tmp_path: Path) -> None:
    """The fast Arrow parser must read every file as pandas would: names, holes, dates, quoting."""
    text = (
        "id,a,a,,when,note,empty,label\n"
        '1,1.5,x,7,2020-01-02,"line one\nline two",,cat\n'
        '2,,y,8,2020-01-03,"has ""quotes"", and comma",,dog\n'
        "3,2.5,,9,2021-12-31,plain,,cat\n"
    )
    path = write(tmp_path / "t.csv", text)
    ours, theirs = load_dataset(path).table, pd.read_csv(path)
    assert (
        list(ours.columns) == list(theirs.columns) == ["id", "a", "a.1", "Unnamed: 3", "when", "note", "empty", "label"]
    )
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False)
    assert ours.loc[0, "note"] == "line one\nline two" and ours["when"].tolist() == [
        "2020-01-02",
        "2020-01-03",
        "2021-12-31",
    ]
    assert ours["empty"].isna().all() and pd.api.types.is_float_dtype(ours["empty"])


def test_quoted_line_breaks_across_arrow_blocks(tmp_path: Path) -> None:
    """A quoted cell with a line break must not be split where Arrow cuts the file into blocks."""
    rows = [f'{i},"first line {i}\nsecond line {i}",{"ab"[i % 2]}' for i in range(60_000)]
    path = write(tmp_path / "t.csv", "n,text,label\n" + "\n".join(rows) + "\n")
    read = _read_csv_arrow(path, "utf-8-sig", ",")  # the fast path itself, not the pandas fallback
    assert read is not None
    table = read.frame
    assert len(table) == 60_000 and table["text"].str.contains("\n").all()
    assert table["n"].tolist() == list(range(60_000))


def test_ragged_rows_are_left_out_and_named_by_line(tmp_path: Path) -> None:
    """A row with too few fields and one with too many: the rest is read, the two are reported by line,
    and the other rows keep their data-row numbers as sample ids."""
    dataset = load_dataset(write(tmp_path / "t.csv", "a,b,label\n1,2,x\n3\n4,5,y\n6,7,x,extra,fields\n8,9,y\n"))
    assert dataset.table["a"].tolist() == [1, 4, 8]
    assert list(dataset.sample_ids) == ["0", "2", "4"] and dataset.row("4")["b"] == 9
    assert [(r.row, r.line) for r in dataset.skipped_rows] == [(1, 3), (3, 5)]
    assert "has 1 field(s) where the header has 3" in dataset.skipped_rows[0].reason
    assert "has 5 field(s)" in dataset.skipped_rows[1].reason
    assert any("Left out 2 broken row(s)" in note for note in dataset.load_notes)


def test_a_file_whose_rows_mostly_disagree_with_its_header_is_not_thinned_out(tmp_path: Path) -> None:
    """More ragged rows than good ones means the header or delimiter is wrong, not a few damaged rows."""
    with pytest.raises(DataError, match="could not be parsed"):
        load_dataset(write(tmp_path / "u.csv", "a,label\n1,x\n2,y,extra,fields\n3,z,q\n"))


def test_numbers_in_a_text_column_only_late_in_the_file(tmp_path: Path) -> None:
    """Arrow infers types from the first block; a bad cell far down must still leave a readable column."""
    rows = [f"{i * 0.5},{'ab'[i % 2]}" for i in range(200_000)] + ["n/a?,a", "7.5,b"]
    table = load_dataset(write(tmp_path / "t.csv", "x,label\n" + "\n".join(rows) + "\n")).table
    assert len(table) == 200_002 and table["x"].iloc[-2] == "n/a?" and str(table["x"].iloc[-1]) == "7.5"
