"""The whole reader on pages drawn from a hand-built form (no renderer needed)."""

import numpy as np
import pytest

from omr.read import read_page
from tests.omr.omr_synth import draw_blank, fill, scan

LITHO = "12345670"


@pytest.fixture(scope="module")
def marked(synth_form):
    img = draw_blank(synth_form, 1, 300, lithocode=LITHO)
    fill(img, synth_form, "items", "1", "B", 60)
    fill(img, synth_form, "items", "2", "C", 60)
    fill(img, synth_form, "items", "2", "A", 215)
    fill(img, synth_form, "items", "3", "A", 60)
    fill(img, synth_form, "items", "3", "D", 60)
    fill(img, synth_form, "last_name", "1", "C", 60)
    fill(img, synth_form, "flags", "lep", "Y", 60)
    return img


def _read(image, form, templates, **kw):
    return read_page(image, {form.id: form}, name="p.png", templates=templates, **kw)


def _values(record):
    return {(f, k): r.value for f, keys in record.fields.items() for k, r in keys.items()}


@pytest.mark.parametrize("angle, shift, scale, rotate", [
    (0, (0, 0), 1.0, False), (3, (40, -30), 1.02, False), (-3, (-40, 30), 0.98, False),
    (2, (10, 10), 1.0, True), (-3, (0, 0), 1.02, True),
])
def test_registration_takes_skew_shift_scale_and_upside_down(
        synth_form, synth_templates, marked, angle, shift, scale, rotate):
    straight = _read(scan(marked), synth_form, synth_templates)
    record = _read(scan(marked, angle, shift, scale, rotate, noise=6), synth_form,
                   synth_templates)
    assert record.status == "ok", record.reason
    assert record.registration.rotated_180 is rotate
    assert record.registration.residual_px < 1.5
    assert abs(record.registration.skew_deg + angle) < 0.1
    assert _values(record) == _values(straight)
    assert record.lithocode == LITHO


def test_reads_values_flags_and_boxes(synth_form, synth_templates, marked):
    record = _read(scan(marked, noise=6), synth_form, synth_templates)
    items = record.fields["items"]
    assert (items["1"].value, items["1"].flags) == ("B", ())
    assert items["2"].value == "C" and items["2"].erased == ("A",)
    assert items["2"].changed == ("A", "C") and "changed" in items["2"].flags
    assert items["3"].value == "*" and "multiple" in items["3"].flags
    assert items["4"].value == "" and items["4"].flags == ("omit",)
    assert record.fields["last_name"]["1"].value == "C"
    assert record.fields["last_name"]["1"].write_in is not None
    assert record.fields["flags"]["lep"].value == "Y"
    assert record.fields["flags"]["iep"].value == ""
    x, y, w, h = items["1"].bubbles["B"]
    bubble = synth_form.fields["items"].bubbles[1]
    assert abs(x + w / 2 - bubble.x_in * 300) < 3 and abs(y + h / 2 - bubble.y_in * 300) < 3
    assert record.areas["label"] and record.eye_readable


def test_record_round_trips_through_json(synth_form, synth_templates, marked):
    record = _read(scan(marked), synth_form, synth_templates)
    assert type(record).from_json(record.to_json()).to_json() == record.to_json()


def test_reduced_scale_reports_full_size_boxes(synth_form, synth_templates, marked):
    import cv2
    full = _read(scan(marked), synth_form, synth_templates)
    half = cv2.resize(scan(marked), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    record = _read(half, synth_form, synth_templates, scale=2.0)
    assert _values(record) == _values(full)
    assert np.allclose(record.fields["items"]["1"].box, full.fields["items"]["1"].box, atol=3)


@pytest.mark.parametrize("make, reason", [
    (lambda img: np.full_like(img, 240), "blank page"),
    (lambda img: np.where(np.arange(img.shape[1]) % 50 < 20, 40, 240).astype(np.uint8)
     * np.ones((img.shape[0], 1), np.uint8), "registration marks not found"),
])
def test_unreadable_pages_are_exceptions(synth_form, synth_templates, marked, make, reason):
    record = _read(make(scan(marked)), synth_form, synth_templates)
    assert record.status == "exception" and reason in record.reason


def test_page_of_no_known_form(synth_form, synth_templates):
    from tests.omr.omr_synth import make_form
    other = make_form(form_code=99)
    record = _read(scan(draw_blank(other, 1, 300)), synth_form, synth_templates)
    assert (record.status, record.reason) == ("exception", "page of no known form")


def test_lithocode_failing_its_check_digit_is_an_exception(synth_form, synth_templates):
    record = _read(scan(draw_blank(synth_form, 1, 300, lithocode="12345678")), synth_form,
                   synth_templates)
    assert record.status == "exception"
    assert record.reason == "lithocode fails its check digit: 12345678"
    assert record.lithocode is None and record.eye_readable
    assert record.fields["items"]["1"].value == ""


def test_missing_lithocode_is_flagged_not_guessed(synth_form, synth_templates):
    record = _read(scan(draw_blank(synth_form, 1, 300)), synth_form, synth_templates)
    assert record.status == "ok" and record.lithocode is None
    assert record.flags == ("lithocode unread",)


def _square(img, x_in, y_in, side_in, gray, dpi=300):
    h = side_in / 2 * dpi
    img[int(y_in * dpi - h):int(y_in * dpi + h), int(x_in * dpi - h):int(x_in * dpi + h)] = gray


def test_a_decoy_square_beside_a_mark_is_not_taken_for_it(synth_form, synth_templates, marked):
    page = marked.copy()
    _square(page, 7.6, 0.7, 0.25, 0)
    record = _read(scan(page, 2.0, noise=6), synth_form, synth_templates)
    assert record.status == "ok" and record.registration.residual_px < 1.5


def test_one_hidden_mark_registers_from_three(synth_form, synth_templates, marked):
    page = marked.copy()
    _square(page, 8.0, 10.5, 0.4, 255)
    record = _read(scan(page, -1.5, noise=6), synth_form, synth_templates)
    assert record.status == "ok" and record.registration.residual_px < 1.5
    assert _values(record) == _values(_read(scan(marked), synth_form, synth_templates))


def test_two_hidden_marks_register_from_two_confirmed_by_the_print(synth_form, synth_templates,
                                                                   marked):
    page = marked.copy()
    _square(page, 8.0, 10.5, 0.4, 255)
    _square(page, 0.5, 0.5, 0.4, 255)
    record = _read(scan(page, 1.0, noise=6), synth_form, synth_templates)
    assert record.status == "ok" and record.registration.marks == 2
    assert _values(record) == _values(_read(scan(marked), synth_form, synth_templates))


def test_three_hidden_marks_are_an_exception(synth_form, synth_templates, marked):
    page = marked.copy()
    for x, y in ((8.0, 10.5), (0.5, 0.5), (8.0, 0.5)):
        _square(page, x, y, 0.4, 255)
    record = _read(scan(page), synth_form, synth_templates)
    assert (record.status, record.code, record.reason) == (
        "exception", "marks_not_found", "registration marks not found (1 of 4)")
