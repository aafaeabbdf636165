"""File names as text every layer accepts, and files that are safe to open.

POSIX names are bytes; Python shows bytes that are not UTF-8 as lone surrogates ('\\udce9'), which no
UTF-8 encoder (Arrow strings, SQLite, JSON writers) accepts. `name_text` gives every name a text form
that is valid Unicode: a name that is valid UTF-8 and holds no backslash stays as it is (so ordinary
sample ids never change); otherwise each backslash is doubled and each undecodable byte becomes '\\xNN'.
No plain name holds a backslash, so a text with one is always escaped, and `name_path` undoes it exactly.
`shown` is for eyes only: control and format characters (newline, ESC, bidi overrides) become escapes.

A named pipe, socket or device opened as a file blocks forever or streams without end, so datasets are
read only from regular files (`require_regular`) and folders.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from recipe_dash.errors import DataError

_ESCAPED = re.compile(r"\\(\\|x[0-9a-f]{2})")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def name_text(name: str) -> str:
    """Reversible, valid-Unicode text for a file-system name or relative path (as os.fsdecode gives it)."""
    if "\\" not in name and _encodes(name):
        return name
    return "".join(
        "\\\\" if char == "\\" else f"\\x{ord(char) - 0xDC00:02x}" if 0xDC80 <= ord(char) <= 0xDCFF else char
        for char in name
    )


def name_path(text: str) -> str:
    """The file-system name (os.fsdecode form) a `name_text` stands for."""
    if "\\" not in text:
        return text
    return _ESCAPED.sub(lambda m: "\\" if m[1] == "\\" else chr(0xDC00 + int(m[1][1:], 16)), text)


def path_text(path: Path | str) -> str:
    """A whole path as `name_text` (for the store and messages); `Path(name_path(text))` gives it back."""
    return name_text(os.fspath(path))


def shown(text: object) -> str:
    """Text for a page or a terminal: control and invisible format characters escaped, the rest as is."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _encodes(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def special_kind(mode: int) -> str | None:
    """'a named pipe (FIFO)', 'a socket', ... for a file mode that is neither a regular file nor a folder."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return next((words for test, words in _KINDS if test(mode)), "not a regular file")


def require_regular(path: Path) -> None:
    """Refuse, without opening it, a path that is a pipe, socket or device (or a link to one)."""
    try:
        kind = special_kind(path.stat().st_mode)
    except OSError as err:
        raise DataError(f"'{shown(path_text(path))}' cannot be read: {err.strerror or err}.") from None
    if kind is not None:
        raise DataError(
            f"'{shown(path_text(path))}' is {kind}, not a regular file; recipe-dash reads datasets only from "
            "regular files and folders. Copy the data into a file and point at that."
        )


def read_regular(path: str | Path) -> bytes:
    """A file's bytes; OSError for anything but a regular file (see `read_regular_with_status`)."""
    return read_regular_with_status(path)[0]


def read_regular_with_status(path: str | Path) -> tuple[bytes, os.stat_result]:
    """A file's bytes and its status taken just before reading them; OSError for anything but a
    regular file. Opened non-blocking and checked before reading, so a pipe that replaced a file
    after it was listed cannot hang the reader.

    Read with os.read up to the end (the file may have grown since fstat): a file object around the
    descriptor cost 4 of the 11 us this takes for a small picture.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        status = os.fstat(fd)
        kind = special_kind(status.st_mode)
        if kind is not None:
            raise OSError(f"it is {kind}, not a regular file")
        pieces = []
        size = status.st_size + 1  # the whole file in one read, and a byte more to see its end
        while piece := os.read(fd, size):
            pieces.append(piece)
            size = 1 << 16  # it grew since fstat, or reports no size as /proc files do: read on in blocks
        return (pieces[0] if len(pieces) == 1 else b"".join(pieces)), status
    finally:
        os.close(fd)


@contextmanager
def readable_source(path: Path) -> Iterator[str | BinaryIO]:
    """What Arrow readers take for `path`: the path itself, or an open file when the path is not UTF-8
    (Arrow encodes path strings as UTF-8 and refuses the surrogates that stand for such bytes)."""
    text = os.fspath(path)
    if _encodes(text):
        yield text
        return
    with open(text, "rb") as fh:
        yield fh
