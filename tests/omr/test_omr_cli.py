import json

import cv2
import pytest
from click.testing import CliRunner

import omr.cli
import omr.read
from omr.cli import read_command
from tests.omr.omr_synth import draw_blank, fill, scan


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
    assert lines[0]["reason"] == "not an image: starts with text (12 bytes)"
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


@pytest.fixture(scope="module")
def deck_files(tmp_path_factory):
    """One answer folder (4 pages, typical effects) as files, plus the same
    pages as one multi-page TIFF and a bad file of each kind."""
    from PIL import Image

    from sample_sheets.deck import generate_deck, write_deck
    from sample_sheets.loader import load_form
    out = tmp_path_factory.mktemp("deck")
    deck = generate_deck(load_form("answer_folder"), 1, seed=4, effects="typical")
    truth = json.loads(write_deck(deck, out).read_text())
    files = [str(out / p["file"]) for p in truth["documents"][0]["pages"]]
    pages = [Image.open(f).convert("L") for f in files]
    pages[0].save(out / "folder.tif", save_all=True, append_images=pages[1:],
                  compression="tiff_lzw")
    jpeg = cv2.imencode(".jpg", cv2.imread(files[0], cv2.IMREAD_GRAYSCALE))[1].tobytes()
    (out / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    Image.new("1", (20_000, 20_000), 1).save(out / "huge.png")
    return truth["documents"][0], files, out


def test_reads_deck_files_with_two_workers(deck_files):
    doc, files, out = deck_files
    bad = [str(out / "truncated.jpg"), str(out / "huge.png")]
    result = CliRunner().invoke(read_command, ["--workers", "2", *files, str(out / "folder.tif"),
                                               *bad])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["frame"], r["page"], r["status"]) for r in records] == [
        (0, p, "ok") for p in (1, 2, 3, 4)] + [(i, i + 1, "ok") for i in range(4)] + [
        (0, None, "exception")] * 2
    assert {r["lithocode"] for r in records[:8]} == {doc["lithocode"]}
    assert records[8]["reason"].startswith("truncated JPEG")
    assert records[9]["reason"].startswith("image too large")
    assert records[0]["fields"] == records[4]["fields"]
