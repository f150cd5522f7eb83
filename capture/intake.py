"""Intake: scanner files into stored pages, in scanner order, each page once.

Every page's image goes to the image store under its content hash and gets a
``page`` row at the next position (``seq``) of its feed; a page whose hash is
known is skipped, so feeding the same files again creates nothing. A page that
fails a check on arrival is stored all the same, with its exception; every
other page gets its read job (enqueued after the commit that stored it).
Sources: :func:`ingest_files` (the CLI), :func:`take_file` for the hot folder
(:mod:`capture.watch`) and :func:`take_files` for browser uploads (:mod:`capture.views`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from capture.batches import advance
from capture.exception_records import open_exception
from capture.models import Feed, Page, PageStatus
from capture.reading import enqueue_reads
from capture.split import split_file
from station.db import session_scope
from station.images import ImageStore, image_store
from station.upsert import insert_once

log = logging.getLogger(__name__)

SCAN_SUFFIXES = frozenset({".tif", ".tiff", ".png", ".jpg", ".jpeg", ".pdf"})
"""Files taken from a folder; files named on the command line are always taken."""


@dataclass
class IntakeCount:
    """What intake did: files taken, pages in them, pages new to the station,
    new pages that failed a check on arrival, and files that could not be
    opened (left where they are)."""

    files: int = 0
    pages: int = 0
    new: int = 0
    problems: int = 0
    unopened: int = 0

    def add(self, other: IntakeCount) -> None:
        for name in ("files", "pages", "new", "problems", "unopened"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        text = (f"{self.files} files, {self.pages} pages: {self.new} new "
                f"({self.problems} with a problem), {self.pages - self.new} already received")
        return text + (f"; {self.unopened} files could not be opened" if self.unopened else "")


def feed_id_for(session: Session, key: str, source: str) -> int:
    """The feed named ``key`` (created once)."""
    return (insert_once(session, Feed, ("key",), key=key, source=source)
            or session.scalar(select(Feed.id).where(Feed.key == key)))


def paths_key(paths: Iterable[Path]) -> str:
    """The feed key of an ``ingest`` run: the same paths give the same feed, so
    a run repeated after a crash continues where it stopped."""
    names = sorted(str(p.resolve()) for p in paths)
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
    return f"ingest:{digest}:{names[0] if names else ''}"[:500]


def scanner_files(paths: Iterable[Path]) -> list[Path]:
    """The files to take, in scanner order: named files as given, folders'
    scan files (recursively, hidden ones left out) sorted by name."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file()
                            and p.suffix.lower() in SCAN_SUFFIXES
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            files.append(path)
    return files


def take_file(store: ImageStore, feed_id: int, data: bytes, name: str,
              batch_id: int | None = None) -> IntakeCount:
    """Store one scanner file's pages at the end of the feed and enqueue their
    reads. ``batch_id`` puts the pages into that batch (rescans)."""
    return take_files(store, feed_id, [(data, name)], batch_id)[0]


def take_files(store: ImageStore, feed_id: int, files: list[tuple[bytes, str]],
               batch_id: int | None = None) -> list[IntakeCount]:
    """Store the pages of several scanner files (``(data, name)``, in scanner
    order) at the end of the feed in one transaction, then enqueue their reads
    (one job per group of pages, :func:`capture.reading.enqueue_reads`);
    returns each file's count. One commit for a group of files saves the feed
    lock and the commit of each: intake keeps ahead of the readers on the same
    machine's cores."""
    counts = [IntakeCount(files=1) for _ in files]
    pieces = [(n, piece, store.put(piece.data))
              for n, (data, _name) in enumerate(files) for piece in split_file(data)]
    with session_scope() as session:  # the feed stays locked for the rows alone
        session.get(Feed, feed_id, with_for_update=True)
        seq = session.scalar(select(func.coalesce(func.max(Page.seq), -1))
                             .where(Page.feed_id == feed_id)) + 1
        to_read = []
        for n, piece, sha in pieces:
            count = counts[n]
            count.pages += 1
            page_id = insert_once(session, Page, ("image_sha256",), image_sha256=sha,
                                  feed_id=feed_id, seq=seq, source_name=files[n][1][-500:],
                                  source_frame=piece.frame, batch_id=batch_id,
                                  status=PageStatus.EXCEPTION if piece.problem
                                  else PageStatus.RECEIVED)
            if page_id is None:
                to_read += _unread(session, sha)
                continue
            seq, count.new = seq + 1, count.new + 1
            if piece.problem:
                count.problems += 1
                open_exception(session, piece.problem.code, piece.problem.reason, page_id=page_id)
            else:
                to_read.append(page_id)
    enqueue_reads(to_read)
    return counts


def _unread(session: Session, sha: str) -> list[int]:
    """A known page still waiting to be read (its job lost in a crash), as a list."""
    return list(session.scalars(select(Page.id).where(Page.image_sha256 == sha,
                                                      Page.status == PageStatus.RECEIVED)))


INTAKE_GROUP = 16
"""Scanner files taken in one transaction by :func:`ingest_files` (a few
seconds of a scanner's output)."""


def ingest_files(files: list[Path], feed_key: str, *, batch_id: int | None = None,
                 on_file: Callable[[Path, IntakeCount], None] | None = None) -> IntakeCount:
    """Take ``files`` (see :func:`scanner_files`) as one feed, in order, in
    groups of INTAKE_GROUP files, then end the feed (its last batch closes
    when its pages are read)."""
    store = image_store()
    with session_scope() as session:
        feed_id = feed_id_for(session, feed_key, "ingest")
    total = IntakeCount()
    for start in range(0, len(files), INTAKE_GROUP):
        group = files[start:start + INTAKE_GROUP]
        opened, counts = [], [IntakeCount(unopened=1) for _ in group]
        for n, path in enumerate(group):
            try:
                opened.append((n, path.read_bytes()))
            except OSError as exc:
                log.warning("cannot open %s: %s", path, exc.strerror)
        taken = take_files(store, feed_id, [(data, group[n].name) for n, data in opened], batch_id)
        for (n, _), counted in zip(opened, taken, strict=True):
            counts[n] = counted
        for path, counted in zip(group, counts, strict=True):
            total.add(counted)
            if on_file:
                on_file(path, counted)
    end_feed(feed_id)
    log.info("feed %s ingested: %s", feed_id, total)
    return total


def end_feed(feed_id: int) -> None:
    """Mark a feed as complete and sequence it (closing its last batch if read)."""
    with session_scope() as session:
        session.get(Feed, feed_id, with_for_update=True).ended = True
    with session_scope() as session:
        advance(session, feed_id)

