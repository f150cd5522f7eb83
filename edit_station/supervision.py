"""What the supervisor watches: queue depth by batch and rule, items per
editor per hour, the corrections log, batches ready for release; and the
reassignment of an item and the release of a batch."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from edit_station.corrections import Refused
from edit_station.models import (
    WAITING,
    DocumentStatus,
    EditBatch,
    EditCorrection,
    EditDocument,
    EditItem,
    ItemStatus,
)
from station import audit
from station.config import current_settings
from station.models import User, utcnow

LOG_ROWS_AT_MOST = 1000
"""Corrections listed at a time (the CSV takes every row the filters allow)."""


def queue_depth(session: Session, batch_id: int | None = None, rule: str | None = None
                ) -> list[dict[str, Any]]:
    """Waiting items by batch and rule (oldest batch first), by status."""
    query = (select(EditItem.batch_id, EditItem.rule, EditItem.status, func.count())
             .where(EditItem.status.in_(WAITING))
             .group_by(EditItem.batch_id, EditItem.rule, EditItem.status)
             .order_by(EditItem.batch_id, EditItem.rule))
    if batch_id is not None:
        query = query.where(EditItem.batch_id == batch_id)
    if rule:
        query = query.where(EditItem.rule == rule)
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for b, r, status, n in session.execute(query):
        row = rows.setdefault((b, r), {"batch_id": b, "rule": r, "waiting": 0,
                                       **{str(s): 0 for s in WAITING}})
        row[status] += n
        row["waiting"] += n
    return list(rows.values())


def editor_rates(session: Session, hours: int = 8) -> list[dict[str, Any]]:
    """Items resolved per editor over the last ``hours``, and per hour."""
    since = utcnow() - timedelta(hours=hours)
    rows = session.execute(select(EditItem.resolved_by, func.count()).where(
        EditItem.resolved_at >= since, EditItem.status == ItemStatus.DONE,
        EditItem.resolved_by.is_not(None)).group_by(EditItem.resolved_by)
        .order_by(func.count().desc()))
    return [{"editor": who, "items": n, "per_hour": round(n / hours, 1)} for who, n in rows]


def corrections(session: Session, batch_id: int | None = None, rule: str | None = None,
                actor: str | None = None, since: datetime | None = None,
                limit: int | None = LOG_ROWS_AT_MOST) -> list[dict[str, Any]]:
    """The corrections log, newest first, filtered."""
    query = select(EditCorrection).order_by(EditCorrection.id.desc())
    for column, value in ((EditCorrection.batch_id, batch_id), (EditCorrection.rule, rule),
                          (EditCorrection.actor, actor)):
        if value not in (None, ""):
            query = query.where(column == value)
    if since is not None:
        query = query.where(EditCorrection.at >= since)
    if limit:
        query = query.limit(limit)
    return [{"id": c.id, "at": c.at.isoformat(), "document_id": c.document_id,
             "batch_id": c.batch_id, "item_id": c.item_id, "rule": c.rule, "field": c.field,
             "key": c.key, "before": c.value_before, "after": c.value_after,
             "actor": c.actor, "verified_by": c.verified_by}
            for c in session.scalars(query)]


def batches(session: Session) -> list[dict[str, Any]]:
    """Each batch in edit: documents by status, and whether it is released."""
    released = dict(session.execute(select(EditBatch.batch_id, EditBatch.released_by)).all())
    rows: dict[int, dict[str, Any]] = {}
    for b, status, n in session.execute(
            select(EditDocument.batch_id, EditDocument.status, func.count())
            .group_by(EditDocument.batch_id, EditDocument.status)
            .order_by(EditDocument.batch_id)):
        row = rows.setdefault(b, {"batch_id": b, "released_by": released.get(b),
                                  **{str(s): 0 for s in DocumentStatus}})
        row[status] = n
    for row in rows.values():
        row["ready"] = row["open"] == 0 and row["rescan"] == 0 and not row["released_by"]
    return list(rows.values())


def release_batch(session: Session, batch_id: int, user: User) -> None:
    """Release a batch to scoring: every document of it must be released."""
    counts = {s: n for s, n in session.execute(
        select(EditDocument.status, func.count()).where(EditDocument.batch_id == batch_id)
        .group_by(EditDocument.status))}
    if not counts:
        raise Refused("not_found", f"batch {batch_id} is not in the edit station")
    waiting = sum(n for s, n in counts.items() if s != DocumentStatus.RELEASED)
    if waiting:
        raise Refused("conflict", f"batch {batch_id} has {waiting} documents not released")
    if session.get(EditBatch, batch_id) is not None:
        raise Refused("conflict", f"batch {batch_id} was released already")
    session.add(EditBatch(batch_id=batch_id, released_by=user.username))
    audit.record(session, user, "edit.batch.release", f"batch:{batch_id}", None,
                 {"documents": counts.get(DocumentStatus.RELEASED, 0)})


def reassign(session: Session, item_id: int, username: str, user: User) -> None:
    """Give a waiting item to another editor (a claim of the usual length)."""
    item = session.get(EditItem, item_id, with_for_update=True)
    if item is None:
        raise Refused("not_found", f"edit item {item_id} does not exist")
    if item.status not in WAITING:
        raise Refused("conflict", f"item {item_id} is {item.status} already")
    editor = session.scalar(select(User).where(User.username == username, User.active))
    if editor is None:
        raise Refused("bad_input", f"no active user {username!r}", "user")
    before = item.claimed_by
    now = utcnow()
    item.claimed_by, item.claimed_at = editor.id, now
    item.claim_expires_at = now + current_settings().edit_claim
    audit.record(session, user, "edit.item.reassign", f"edit_item:{item_id}",
                 {"claimed_by": before}, {"claimed_by": editor.id})
