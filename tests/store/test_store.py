from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from recipe_dash.errors import DataError, StoreError
from recipe_dash.io import load_dataset
from recipe_dash.settings import get_settings
from recipe_dash.store import Store, open_store
from recipe_dash.store.store import MIGRATIONS
from recipe_dash.workspace import open_dataset, reopen


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Store:
    if store_url.startswith("sqlite:///"):
        store_url = f"sqlite:///{tmp_path / 'sub' / 'x.db'}"  # a folder that does not exist yet
    return Store(store_url)


def test_record_is_upserted_per_source_and_label(store: Store, image_folder: Path) -> None:
    dataset = load_dataset(image_folder)
    first = store.record_dataset(dataset)
    assert store.record_dataset(dataset) == first
    record = store.dataset(first)
    assert record is not None
    assert (record.kind, record.n_samples, record.class_names, record.splits) == (
        "image",
        10,
        ["cat", "dog"],
        ["test", "train"],
    )
    assert [r.id for r in store.datasets()] == [first]


def test_file_store_uses_wal_and_survives_reopen(tmp_path: Path, image_folder: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    dataset_id = Store(url).record_dataset(load_dataset(image_folder))
    again = Store(url)  # migrations run again: a no-op on an up-to-date database
    assert again.dataset(dataset_id) is not None
    with again.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        versions = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    assert versions == set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    assert "datasets" in inspect(again.engine).get_table_names()


def test_failed_load_leaves_no_record(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(DataError):
        open_dataset(store, bad)
    assert store.datasets() == []


def test_reopen(store: Store, image_folder: Path) -> None:
    dataset_id, dataset = open_dataset(store, image_folder)
    assert list(reopen(store, dataset_id).sample_ids) == list(dataset.sample_ids)
    with pytest.raises(DataError, match="not in the store"):
        reopen(store, 999)


@pytest.mark.parametrize(
    "url", ["sqlite:////proc/no-such-place/x.db", "postgresql+nosuchdriver://user:secret@127.0.0.1:1/db"]
)
def test_unusable_database_is_a_store_error_without_password(url: str) -> None:
    with pytest.raises(StoreError, match="Cannot open the store") as caught:
        Store(url)
    assert "secret" not in str(caught.value)


def test_stores_opened_by_many_threads_at_once_all_migrate(tmp_path: Path) -> None:
    """Sessions of one dashboard open stores together; Alembic's module-global proxies must not be shared."""
    start = threading.Barrier(8, timeout=30)
    errors: list[BaseException] = []

    def open_one(i: int) -> None:
        start.wait()
        try:
            Store(f"sqlite:///{tmp_path / f'{i}.db'}")
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    heads = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    for i in range(8):
        with Store(f"sqlite:///{tmp_path / f'{i}.db'}").engine.connect() as connection:
            assert {r[0] for r in connection.execute(text("select version_num from alembic_version"))} == heads


def test_open_store_follows_the_settings_when_they_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process whose RECIPE_DASH_DB changes (a test, a benchmark's fresh store) gets the new store."""
    first = open_store()
    assert open_store() is first  # opened once per URL
    monkeypatch.setenv("RECIPE_DASH_DB", f"sqlite:///{tmp_path / 'other.db'}")
    get_settings.cache_clear()
    assert open_store().url.endswith("other.db") and open_store() is not first
