"""Pages on hostile and unusual datasets: names that are not UTF-8, valid-but-unusual images, special files."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from recipe_dash.analyzers import run_checks, save_results
from recipe_dash.io import load_dataset
from recipe_dash.settings import PROJECT_ROOT, get_settings
from recipe_dash.store import open_store
from tests.hostile import odd_names_folder, special_file, unusual_images_folder

APP = str(PROJECT_ROOT / "app.py")


@pytest.fixture(autouse=True)
def roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECIPE_DASH_DATA_ROOTS", str(tmp_path))
    get_settings.cache_clear()


def analyzed(root: Path, checks: str) -> AppTest:
    store = open_store()
    dataset = load_dataset(root)
    save_results(store, store.record_dataset(dataset), run_checks(dataset, checks=checks))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def findings_tables(at: AppTest) -> list:
    return [d.value for d in at.dataframe if {"issue_type", "score"} <= set(d.value.columns)]


def test_names_that_are_not_utf8_show_escaped_on_every_page(tmp_path: Path) -> None:
    at = analyzed(odd_names_folder(tmp_path / "odd"), "duplicates,corruption,imbalance")
    for page in ("browse", "overview", "corruption", "duplicates"):
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception and not at.error, page
    at.switch_page("app_pages/browse.py").run()
    captions = " ".join(c.value for c in at.caption)
    assert "caf\\xe9.png" in captions and "\\x1b[31mred.png" in captions and "\x1b" not in captions


def test_corruption_page_and_health_list_keep_corrupt_and_format_notes_apart(tmp_path: Path) -> None:
    expected = unusual_images_folder(tmp_path / "imgs")
    (tmp_path / "imgs" / "a" / "cut.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    at = analyzed(tmp_path / "imgs", "corruption")
    at.switch_page("app_pages/corruption.py").run()
    assert not at.exception
    corrupt, notes = findings_tables(at)
    # the findings table names a sample in its "about" column (dataset-level findings name a class or column)
    assert list(corrupt["about"]) == ["a/cut.png"] and set(corrupt["issue_type"]) == {"corrupt"}
    assert dict(zip(notes["about"], notes["issue_type"], strict=True)) == expected
    headers = [h.value for h in at.subheader]
    assert any(h.startswith("Corrupt: 1 samples") for h in headers)
    assert any(h.startswith("Format notes: 7 valid samples") for h in headers)
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception and any(c.value == "1 corrupt · 7 format notes" for c in at.caption)


def test_a_pipe_named_data_csv_is_refused_on_the_load_page(tmp_path: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input(key="server_path").set_value(str(special_file(tmp_path / "data.csv", "fifo"))).run()
    assert not at.exception
    assert "not a regular file" in at.error[0].value
