"""The audit log: one function writes it, nothing updates or deletes it.

Write the entry in the same session (and so the same transaction) as the change it records,
so that the change and its record are committed together or not at all. ``before`` and
``after`` are JSON objects of the values that changed; they must not hold secrets. Student
identity belongs in the area's own tables, not in ``target`` (use ids).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from station.models import AuditEntry, User

log = logging.getLogger(__name__)

SYSTEM = "system"
"""The actor of what no person did (jobs, migrations)."""


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
    entry = AuditEntry(actor=name, action=action, target=target, before=before, after=after)
    session.add(entry)
    log.debug("audit: %s %s %s", name, action, target)
    return entry
