"""Every shipped form loads, validates and keeps its bubbles apart and on the page
(computed here from the expanded geometry, not taken from the loader's word)."""

from __future__ import annotations

import itertools
import json

import jsonschema
import numpy as np
import pytest
import yaml

from sample_sheets.codes import REGISTRATION_INSET_IN, decode_page_id, encode_page_id
from sample_sheets.loader import (
    FORMS_DIR,
    SCHEMA_PATH,
    form_from_document,
    load_forms,
    shipped_form_ids,
)
from tests.sample_sheets.form_docs import example_doc, shipped

SHIPPED = shipped_form_ids()


def test_six_forms_are_shipped_with_unique_codes():
    forms = load_forms()
    assert set(forms) == {"school_header", "answer_folder", "writing_document",
                          "eoc_answer_sheet", "demographic_intake", "rating_sheet"}
    codes = [f.form_code for f in forms.values()]
    assert len(set(codes)) == len(codes) and all(1 <= c <= 1023 for c in codes)


@pytest.mark.parametrize("form_id", SHIPPED)
def test_shipped_file_validates_against_the_published_schema(form_id):
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.validate(yaml.safe_load((FORMS_DIR / f"{form_id}.yaml").read_text()), schema)


@pytest.mark.parametrize("form_id", SHIPPED)
def test_bubbles_on_the_page_and_apart(form_id):
    for page in shipped()[form_id].pages:
        if len(page.bubbles) < 2:
            continue
        arr = page.bubble_array
        lo, hi = arr[:, :2] - arr[:, 2:] / 2, arr[:, :2] + arr[:, 2:] / 2
        assert (lo >= 0.6 - 1e-9).all() and (hi[:, 0] <= page.width_in - 0.6 + 1e-9).all()
        assert (hi[:, 1] <= page.height_in - 0.6 + 1e-9).all()
        gap_x = np.maximum(lo[:, None, 0] - hi[None, :, 0], lo[None, :, 0] - hi[:, None, 0])
        gap_y = np.maximum(lo[:, None, 1] - hi[None, :, 1], lo[None, :, 1] - hi[:, None, 1])
        gap = np.maximum(gap_x, gap_y)
        np.fill_diagonal(gap, np.inf)
        assert gap.min() >= 0.03 - 1e-9, f"page {page.number}: bubbles closer than 0.03 in"


@pytest.mark.parametrize("form_id", SHIPPED)
def test_every_key_has_one_bubble_per_option(form_id):
    for f in shipped()[form_id].fields.values():
        if f.kind in ("response", "label"):
            assert f.areas and not f.bubbles
            continue
        pairs = [(b.key, b.option) for b in f.bubbles]
        assert pairs == list(itertools.product(f.keys, f.option_codes))
        if f.write_in:
            assert len(f.write_in) == len(f.keys)


def test_registration_and_strip_are_the_same_on_every_page():
    pages = [p for f in shipped().values() for p in f.pages]
    assert len({(p.registration, p.page_id) for p in pages}) == 1
    marks = pages[0].registration
    assert {(m.x_in, m.y_in) for m in marks} == {
        (REGISTRATION_INSET_IN, REGISTRATION_INSET_IN), (8.5 - REGISTRATION_INSET_IN, 0.4),
        (0.4, 11 - REGISTRATION_INSET_IN), (8.1, 10.6)}


def test_page_id_round_trips_for_every_page():
    for form in shipped().values():
        for page in form.pages:
            assert decode_page_id(encode_page_id(form.form_code, page.number)) == (
                form.form_code, page.number)


def test_answer_folder_content():
    form = shipped()["answer_folder"]
    f = form.fields
    assert len(form.pages) == 4 and all(p.lithocode for p in form.pages)
    assert (len(f["last_name"].keys), len(f["first_name"].keys), len(f["middle_initial"].keys)
            ) == (15, 11, 1)
    assert f["last_name"].option_codes == tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert f["ssid"].option_codes == tuple("0123456789") and len(f["ssid"].keys) == 10
    assert len(f["reading"].keys) >= 60 and f["reading"].option_codes == tuple("ABCD")
    assert len(f["mathematics"].keys) >= 60 and f["mathematics"].option_codes == tuple("ABCDE")
    assert {"A", "P", "M", "I"} <= set(f["special_codes"].option_codes)
    assert f["program_flags"].selection == "multiple" and f["pre_id_label"].kind == "label"
    assert {r["id"] for r in form.edit_rules} >= {"name_blank_start", "lithocode_unreadable",
                                                  "page_missing", "blank_document"}


def test_other_forms_content():
    forms = shipped()
    assert forms["school_header"].pages[0].barcodes[0].symbology == "code128"
    writing = forms["writing_document"].fields["response"]
    assert len({a.page for a in writing.areas}) >= 2
    eoc = forms["eoc_answer_sheet"]
    assert len(eoc.pages) == 2 and "test_choice" in eoc.fields
    ratings = forms["rating_sheet"].fields
    assert len(ratings["ratings"].keys) >= 8 and ratings["ratings"].option_codes == tuple("01234")
    assert ratings["rater_type"].option_codes == ("E", "O")
    intake = forms["demographic_intake"].fields
    assert {"ethnicity", "language_fluency", "program_flags", "not_tested_reason"} <= set(intake)


def test_the_docs_example_loads():
    form = form_from_document(example_doc(), "docs/forms.md")
    assert form.id == "quiz_sheet" and len(form.pages[0].bubbles) == 6 * 10 + 2 + 20 * 4
