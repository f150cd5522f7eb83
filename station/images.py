"""The image store: content-addressed, write-once files under one folder.

A key is the SHA-256 of the bytes, 64 lowercase hex digits; the file lives at
``<root>/ab/cd/<key>``. The same bytes stored twice are one file, written once. Anything else
offered as a key (``../../etc/passwd``, upper case, a path) is refused with ``ValueError``
before the file system is touched. Workers on several machines share one store by sharing
the folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from station.config import current_settings

KEY = re.compile(r"[0-9a-f]{64}")


class ImageStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def put(self, data: bytes) -> str:
        """Store ``data``; returns its key. Written to a temporary file, then renamed into
        place, so that a reader never sees half a file."""
        key = hashlib.sha256(data).hexdigest()
        target = self.path(key)
        if target.exists():
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

    def get(self, key: str) -> bytes:
        """The bytes of ``key``; ``FileNotFoundError`` when not stored."""
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()


def image_store() -> ImageStore:
    """The store of the current settings (``SCANSCORE_IMAGE_STORE``)."""
    return ImageStore(current_settings().image_store)
