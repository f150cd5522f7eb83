"""Scoring's tables: loaded test definitions (every version kept) and score rows (every
scoring kept: the current row of a student and test, and the history before it).

A score row is unique by (test, definition version, student, inputs digest): scoring the
same inputs again finds the row and adds nothing; a correction changes the inputs' digest,
so it adds a row and the previous one stays, no longer current.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from station.db import Base
from station.models import JsonDocument, utcnow

Stamp = DateTime(timezone=True)


class ScoringTest(Base):
    """One version of a test definition as loaded by ``scanscore test add``."""

    __tablename__ = "scoring_test"
    __table_args__ = (UniqueConstraint("test_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    test_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    loaded_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class StudentScore(Base):
    """A student's scores on a test from given inputs. ``student_key`` is the matched
    student's key; ``inputs``: document id → version (and writing scores' versions) the
    scores came from; ``result``: the score record's JSON form."""

    __tablename__ = "student_score"
    __table_args__ = (
        UniqueConstraint("test_id", "definition_version", "student_key", "inputs_digest"),
        Index("ix_student_score_current", "test_id", "student_key", "current"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    test_id: Mapped[str] = mapped_column(String(64))
    definition_version: Mapped[int]
    student_key: Mapped[str] = mapped_column(String(120))
    inputs_digest: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    result: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    current: Mapped[bool] = mapped_column(default=True)
    scored_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class PreIdStudent(Base):
    """A student of a district's pre-ID file; each change is a new version (the current one
    has ``current``), the old versions are kept."""

    __tablename__ = "preid_student"
    __table_args__ = (UniqueConstraint("preid", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    preid: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    current: Mapped[bool] = mapped_column(default=True, index=True)
    district: Mapped[str] = mapped_column(String(20))
    school: Mapped[str] = mapped_column(String(20))
    grade: Mapped[str] = mapped_column(String(4))
    ssid: Mapped[str] = mapped_column(String(20))
    last_name: Mapped[str] = mapped_column(String(40))
    first_name: Mapped[str] = mapped_column(String(40))
    birth_date: Mapped[str] = mapped_column(String(10))
    gender: Mapped[str] = mapped_column(String(1))
    non_tester: Mapped[bool]
    imported_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
