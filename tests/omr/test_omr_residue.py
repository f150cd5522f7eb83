"""Erasures on bitonal pages (omr.residue): the specks that scan noise leaves of
erasure residue under the bitonal threshold, told from dust and streaks."""

import numpy as np
import pytest

from omr.levels import TemplateCache
from omr.read import read_page
from sample_sheets.deck import effects as fx
from sample_sheets.deck import generate_deck
from sample_sheets.loader import load_forms

FORMS = load_forms()
TEMPLATES = TemplateCache()


def _keys(reads):
    """(key truth, KeyRead) of every key of ``reads``, [(page truth, record)]."""
    for page, record in reads:
        assert record.status == "ok" and "bitonal" in record.flags, record.reason
        for fname, keys in page["fields"].items():
            for key, kt in keys.items():
                yield kt, record.fields[fname][key]


def _found_changes(reads):
    """(changed answers in the truth, those read with their original and final response).
    On harsh G4 scans about half are found (docs/omr.md); by level alone, about one in eight."""
    changed = [(kt, kr) for kt, kr in _keys(reads) if kt["changed"]]
    found = [kr for kt, kr in changed
             if kr.changed == (kt["changed"]["from"], kt["changed"]["to"])
             and kr.value == kt["changed"]["to"] and kt["changed"]["from"] in kr.erased]
    return changed, found


def _erased_blanks(reads):
    """Bubbles read as erased whose truth is blank paper (or a stray line beside them)."""
    return [(kt, kr.erased, kr.reason) for kt, kr in _keys(reads) for option in kr.erased
            if kt["bubbles"].get(option, {"class": "blank"})["class"] == "blank"]


@pytest.fixture(scope="module")
def harsh_g4():
    """Two answer folders scanned with harsh effects to TIFF G4: [(page truth, record)]."""
    deck = generate_deck(FORMS["answer_folder"], 2, seed=1, effects="harsh", image_format="tif")
    return [(p.truth, read_page(p.image, FORMS, templates=TEMPLATES))
            for d in deck.documents() for p in d.pages
            if p.truth["page"] is not None]


def test_changed_answers_on_a_harsh_bitonal_page_are_found(harsh_g4):
    changed, found = _found_changes(harsh_g4)
    assert len(changed) >= 10 and len(found) >= 0.4 * len(changed)


def test_every_changed_answer_reported_on_a_bitonal_page_is_right(harsh_g4):
    wrong = [(kt, kr.changed, kr.reason) for kt, kr in _keys(harsh_g4) if kr.changed
             and kr.changed != ((kt["changed"] or {}).get("from"), (kt["changed"] or {}).get("to"))]
    assert not wrong


def test_blank_bubbles_of_a_harsh_bitonal_page_are_not_erased(harsh_g4):
    assert not _erased_blanks(harsh_g4)


def test_dust_and_streaks_on_a_bitonal_page_are_not_erasures():
    """The first coverage document, its pages scanned with heavy dust and two
    streaks just lighter than the threshold (noise makes them dotted lines)."""
    doc = next(iter(generate_deck(FORMS["answer_folder"], 1, seed=1, effects="none",
                                  coverage=True).documents()))
    paper, black = 230, 40
    scan = fx.ScanEffects(paper=paper, black=black, blur_sigma=1.0, noise_sigma=8.0, speckle=400,
                          streaks=((700, -34), (1500, -30)),
                          bitonal_threshold=int(round(paper - fx.BITONAL_DARKNESS
                                                      * (paper - black))))
    rng = np.random.default_rng(0)
    reads = [(p.truth, read_page(fx.apply_effects(p.image, scan, 300, rng), FORMS,
                                 templates=TEMPLATES))
             for p in doc.pages]
    changed, found = _found_changes(reads)
    assert not _erased_blanks(reads)
    assert len(changed) >= 10 and len(found) >= 0.4 * len(changed)
