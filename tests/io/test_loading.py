from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from recipe_dash.errors import DataError
from recipe_dash.io import check_allowed, load_dataset, require_existing, save_upload
from recipe_dash.settings import PROJECT_ROOT, SAMPLE_DATA, get_settings


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


def test_by_default_only_the_samples_and_uploads_are_open(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A shared server shows nothing of its disk the admin did not list: not its working folder (the
    virtualenv, .git, the store itself)."""
    monkeypatch.delenv("RECIPE_DASH_DATA_ROOTS", raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    assert check_allowed(SAMPLE_DATA / "digits") == (SAMPLE_DATA / "digits").resolve()
    for private in (tmp_path / "data.csv", get_settings().db_url.removeprefix("sqlite:///"), PROJECT_ROOT / ".git"):
        with pytest.raises(DataError, match="outside the folders"):
            check_allowed(private)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("x" * 300, "cannot be opened: File name too long."),
        ("a\x00b.csv", "The path contains a NUL character"),
    ],
)
def test_paths_the_os_refuses_are_data_errors(tmp_path: Path, typed: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        require_existing(check_allowed(tmp_path / typed, [tmp_path]))
    with pytest.raises(DataError, match=message):
        load_dataset(tmp_path / typed)


def test_uploads_are_saved_by_hash_with_safe_names(isolated_home: Path) -> None:
    saved = save_upload("../../evil name.csv", b"f,label\n1,a\n2,b\n")
    assert saved.is_relative_to(isolated_home / "uploads")
    assert saved.name == "evil_name.csv"
    assert check_allowed(saved) == saved.resolve()  # uploads are always readable
    assert load_dataset(saved).n_samples == 2
    with pytest.raises(DataError, match="empty"):
        save_upload("x.csv", b"")


def test_an_upload_is_streamed_to_disk_in_chunks(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file object is read a chunk at a time (never `read()` whole), and the copy is found by its hash."""
    from recipe_dash.io import loading

    monkeypatch.setattr(loading, "_CHUNK_BYTES", 16)
    content = b"f,label\n" + b"".join(f"{i},{'ab'[i % 2]}\n".encode() for i in range(100))
    reads: list[int] = []

    class Upload(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            assert size is not None and 0 < size <= 16, "read whole"
            reads.append(size)
            return super().read(size)

    saved = save_upload("big.csv", Upload(content))
    assert saved.read_bytes() == content and len(reads) > 10
    assert saved.parent.name == hashlib.sha256(content).hexdigest()[:24]
    assert save_upload("big.csv", io.BytesIO(content)) == saved  # the same bytes again: the same file
    assert sorted(p.name for p in saved.parent.parent.iterdir()) == [saved.parent.name]  # no leftovers
