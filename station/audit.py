"""The audit log: one function writes it, nothing updates or deletes it.

Write the entry in the same session (and so the same transaction) as the change it records,
so that the change and its record are committed together or not at all. ``before`` and
``after`` are JSON objects of the values that changed; they must not hold secrets. Student
identity belongs in the area's own tables, not in ``target`` (use ids).

The database refuses UPDATE, DELETE (and TRUNCATE on PostgreSQL) of entries, and an insert
whose id is not the next one taken from the head row (``audit_head``), so ``INSERT OR
REPLACE`` cannot rewrite an entry. Each entry carries the SHA-256 of the entry before it and
its own content (:func:`entry_hash`); :func:`verify` recomputes the chain, so a change made
by someone who removed the triggers is found too. Taking the next id locks the head row
until the transaction ends: audited transactions commit one after another, so record the
entry after the change it describes and commit soon after.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from station.models import AuditEntry, AuditHead, User, as_utc, utcnow

log = logging.getLogger(__name__)

SYSTEM = "system"
"""The actor of what no person did (jobs, migrations)."""

GENESIS = "0" * 64
"""The hash the first entry follows."""

TRIGGERS = {
    "sqlite": ("audit_log_no_update", "audit_log_no_delete", "audit_log_next_only",
               "audit_head_forward_only", "audit_head_no_delete"),
    "postgresql": ("audit_log_no_change", "audit_log_no_truncate", "audit_log_next_only",
                   "audit_head_forward_only"),
}
"""The triggers that make the log append-only, by database (created by the migrations)."""


def record(
    session: Session,
    actor: User | str,
    action: str,
    target: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry: ``actor`` (a user or a name such as :data:`SYSTEM`) did
    ``action`` (e.g. ``"user.create"``) to ``target`` (e.g. ``"user:12"``)."""
    name = actor.username if isinstance(actor, User) else actor
    last_id, last_hash = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(last_id=AuditHead.last_id + 1)
        .returning(AuditHead.last_id, AuditHead.hash)
        .execution_options(synchronize_session=False)
    ).one()
    entry = AuditEntry(id=last_id, at=utcnow(), actor=name, action=action, target=target,
                       before=before, after=after)
    entry.hash = entry_hash(last_hash, entry)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=entry.hash)
                    .execution_options(synchronize_session=False))
    session.add(entry)
    log.debug("audit: %s %s %s", name, action, target)
    return entry


def entry_hash(previous: str, entry: AuditEntry) -> str:
    """SHA-256 (hex) of the previous entry's hash and this entry's id, time (UTC, to the
    microsecond), actor, action, target, before and after, as canonical JSON."""
    content = [previous, entry.id, _timestamp(entry.at), entry.actor, entry.action,
               entry.target, _plain(entry.before), _plain(entry.after)]
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: Any) -> Any:
    """``value`` with whole floats as ints: PostgreSQL's JSONB gives ``1e16`` back as
    ``10000000000000000``, and the hash must not change on the way."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _timestamp(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Verdict:
    """What :func:`verify` found: ``problems`` is empty when the log is intact."""

    entries: int
    head_hash: str
    problems: tuple[str, ...]


def verify(session: Session, batch: int = 1000) -> Verdict:
    """Walk the log in id order, recompute each entry's hash from the stored hash of the
    entry before, and check the head row and the triggers."""
    problems = [f"trigger {name} is missing: the log is not protected"
                for name in _missing_triggers(session)]
    previous, count, last_id = GENESIS, 0, 0
    for entry in _entries(session, batch):
        count += 1
        if entry.hash != entry_hash(previous, entry):
            problems.append(f"entry {entry.id} ({_describe(entry)}) does not match its hash: "
                            "it was changed, or an entry before it was removed")
        previous, last_id = entry.hash, entry.id
    head = session.get(AuditHead, 1)
    if head is None:
        problems.append("the head row (audit_head) is missing")
    elif (head.last_id, head.hash) != (last_id, previous):
        problems.append(f"the newest entry is {last_id} but the head row names entry "
                        f"{head.last_id}: entries at the end were removed or changed")
    return Verdict(count, previous, tuple(problems))


def _entries(session: Session, batch: int) -> Iterator[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=batch)
    for entry in session.scalars(query):
        yield entry
        session.expunge(entry)


def _describe(entry: AuditEntry) -> str:
    return f"{_timestamp(entry.at)} {entry.actor} {entry.action} {entry.target}"


def _missing_triggers(session: Session) -> list[str]:
    dialect = session.get_bind().dialect.name
    query = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
        "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                      "AND tgenabled <> 'D'",
    }[dialect]
    present = set(session.scalars(text(query)))
    return [name for name in TRIGGERS[dialect] if name not in present]
