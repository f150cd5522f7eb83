"""The ``forms`` command group, driven with click's CliRunner."""

from __future__ import annotations

import json

import pypdfium2
from click.testing import CliRunner
from PIL import Image

from sample_sheets.cli import forms
from sample_sheets.codes import lithocode_for
from tests.sample_sheets.form_docs import example_doc, write_doc


def run(*args: str):
    return CliRunner().invoke(forms, list(args))


def test_list_shows_every_shipped_form():
    result = run("list")
    assert result.exit_code == 0, result.output
    for form_id, code in [("school_header", 100), ("answer_folder", 101),
                          ("writing_document", 102), ("eoc_answer_sheet", 103),
                          ("demographic_intake", 104), ("rating_sheet", 105)]:
        line = next(li for li in result.output.splitlines() if li.startswith(form_id))
        assert f" {code} " in line


def test_show_text():
    result = run("show", "rating_sheet")
    assert result.exit_code == 0
    title = "rating_sheet: Alternate Assessment Rating Sheet (form code 105, 1 page)"
    assert title in result.output
    assert "ratings" in result.output and "10 × 5" in result.output


def test_show_json_geometry():
    result = run("show", "answer_folder", "--json")
    geo = json.loads(result.output)
    assert (geo["form"], geo["form_code"], len(geo["pages"])) == ("answer_folder", 101, 4)
    page = geo["pages"][0]
    assert set(page) == {"page", "width_in", "height_in", "bubbles", "registration", "page_id",
                         "lithocode", "write_in", "areas", "barcodes"}
    first = page["bubbles"][0]
    assert first == {"field": "last_name", "key": "1", "option": "A", "x_in": 0.76, "y_in": 3.0,
                     "w_in": 0.17, "h_in": 0.12}
    assert page["areas"][0]["kind"] == "label" and len(page["registration"]) == 4
    assert geo["thresholds"]["count_from"] == 5


def test_show_a_form_file(tmp_path):
    path = write_doc(tmp_path / "quiz.yaml", example_doc())
    result = run("show", str(path), "--json")
    assert json.loads(result.output)["form"] == "quiz_sheet"


def test_show_a_bad_form_names_file_and_place(tmp_path):
    doc = example_doc()
    doc["pages"][0]["fields"][1]["kind"] = "gird"
    path = write_doc(tmp_path / "bad.yaml", doc)
    result = run("show", str(path))
    assert result.exit_code == 1
    assert f"{path}: pages[0].fields[1] (gender).kind" in result.output


def test_render_png_copies_with_lithocodes(tmp_path):
    result = run("render", "eoc_answer_sheet", "--out", str(tmp_path), "--format", "png",
                 "--dpi", "100", "--lithocode", "41", "--copies", "2")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    codes = [lithocode_for(41), lithocode_for(42)]
    assert names == [f"eoc_answer_sheet_{c}_p{n}.png" for c in codes for n in (1, 2)]
    assert all(f"wrote {tmp_path / n}" in result.output for n in names)
    image = Image.open(tmp_path / names[0])
    assert image.size == (850, 1100) and image.mode == "L"


def test_render_tif_is_group4_bitonal(tmp_path):
    result = run("render", "school_header", "--out", str(tmp_path), "--format", "tif",
                 "--dpi", "200")
    assert result.exit_code == 0, result.output
    image = Image.open(tmp_path / "school_header_blank_p1.tif")
    assert image.mode == "1" and image.info["compression"] == "group4"
    assert image.info["dpi"] == (200, 200)


def test_render_pdf(tmp_path):
    result = run("render", "answer_folder", "--out", str(tmp_path), "--lithocode", "7",
                 "--copies", "3")
    assert result.exit_code == 0, result.output
    path = tmp_path / f"answer_folder_{lithocode_for(7)}-{lithocode_for(9)}.pdf"
    assert len(pypdfium2.PdfDocument(path)) == 12


def test_copies_need_a_lithocode(tmp_path):
    result = run("render", "answer_folder", "--out", str(tmp_path), "--copies", "2")
    assert result.exit_code == 2 and "--copies needs --lithocode" in result.output
