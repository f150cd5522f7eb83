"""The image store: content-addressed, write-once files under one folder.

A key is the SHA-256 of the bytes, 64 lowercase hex digits; the file lives at
``<root>/ab/cd/<key>``. The same bytes stored twice are one file, written once. Anything else
offered as a key (``../../etc/passwd``, upper case, a path) is refused with ``ValueError``
before the file system is touched. Workers on several machines share one store by sharing
the folder.

The store gives back only what it wrote: a file is read without following a link (at
``ab``, ``cd`` or the file itself), so a link planted in the store's folder is refused as
:class:`~station.files.NotRegularFile` (a ``FileNotFoundError``), and ``verify=True`` also
refuses bytes whose hash is not their key.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
from pathlib import Path

from station.config import current_settings
from station.files import read_regular

KEY = re.compile(r"[0-9a-f]{64}")


class ImageStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def put(self, data: bytes) -> str:
        """Store ``data``; returns its key. Written to a temporary file, then renamed into
        place, so that a reader never sees half a file."""
        key = hashlib.sha256(data).hexdigest()
        target = self.path(key)
        if self.exists(key):
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def path(self, key: str) -> Path:
        """Where the file of ``key`` lives (whether or not it exists)."""
        if not isinstance(key, str) or not KEY.fullmatch(key):
            raise ValueError(f"not an image key (64 lowercase hex digits): {key!r}")
        return self.root / key[:2] / key[2:4] / key

    def get(self, key: str, verify: bool = False) -> bytes:
        """The bytes of ``key``; ``FileNotFoundError`` when the store holds no file it wrote
        there (nothing, or a link). ``verify`` checks the bytes against the key (for what is
        served to a person: a file changed in place is refused)."""
        self.path(key)
        data = read_regular(self.root, f"{key[:2]}/{key[2:4]}/{key}")
        if verify and hashlib.sha256(data).hexdigest() != key:
            raise FileNotFoundError(f"image {key}: the stored file does not match its key")
        return data

    def exists(self, key: str) -> bool:
        """Whether the store holds a file of its own for ``key`` (a link there is not one)."""
        try:
            return stat.S_ISREG(os.lstat(self.path(key)).st_mode)
        except FileNotFoundError:
            return False


def image_store() -> ImageStore:
    """The store of the current settings (``SCANSCORE_IMAGE_STORE``)."""
    return ImageStore(current_settings().image_store)
