"""Hostile and unusual input: every name the file system allows, special files, damaged CSV layouts, Parquet
types a CSV cannot hold. Loaded, analyzed or refused with a message; never a traceback, never a hang."""

from __future__ import annotations

import gzip
import json
import os
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recipe_dash.analyzers import corruption
from recipe_dash.errors import DataError
from recipe_dash.features import compute_features
from recipe_dash.io import load_dataset, name_path, name_text, shown
from recipe_dash.store import open_store
from tests.conftest import write_image
from tests.hostile import ODD_NAMES, fs_path, nested_parquet, odd_names_folder, special_file

HANG = 10.0  # seconds: a refusal takes milliseconds; a blocked open never returns


def load_within(path: Path, seconds: float = HANG) -> object:
    """load_dataset in a daemon thread: the test fails (instead of hanging) if the load blocks."""
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(_attempt(path)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert outcome, f"loading {path} blocked for {seconds} s"
    return outcome[0]


def _attempt(path: Path) -> object:
    try:
        return load_dataset(path)
    except DataError as err:
        return err


def test_name_text_round_trips_any_bytes_and_leaves_plain_names_alone() -> None:
    rng = np.random.default_rng(0)
    names = [bytes(rng.integers(1, 256, rng.integers(1, 12), dtype=np.uint8)).replace(b"/", b"_") for _ in range(500)]
    for raw in [*names, *ODD_NAMES, b"back\\slash", b"a\\xff", b"\\\\"]:
        name = os.fsdecode(raw)
        text = name_text(name)
        text.encode("utf-8")  # valid Unicode: Arrow, SQLite and JSON take it
        assert os.fsencode(name_path(text)) == raw
    assert name_text("train/cat/1.png") == "train/cat/1.png" and name_text("🐱 é.png") == "🐱 é.png"
    assert shown("a\nb\x1b[31m\u202e") == "a\\nb\\x1b[31m\\u202e" and shown("plain é") == "plain é"


def test_names_that_are_not_utf8_or_hold_newlines_load_analyze_and_round_trip(tmp_path: Path) -> None:
    root = odd_names_folder(tmp_path / "odd")
    dataset = load_dataset(root)
    ids = set(dataset.sample_ids)
    assert {"plain/caf\\xe9.png", "plain/\\xff\\xfe.png", "plain/two\nlines.png", "plain/-rf.png"} <= ids
    assert "ch\\xe2t" in dataset.class_names and dataset.n_samples == 14
    for sample_id in dataset.sample_ids:  # each id leads back to its real file, which decodes
        assert dataset.image_path(sample_id).is_file()
        assert dataset.open_image(sample_id).size == (16, 16)
    features = compute_features(dataset)
    assert features["decode_error"].isna().all()
    result = corruption.analyze(dataset, features)
    assert result.verdict == "pass", result.summary
    json.dumps(result.findings.astype(object).to_dict("records"), ensure_ascii=False).encode("utf-8")
    assert open_store().record_dataset(dataset) > 0


def test_a_dataset_folder_whose_own_name_is_not_utf8_is_stored_and_reopened(tmp_path: Path) -> None:
    from recipe_dash import workspace

    root = odd_names_folder(Path(fs_path(tmp_path, b"d\xe4ta -x")))
    dataset_id, dataset = workspace.open_dataset(open_store(), root)
    record = open_store().dataset(dataset_id)
    assert record is not None and "\\xe4" in record.source and record.name == "d\\xe4ta -x"
    assert workspace.reopen(open_store(), dataset_id).n_samples == dataset.n_samples


@pytest.mark.parametrize("kind", ["fifo", "socket", "device"])
@pytest.mark.parametrize("name", ["data.csv", "data.parquet", "data.zip"])
def test_pipes_sockets_and_devices_are_refused_at_once(tmp_path: Path, kind: str, name: str) -> None:
    path = special_file(tmp_path / name, kind)
    err = load_within(path)
    assert isinstance(err, DataError) and "not a regular file" in str(err), err


def test_a_pipe_among_images_is_skipped_with_a_note_and_never_opened(tmp_path: Path) -> None:
    for i in range(3):
        write_image(tmp_path / "d" / "cat" / f"{i}.png", seed=i)
        write_image(tmp_path / "d" / "dog" / f"{i}.png", seed=10 + i)
    special_file(tmp_path / "d" / "cat" / "pipe.png", "fifo")
    dataset = load_within(tmp_path / "d")
    assert not isinstance(dataset, DataError) and "cat/pipe.png" not in set(dataset.sample_ids)
    assert any("named pipe(s)" in note and "cat/pipe.png" in note for note in dataset.load_notes)


def test_a_symlink_loop_inside_a_folder_is_not_followed(tmp_path: Path) -> None:
    for i in range(2):
        write_image(tmp_path / "d" / "cat" / f"{i}.png", seed=i)
        write_image(tmp_path / "d" / "dog" / f"{i}.png", seed=5 + i)
    os.symlink(tmp_path / "d" / "cat", tmp_path / "d" / "cat" / "loop")
    os.symlink("self.png", tmp_path / "d" / "cat" / "self.png")
    dataset = load_within(tmp_path / "d")
    assert not isinstance(dataset, DataError) and dataset.n_samples == 4
    assert any("link(s)" in note for note in dataset.load_notes)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def table_lines(n: int = 40) -> list[str]:
    rng = np.random.default_rng(n)
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=n).round(3),
            "b": rng.integers(0, 100, n),
            "c": rng.choice(["x", "y"], n),
            "label": rng.choice(["yes", "no"], n),
        }
    )
    return frame.to_csv(index=False).splitlines()


