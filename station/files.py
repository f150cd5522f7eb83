"""Reading files without ever following a link.

A scanner's folder or the image store may hold a symbolic link planted in it
(``0100_key.tif -> var/secret_key``); opening it by its path would read what
it points at. Here every folder below a trusted root and the file itself are
opened one component at a time relative to the folder above it, with
``O_NOFOLLOW``: a link anywhere below the root, a named pipe, a device or a
socket is refused with :class:`NotRegularFile`, and nothing is read from it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC

_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
          (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


class NotRegularFile(FileNotFoundError):
    """No regular file by that name: a link, a folder, a pipe, a device or a socket is
    there instead. ``str(error)`` says which ("not a regular file: a symbolic link")."""


class FileChanged(OSError):
    """The file changed while it was read (a scanner still writing it)."""


class FileTooLarge(OSError):
    """A file over the size limit, refused before it is read."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file too large: {size:,} bytes, over the limit of {limit:,} bytes")
        self.size, self.limit = size, limit


def kind_of(mode: int) -> str:
    """What a file of ``st_mode`` is, in words ("a symbolic link", "a regular file")."""
    return next((kind for test, kind in _KINDS if test(mode)), "a regular file")


def open_folder(root: str | os.PathLike[str], parts: Iterable[str] = ()) -> int:
    """A descriptor of the folder ``root`` (followed as given: the operator named it),
    then of each of ``parts`` below it, none of them followed if it is a link."""
    fd = os.open(root, _DIR)
    try:
        for part in parts:
            try:
                inner = os.open(part, _DIR | os.O_NOFOLLOW, dir_fd=fd)
            except OSError as exc:
                raise _not_regular(fd, part, exc) from None
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_at(folder_fd: int, name: str, max_bytes: int | None = None) -> bytes:
    """The bytes of the regular file ``name`` in the folder ``folder_fd``.

    Raises NotRegularFile when it is anything else (nothing is read), ``FileTooLarge``
    when it holds more than ``max_bytes``, FileChanged when its size or modification
    time moved while it was read.
    """
    try:
        fd = os.open(name, _FILE, dir_fd=folder_fd)
    except OSError as exc:
        raise _not_regular(folder_fd, name, exc) from None
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise NotRegularFile(f"not a regular file: {kind_of(before.st_mode)}")
        if max_bytes is not None and before.st_size > max_bytes:
            raise FileTooLarge(before.st_size, max_bytes)
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read()
        after = os.fstat(fd)
    finally:
        os.close(fd)
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) \
            or len(data) != after.st_size:
        raise FileChanged(f"{name} changed while it was read")
    return data


def read_regular(root: str | os.PathLike[str], relative: str | os.PathLike[str],
                 max_bytes: int | None = None) -> bytes:
    """The bytes of the regular file at ``relative`` below the folder ``root``, no
    folder on the way nor the file itself followed if it is a link (see :func:`read_at`)."""
    *folders, name = Path(relative).parts
    fd = open_folder(root, folders)
    try:
        return read_at(fd, name, max_bytes)
    finally:
        os.close(fd)


def _not_regular(folder_fd: int, name: str, exc: OSError) -> OSError:
    """The error of a failed open: NotRegularFile when ``name`` is not a regular file
    or folder (a link refused by O_NOFOLLOW), else ``exc`` itself (missing, no access)."""
    try:
        mode = os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_mode
    except OSError:
        return exc
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return exc
    return NotRegularFile(f"not a regular file: {kind_of(mode)}")
