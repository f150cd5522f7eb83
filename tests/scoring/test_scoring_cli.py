"""``scanscore test add`` and ``scanscore score file`` from the command line."""

from __future__ import annotations

import copy

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, select

from scoring.cli import add_definition, score_file
from scoring.definitions import TESTS_DIR
from scoring.models import ScoringTest
from station.db import session_scope
from tests.scoring.hand_worked import HAND_WORKED


@pytest.fixture
def env(monkeypatch, app_config):
    monkeypatch.setenv("DATABASE_URL", str(app_config["DATABASE_URL"]))


def _loaded() -> list[tuple[str, int]]:
    with session_scope() as session:
        return session.execute(select(ScoringTest.test_id, ScoringTest.version)
                               .order_by(ScoringTest.id)).all()


def test_add_loads_once_and_refuses_a_changed_version(env, tmp_path):
    path = TESTS_DIR / "demo_reading.yaml"
    first = CliRunner().invoke(add_definition, [str(path)])
    assert first.exit_code == 0, first.output
    assert "test demo_reading version 1 (Reading, grade 5, 60 items, form answer_folder): " \
           "loaded" in first.output
    again = CliRunner().invoke(add_definition, [str(path)])
    assert "already loaded, unchanged" in again.output
    changed = yaml.safe_load(path.read_text())
    changed["items"][0]["answer"] = "D" if changed["items"][0]["answer"] != "D" else "A"
    (tmp_path / "changed.yaml").write_text(yaml.safe_dump(changed))
    refused = CliRunner().invoke(add_definition, [str(tmp_path / "changed.yaml")])
    assert refused.exit_code == 1
    assert "already loaded with other content: give the changed definition version 2" \
        in refused.output
    changed["version"] = 2
    (tmp_path / "changed.yaml").write_text(yaml.safe_dump(changed))
    assert CliRunner().invoke(add_definition, [str(tmp_path / "changed.yaml")]).exit_code == 0
    assert _loaded() == [("demo_reading", 1), ("demo_reading", 2)]


def test_add_refuses_a_bad_definition_and_loads_nothing(env, tmp_path):
    bad = copy.deepcopy(HAND_WORKED)
    bad["levels"][1]["cut"] = 300
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    result = CliRunner().invoke(add_definition, [str(tmp_path / "bad.yaml")])
    assert result.exit_code == 1
    assert "levels[2] (L3): cut 165 is not above the previous level's 300" in result.output
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(ScoringTest)) == 0


def _definition_file(tmp_path):
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(HAND_WORKED))
    return str(tmp_path / "t.yaml")


def test_score_file(tmp_path):
    (tmp_path / "r.csv").write_text(
        "student,1,2,3,4,5,writing,condition\n"
        "s1,D,D,A,B,,1,\n"
        "s2,A,B,C,C,A,0,\n"
        "s3,A,*,C,,A,3,A\n")
    result = CliRunner().invoke(score_file, [str(tmp_path / "r.csv"), "--test",
                                             _definition_file(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "student,raw,scale,level,condition,reported,counted,omits,multiples,wrong_to_right,"
        "right_to_wrong,wrong_to_wrong,X,Y",
        "s1,2.5,111,L2,,True,True,1,0,0,0,0,1,1",
        "s2,5.0,165,L3,,True,True,0,0,0,0,0,2,3",
        "s3,5.5,,,A,False,False,1,1,0,0,0,1,3"]


def test_score_file_names_the_line_of_a_bad_response(tmp_path):
    (tmp_path / "r.csv").write_text("student,1,2,3,4,5\ns1,A,B,C,D,A\ns2,A,B,F,D,A\n")
    result = CliRunner().invoke(score_file, [str(tmp_path / "r.csv"), "--test",
                                             _definition_file(tmp_path)])
    assert result.exit_code == 1
    assert "r.csv: line 3: item 3: response 'F' is not an option of the item (ABCD)" \
        in result.output
