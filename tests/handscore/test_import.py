"""``scanscore handscore prompt add`` and ``import``: images and typed text, idempotent,
and bad manifests refused with nothing stored."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app import cli
from handscore.models import Response
from station.images import ImageStore
from tests.handscore.conftest import PROMPT


@pytest.fixture
def run(app_config, monkeypatch):
    """Runs ``scanscore ...`` on the test's database and image store."""
    for name in ("DATABASE_URL", "SCANSCORE_IMAGE_STORE", "SCANSCORE_VAR"):
        monkeypatch.setenv(name, str(app_config[name]))

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def prompt_file(tmp_path):
    path = tmp_path / "prompt.json"
    path.write_text(json.dumps({**PROMPT, "traits": [
        {"name": "ideas", "min": 0, "max": 3}, {"name": "conventions", "min": 0, "max": 3}]}))
    return path


def write_png(path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cv2.imwrite(str(path), rng.integers(0, 256, (60, 200), dtype=np.uint8))


def responses(db) -> list[Response]:
    with db() as session:
        return list(session.scalars(select(Response).order_by(Response.external_id)))


def test_images_and_typed_text_imported_once(run, db, prompt_file, tmp_path, app_config):
    assert run("handscore", "prompt", "add", str(prompt_file)).exit_code == 0
    (tmp_path / "scans").mkdir()
    write_png(tmp_path / "scans" / "a1.png", 1)
    write_png(tmp_path / "scans" / "a2.png", 2)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("id,image,text,kind,true_ideas,true_conventions,set\n"
                        "S-001,scans/a1.png;scans/a2.png,,,,,\n"
                        "S-002,,My summer was long.,,,,\n"
                        "V-001,,A validity paper.,validity,2,3,\n")
    result = run("handscore", "import", str(manifest), "--prompt", PROMPT["id"])
    assert result.exit_code == 0 and "3 responses added, 0 there already" in result.output
    again = run("handscore", "import", str(manifest), "--prompt", PROMPT["id"])
    assert "0 responses added, 3 there already" in again.output
    s1, s2, v1 = responses(db)
    assert (s1.external_id, len(s1.image_keys), s1.text, s1.need) == ("S-001", 2, None, 1)
    store = ImageStore(app_config["SCANSCORE_IMAGE_STORE"])
    page = cv2.imdecode(np.frombuffer(store.get(s1.image_keys[1]), np.uint8),
                        cv2.IMREAD_GRAYSCALE)
    assert page.shape == (60, 200)
    assert (s2.text, s2.image_keys) == ("My summer was long.", [])
    assert (v1.kind, v1.true_scores, v1.need) == ("validity", {"ideas": 2, "conventions": 3}, 0)


@pytest.mark.parametrize(("rows", "says"), [
    ("S-1,missing.png\n", "line 3: image 'missing.png' is missing"),
    ("S-1,notes.png\n", "line 3: image 'notes.png': not an image"),
    ("S-1,../outside.png\n", "outside the manifest's folder"),
    ("S-1,\n", "line 3: give either text or image"),
    ("S-1,good.png\nS-1,good.png\n", "line 4: id 'S-1' repeats"),
])
def test_a_bad_row_stores_nothing(run, db, prompt_file, tmp_path, rows, says):
    run("handscore", "prompt", "add", str(prompt_file))
    folder = tmp_path / "m"
    folder.mkdir()
    write_png(folder / "good.png", 3)
    write_png(tmp_path / "outside.png", 4)
    (folder / "notes.png").write_text("these are not pixels")
    manifest = folder / "manifest.csv"
    manifest.write_text("id,image\nS-0,good.png\n" + rows)
    result = run("handscore", "import", str(manifest), "--prompt", PROMPT["id"])
    assert result.exit_code == 1 and says in result.output and "nothing imported" in result.output
    assert responses(db) == []


def test_bad_headers_and_true_scores(run, db, prompt_file, tmp_path):
    run("handscore", "prompt", "add", str(prompt_file))
    for text, says in [
        ("name,text\nx,hello\n", "the header needs 'id' and 'text' or 'image'"),
        ("id,text,score\nx,hello,3\n", "unknown columns score"),
        ("id,text,kind,true_ideas,true_conventions\nx,hi,validity,4,1\n",
         "true score: trait 'ideas': score 4 is outside 0-3"),
        ("id,text,kind\nx,hi,qualifying\n", "needs its true scores"),
        ("id,text,kind\nx,hi,homework\n", "kind 'homework' is not one of"),
    ]:
        manifest = tmp_path / "bad.csv"
        manifest.write_text(text)
        result = run("handscore", "import", str(manifest), "--prompt", PROMPT["id"])
        assert result.exit_code == 1 and says in result.output, result.output
    assert responses(db) == []
    result = run("handscore", "import", str(manifest), "--prompt", "NO-SUCH")
    assert result.exit_code == 1 and "no prompt 'NO-SUCH'" in result.output


def test_prompt_files_refused_with_the_reason(run, db, tmp_path):
    for data, says in [
        ({**PROMPT, "traits": []}, "at least one trait"),
        ({**PROMPT, "second_read_rate": 140}, "second_read_rate: 140 is outside 0-100"),
    ]:
        path = tmp_path / "p.json"
        path.write_text(json.dumps(data))
        result = run("handscore", "prompt", "add", str(path))
        assert result.exit_code == 1 and says in result.output
    path.write_text("{not json")
    assert "not JSON" in run("handscore", "prompt", "add", str(path)).output
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0


def test_agreement_command_formats(run, prompt_file):
    run("handscore", "prompt", "add", str(prompt_file))
    table = run("handscore", "agreement")
    assert table.exit_code == 0 and "qwk" in table.output and "ideas" in table.output
    data = json.loads(run("handscore", "agreement", "--format", "json").output)
    assert [row["trait"] for row in data["prompts"]] == ["ideas", "conventions"]
    assert run("handscore", "agreement", "--format", "csv", "--by", "scorer").exit_code == 0
