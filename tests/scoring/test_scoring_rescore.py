"""Scoring in the database: idempotent, one correction rescoring exactly one student, the
previous scores kept as history, writing scores and their versions."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from scoring.definitions import definition_from_document
from scoring.models import StudentScore
from scoring.records import Demographics, ItemResponse, ScoringDocument
from scoring.run import WritingScore, score_students
from station.db import session_scope
from tests.scoring.hand_worked import HAND_WORKED

D = definition_from_document(HAND_WORKED)


def folder(n, answers, ssid, version=1):
    reading = {str(k + 1): ItemResponse(v.strip()) for k, v in enumerate(answers)}
    return ScoringDocument(n, f"{n:06d}", "answer_folder", {"reading": reading},
                           Demographics("S1", "5", ssid=ssid), version=version)


def writing(n, ssid):
    return ScoringDocument(n, f"{n:06d}", "writing_document", {},
                           Demographics("S1", "5", ssid=ssid))


DOCS = [folder(1, "ABCDA", "A"), folder(2, "DDAB ", "B"), folder(3, "A*C A", "C"),
        writing(11, "A"), writing(13, "C")]
WRITING = [WritingScore(11, "writing", 4), WritingScore(13, "writing", 3)]


@pytest.fixture
def db(app_config):
    return str(app_config["DATABASE_URL"])


def _run(db, docs, writing_scores=WRITING):
    with session_scope(db) as session:
        return score_students(session, D, docs, writing=writing_scores,
                              expected_kinds=("answer_folder", "writing_document"))


def _rows(db):
    with session_scope(db) as session:
        return [(r.student_key, r.current, r.result["raw"], r.result["scale"])
                for r in session.scalars(select(StudentScore).order_by(StudentScore.id))]


def test_score_twice_adds_nothing(db):
    first = _run(db, DOCS)
    assert (first.students, first.scored, first.unmatched) == (3, 3, 1)  # B wrote nothing
    assert _rows(db) == [("S1/5/ssid:A", True, 7.0, 200), ("S1/5/ssid:B", True, 2.0, 101),
                         ("S1/5/ssid:C", True, 5.5, 176)]
    second = _run(db, DOCS)
    assert (second.scored, second.unchanged) == (0, 3)
    assert len(_rows(db)) == 3


def test_a_correction_rescores_exactly_one_student_and_keeps_history(db):
    _run(db, DOCS)
    corrected = [folder(2, "DBAB ", "B", version=2) if d.document_id == 2 else d for d in DOCS]
    summary = _run(db, corrected)
    assert (summary.scored, summary.unchanged) == (1, 2)
    assert _rows(db)[1] == ("S1/5/ssid:B", False, 2.0, 101)  # history
    assert _rows(db)[3] == ("S1/5/ssid:B", True, 2.0, 101)   # item 2: D then B, both keys
    with session_scope(db) as session:
        row = session.scalars(select(StudentScore).filter_by(current=True,
                                                             student_key="S1/5/ssid:B")).one()
        assert row.definition_version == 1
        assert row.inputs["documents"]["2"]["version"] == 2


def test_a_handscoring_rescore_rescores_that_student(db):
    _run(db, DOCS)
    summary = _run(db, DOCS, [WRITING[0], replace(WRITING[1], points=1, version=2)])
    assert summary.scored == 1
    assert _rows(db)[-1] == ("S1/5/ssid:C", True, 4.5, 153)


def test_a_demographic_change_that_unmatches_rescores(db):
    _run(db, DOCS)
    moved = [replace(d, demographics=Demographics("S1", "5", ssid="Z"))
             if d.document_id == 13 else d for d in DOCS]
    summary = _run(db, moved)
    assert summary.scored == 1 and summary.unmatched == 3  # B, C without writing; Z alone
    assert _rows(db)[-1] == ("S1/5/ssid:C", True, 4.0, 142)
    with session_scope(db) as session:
        assert session.scalar(select(func.count()).select_from(StudentScore)
                              .filter_by(current=True)) == 3
