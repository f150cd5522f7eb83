"""Browser uploads: the chosen files taken as one feed, and the summary the
operator sees (what was taken, what was already there, each problem file
with its reason).

The batch named for a rescan is checked before anything is stored, so a
wrong number loses nothing and changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from capture.intake import IntakeCount, end_feed, feed_id_for, take_files
from capture.models import Batch, CaptureException, Page
from capture.progress import batch_rows
from station.errors import bad_input
from station.images import image_store


@dataclass
class FileTaken:
    """One uploaded file: its pages, how many were new and already received,
    and the problems found on its new pages so far (frame, code, reason)."""

    name: str
    pages: int
    new: int
    problems: list[dict] = field(default_factory=list)

    @property
    def already(self) -> int:
        return self.pages - self.new


@dataclass
class Upload:
    """What an upload did: its feed, each file, the totals, and the batches
    its header sheets opened (rows of :func:`capture.progress.batch_rows`,
    with ``code_reused_by`` when another batch carries the same code)."""

    feed_id: int
    files: list[FileTaken]
    total: IntakeCount
    batches: list[dict] = field(default_factory=list)


def check_batch(session: Session, batch_id: int | None) -> None:
    """Refuse (422, naming the field) a rescan into a batch that does not exist."""
    if batch_id is not None and session.get(Batch, batch_id) is None:
        raise bad_input({"batch_id": f"there is no batch {batch_id}: leave it empty to "
                                     "batch by header sheet, or give an existing batch"})


def take_upload(session: Session, files: list[tuple[bytes, str]], batch_id: int | None,
                username: str) -> Upload:
    """Take ``files`` (``(data, name)``) in name order as a new feed of
    ``username``'s, into ``batch_id`` when given (rescans), and end the feed."""
    if not files:
        raise bad_input({"files": "choose one or more scanned files"})
    check_batch(session, batch_id)
    feed_id = feed_id_for(session, f"upload:{username}:{uuid.uuid4()}", "upload")
    session.commit()
    ordered = sorted(files, key=lambda f: f[1])
    counts = take_files(image_store(), feed_id, ordered, batch_id)
    end_feed(feed_id)
    total = IntakeCount()
    taken = []
    for (_data, name), counted in zip(ordered, counts, strict=True):
        total.add(counted)
        taken.append(FileTaken(name, counted.pages, counted.new))
    _add_problems(session, feed_id, taken)
    opened = session.scalars(select(Batch.id).join(Page, Page.id == Batch.header_page_id)
                             .where(Page.feed_id == feed_id)).all()
    return Upload(feed_id, taken, total, batch_rows(session, list(opened)))


def _add_problems(session: Session, feed_id: int, taken: list[FileTaken]) -> None:
    """The open exceptions of the feed's pages, on the file each came from."""
    by_name = {f.name[-500:]: f for f in taken}
    rows = session.execute(select(Page.source_name, Page.source_frame, CaptureException.code,
                                  CaptureException.reason)
                           .join(CaptureException, CaptureException.page_id == Page.id)
                           .where(Page.feed_id == feed_id)
                           .order_by(Page.seq, CaptureException.id))
    for name, frame, code, reason in rows:
        if name in by_name:
            by_name[name].problems.append({"frame": frame, "code": code, "reason": reason})
