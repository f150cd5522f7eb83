"""The hot folder: take each scanner file once the scanner has finished it.

A file is finished when it has not changed for ``settle`` seconds and keeps
its size and modification time while it is read. It is then taken (its pages
stored, their reads enqueued) into the folder's feed and moved to the done
folder; a file that cannot be taken now (the database is down) stays and is
tried again at the next poll. The folder's feed persists across restarts, so
a batch interrupted by a restart continues under its header.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import OperationalError

from capture.intake import SCAN_SUFFIXES, IntakeCount, feed_id_for, take_file
from station.db import session_scope
from station.errors import QueueUnavailable
from station.images import image_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HotFolder:
    """``directory`` watched, ``done`` where taken files go, ``settle`` the
    seconds a file must be left unchanged before it is taken."""

    directory: Path
    done: Path
    settle: float = 2.0

    @property
    def feed_key(self) -> str:
        return f"watch:{self.directory.resolve()}"[:500]

    def finished_files(self, now: float) -> list[Path]:
        """Scan files in the folder, by name, that have been left alone long enough."""
        files = []
        for entry in sorted(os.scandir(self.directory), key=lambda e: e.name):
            if (entry.is_file() and not entry.name.startswith(".")
                    and Path(entry.name).suffix.lower() in SCAN_SUFFIXES
                    and now - entry.stat().st_mtime >= self.settle):
                files.append(Path(entry.path))
        return files

    def poll(self, on_file: Callable[[Path, IntakeCount], None] | None = None) -> int:
        """Take every finished file; returns how many were taken."""
        with session_scope() as session:
            feed_id = feed_id_for(session, self.feed_key, "watch")
        store, taken = image_store(), 0
        for path in self.finished_files(time.time()):
            before = path.stat()
            data = path.read_bytes()
            after = path.stat()
            if (before.st_size, before.st_mtime) != (after.st_size, after.st_mtime) \
                    or len(data) != after.st_size:
                continue  # still being written
            counted = take_file(store, feed_id, data, path.name)
            self._move_done(path)
            taken += 1
            if on_file:
                on_file(path, counted)
        return taken

    def _move_done(self, path: Path) -> None:
        self.done.mkdir(parents=True, exist_ok=True)
        target, n = self.done / path.name, 1
        while target.exists():
            target, n = self.done / f"{path.stem}.{n}{path.suffix}", n + 1
        os.replace(path, target)
        log.info("hot folder: %s taken, moved to %s", path.name, target)


def watch(folder: HotFolder, interval: float = 1.0, once: bool = False,
          on_file: Callable[[Path, IntakeCount], None] | None = None) -> None:
    """Poll ``folder`` every ``interval`` seconds (one pass with ``once``)."""
    while True:
        try:
            folder.poll(on_file)
        except (OperationalError, QueueUnavailable) as exc:
            log.warning("hot folder %s: %s; trying again", folder.directory, exc)
        if once:
            return
        time.sleep(interval)
