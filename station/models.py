"""The station's tables: accounts, their sessions and failed logins, and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from station.db import Base
from station.roles import ROLES

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC time (SQLite gives back the naive UTC it stored)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _one_of(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class User(Base):
    """An account. ``password_hash`` is a werkzeug hash; the password itself is never kept."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SessionEnd(StrEnum):
    """Why a session ended."""

    LOGOUT = "logout"
    IDLE = "idle"
    REPLACED = "replaced"  # a new login in the same browser
    PASSWORD_CHANGED = "password changed"
    DEACTIVATED = "deactivated"
    ENDED_BY_ADMIN = "ended by admin"


class UserSession(Base):
    """A login. The cookie carries a random token; this row keeps only its SHA-256, so a
    copy of the database opens no session. A session is valid while ``ended_at`` is null
    and it has been used within the idle lifetime."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        CheckConstraint(_one_of("end_reason", SessionEnd), name="end_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(45))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(32))


class LoginFailures(Base):
    """Failed logins counted under one key (``account:<username>`` or
    ``address:<ip>``), shared by every process of the station; see
    :mod:`station.throttle`."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    held_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One line of the audit log: who did what to which thing, when, and the values before
    and after. Append-only: database triggers refuse UPDATE, DELETE and an insert that
    does not come next; ``hash`` chains each entry to the one before (see
    :mod:`station.audit`)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(200), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    hash: Mapped[str] = mapped_column(String(64), server_default="")


class AuditHead(Base):
    """The audit log's single head row: the id and hash of its newest entry. Taking the
    next id here (an UPDATE) orders writers, so the chain has no fork."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
