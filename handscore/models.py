"""Handscoring's tables: prompts, responses, reads, qualifications and backreads.

"Never read twice" is a unique key: one read per (response, scorer) among live and validity
reads, and among the training and qualifying reads not voided by a retraining. "One first,
one second, one resolution read" is another: (response, slot) among reads claimed or
submitted.
``Response.need`` says which slot waits (:class:`Need`); a claim on a live response is
``claimed_by`` until ``claim_expires``, after which the response is free again (the next
claim marks the old read EXPIRED; it is kept, and its scorer never gets the response back).
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from station.db import Base
from station.models import JsonDocument, utcnow

Stamp = DateTime(timezone=True)


class Need(IntEnum):
    """The read a live response waits for (its slot); NONE when scored (or not live)."""

    NONE = 0
    FIRST = 1
    SECOND = 2
    RESOLUTION = 3


class ResponseKind(StrEnum):
    LIVE = "live"
    VALIDITY = "validity"
    TRAINING = "training"
    QUALIFYING = "qualifying"
    ANCHOR = "anchor"


class ReadKind(StrEnum):
    FIRST = "first"
    SECOND = "second"
    RESOLUTION = "resolution"
    VALIDITY = "validity"
    TRAINING = "training"
    QUALIFYING = "qualifying"


class ReadStatus(StrEnum):
    """CLAIMED until SUBMITTED; EXPIRED when the claim ran out and another took the slot;
    VOIDED when a supervisor sent it back (rescoring, retraining)."""

    CLAIMED = "claimed"
    SUBMITTED = "submitted"
    EXPIRED = "expired"
    VOIDED = "voided"


class QualificationStatus(StrEnum):
    """Where a scorer stands on a prompt; only QUALIFIED and WAIVED get live work."""

    TRAINING = "training"
    QUALIFIED = "qualified"
    WAIVED = "waived"
    FAILED = "failed"
    HELD = "held"
    DISMISSED = "dismissed"


LIVE_READS = (ReadKind.FIRST, ReadKind.SECOND, ReadKind.RESOLUTION)
LIVE_STANDINGS = (QualificationStatus.QUALIFIED, QualificationStatus.WAIVED)
"""The standings that get live work and validity papers."""


def _one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    return CheckConstraint(f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")",
                           name=column)


class Prompt(Base):
    """A prompt; ``definition`` is its JSON form with every default filled in
    (:func:`handscore.prompts.parse_prompt` reads it)."""

    __tablename__ = "hs_prompt"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Response(Base):
    """A student's response to a prompt (images in the store, or typed text), or a paper of
    known true scores (validity, training, qualifying, anchor). ``external_id`` (a
    manifest's id) and ``document_id`` (capture's document) are never shown to scorers."""

    __tablename__ = "hs_response"
    __table_args__ = (
        UniqueConstraint("prompt_id", "external_id", name="uq_hs_response_external_id"),
        UniqueConstraint("prompt_id", "document_id", name="uq_hs_response_document_id"),
        _one_of("kind", ResponseKind),
        CheckConstraint("need BETWEEN 0 AND 3", name="need"),
        Index("ix_hs_response_waiting", "prompt_id", "need", "id"),
        Index("ix_hs_response_papers", "prompt_id", "kind", "set_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[str] = mapped_column(ForeignKey("hs_prompt.id"))
    kind: Mapped[str] = mapped_column(String(12), default=ResponseKind.LIVE)
    set_name: Mapped[str | None] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(200))
    document_id: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(Text)
    image_keys: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    true_scores: Mapped[dict[str, int] | None] = mapped_column(JsonDocument)
    true_condition: Mapped[str | None] = mapped_column(String(4))
    need: Mapped[int] = mapped_column(SmallInteger, default=Need.NONE)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claim_expires: Mapped[datetime | None] = mapped_column(Stamp)
    final_scores: Mapped[dict[str, float] | None] = mapped_column(JsonDocument)
    final_condition: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Read(Base):
    """One scorer's read of one response: claimed, then submitted with scores per trait or a
    condition code, and the seconds from claim to submission. ``slot`` is the read's place
    among a live response's reads (1 first, 2 second, 3 resolution), NULL otherwise."""

    __tablename__ = "hs_read"
    __table_args__ = (
        Index("uq_hs_read_once", "response_id", "scorer_id", unique=True,
              postgresql_where=text("status <> 'voided' OR kind IN "
                                    "('first', 'second', 'resolution', 'validity')"),
              sqlite_where=text("status <> 'voided' OR kind IN "
                                "('first', 'second', 'resolution', 'validity')")),
        Index("uq_hs_read_slot", "response_id", "slot", unique=True,
              postgresql_where=text("status IN ('claimed', 'submitted') AND slot IS NOT NULL"),
              sqlite_where=text("status IN ('claimed', 'submitted') AND slot IS NOT NULL")),
        Index("ix_hs_read_response", "response_id"),
        Index("ix_hs_read_scorer", "scorer_id", "prompt_id", "status", "kind", "submitted_at"),
        Index("ix_hs_read_prompt", "prompt_id", "kind", "status"),
        _one_of("kind", ReadKind),
        _one_of("status", ReadStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("hs_response.id"))
    prompt_id: Mapped[str] = mapped_column(ForeignKey("hs_prompt.id"))
    scorer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(12))
    slot: Mapped[int | None] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(10), default=ReadStatus.CLAIMED)
    claimed_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(Stamp)
    scores: Mapped[dict[str, int] | None] = mapped_column(JsonDocument)
    condition: Mapped[str | None] = mapped_column(String(4))
    seconds: Mapped[float | None] = mapped_column(Float)


class Qualification(Base):
    """A scorer's standing on a prompt (no row: training)."""

    __tablename__ = "hs_qualification"
    __table_args__ = (UniqueConstraint("scorer_id", "prompt_id"),
                      _one_of("status", QualificationStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    scorer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prompt_id: Mapped[str] = mapped_column(ForeignKey("hs_prompt.id"))
    status: Mapped[str] = mapped_column(String(10), default=QualificationStatus.TRAINING)
    reason: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Backread(Base):
    """A supervisor's backread of a live read, seeing its score: agreed, or an override with
    its reason (the read itself is kept as it was)."""

    __tablename__ = "hs_backread"

    id: Mapped[int] = mapped_column(primary_key=True)
    read_id: Mapped[int] = mapped_column(ForeignKey("hs_read.id"), unique=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    overrides: Mapped[bool] = mapped_column(default=False)
    scores: Mapped[dict[str, int] | None] = mapped_column(JsonDocument)
    condition: Mapped[str | None] = mapped_column(String(4))
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
