"""Job functions for the queue tests; importable by a worker in another process when this
folder is on PYTHONPATH. Each run is written to the audit log (``test.run``); the work itself
(``test.work``) is written once, as a real job would (idempotent)."""

from sqlalchemy import func, select

from station import audit
from station.db import session_scope
from station.models import AuditEntry


def runs(session, tag: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "test.run", AuditEntry.target == tag))


def works(session, tag: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "test.work", AuditEntry.target == tag))


def _count_run(tag: str) -> int:
    with session_scope() as session:
        audit.record(session, audit.SYSTEM, "test.run", tag)
    with session_scope() as session:
        return runs(session, tag)


def do_work(tag: str) -> None:
    _count_run(tag)
    with session_scope() as session:
        if not works(session, tag):
            audit.record(session, audit.SYSTEM, "test.work", tag)


def fail_first_time(tag: str) -> None:
    if _count_run(tag) == 1:
        raise RuntimeError("first attempt fails")
    with session_scope() as session:
        audit.record(session, audit.SYSTEM, "test.work", tag)


def always_fail(tag: str) -> None:
    _count_run(tag)
    raise RuntimeError("this job always fails")


def do_group(tags: list[str]) -> list[str]:
    """A job of a group: one argument, the list of its ids."""
    for tag in tags:
        do_work(tag)
    return [f"done {tag}" for tag in tags]
