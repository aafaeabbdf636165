from __future__ import annotations

from pathlib import Path

import pytest

from recipe_dash.errors import DataError
from recipe_dash.io import check_allowed, load_dataset, save_upload
from recipe_dash.settings import get_settings


def test_paths_outside_the_roots_are_refused(tmp_path: Path) -> None:
    allowed = tmp_path / "data"
    (allowed / "x").mkdir(parents=True)
    assert check_allowed(allowed / "x", [allowed]) == (allowed / "x").resolve()
    for sneaky in (tmp_path / "other", allowed / ".." / "other", Path("/etc/passwd")):
        with pytest.raises(DataError, match="outside the folders"):
            check_allowed(sneaky, [allowed])


def test_symlink_out_of_a_root_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "link").symlink_to("/etc")
    with pytest.raises(DataError, match="outside"):
        check_allowed(tmp_path / "data" / "link" / "passwd", [tmp_path / "data"])


def test_default_roots_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECIPE_DASH_DATA_ROOTS", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    get_settings.cache_clear()
    assert check_allowed(tmp_path / "b" / "f.csv") == (tmp_path / "b" / "f.csv").resolve()
    with pytest.raises(DataError):
        check_allowed(tmp_path / "c")


def test_uploads_are_saved_by_hash_with_safe_names(isolated_home: Path) -> None:
    saved = save_upload("../../evil name.csv", b"f,label\n1,a\n2,b\n")
    assert saved.is_relative_to(isolated_home / "uploads")
    assert saved.name == "evil_name.csv"
    assert check_allowed(saved) == saved.resolve()  # uploads are always readable
    assert load_dataset(saved).n_samples == 2
    with pytest.raises(DataError, match="empty"):
        save_upload("x.csv", b"")
