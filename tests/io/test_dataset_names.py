"""Dataset names people can tell apart."""

from __future__ import annotations

from pathlib import Path

from recipe_dash.io import load_dataset, save_upload
from recipe_dash.io.dataset_names import dataset_name, distinct_paths


def test_a_generic_file_name_is_named_after_its_folder() -> None:
    assert dataset_name(Path("/srv/titanic/data.csv")) == "titanic/data.csv"
    assert dataset_name(Path("/srv/titanic/Train.parquet")) == "titanic/Train.parquet"
    assert dataset_name(Path("/srv/titanic/passengers.csv")) == "passengers.csv"  # says what it is: kept
    assert dataset_name(Path("/srv/u/3fa9/data.csv"), uploaded=True) == "data.csv"  # a hash folder says nothing
    assert dataset_name(Path("/srv/titanic/data/train.csv")) == "titanic/data/train.csv"  # up to a folder that says
    assert dataset_name(Path("/srv/pets/images")) == "pets/images"  # an image folder too
    assert dataset_name(Path("/srv/digits")) == "digits"
    assert dataset_name(Path("/data/raw/data/clean/train.csv")) == "raw/data/clean/train.csv"  # 3 folders at most
    assert dataset_name(Path("/train.csv")) == "train.csv"  # nothing above it


def test_an_image_folder_with_a_generic_name_is_named_after_its_parent(tmp_path: Path) -> None:
    images = tmp_path / "pets" / "images"
    for label in ["cat", "dog"]:
        (images / label).mkdir(parents=True)
        (images / label / "a.png").write_bytes(b"")
    assert load_dataset(images).name == "pets/images"


def test_loaded_tables_use_the_name(tmp_path: Path) -> None:
    (tmp_path / "patients").mkdir()
    table = tmp_path / "patients" / "data.csv"
    table.write_text("f,label\n1,a\n2,b\n")
    assert load_dataset(table).name == "patients/data.csv"
    assert load_dataset(save_upload("data.csv", table.read_bytes())).name == "data.csv"


def test_distinct_paths_show_just_enough_to_tell_datasets_apart() -> None:
    sources = ["/work/repo/sample_data/digits", "/home/ana/downloads/digits", "/home/ana/pets", "/data/x/digits"]
    assert distinct_paths(sources) == ["sample_data/digits", "downloads/digits", "ana/pets", "x/digits"]
    assert distinct_paths(["/a/b/digits", "/c/b/digits"]) == ["a/b/digits", "c/b/digits"]
    assert distinct_paths(["digits"]) == ["digits"]
    assert distinct_paths(["/work/sample_data", "/home/ana/downloads", "/x/data", "/y/data"], min_parts=1) == [
        "sample_data",
        "downloads",
        "x/data",
        "y/data",
    ]
