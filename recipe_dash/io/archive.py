"""Zip files from users, extracted without trusting their names, links or declared sizes."""

from __future__ import annotations

import hashlib
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

from recipe_dash.errors import DataError
from recipe_dash.settings import get_settings

_CHUNK = 1 << 20


def extract_zip(archive: Path, target_root: Path | None = None) -> Path:
    """Extract `archive` once into a folder keyed by its content hash and return the data root.

    Members with absolute paths, `..`, drive letters or symlinks reject the whole archive; so does
    more output than `max_extract_bytes` or a compression ratio above `max_compression_ratio`,
    counted on the bytes actually written, not on the sizes the archive claims.
    """
    settings = get_settings()
    target_root = target_root or settings.home / "extracted"
    try:
        digest = _file_digest(archive)
        done = target_root / digest
        if not (done / ".complete").exists():
            _extract_checked(archive, done, settings.max_extract_bytes, settings.max_compression_ratio)
    except zipfile.BadZipFile:
        raise DataError(f"'{archive.name}' is not a valid zip file.") from None
    except OSError as err:
        raise DataError(f"Could not extract '{archive.name}': {err.strerror or err}.") from None
    return _data_root(done)


def _file_digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()[:24]


def _check_member(info: zipfile.ZipInfo, archive_name: str) -> None:
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or (parts and ":" in parts[0]) or ".." in parts:
        raise DataError(f"'{archive_name}' contains the unsafe path '{name}'; nothing was extracted.")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise DataError(f"'{archive_name}' contains the symbolic link '{name}'; nothing was extracted.")


def _extract_checked(archive: Path, dest: Path, max_bytes: int, max_ratio: float) -> None:
    """Extract into a temporary sibling, then rename, so a refused archive leaves nothing behind."""
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            for info in members:
                _check_member(info, archive.name)
            compressed = max(sum(i.compress_size for i in members), 1)
            written = 0
            for info in members:
                if info.is_dir():
                    continue
                out = partial / info.filename.replace("\\", "/")
                out.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, out.open("wb") as dst:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        _check_budget(archive.name, written, compressed, max_bytes, max_ratio)
                        dst.write(chunk)
        shutil.rmtree(dest, ignore_errors=True)
        partial.rename(dest)
        (dest / ".complete").touch()
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _check_budget(name: str, written: int, compressed: int, max_bytes: int, max_ratio: float) -> None:
    if written > max_bytes:
        raise DataError(
            f"'{name}' expands to more than {max_bytes / 1024**3:.1f} GiB; refused as a possible zip bomb "
            "(raise RECIPE_DASH_MAX_EXTRACT_BYTES if it is genuine)."
        )
    # Small archives may legitimately compress well; judge the ratio only past 10 MB of output.
    if written > 10 * _CHUNK and written / compressed > max_ratio:
        raise DataError(
            f"'{name}' expands more than {max_ratio:.0f}x; refused as a possible zip bomb "
            "(raise RECIPE_DASH_MAX_COMPRESSION_RATIO if it is genuine)."
        )


def _data_root(folder: Path) -> Path:
    """Step into a single top folder (`digits.zip` usually holds `digits/...`)."""
    entries = [p for p in folder.iterdir() if p.name not in {"__MACOSX", ".complete"}]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return folder
