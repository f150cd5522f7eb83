import json

import cv2
import pytest
from click.testing import CliRunner
from omr_synth import draw_blank, fill, scan

import omr.cli
import omr.read
from omr.cli import read_command


@pytest.fixture
def synth_cli(monkeypatch, synth_form, synth_templates):
    monkeypatch.setattr(omr.cli, "_load", lambda ref: ({synth_form.id: synth_form}, None))
    monkeypatch.setattr(omr.read, "DEFAULT_TEMPLATES", synth_templates)


@pytest.fixture
def images(tmp_path, synth_form):
    page = draw_blank(synth_form, 1, 300, lithocode="12345670")
    fill(page, synth_form, "items", "1", "B", 60)
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), scan(page))
    (tmp_path / "text.png").write_text("not an image")
    (tmp_path / "empty.jpg").write_bytes(b"")
    return [str(tmp_path / n) for n in ("text.png", "good.png", "empty.jpg")]


def _run(args):
    return CliRunner().invoke(read_command, args)


def test_prints_one_json_line_per_page_and_goes_on_after_bad_files(synth_cli, images):
    result = _run(images)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["status"] for r in lines] == ["exception", "ok", "exception"]
    good = lines[1]
    assert (good["form"], good["page"], good["lithocode"]) == ("synthetic", 1, "12345670")
    item = good["fields"]["items"]["1"]
    assert item["value"] == "B" and set(item["levels"]) == set("ABCD") and item["erased"] == []
    assert lines[0]["reason"].startswith("not a readable image")
    assert lines[2]["reason"] == "empty file"
    assert "1 ok, 2 exceptions" in result.stderr


def test_strict_exits_non_zero_on_exceptions(synth_cli, images):
    assert _run(["--strict", *images]).exit_code == 1
    assert _run(["--strict", images[1]]).exit_code == 0


def test_out_file(synth_cli, images, tmp_path):
    out = tmp_path / "records.jsonl"
    result = _run(["--out", str(out), *images])
    assert result.exit_code == 0
    assert len(out.read_text().splitlines()) == 3
