"""The reader on the deck generator's pages (docs/decks.md) against their truth."""

from dataclasses import replace

import numpy as np
import pytest

from omr.decisions import REVIEW_FLAGS, level_class
from omr.levels import TemplateCache
from omr.read import read_page
from sample_sheets.deck import effects as fx
from sample_sheets.deck import generate_deck
from sample_sheets.loader import load_forms

FORMS = load_forms()
TEMPLATES = TemplateCache()


@pytest.fixture(scope="module")
def coverage():
    """Per form id: [(document truth, page truth, image, record)] of its clean
    coverage deck, each page read once."""
    cache = {}

    def get(form_id):
        if form_id not in cache:
            deck = generate_deck(FORMS[form_id], 1, seed=1, effects="none", coverage=True)
            cache[form_id] = [(d.truth, p.truth, p.image,
                               read_page(p.image, FORMS, templates=TEMPLATES))
                              for d in deck.documents() for p in d.pages]
        return cache[form_id]
    return get


def _keys(page_truth, record):
    for fname, keys in page_truth["fields"].items():
        for key, kt in keys.items():
            yield fname, key, kt, record.fields[fname][key]


COVERAGE_FORMS = sorted(set(FORMS) - {"writing_document"})
"""The writing document's coverage deck takes minutes to write its essays; its
bubbles (demographics) are read by the accuracy benchmark's coverage decks."""


@pytest.mark.parametrize("form_id", COVERAGE_FORMS)
def test_coverage_deck_reads_every_bubble_class_and_item_value(coverage, form_id):
    form = FORMS[form_id]
    wrong_values, wrong_classes, pages = [], [], 0
    for doc, page, _, record in coverage(form_id):
        assert (record.status, record.form, record.page) == ("ok", form_id, page["page"]), \
            record.reason
        if FORMS[form_id].page(page["page"]).lithocode:
            assert record.lithocode == doc["lithocode"]
        pages += 1
        for fname, key, kt, kr in _keys(page, record):
            if kr.value != kt["value"]:
                wrong_values.append((page["file"], fname, key, kt, kr))
            for option, level in kr.levels.items():
                truth = kt["bubbles"].get(option, {"class": "blank"})["class"]
                if level_class(level, form.thresholds) != truth:
                    wrong_classes.append((page["file"], fname, key, option, level, truth))
    assert pages and not wrong_values and not wrong_classes


def _situation(kt):
    """A truth key's marking situation and the decision docs/omr.md promises:
    (name, value, flags, erased, changed)."""
    bubbles = kt["bubbles"]
    marks = {o: b for o, b in bubbles.items() if b["class"] in ("mark", "light")}
    erased = [o for o, b in bubbles.items() if b["class"] == "erased"]
    light = ("light",) if any(b["class"] == "light" for b in marks.values()) else ()
    if len(marks) >= 2:
        return "multiple", "*", ("multiple",), (), None
    if marks and erased:
        (final, b), = marks.items()
        return "erased_remarked", final, ("erasure", "changed", *light), tuple(erased), (
            erased[0], final)
    if marks:
        (option, b), = marks.items()
        return b["style"], option, light, (), None
    if erased:
        return "erased", "", ("omit", "erasure"), tuple(erased), None
    if bubbles:
        return "stray", "", ("omit",), (), None
    return "blank", "", ("omit",), (), None


@pytest.mark.parametrize("situation", ["dark", "partial", "check", "x", "light", "erased",
                                       "erased_remarked", "stray", "multiple", "blank"])
def test_each_marking_style_gives_the_documented_decision(coverage, situation):
    seen, wrong = 0, []
    for _, page, _, record in coverage("answer_folder"):
        for fname, key, kt, kr in _keys(page, record):
            name, value, flags, erased, changed = _situation(kt)
            if name != situation:
                continue
            seen += 1
            got = (kr.value, kr.flags, kr.erased, kr.changed)
            if got != (value, flags, erased, changed):
                wrong.append((page["file"], fname, key, kt, got))
    assert seen and not wrong, wrong[:5]


STRONGEST = {
    "upside down": fx.ScanEffects(rotated_180=True),
    "skew +3°": fx.ScanEffects(skew_deg=3.0),
    "skew -3°": fx.ScanEffects(skew_deg=-3.0),
    "shift": fx.ScanEffects(shift_in=(0.15, -0.15)),
    "scale +2%": fx.ScanEffects(scale=1.02),
    "scale -2%": fx.ScanEffects(scale=0.98),
    "tone": fx.ScanEffects(paper=215, black=60),
    "blur": fx.ScanEffects(blur_sigma=1.5),
    "streaks": fx.ScanEffects(streaks=((400, -40), (1300, -40), (2100, 25))),
    "noise": fx.ScanEffects(noise_sigma=10.0),
    "speckle": fx.ScanEffects(speckle=400),
    "bitonal": fx.ScanEffects(bitonal_threshold=int(round(255 - fx.BITONAL_DARKNESS * 255))),
    "jpeg": fx.ScanEffects(jpeg_quality=40),
}


@pytest.mark.parametrize("effect", sorted(STRONGEST))
def test_each_scan_effect_alone_at_its_strongest_reads_or_flags(coverage, effect):
    rng = np.random.default_rng(5)
    for doc, page, image, _ in coverage("answer_folder")[:4]:
        scan = fx.apply_effects(image, STRONGEST[effect], 300, rng)
        record = read_page(scan, FORMS, templates=TEMPLATES)
        assert (record.status, record.page) == ("ok", page["page"]), record.reason
        assert record.registration.rotated_180 == (effect == "upside down")
        assert ("bitonal" in record.flags) == (effect == "bitonal")
        assert record.lithocode == doc["lithocode"]
        silent = [(fname, key, kt["value"], kr.value) for fname, key, kt, kr in _keys(page, record)
                  if kr.value != kt["value"] and not set(kr.flags) & set(REVIEW_FLAGS)]
        assert not silent


def test_blank_sheet_is_an_exception():
    record = read_page(np.full((3300, 2550), 236, np.uint8), FORMS, templates=TEMPLATES)
    assert (record.status, record.reason) == ("exception", "blank page")


def test_page_of_an_unknown_form_is_an_exception():
    from sample_sheets.render import render_page
    stranger = replace(FORMS["answer_folder"], form_code=999)
    record = read_page(render_page(stranger, 2), FORMS, templates=TEMPLATES)
    assert (record.status, record.reason) == ("exception", "page of no known form")


def test_page_of_another_form_than_the_one_given_is_an_exception(coverage):
    image = coverage("answer_folder")[0][2]
    other = replace(FORMS["answer_folder"], form_code=998, id="other")
    record = read_page(image, FORMS, form=other, templates=TEMPLATES)
    assert (record.status, record.reason) == ("exception", "page of no known form")


def test_lithocode_failing_its_check_digit_is_an_exception():
    from sample_sheets.render import render_page
    from tests.omr.omr_synth import draw_barcode
    form = FORMS["answer_folder"]
    image = render_page(form, 1)
    draw_barcode(image, form.page(1).lithocode.box, "00000018", 300)
    record = read_page(image, FORMS, templates=TEMPLATES)
    assert (record.status, record.reason) == (
        "exception", "lithocode fails its check digit: 00000018")
    assert record.eye_readable and record.form == "answer_folder" and record.fields


def test_a_72_dpi_page_is_an_exception():
    from sample_sheets.render import render_page
    record = read_page(render_page(FORMS["answer_folder"], 1, dpi=72), FORMS, templates=TEMPLATES)
    assert record.status == "exception" and record.reason.startswith("resolution too low: 72 px")
