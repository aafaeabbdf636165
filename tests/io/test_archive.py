from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from recipe_dash.errors import DataError
from recipe_dash.io import load_dataset
from recipe_dash.settings import get_settings


def zip_folder(folder: Path, archive: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, prefix + path.relative_to(folder).as_posix())
    return archive


def extracted_files(home: Path) -> list[Path]:
    root = home / "extracted"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_zip_of_split_folders_loads_like_the_folder(image_folder: Path, tmp_path: Path) -> None:
    archive = zip_folder(image_folder, tmp_path / "pets.zip", prefix="pets/")
    from_zip = load_dataset(archive)
    from_folder = load_dataset(image_folder)
    assert from_zip.name == "pets" and from_zip.source == archive
    assert list(from_zip.sample_ids) == list(from_folder.sample_ids)
    assert from_zip.open_image(from_zip.sample_ids[0]).size == (16, 16)
    assert load_dataset(archive).root == from_zip.root  # extracted once, reused


@pytest.mark.parametrize("name", ["../evil.png", "/etc/evil.png", "a/../../evil.png", "C:/evil.png", "..\\evil.png"])
def test_unsafe_member_names_reject_the_archive(tmp_path: Path, isolated_home: Path, name: str) -> None:
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("d/cat/ok.png", b"x")
        zf.writestr(name, b"x")
    with pytest.raises(DataError, match="unsafe path"):
        load_dataset(archive)
    assert extracted_files(isolated_home) == []
    assert not (tmp_path / "evil.png").exists()


def test_symlink_members_reject_the_archive(tmp_path: Path, isolated_home: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        link = zipfile.ZipInfo("d/cat/link.png")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(DataError, match="symbolic link"):
        load_dataset(archive)
    assert extracted_files(isolated_home) == []


def test_zip_bomb_by_ratio_is_refused(tmp_path: Path, isolated_home: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("d/cat/zeros.png", b"\0" * (64 * 1024 * 1024))
    with pytest.raises(DataError, match="zip bomb"):
        load_dataset(archive)
    assert extracted_files(isolated_home) == []


def test_zip_bomb_by_total_size_is_refused(
    image_folder: Path, tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECIPE_DASH_MAX_EXTRACT_BYTES", "1000")
    get_settings.cache_clear()
    with pytest.raises(DataError, match="zip bomb"):
        load_dataset(zip_folder(image_folder, tmp_path / "big.zip"))
    assert extracted_files(isolated_home) == []


def test_lying_sizes_are_counted_on_real_bytes(
    tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECIPE_DASH_MAX_EXTRACT_BYTES", str(2 * 1024 * 1024))
    get_settings.cache_clear()
    archive = tmp_path / "liar.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("d/cat/a.png", b"\1" * (4 * 1024 * 1024))
    with pytest.raises(DataError, match="zip bomb"):
        load_dataset(archive)


def test_not_a_zip(tmp_path: Path) -> None:
    fake = tmp_path / "fake.zip"
    fake.write_text("hello")
    with pytest.raises(DataError, match="not a valid zip"):
        load_dataset(fake)
