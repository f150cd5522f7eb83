"""Pre-ID files: both layouts, a bad row refused with its line (nothing loaded), a
re-import keeping history, a read label supplying demographics, an unknown label."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from scoring.cli import preid_import
from scoring.matching import apply_labels
from scoring.models import PreIdStudent
from scoring.preid import FIXED_WIDTH, PreIdFileError, preid_index, read_preid_file
from scoring.records import Demographics, ScoringDocument
from station.db import session_scope

HEADER = "preid,district,school,grade,ssid,last_name,first_name,birth_date,gender,non_tester\n"
LEE = "P000000001,0101,S1,05,1234567890,Lee,Kim,20160102,F,\n"
ROSS = "P000000002,0101,S1,05,,Ross,Ann,,M,Y\n"


def fixed(**values):
    line = ""
    for name, first, last in FIXED_WIDTH:
        line += values.get(name, "").ljust(last - first + 1)
    return line.rstrip() + "\n"


@pytest.fixture
def env(monkeypatch, app_config):
    monkeypatch.setenv("DATABASE_URL", str(app_config["DATABASE_URL"]))


def _students():
    with session_scope() as session:
        return [(r.preid, r.version, r.current, r.last_name, r.non_tester)
                for r in session.scalars(select(PreIdStudent).order_by(PreIdStudent.id))]


def test_csv_import_then_a_reimport_updates_and_keeps_history(env, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + LEE + ROSS)
    first = CliRunner().invoke(preid_import, [str(path)])
    assert first.exit_code == 0, first.output
    assert "2 students: 2 new, 0 updated, 0 unchanged (1 known non-testers)" in first.output
    path.write_text(HEADER + LEE.replace("Lee", "Lee-Park") + ROSS)
    again = CliRunner().invoke(preid_import, [str(path)])
    assert "0 new, 1 updated, 1 unchanged" in again.output
    assert _students() == [("P000000001", 1, False, "Lee", False),
                           ("P000000002", 1, True, "Ross", True),
                           ("P000000001", 2, True, "Lee-Park", False)]


def test_fixed_width_layout(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text(fixed(preid="P000000003", district="0101", school="S2", grade="06",
                          ssid="0000000042", last_name="O'Neil", first_name="Sam",
                          birth_date="20150930", gender="M"))
    [record] = read_preid_file(path)
    assert (record.preid, record.school, record.last_name, record.birth_date, record.ssid) == (
        "P000000003", "S2", "O'Neil", "2015-09-30", "0000000042")


def test_a_bad_row_is_refused_with_its_line_and_nothing_is_loaded(env, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + LEE + "P000000009,0101,S1,05,12AB,Fox,,20161332,Q,\n")
    result = CliRunner().invoke(preid_import, [str(path)])
    assert result.exit_code == 1
    for problem in ("line 3: first_name: missing",
                    "line 3: birth_date: '20161332' is not a date (YYYYMMDD)",
                    "line 3: gender: 'Q' is not M, F or X",
                    "line 3: ssid: '12AB' is not 10 digits"):
        assert problem in result.output
    assert "nothing imported" in result.output and _students() == []


def test_a_preid_listed_twice(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + LEE + LEE)
    with pytest.raises(PreIdFileError, match="line 3: preid P000000001 is also on line 2"):
        read_preid_file(path)


def test_a_read_label_supplies_demographics_and_an_unknown_one_is_a_condition(env, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + LEE)
    assert CliRunner().invoke(preid_import, [str(path)]).exit_code == 0
    with session_scope() as session:
        index = preid_index(session)
    blank = ScoringDocument(1, "000001", "answer_folder", {}, Demographics(preid="P000000001"))
    unknown = ScoringDocument(2, "000002", "answer_folder", {},
                              Demographics("S1", "05", preid="P000000077", ssid="1111111111"))
    docs, conditions = apply_labels([blank, unknown], index)
    assert docs[0].demographics == Demographics("S1", "05", "P000000001", "1234567890", "Lee",
                                                "Kim", "2016-01-02", "F")
    assert [c.code for c in conditions] == ["unknown_label"]
    assert docs[1].demographics.ssid == "1111111111" and docs[1].demographics.preid == ""
