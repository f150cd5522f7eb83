"""Scoring students in the database: labels applied, documents matched, each student whose
inputs changed scored (vectorised over them all) and kept with its history.

Rescoring after a correction is the same call with the corrected documents: a student whose
documents, versions and writing scores are what the current row was scored from is not
scored again; one whose inputs changed gets a new current row and keeps the old as history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring.definitions import TestDefinition
from scoring.matching import MatchCondition, Student, apply_labels, match_documents
from scoring.models import StudentScore
from scoring.records import Demographics, ScoringDocument, response_arrays
from scoring.results import score_record
from scoring.scorer import score
from scoring.store import ScoreRow, digest, save_scores


@dataclass(frozen=True)
class WritingScore:
    """A final score of one trait of a writing document (from handscoring)."""

    document_id: int
    trait: str
    points: float
    version: int = 1


@dataclass
class RunSummary:
    students: int = 0
    scored: int = 0
    unchanged: int = 0
    excluded: int = 0
    unmatched: int = 0
    conditions: list[MatchCondition] = field(default_factory=list)


def score_students(session: Session, definition: TestDefinition,
                   documents: Iterable[ScoringDocument], *,
                   preid: Mapping[str, Demographics] | None = None,
                   writing: Iterable[WritingScore] = (),
                   expected_kinds: Iterable[str] = ()) -> RunSummary:
    docs, conditions = apply_labels(documents, preid or {})
    matching = match_documents(docs, definition.matching_keys, expected_kinds)
    summary = RunSummary(students=len(matching.students), unmatched=len(matching.unmatched),
                         conditions=conditions + matching.conditions)
    by_document = _writing_by_document(writing)
    current = dict(session.execute(
        select(StudentScore.student_key, StudentScore.inputs_digest).filter_by(
            test_id=definition.id, definition_version=definition.version, current=True)).all())
    todo: list[tuple[Student, ScoringDocument, dict]] = []
    for student in matching.students:
        scored = student.kinds().get(definition.form, [])
        if len(scored) != 1:
            continue  # none of this test, or a duplicate for a supervisor
        inputs = _inputs(student, by_document)
        if current.get(student.key) == digest(inputs):
            summary.unchanged += 1
            continue
        todo.append((student, scored[0], inputs))
    if not todo:
        return summary
    arrays = response_arrays(definition, [doc for _, doc, _ in todo])
    points = np.array([[_trait(by_document, s, p.name) for p in definition.polytomous]
                       for s, _, _ in todo], float).reshape(len(todo), -1)
    scores = score(definition, arrays.responses, original=arrays.original,
                   erasure_known=arrays.erasure_known, polytomous=points,
                   condition=arrays.condition)
    summary.excluded = int((~scores.counted).sum())
    summary.scored = save_scores(session, definition, [
        ScoreRow(student.key, inputs, score_record(definition, scores, i))
        for i, (student, _, inputs) in enumerate(todo)])
    return summary


def _writing_by_document(writing: Iterable[WritingScore]) -> dict[int, dict[str, WritingScore]]:
    out: dict[int, dict[str, WritingScore]] = {}
    for w in writing:
        out.setdefault(w.document_id, {})[w.trait] = w
    return out


def _inputs(student: Student, writing: Mapping[int, Mapping[str, WritingScore]]) -> dict:
    """What the student's scores come from: each document's version (and its demographics,
    which decide the match) and each writing score's version and points."""
    return {"documents": {str(d.document_id): {"version": d.version,
                                               "demographics": vars(d.demographics)}
                          for d in student.documents},
            "writing": {f"{d.document_id}:{t}": [w.version, w.points]
                        for d in student.documents
                        for t, w in sorted(writing.get(d.document_id, {}).items())}}


def _trait(writing: Mapping[int, Mapping[str, WritingScore]], student: Student,
           trait: str) -> float:
    for doc in student.documents:
        if trait in writing.get(doc.document_id, {}):
            return writing[doc.document_id][trait].points
    return float("nan")
