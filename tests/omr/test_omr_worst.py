"""The worst scans (issue 14): uneven light, corner marks cut off by the scan
frame, a wrong two-mark similarity, a field clipped off the image."""

from dataclasses import replace

import numpy as np
import pytest

from omr.read import read_page
from sample_sheets.deck import effects as fx
from sample_sheets.model import RegistrationMark
from tests.omr.omr_synth import draw_blank, fill, scan

ERASED = 223
"""Pencil gray (before the scanner's tone) of an erasure reading about level 3."""


def _read(image, form, templates, forms=None):
    return read_page(image, forms or {form.id: form}, name="p.png", templates=templates)


def _values(record):
    return {(f, k): r.value for f, keys in record.fields.items() for k, r in keys.items()}


@pytest.fixture(scope="module")
def marked(synth_form):
    img = draw_blank(synth_form, 1, 300, lithocode="12345670")
    for key, option in (("1", "B"), ("4", "D"), ("12", "A"), ("19", "C")):
        fill(img, synth_form, "items", key, option, 60)
    fill(img, synth_form, "last_name", "2", "E", 60)
    return img


def test_a_15_percent_light_gradient_leaves_blanks_blank_and_finds_the_real_erasure(
        synth_form, synth_templates, marked):
    page = marked.copy()
    fill(page, synth_form, "items", "17", "A", ERASED)     # erased first answer, dark side
    fill(page, synth_form, "items", "17", "C", 60)         # the final answer
    shaded = fx.ScanEffects(paper=235, black=25, blur_sigma=0.8, noise_sigma=3.0,
                            illumination=(0.15, 0.0, 0.0))    # darker towards the right
    record = _read(fx.apply_effects(page, shaded, 300, np.random.default_rng(1)), synth_form,
                   synth_templates)
    assert record.status == "ok"
    items = record.fields["items"]
    assert items["17"].value == "C" and items["17"].changed == ("A", "C")
    erasures = {(f, k) for f, keys in record.fields.items() for k, r in keys.items()
                if "erasure" in r.flags}
    assert erasures == {("items", "17")}
    assert max(items["20"].levels.values()) <= 1      # blank bubbles in the darkest part
    assert record.blank.spread < 0.3 and "uneven" not in record.flags
    assert record.to_json()["blank"]["erasure_at"] == 1.5


@pytest.mark.parametrize("shift_px, angle", [(150, 0.0), (210, 1.5)])
def test_two_corner_marks_cut_off_by_the_frame_register_from_two_and_read_right(
        synth_form, synth_templates, marked, shift_px, angle):
    """The right-hand marks (x 8.0 in of 8.5) partly (0.5 in) or wholly (0.7 in) off."""
    straight = _read(scan(marked), synth_form, synth_templates)
    record = _read(scan(marked, angle, (shift_px, 0), noise=5), synth_form, synth_templates)
    assert record.status == "ok", record.reason
    assert record.registration.marks == 2 and record.lithocode == "12345670"
    assert _values(record) == _values(straight)
    assert record.fields["items"]["19"].levels["C"] == 15


def test_two_marks_of_another_forms_layout_are_refused(synth_form, synth_templates, marked):
    """A form whose left-hand marks lie 0.1 in apart from these: the similarity
    from them puts the page-id strip on its cells (it decodes) but the bubble
    outlines beside where they are printed."""
    page = synth_form.page(1)
    moved = tuple(RegistrationMark(m.x_in, 10.4 if m.y_in > 5 else m.y_in, m.size_in)
                  for m in page.registration)
    other = replace(synth_form, pages=(replace(page, registration=moved),))
    image = scan(marked, 0.0, (210, 0), noise=5)
    assert _read(image, synth_form, synth_templates).status == "ok"
    record = _read(image, other, synth_templates)
    assert (record.status, record.code) == ("exception", "registration_unconfirmed")
    assert record.reason.startswith("registration from 2 marks not confirmed by the printed form")
    assert record.fields == {}


def test_a_page_clipped_through_a_field_is_an_exception_naming_it(synth_form, synth_templates,
                                                                 marked):
    """The frame ends at 6.0 in, through the flags field's boxes (y 6.0 in): the
    bottom marks are off, the top two register the page, the field is missing."""
    image = scan(marked)[:int(6.0 * 300)]
    record = _read(image, synth_form, synth_templates)
    assert (record.status, record.code) == ("exception", "clipped")
    assert record.reason == ("page clipped by the scan frame: fields off the image: "
                             "flags (keys iep–lep)")
    assert record.fields == {}
