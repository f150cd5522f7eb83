"""Browser uploads: the chosen files taken as one feed (:func:`capture.intake.take_upload`),
and the summary the operator sees: what was taken, what was already there, each
problem file with its reason, and the batches its header sheets opened.

The batch named for a rescan is checked before anything is stored, so a
wrong number loses nothing and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from capture import intake
from capture.intake import IntakeCount, ScannerFile
from capture.models import Batch, CaptureException, Page
from capture.progress import batch_rows
from station.errors import bad_input
from station.models import User


@dataclass
class FileTaken:
    """One uploaded file: its pages, how many were new and already received,
    and the problems found on it so far (frame, code, reason); a file refused
    unread (too large, not a regular file) has no page and its problem."""

    name: str
    pages: int
    new: int
    problems: list[dict] = field(default_factory=list)

    @property
    def already(self) -> int:
        return self.pages - self.new


@dataclass
class Upload:
    """What an upload did: its feed (None when nothing new came), each file,
    the totals, and the batches its header sheets opened (rows of
    :func:`capture.progress.batch_rows`, with ``code_reused_by`` when another
    batch carries the same code)."""

    feed_id: int | None
    files: list[FileTaken]
    total: IntakeCount
    batches: list[dict] = field(default_factory=list)


def check_batch(session: Session, batch_id: int | None) -> None:
    """Refuse (422, naming the field) a rescan into a batch that does not exist."""
    if batch_id is not None and session.get(Batch, batch_id) is None:
        raise bad_input({"batch_id": f"there is no batch {batch_id}: leave it empty to "
                                     "batch by header sheet, or give an existing batch"})


def take_upload(session: Session, files: list[ScannerFile], batch_id: int | None,
                user: User) -> Upload:
    """Take ``files`` in name order as a new feed of ``user``'s, into
    ``batch_id`` when given (rescans), and say what became of each."""
    if not files:
        raise bad_input({"files": "choose one or more scanned files"})
    check_batch(session, batch_id)
    taken, total = intake.take_upload(files, user, batch_id)
    ordered = sorted(files, key=lambda f: f.name)
    summary = [FileTaken(f.name, c.pages, c.new) for f, c in zip(ordered, taken.counts,
                                                                  strict=True)]
    if taken.feed_id is None:
        return Upload(None, summary, total)
    _add_problems(session, taken.feed_id, summary)
    opened = session.scalars(select(Batch.id).join(Page, Page.id == Batch.header_page_id)
                             .where(Page.feed_id == taken.feed_id)).all()
    return Upload(taken.feed_id, summary, total, batch_rows(session, list(opened)))


def _add_problems(session: Session, feed_id: int, taken: list[FileTaken]) -> None:
    """The exceptions of the feed's pages, on the file each came from, and of
    its files refused unread (their key names the feed; their reason starts
    with the file's name)."""
    by_name = {f.name[-500:]: f for f in taken}
    rows = session.execute(select(Page.source_name, Page.source_frame, CaptureException.code,
                                  CaptureException.reason)
                           .join(CaptureException, CaptureException.page_id == Page.id)
                           .where(Page.feed_id == feed_id)
                           .order_by(Page.seq, CaptureException.id))
    for name, frame, code, reason in rows:
        if name in by_name:
            by_name[name].problems.append({"frame": frame, "code": code, "reason": reason})
    refused = session.execute(select(CaptureException.code, CaptureException.reason)
                              .where(CaptureException.key.startswith(f"file:{feed_id}:"))
                              .order_by(CaptureException.id))
    for code, reason in refused:
        for f in taken:
            if reason.startswith(f"{f.name}: "):
                f.problems.append({"frame": 0, "code": code, "reason": reason})
                break
