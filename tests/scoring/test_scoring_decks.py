"""Scoring documents read off generated decks: the scores and changed-answer codes equal
those computed from the deck's truth."""

import numpy as np
import pytest

from omr.levels import TemplateCache
from omr.read import read_page
from sample_sheets.deck import generate_deck
from sample_sheets.loader import load_forms
from scoring.definitions import load_test
from scoring.reads import document_from_reads
from scoring.records import ItemResponse, ScoringDocument, response_arrays
from scoring.results import score_record
from scoring.scorer import CHANGE_NAMES, UNKNOWN, score

FORMS = load_forms()
TEMPLATES = TemplateCache()
TEST = load_test("demo_reading")


@pytest.fixture(scope="module")
def deck():
    """(truth-built document, read document) for each document of a small deck."""
    out = []
    for n, scan in enumerate(generate_deck(FORMS["answer_folder"], 6, seed=19,
                                           effects="typical").documents()):
        records = [read_page(p.image, FORMS, templates=TEMPLATES) for p in scan.pages]
        assert all(r.status == "ok" for r in records), [r.reason for r in records]
        out.append((_from_truth(n, scan.truth), document_from_reads(n, records)))
    return out


def _from_truth(n, truth):
    fields = {}
    for page in truth["pages"]:
        for name, keys in page["fields"].items():
            fields.setdefault(name, {}).update({
                key: ItemResponse(k["value"], (k["changed"] or {}).get("from"))
                for key, k in keys.items()})
    return ScoringDocument(n, truth["lithocode"], "answer_folder", fields)


def _scores(documents):
    arrays = response_arrays(TEST, documents)
    return score(TEST, arrays.responses, original=arrays.original,
                 erasure_known=arrays.erasure_known, condition=arrays.condition)


def test_scores_and_changed_answer_codes_read_off_the_deck_equal_the_truths(deck):
    truth = _scores([t for t, _ in deck])
    read = _scores([r for _, r in deck])
    assert np.count_nonzero(truth.changes) >= 3  # the deck changed answers over erasures
    assert (read.changes == truth.changes).all()
    assert (read.item_scores == truth.item_scores).all()
    assert read.scale.tolist() == truth.scale.tolist()
    assert read.level.tolist() == truth.level.tolist()


def test_changed_answer_codes_worked_from_the_truth_by_hand(deck):
    """The deck's truth says which answers changed; each is coded by its key here."""
    scores = _scores([r for _, r in deck])
    expected = np.zeros_like(scores.changes)
    code = {(False, True): "WR", (True, False): "RW", (False, False): "WW", (True, True): "RR"}
    for d, (truth_doc, _) in enumerate(deck):
        for i, item in enumerate(TEST.items):
            r = truth_doc.fields["reading"][item.key]
            if r.original and r.original != r.value:
                name = code[(r.original in item.answers, r.value in item.answers)]
                expected[d, i] = {v: k for k, v in CHANGE_NAMES.items()}[name]
    assert np.count_nonzero(expected) >= 3
    assert scores.changes.tolist() == expected.tolist()


def test_pages_scanned_bitonal_are_marked_so_not_no_changes():
    scan = next(generate_deck(FORMS["answer_folder"], 1, seed=19, effects="none",
                              image_format="tif").documents())
    records = [read_page(p.image, FORMS, templates=TEMPLATES) for p in scan.pages]
    doc = document_from_reads(0, records)
    assert not doc.erasure_known
    scores = _scores([doc])
    assert (scores.changes == UNKNOWN).all()
    assert score_record(TEST, scores, 0)["wrong_to_right"] is None