def test_a_few_nul_bytes_are_bad_cells_of_a_text_file(tmp_path: Path) -> None:
    lines = table_lines()
    lines[3] = lines[3].replace(",x,", ",x\x00y,").replace(",y,", ",y\x00,")
    path = write(tmp_path / "t.csv", ("\n".join(lines) + "\n").encode())
    dataset = load_dataset(path)
    assert dataset.n_samples == 40
    result = corruption.analyze(dataset, compute_features(dataset))
    cells = result.findings[result.findings["issue_type"] == "corrupt"]
    assert list(cells["sample_id"]) == ["2"] and "NUL byte" in cells["detail"].iloc[0]
    with pytest.raises(DataError, match=r"looks binary \(gzip\)"):
        load_dataset(write(tmp_path / "z.csv", gzip.compress("\n".join(lines).encode())))


def test_a_repeated_header_mid_file_is_left_out_and_reported(tmp_path: Path) -> None:
    """Two exports concatenated, the second with its byte-order mark: no class 'label', no fake leak."""
    first, second = table_lines(30), table_lines(31)
    text = "\ufeff" + "\n".join([*first, "\ufeff" + second[0], *second[1:]]) + "\n"
    dataset = load_dataset(write(tmp_path / "t.csv", text.encode()))
    assert dataset.class_names == ("no", "yes") and dataset.n_samples == 61
    assert [r.row for r in dataset.skipped_rows] == [30] and "repeats the header" in dataset.skipped_rows[0].reason
    assert pd.api.types.is_numeric_dtype(dataset.table["a"])  # the header row no longer makes it text
    result = corruption.analyze(dataset, compute_features(dataset))
    assert list(result.findings["sample_id"]) == ["30"] and result.findings["group"].iloc[0] == "row"


def test_a_byte_order_mark_inside_a_label_is_noted(tmp_path: Path) -> None:
    lines = table_lines()
    lines[5] = lines[5].replace("yes", "\ufeffyes").replace("no", "\ufeffno")
    dataset = load_dataset(write(tmp_path / "t.csv", ("\n".join(lines) + "\n").encode()))
    result = corruption.analyze(dataset, compute_features(dataset))
    notes = result.findings[result.findings["issue_type"] == "invisible_characters"]
    assert list(notes["sample_id"]) == ["4"] and "byte-order mark" in notes["detail"].iloc[0]


def test_comment_lines_utf16_without_bom_and_paths_as_column_names(tmp_path: Path) -> None:
    lines = table_lines()
    commented = load_dataset(write(tmp_path / "c.csv", ("# exported\n# by a tool\n" + "\n".join(lines)).encode()))
    assert commented.n_samples == 40 and any("2 comment line(s)" in n for n in commented.load_notes)
    wide = load_dataset(write(tmp_path / "w.csv", "\n".join(lines).encode("utf-16-le")))
    assert wide.n_samples == 40 and wide.read_options["encoding"] == "utf-16-le"
    pathy = load_dataset(
        write(tmp_path / "p.csv", "\n".join(["../../etc/passwd,/tmp/x,label", "1,2,a", "3,4,b"]).encode())
    )
    assert list(pathy.table.columns) == ["../../etc/passwd", "/tmp/x", "label"]


def test_parquet_nested_columns_are_skipped_by_name_structs_flattened(tmp_path: Path) -> None:
    dataset = load_dataset(nested_parquet(tmp_path / "n.parquet"))
    assert list(dataset.table.columns) == ["x", "k", "point.lat", "point.lon", "label"]
    note = next(n for n in dataset.load_notes if n.startswith("Skipped 3 nested"))
    assert "tags (list), attrs (map), emb (list)" in note
    assert corruption.analyze(dataset, compute_features(dataset)).verdict in {"pass", "warn"}


def test_a_nested_label_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = nested_parquet(tmp_path / "n.parquet")
    with pytest.raises(DataError, match=r"Label column 'tags' .* holds lists, maps or bytes"):
        load_dataset(path, label_column="tags")


def test_tables_whose_file_names_are_not_utf8_load_and_are_stored(tmp_path: Path) -> None:
    csv = Path(fs_path(tmp_path, b"-t\xe9ble\n.csv"))
    csv.write_text("\n".join(table_lines()) + "\n")
    parquet = nested_parquet(Path(fs_path(tmp_path, b"n\xe9sted.parquet")))
    for path in (csv, parquet):
        dataset = load_dataset(path)
        assert dataset.n_samples == 40 and dataset.name in {"-t\\xe9ble\n.csv", "n\\xe9sted.parquet"}
        assert open_store().record_dataset(dataset) > 0
