"""Loading test definitions into the database and keeping score rows with their history."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from scoring.definitions import TestDefinition, definition_from_document
from scoring.errors import ScoringError
from scoring.models import ScoringTest, StudentScore
from station.models import utcnow

CHUNK = 1000
"""Students per statement (PostgreSQL and SQLite bind-parameter limits)."""


def digest(document: Any) -> str:
    """SHA-256 of a JSON document in canonical form."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def add_test(session: Session, definition: TestDefinition) -> bool:
    """Load one definition version; False when that version is already loaded as it is.
    The same version with other content is refused: a changed definition is a new version."""
    row = session.scalars(select(ScoringTest).filter_by(
        test_id=definition.id, version=definition.version)).one_or_none()
    new_digest = digest(definition.document)
    if row is not None:
        if row.digest != new_digest:
            raise ScoringError("version_taken", f"test {definition.id} version "
                               f"{definition.version} is already loaded with other content: "
                               f"give the changed definition version {definition.version + 1}")
        return False
    session.add(ScoringTest(test_id=definition.id, version=definition.version,
                            digest=new_digest, definition=definition.document))
    session.flush()
    return True


def current_test(session: Session, test_id: str) -> TestDefinition:
    """The newest loaded version of a test."""
    row = session.scalars(select(ScoringTest).filter_by(test_id=test_id)
                          .order_by(ScoringTest.version.desc()).limit(1)).one_or_none()
    if row is None:
        raise ScoringError("unknown_test", f"no test {test_id!r} is loaded: load it with "
                           "`scanscore test add FILE`")
    return definition_from_document(row.definition, f"test {test_id} v{row.version}")


@dataclass(frozen=True)
class ScoreRow:
    """What :func:`save_scores` keeps for one student."""

    student_key: str
    inputs: dict[str, Any]
    result: dict[str, Any]


def save_scores(session: Session, definition: TestDefinition, rows: Iterable[ScoreRow]) -> int:
    """Keep each student's scores; a row for inputs already scored by this definition
    version is not added again. A new row becomes current and the student's previous
    rows stay as history. Returns the number of rows added. Set-wise: a few statements per
    thousand students, not one per student."""
    added = 0
    rows = list(rows)
    for start in range(0, len(rows), CHUNK):
        added += _save_chunk(session, definition, rows[start:start + CHUNK])
    return added


def _save_chunk(session: Session, definition: TestDefinition, rows: list[ScoreRow]) -> int:
    digests = {row.student_key: digest(row.inputs) for row in rows}
    existing = set(session.execute(
        select(StudentScore.student_key, StudentScore.inputs_digest).where(
            StudentScore.test_id == definition.id,
            StudentScore.definition_version == definition.version,
            StudentScore.student_key.in_(digests))).all())
    new = [row for row in rows if (row.student_key, digests[row.student_key]) not in existing]
    if not new:
        return 0
    session.execute(update(StudentScore).where(
        StudentScore.test_id == definition.id, StudentScore.current.is_(True),
        StudentScore.student_key.in_([row.student_key for row in new])).values(current=False))
    session.execute(insert(StudentScore), [
        {"test_id": definition.id, "definition_version": definition.version,
         "student_key": row.student_key, "inputs_digest": digests[row.student_key],
         "inputs": row.inputs, "result": row.result, "current": True, "scored_at": utcnow()}
        for row in new])
    return len(new)
