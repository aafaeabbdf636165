from __future__ import annotations

import os
import shutil
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from recipe_dash.features import IMAGE_COLUMNS, IMAGE_DTYPES, Workers, compute_features, open_executor
from recipe_dash.features import images as image_module
from recipe_dash.io import load_dataset
from recipe_dash.settings import get_settings
from tests.conftest import write_image


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths decoded, as seen by a thread pool sharing this process's memory."""
    seen: list[str] = []
    original = image_module.file_features

    def counting(path: str | Path, *, max_pixels: int) -> dict[str, object]:
        seen.append(Path(path).name)
        return original(path, max_pixels=max_pixels)

    monkeypatch.setattr(image_module, "file_features", counting)
    return seen


def test_one_row_per_sample_in_dataset_order_with_the_contract_columns(image_folder: Path) -> None:
    dataset = load_dataset(image_folder)
    features = compute_features(dataset)
    assert list(features.columns) == ["sample_id", *IMAGE_COLUMNS]
    assert features["sample_id"].tolist() == dataset.samples["sample_id"].tolist()
    assert features.dtypes.astype(str).to_dict() == IMAGE_DTYPES
    assert features["decode_error"].isna().all() and (features["width"] == 16).all()
    assert features["tiny"].map(len).eq(256).all()
    assert features["sha256"].nunique() == len(features)  # every seed is a different picture


def test_copies_share_content_hashes_and_a_re_encoded_copy_shares_pixels(tmp_path: Path) -> None:
    root = tmp_path / "data"
    original = write_image(root / "a" / "1.png", seed=1)
    shutil.copy(original, root / "a" / "2.png")
    Image.open(original).save(root / "a" / "3.bmp")
    write_image(root / "b" / "4.png", seed=2)
    features = compute_features(load_dataset(root)).set_index("sample_id")
    assert features.loc["a/1.png", "sha256"] == features.loc["a/2.png", "sha256"] != features.loc["a/3.bmp", "sha256"]
    assert features.loc["a/1.png", "pixel_hash"] == features.loc["a/3.bmp", "pixel_hash"]
    assert features.loc["a/1.png", "phash"] == features.loc["a/3.bmp", "phash"] != features.loc["b/4.png", "phash"]


def test_bad_files_are_rows_with_a_reason_never_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "data"
    good = write_image(root / "a" / "good.png", seed=1, size=(64, 64))
    (root / "a" / "empty.png").write_bytes(b"")
    (root / "a" / "text.png").write_text("version https://git-lfs.github.com/spec/v1\n")
    (root / "a" / "cut.png").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    write_image(root / "a" / "big.png", seed=2, size=(300, 200))
    monkeypatch.setenv("RECIPE_DASH_MAX_IMAGE_PIXELS", "10000")
    get_settings.cache_clear()
    features = compute_features(load_dataset(root)).set_index("sample_id")
    errors = features["decode_error"]
    assert pd.isna(errors["a/good.png"])
    assert errors["a/empty.png"] == "zero-byte file"
    assert errors["a/text.png"] == "not an image: the content is text"
    assert errors["a/cut.png"].startswith("truncated")
    assert "over the limit of 10,000" in errors["a/big.png"]
    assert (features.loc["a/big.png", "width"], features.loc["a/big.png", "height"]) == (300, 200)  # from the header
    assert (features.loc["a/cut.png", "width"], features.loc["a/cut.png", "mode"]) == (64, "L")
    assert features.loc[["a/empty.png", "a/text.png", "a/cut.png"], "phash"].isna().all()


def test_an_unchanged_dataset_decodes_nothing_and_a_changed_file_is_decoded_alone(
    image_folder: Path, counted: list[str]
) -> None:
    dataset = load_dataset(image_folder)
    with ThreadPoolExecutor(2) as pool:
        first = compute_features(dataset, executor=pool)
        assert len(counted) == dataset.n_samples
        counted.clear()
        assert compute_features(dataset, executor=pool).equals(first)
        assert counted == []
        changed = image_folder / "train" / "cat" / "0.png"
        write_image(changed, seed=99)
        os.utime(changed, ns=(1, 1))  # a new mtime even on coarse clocks
        again = compute_features(dataset, executor=pool)
    assert counted == ["0.png"]
    row = again["sample_id"] == "train/cat/0.png"
    assert (again.loc[row, "sha256"] != first.loc[row, "sha256"]).all()
    assert again.loc[~row].reset_index(drop=True).equals(first.loc[~row].reset_index(drop=True))


def test_a_stopped_pass_keeps_its_finished_parts(tmp_path: Path, counted: list[str]) -> None:
    root = tmp_path / "data"
    for i in range(40):
        write_image(root / "a" / f"{i}.png", seed=i)
    dataset = load_dataset(root)

    def stop_after_first_chunk(done: int, total: int, message: str) -> None:
        if done >= 8:
            raise KeyboardInterrupt

    with ThreadPoolExecutor(1) as pool, pytest.raises(KeyboardInterrupt):
        compute_features(dataset, executor=pool, progress=stop_after_first_chunk)
    counted.clear()  # the pool has finished whatever was still running
    with ThreadPoolExecutor(1) as pool:
        compute_features(dataset, executor=pool)
    assert len(counted) == 40 - 8  # the first chunk (8 files) was saved before the stop


class _KillingPool(ProcessPoolExecutor):
    """A real process pool whose worker dies (os._exit) on any chunk holding a file named 'poison'."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        if args and any("poison" in path for path in args[0]):
            return super().submit(os._exit, 3)
        return super().submit(fn, *args, **kwargs)


def test_a_file_that_kills_its_worker_is_reported_and_the_pass_goes_on(tmp_path: Path) -> None:
    root = tmp_path / "data"
    for i in range(30):
        write_image(root / "a" / f"{i}.png", seed=i)
    write_image(root / "a" / "poison.png", seed=100)
    dataset = load_dataset(root)
    workers = Workers(_KillingPool(2), 2, factory=lambda: _KillingPool(2))
    try:
        features = compute_features(dataset, executor=workers).set_index("sample_id")
    finally:
        workers.executor.shutdown()
    assert features.loc["a/poison.png", "decode_error"] == "the decoder crashed its worker process"
    assert features.loc["a/poison.png", "file_bytes"] > 0
    assert features.drop(index="a/poison.png")["decode_error"].isna().all()
    assert features.drop(index="a/poison.png")["phash"].notna().all()


def test_the_pass_on_a_dask_local_cluster_equals_the_local_pool(image_folder: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    dataset = load_dataset(image_folder)
    local = compute_features(dataset, cache_dir=tmp_path / "local")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            on_dask = compute_features(dataset, executor=client.get_executor(), cache_dir=tmp_path / "dask")
        with open_executor("dask", scheduler=cluster.scheduler_address) as workers:  # --scheduler tcp://...
            assert workers.n_workers == 2
            via_address = compute_features(dataset, executor=workers, cache_dir=tmp_path / "address")
    pd.testing.assert_frame_equal(local, on_dask)
    pd.testing.assert_frame_equal(local, via_address)


def test_table_rows_hash_equal_when_only_label_split_or_id_differ(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame(
        {
            "record_id": [11, 12, 13, 14],
            "x": [1.0, 1.0, 1.0, 2.0],
            "s": ["a", "a", "b", "a"],
            "label": ["p", "q", "p", "p"],
            "split": ["train", "test", "train", "train"],
        }
    ).to_csv(path, index=False)
    hashes = compute_features(load_dataset(path))["row_hash"].tolist()
    assert hashes[0] == hashes[1] and len({hashes[0], hashes[2], hashes[3]}) == 3
