"""Intake: scanner files into stored pages, in scanner order, each page once.

Every page's image goes to the image store under its content hash and gets a
``page`` row at the next position (``seq``) of its feed; a page whose hash is
known is skipped, so feeding the same files again creates nothing. A page that
fails a check on arrival is stored all the same, with its exception; every
other page gets its read job (enqueued after the commit that stored it).
Sources: :func:`ingest_files` (the CLI), :func:`take_files` for the hot folder
(:mod:`capture.watch`) and :func:`take_upload` for browser uploads (:mod:`capture.views`).

A file is taken only if it is a regular file: a link is never followed (not
even to see what it points at), and a link, pipe or device is recorded as an
exception (``not_regular``) with nothing read or stored. Each run is audited
with who fed it (``capture.ingest``, ``capture.upload``, ``capture.watch``).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from capture.batches import advance
from capture.checks import NOT_REGULAR
from capture.exception_records import open_exception
from capture.models import Feed, Page, PageStatus
from capture.reading import enqueue_reads
from capture.split import split_file
from omr.image_io import DEFAULT_LIMITS, ImageLimits
from station import audit
from station.cli import cli_actor
from station.config import current_settings
from station.db import session_scope
from station.files import FileTooLarge, NotRegularFile, read_regular
from station.images import ImageStore, image_store
from station.models import User
from station.upsert import insert_once

log = logging.getLogger(__name__)

SCAN_SUFFIXES = frozenset({".tif", ".tiff", ".png", ".jpg", ".jpeg", ".pdf"})
"""Files taken from a folder; files named on the command line are always taken."""


@dataclass
class IntakeCount:
    """What intake did: files taken, pages in them, pages new to the station,
    new pages that failed a check on arrival, files refused unread (not a
    regular file, or over the size limit: each an exception) and files that
    could not be opened (left where they are)."""

    files: int = 0
    pages: int = 0
    new: int = 0
    problems: int = 0
    refused: int = 0
    unopened: int = 0

    def add(self, other: IntakeCount) -> None:
        for name, value in dataclasses.asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def __str__(self) -> str:
        text = (f"{self.files} files, {self.pages} pages: {self.new} new "
                f"({self.problems} with a problem), {self.pages - self.new} already received")
        if self.refused:
            text += f"; {self.refused} refused unread (see the exceptions)"
        return text + (f"; {self.unopened} files could not be opened" if self.unopened else "")


@dataclass(frozen=True)
class FeedSource:
    """The feed pages are taken into: its ``key`` (an ``ingest`` run's paths, a hot
    folder, an upload), its ``source`` (ingest, watch, upload) and who feeds it
    (``fed_by``: a user name, or ``cli:<login>``). The feed row is made with the first
    page or exception it gets: a run that brings nothing new leaves no feed."""

    key: str
    source: str
    fed_by: str


@dataclass(frozen=True)
class ScannerFile:
    """A file to take: its ``name`` (kept as the pages' source name) and ``read``, which
    gives its bytes or raises NotRegularFile or FileTooLarge (the file is refused
    unread, an exception) or another OSError (it cannot be opened now: left).
    ``identity`` tells refused files of one name apart (e.g. from their lstat)."""

    name: str
    read: Callable[[], bytes]
    identity: str = ""


@dataclass(frozen=True)
class Taken:
    """The feed the files went into (None when nothing new came) and each file's count."""

    feed_id: int | None
    counts: list[IntakeCount]


def paths_key(paths: Iterable[Path]) -> str:
    """The feed key of an ``ingest`` run: the same paths give the same feed, so
    a run repeated after a crash continues where it stopped."""
    names = sorted(str(p.resolve()) for p in paths)
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
    return f"ingest:{digest}:{names[0] if names else ''}"[:500]


def scanner_files(paths: Iterable[Path]) -> list[Path]:
    """The files to take, in scanner order: named files as given, folders' scan
    files (recursively, hidden ones left out) sorted by name. A link is never
    followed into: a link or special file named, or met in a folder with a scan
    file's name or as a sub-folder, is listed so that intake refuses it (an
    exception), never read."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            files += sorted(_folder_files(path))
        else:
            files.append(path)
    return files


def _folder_files(root: Path) -> Iterator[Path]:
    for folder, subfolders, names in os.walk(root):  # os.walk never descends into a link
        here = Path(folder)
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        for name in names:
            if not name.startswith(".") and Path(name).suffix.lower() in SCAN_SUFFIXES:
                yield here / name
        yield from (here / d for d in subfolders if (here / d).is_symlink())


def take_files(store: ImageStore, feed: FeedSource, files: Sequence[ScannerFile],
               batch_id: int | None = None, limits: ImageLimits = DEFAULT_LIMITS) -> Taken:
    """Store the pages of several scanner files (in scanner order) at the end of the
    feed in one transaction, then enqueue their reads (one job per group of pages,
    :func:`capture.reading.enqueue_reads`). ``batch_id`` puts the pages into that
    batch (rescans).

    Files are read and split one at a time, their pages stored as they are made
    (images are in the store before their rows are committed), so memory holds one
    file and one page. One commit for a group of files saves the feed lock and the
    commit of each: intake keeps ahead of the readers on the same machine's cores."""
    counts = [IntakeCount(files=1) for _ in files]
    pieces, refused = _store_pages(store, files, limits, counts)
    with session_scope() as session:  # the feed stays locked for the rows alone
        feed_id, created = _locked_feed(session, feed)
        seq = session.scalar(select(func.coalesce(func.max(Page.seq), -1))
                             .where(Page.feed_id == feed_id)) + 1
        to_read = []
        for n, frame, sha, problem in pieces:
            count = counts[n]
            count.pages += 1
            page_id = insert_once(session, Page, ("image_sha256",), image_sha256=sha,
                                  feed_id=feed_id, seq=seq, source_name=files[n].name[-500:],
                                  source_frame=frame, batch_id=batch_id,
                                  status=PageStatus.EXCEPTION if problem
                                  else PageStatus.RECEIVED)
            if page_id is None:
                to_read += _unread(session, sha)
                continue
            seq, count.new = seq + 1, count.new + 1
            if problem:
                count.problems += 1
                open_exception(session, problem.code, problem.reason, page_id=page_id)
            else:
                to_read.append(page_id)
        for n, code, exc in refused:
            counts[n].refused += 1
            open_exception(session, code, f"{files[n].name}: {exc}; nothing was read or stored",
                           file=f"{feed_id}:{_digest(files[n].name, files[n].identity)}")
        if created and not refused and not any(c.new for c in counts):
            session.rollback()  # nothing new came: no empty feed is kept
            feed_id = None
    enqueue_reads(to_read)
    return Taken(feed_id, counts)


def _store_pages(store: ImageStore, files: Sequence[ScannerFile], limits: ImageLimits,
                 counts: list[IntakeCount]) -> tuple[list, list]:
    """Read each file, split it and store its pages as they are made; returns the pages
    as ``(file index, frame, key, problem)`` and the files refused unread as ``(file
    index, exception code, error)``. A file that cannot be opened is counted in
    ``counts`` as such."""
    pages, refused = [], []
    for n, file in enumerate(files):
        try:
            data = file.read()
        except (NotRegularFile, FileTooLarge) as exc:
            refused.append((n, NOT_REGULAR if isinstance(exc, NotRegularFile) else "file", exc))
            continue
        except OSError as exc:
            log.warning("cannot open %s: %s", file.name, exc.strerror or exc)
            counts[n] = IntakeCount(unopened=1)
            continue
        pages += [(n, piece.frame, store.put(piece.data), piece.problem)
                  for piece in split_file(data, limits)]
        del data
    return pages, refused


def _locked_feed(session: Session, feed: FeedSource) -> tuple[int, bool]:
    """The feed's id, locked for this transaction, and whether it was made now."""
    made = insert_once(session, Feed, ("key",), key=feed.key, source=feed.source,
                       fed_by=feed.fed_by[:80])
    feed_id = made or session.scalar(select(Feed.id).where(Feed.key == feed.key))
    session.get(Feed, feed_id, with_for_update=True)
    return feed_id, made is not None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _unread(session: Session, sha: str) -> list[int]:
    """A known page still waiting to be read (its job lost in a crash), as a list."""
    return list(session.scalars(select(Page.id).where(Page.image_sha256 == sha,
                                                      Page.status == PageStatus.RECEIVED)))


INTAKE_GROUP = 16
"""Scanner files taken in one transaction by :func:`ingest_files` (a few
seconds of a scanner's output)."""


def ingest_files(files: Sequence[Path], feed_key: str, *, batch_id: int | None = None,
                 on_file: Callable[[Path, IntakeCount], None] | None = None,
                 fed_by: str | None = None) -> IntakeCount:
    """Take ``files`` (see :func:`scanner_files`) as one feed, in order, in groups of
    INTAKE_GROUP files, then end the feed (its last batch closes when its pages are
    read) and audit the run (``capture.ingest``, by ``fed_by``: default the command
    line's user). A file is read without following a link and refused over the size
    limit (``MAX_CONTENT_LENGTH``)."""
    store, settings = image_store(), current_settings()
    feed = FeedSource(feed_key, "ingest", fed_by or cli_actor())
    feed_id, total = None, IntakeCount()
    for start in range(0, len(files), INTAKE_GROUP):
        group = files[start:start + INTAKE_GROUP]
        taken = take_files(store, feed, [_on_disk(path, settings.max_content_length)
                                         for path in group], batch_id)
        feed_id = feed_id or taken.feed_id
        for path, counted in zip(group, taken.counts, strict=True):
            total.add(counted)
            if on_file:
                on_file(path, counted)
    finish_run(feed_id, feed.fed_by, "capture.ingest", total)
    return total


def _on_disk(path: Path, max_bytes: int) -> ScannerFile:
    """A file on disk, read with its folder followed as named and the file itself not."""
    try:
        found = os.lstat(path)
        identity = f"{found.st_ino}:{found.st_mtime_ns}"
    except OSError:
        identity = ""
    return ScannerFile(path.name, functools.partial(read_regular, path.parent, path.name,
                                                    max_bytes), identity)


def take_upload(files: Sequence[ScannerFile], user: User, batch_id: int | None = None
                ) -> tuple[Taken, IntakeCount]:
    """A browser upload: its files (in name order) as a feed of their own, ended at once,
    and audited (``capture.upload``, by ``user``); returns what each file gave (in name
    order) and the total."""
    feed = FeedSource(f"upload:{uuid.uuid4()}", "upload", user.username)
    taken = take_files(image_store(), feed, sorted(files, key=lambda f: f.name), batch_id)
    total = IntakeCount()
    for counted in taken.counts:
        total.add(counted)
    finish_run(taken.feed_id, user, "capture.upload", total)
    return taken, total


def finish_run(feed_id: int | None, actor: User | str, action: str, total: IntakeCount,
               end: bool = True) -> None:
    """Audit an intake run (``action`` on ``feed:<id>``, or ``feed:none`` when nothing new
    came) with its counts, and end its feed (``end``) so its last batch can close."""
    if feed_id is not None and end:
        with session_scope() as session:
            session.get(Feed, feed_id, with_for_update=True).ended = True
        with session_scope() as session:
            advance(session, feed_id)
    with session_scope() as session:
        audit.record(session, actor, action, f"feed:{feed_id if feed_id else 'none'}",
                     after=dataclasses.asdict(total))
    log.info("feed %s %s: %s", feed_id, action, total)
