"""Announcements between areas that must not import each other.

An upstream area announces that something happened (``capture`` announces
:data:`BATCH_ASSEMBLED` with the batch's id); ``app.py`` wires the jobs of
downstream areas to the event with :func:`listen` (the edit station's
``queue_batch``). :func:`announce_after_commit` enqueues every listening job,
with the announced ids, after the session's transaction commits, so that the
job reads what was written; a rollback announces nothing. The jobs are
ordinary idempotent station jobs (:func:`station.queue.enqueue`).

The wiring is filled once, at import of ``app.py`` (every process that runs
jobs — the web app, ``scanscore worker``, the CLI — imports it first).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from station.queue import JobId, enqueue

BATCH_ASSEMBLED = "batch assembled"
"""A batch's read records are all in and its documents assembled (ids: batch id)."""

_PENDING = "scanscore_announcements"


class Wiring:
    """Which jobs listen to which event."""

    def __init__(self) -> None:
        self._jobs: dict[str, list[Callable[..., object]]] = {}

    def listen(self, name: str, job: Callable[..., object]) -> None:
        jobs = self._jobs.setdefault(name, [])
        if job not in jobs:
            jobs.append(job)

    def jobs(self, name: str) -> tuple[Callable[..., object], ...]:
        return tuple(self._jobs.get(name, ()))


WIRING = Wiring()


def listen(name: str, job: Callable[..., object]) -> None:
    """Run ``job(*ids)`` whenever ``name`` is announced (once per job)."""
    WIRING.listen(name, job)


def announce_after_commit(session: Session, name: str, *ids: JobId) -> None:
    """Enqueue the jobs listening to ``name`` with ``ids`` once ``session``
    commits (each announcement once per transaction)."""
    if _PENDING not in session.info:
        event.listen(session, "after_commit", _flush)
        event.listen(session, "after_rollback", _forget)
    pending = session.info.setdefault(_PENDING, [])
    if (name, ids) not in pending:
        pending.append((name, ids))


def _flush(session: Session) -> None:
    pending, session.info[_PENDING] = session.info[_PENDING], []
    for name, ids in pending:
        for job in WIRING.jobs(name):
            enqueue(job, *ids)


def _forget(session: Session) -> None:
    session.info[_PENDING] = []
