"""The edit station's tables: documents in edit, the edit queue, corrections.

- ``edit_document``: a captured document the station has taken in (one row
  per capture document): its read values as taken (``read_values``, a compact
  copy of the mark records' values and review flags, with the changed-answer
  facts), the pages' ``fingerprint`` at that time, and its edit status.
- ``edit_item``: one failed rule on a document (or on a loose page of a batch,
  ``document_id`` None: an unread lithocode), claimed by one editor at a time.
- ``edit_correction``: a keyed value, beside the original reading, never
  updated: who, when, rule, key, value before and after.

Capture's tables are not referenced by foreign keys: the station reads
capture only through :mod:`capture.documents`.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from station.db import Base
from station.models import JsonDocument, utcnow

Stamp = DateTime(timezone=True)


class DocumentStatus(enum.StrEnum):
    OPEN = "open"            # items wait
    RELEASED = "released"    # clean, or its remaining defaults accepted
    RESCAN = "rescan"        # sent back to capture


class ItemStatus(enum.StrEnum):
    OPEN = "open"                # waits for an editor (or holds a claim)
    SECOND_KEY = "second_key"    # keyed once; a second editor keys it blind
    SUPERVISOR = "supervisor"    # help asked, or the two keyings disagree
    DONE = "done"                # resolved by a correction
    CLEARED = "cleared"          # the rule no longer breaks (post-edit)
    WITHDRAWN = "withdrawn"      # the document went for rescan
    ACCEPTED = "accepted"        # a supervisor accepted it as it is


WAITING = (ItemStatus.OPEN, ItemStatus.SECOND_KEY, ItemStatus.SUPERVISOR)
"""The statuses of items still to be worked."""


def _check(column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    listed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)


class EditDocument(Base):
    __tablename__ = "edit_document"
    __table_args__ = (_check("status", DocumentStatus),
                      Index("ix_edit_document_batch", "batch_id", "status"))

    document_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    batch_id: Mapped[int]
    lithocode: Mapped[str] = mapped_column(String(20))
    form_id: Mapped[str] = mapped_column(String(64))
    school_code: Mapped[str] = mapped_column(String(20), default="")
    fingerprint: Mapped[str] = mapped_column(String(32))
    read_values: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    conditions: Mapped[list[Any]] = mapped_column(JsonDocument, default=list)
    status: Mapped[str] = mapped_column(String(12), default=DocumentStatus.OPEN)
    accepted_by: Mapped[str | None] = mapped_column(String(64))
    accept_reason: Mapped[str | None] = mapped_column(String(500))
    taken_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(Stamp)


class EditItem(Base):
    """An item of the edit queue. The claim's index, ``ix_edit_item_next`` on
    (batch_id, document_id NULLS FIRST, id) of the claimable items, is made by
    the migration (the order of :func:`edit_station.queue.claim_next`)."""

    __tablename__ = "edit_item"
    __table_args__ = (
        _check("status", ItemStatus),
        Index("uq_edit_item_waiting", "finding", unique=True,
              postgresql_where=text("status IN ('open', 'second_key', 'supervisor')"),
              sqlite_where=text("status IN ('open', 'second_key', 'supervisor')")),
        Index("ix_edit_item_document", "document_id"),
        Index("ix_edit_item_batch_rule", "batch_id", "rule", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    finding: Mapped[str] = mapped_column(String(200))
    batch_id: Mapped[int]
    document_id: Mapped[int | None]
    page_id: Mapped[int | None]
    lithocode: Mapped[str | None] = mapped_column(String(20))
    form_id: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(64))
    field: Mapped[str | None] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(200), default="")
    problem: Mapped[str] = mapped_column(String(500))
    resolution: Mapped[str] = mapped_column(Text)
    double_key: Mapped[bool] = mapped_column(default=False)
    clip: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    fingerprint: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(12), default=ItemStatus.OPEN)
    claimed_by: Mapped[int | None]
    claimed_at: Mapped[datetime | None] = mapped_column(Stamp)
    claim_expires_at: Mapped[datetime | None] = mapped_column(Stamp)
    first_value: Mapped[str | None] = mapped_column(String(200))
    first_by: Mapped[int | None]
    second_value: Mapped[str | None] = mapped_column(String(200))
    skipped_by: Mapped[int | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(Stamp)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class EditCorrection(Base):
    __tablename__ = "edit_correction"
    __table_args__ = (Index("ix_edit_correction_document", "document_id"),
                      Index("ix_edit_correction_at", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int]
    batch_id: Mapped[int]
    item_id: Mapped[int | None]
    fingerprint: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(20))
    value_before: Mapped[str] = mapped_column(String(200))
    value_after: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(64))
    verified_by: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class EditBatch(Base):
    """A batch a supervisor released (every document of it released)."""

    __tablename__ = "edit_batch"

    batch_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    released_by: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


TABLES = (EditDocument, EditItem, EditCorrection, EditBatch)
