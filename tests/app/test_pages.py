"""Every page through streamlit's AppTest: loads, shows, and explains bad input without tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from recipe_dash.io import load_dataset
from recipe_dash.settings import PROJECT_ROOT, get_settings
from recipe_dash.store import open_store

APP = str(PROJECT_ROOT / "app.py")


@pytest.fixture(autouse=True)
def roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECIPE_DASH_DATA_ROOTS", str(tmp_path))
    get_settings.cache_clear()


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def load_path(at: AppTest, path: Path) -> AppTest:
    at.text_input(key="server_path").set_value(str(path)).run()
    at.button(key="load_server").click().run()
    assert not at.exception
    return at


def test_load_page_loads_a_folder_and_records_it(image_folder: Path) -> None:
    at = load_path(start(), image_folder)
    assert "10 samples, 2 classes" in at.success[0].value
    assert [r.name for r in open_store().datasets()] == ["pets"]


def test_browse_without_a_dataset_says_what_to_do() -> None:
    at = start()
    at.switch_page("app_pages/browse.py").run()
    assert not at.exception
    assert "Load a dataset first" in at.info[0].value


def test_browse_shows_counts_chart_table_and_gallery(image_folder: Path) -> None:
    at = load_path(start(), image_folder)
    at.switch_page("app_pages/browse.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Samples": "10", "Classes": "2", "Splits": "2"}
    table = at.dataframe[0].value
    assert list(table.columns) == ["sample_id", "label", "split", "bytes"] and len(table) == 10
    assert len(at.get("image")) == 10  # one gallery image per sample on the first page
    at.multiselect[0].set_value(["dog"]).run()
    assert set(at.dataframe[0].value["label"]) == {"dog"}
    assert len(at.get("image")) == 5


def test_table_dataset_browse_has_columns_and_no_gallery(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("height,label,split\n1.5,a,train\n2.5,b,test\n3.5,a,train\n")
    at = load_path(start(), table)
    assert at.selectbox(key="server_label").value == "label"
    at.switch_page("app_pages/browse.py").run()
    assert not at.exception
    shown = at.dataframe[0].value
    assert list(shown.columns) == ["sample_id", "label", "split", "height"]
    assert list(shown["height"]) == [1.5, 2.5, 3.5]
    assert len(at.get("image")) == 0


def test_table_without_label_column_lets_the_user_choose(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("height,diagnosis\n1,a\n2,b\n")
    at = start()
    at.text_input(key="server_path").set_value(str(table)).run()
    assert at.selectbox(key="server_label").value is None
    at.button(key="load_server").click().run()
    assert "No label column" in at.error[0].value
    at.selectbox(key="server_label").set_value("diagnosis").run()
    at.button(key="load_server").click().run()
    assert "2 samples, 2 classes" in at.success[0].value


def empty_file(path: Path) -> Path:
    path.touch()
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing", "does not exist"),
        (lambda d: Path("/etc"), "outside the folders"),
        (lambda d: empty_file(d / "empty.csv"), "is empty"),
        (lambda d: d / ("x" * 300), "cannot be opened: File name too long."),
        (lambda d: f"{d}/a\x00b.csv", "NUL character"),
    ],
)
def test_bad_paths_are_messages_not_tracebacks(tmp_path: Path, make, message: str) -> None:
    at = start()
    at.text_input(key="server_path").set_value(str(make(tmp_path))).run()
    assert not at.exception
    (error,) = at.error
    assert message in error.value and "\n" not in error.value and "Traceback" not in error.value


def test_an_upload_is_saved_once_and_the_limit_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECIPE_DASH_MAX_UPLOAD_MB", "5")
    get_settings.cache_clear()
    at = start()
    assert any("Up to 5 MB per file" in c.value for c in at.caption)
    at.get("file_uploader")[0].set_value(("table.csv", b"f,label\n1,a\n2,b\n3,a\n", "text/csv")).run()
    (saved,) = get_settings().uploads_dir.glob("*/table.csv")
    written = saved.stat().st_mtime_ns
    at.selectbox(key="upload_label").set_value("label").run()  # a rerun does not copy the upload again
    assert saved.stat().st_mtime_ns == written and len(list(get_settings().uploads_dir.glob("*/*"))) == 1
    at.button(key="load_upload").click().run()
    assert "3 samples, 2 classes" in at.success[0].value


def test_a_bug_shows_no_details_and_the_traceback_check_catches_it(
    no_traceback_reaches_the_browser: list[str],
) -> None:
    """A page that raises: the autouse check in conftest.py sees it (and would fail the test), and the
    shipped config (.streamlit/config.toml, showErrorDetails = "none") shows neither message nor trace."""
    at = AppTest.from_string("raise RuntimeError('a bug in /srv/secret/path.py')")
    at.run()
    (shown,) = no_traceback_reaches_the_browser
    assert "redacted" in shown and "secret" not in shown and not at.exception[0].stack_trace
    no_traceback_reaches_the_browser.clear()  # seen: this test passes


def test_broken_images_show_a_placeholder_tile_with_a_reason(image_folder: Path) -> None:
    (image_folder / "train" / "cat" / "zz.png").write_bytes(b"")
    at = load_path(start(), image_folder)
    at.switch_page("app_pages/browse.py").run()
    assert not at.exception
    assert not at.error  # no red box, and no server path
    assert len(at.get("image")) == 11  # the broken one is a tile in the grid like the others
    assert any(c.value.endswith("zz.png") for c in at.caption)  # captioned like the others (the tile says why)
    assert not any(str(image_folder) in c.value for c in at.caption)
    assert any("zero-byte" in w.value for w in at.warning)


def test_recent_tab_reopens_a_dataset(image_folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "t.csv"
    other.write_text("f,label\n1,a\n2,b\n")
    at = load_path(start(), image_folder)
    load_path(at, other)
    at.selectbox[-1].set_value(next(r for r in open_store().datasets() if r.name == "pets")).run()
    at.button(key="open_recent").click().run()
    assert not at.exception
    assert at.title[0].value == "Browse · pets"


def test_a_bug_in_a_job_is_named_without_its_traceback() -> None:
    """A job's traceback holds server paths: the page names the bug and points to the job's log."""
    from recipe_dash import jobs
    from recipe_dash.io import load_dataset
    from recipe_dash.settings import SAMPLE_DATA

    store = open_store()
    dataset_id = store.record_dataset(load_dataset(SAMPLE_DATA / "breast_cancer.csv"))
    job_id = jobs.create_job(store, "analyze", {}, dataset_id)
    trace = "Traceback (most recent call last):\n  File \"/srv/app/recipe_dash/x.py\", line 1\nKeyError: 'x'"
    jobs.runner._update(store, job_id, status="failed", error="KeyError: 'x'", result={"traceback": trace})
    at = start()
    at.switch_page("app_pages/overview.py").run()
    assert "Internal error, a bug in recipe-dash" in at.error[0].value
    assert not at.expander and not at.code
    assert any(f"logs/job-{job_id}.log" in c.value for c in at.caption)


def test_the_url_names_the_dataset_and_a_choice_is_written_back(image_folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "t.csv"
    other.write_text("f,label\n1,a\n2,b\n")
    store = open_store()
    pets = store.record_dataset(load_dataset(image_folder))
    store.record_dataset(load_dataset(other))  # the most recent: what a page opens without a URL
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["dataset"] = str(pets)
    at.run()
    at.switch_page("app_pages/browse.py").run()
    assert at.title[0].value == "Browse · pets"
    assert at.query_params["dataset"] == str(pets)  # kept in the URL across the page switch


def test_an_unknown_dataset_in_the_url_is_a_message() -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["dataset"] = "999"
    at.run()
    at.switch_page("app_pages/browse.py").run()
    assert not at.exception
    assert "Dataset #999 is not in the store" in at.error[0].value
