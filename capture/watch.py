"""The hot folder: take each scanner file once the scanner has finished it.

A file is finished when it has not changed for ``settle`` seconds and keeps
its size and modification time while it is read. It is then taken (its pages
stored, their reads enqueued) into the folder's feed and moved to the done
folder; a file that cannot be taken now (the database is down) stays and is
tried again at the next poll. The folder's feed persists across restarts, so
a batch interrupted by a restart continues under its header.

Each poll opens the folder once and reads its files through that descriptor,
never following a link: a link (``0100_key.tif -> var/secret_key``), pipe or
device with a scan file's name is an exception, nothing read, and goes to the
done folder like any file taken; a folder above it swapped for a link during
the poll changes nothing.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import OperationalError

from capture.intake import (
    SCAN_SUFFIXES,
    FeedSource,
    IntakeCount,
    ScannerFile,
    finish_run,
    take_files,
)
from station.cli import cli_actor
from station.config import current_settings
from station.errors import QueueUnavailable
from station.files import open_folder, read_at
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

    def finished_files(self, folder: int, now: float) -> list[os.DirEntry[str]]:
        """Entries of the folder (a descriptor) with a scan file's name, by name, left
        alone long enough: files, and links or special files, which intake refuses."""
        files = []
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.startswith(".") or Path(entry.name).suffix.lower() not in SCAN_SUFFIXES:
                continue
            found = entry.stat(follow_symlinks=False)
            if not stat.S_ISDIR(found.st_mode) and now - found.st_mtime >= self.settle:
                files.append(entry)
        return files

    def poll(self, on_file: Callable[[Path, IntakeCount], None] | None = None) -> int:
        """Take every finished file; returns how many were taken (or refused)."""
        feed = FeedSource(self.feed_key, "watch", cli_actor())
        store, limit = image_store(), current_settings().max_content_length
        folder = open_folder(self.directory)
        feed_id, total = None, IntakeCount()
        try:
            for entry in self.finished_files(folder, time.time()):
                found = entry.stat(follow_symlinks=False)
                file = ScannerFile(entry.name, lambda name=entry.name: read_at(folder, name, limit),
                                   f"{found.st_ino}:{found.st_mtime_ns}")
                taken = take_files(store, feed, [file])
                [counted] = taken.counts
                if counted.unopened:
                    continue  # still being written, or not readable now: next poll
                feed_id = feed_id or taken.feed_id
                self._move_done(folder, entry.name)
                total.add(counted)
                if on_file:
                    on_file(self.directory / entry.name, counted)
        finally:
            os.close(folder)
        if total.files:
            finish_run(feed_id, feed.fed_by, "capture.watch", total, end=False)
        return total.files

    def _move_done(self, folder: int, name: str) -> None:
        """Move ``name`` (the file, or the link itself) into the done folder; a done
        folder that is a link is refused (NotRegularFile), nothing moved."""
        self.done.mkdir(parents=True, exist_ok=True)
        done = open_folder(self.done.parent, [self.done.name])  # the done folder, not a link
        try:
            stem, suffix = os.path.splitext(name)
            target, n = name, 1
            while _exists(done, target):
                target, n = f"{stem}.{n}{suffix}", n + 1
            os.replace(name, target, src_dir_fd=folder, dst_dir_fd=done)
        finally:
            os.close(done)
        log.info("hot folder: %s taken, moved to %s", name, self.done / target)


def _exists(folder: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


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
