"""The scorer on the hand-worked test (tests/scoring/hand_worked.py): every number below was
worked out by hand from the definition."""

import numpy as np
import pytest

from scoring.definitions import definition_from_document
from scoring.errors import ResponseError
from scoring.records import ItemResponse, ScoringDocument, response_arrays
from scoring.scorer import (
    RIGHT_TO_RIGHT,
    RIGHT_TO_WRONG,
    UNKNOWN,
    WRONG_TO_RIGHT,
    WRONG_TO_WRONG,
    condition_codes,
    performance_levels,
    scale_scores,
    score,
)
from tests.scoring.hand_worked import HAND_WORKED

D = definition_from_document(HAND_WORKED)


def doc(n, answers, originals="", known=True, special=""):
    fields = {"reading": {str(k + 1): ItemResponse(v.strip(), (originals[k:k + 1].strip()
                                                               or None))
                          for k, v in enumerate(answers)}}
    if special:
        fields["special_codes"] = {"1": ItemResponse(special)}
    return ScoringDocument(n, f"{n:06d}", "answer_folder", fields, erasure_known=known)


STUDENTS = [
    #   items 1–5  erased first   writing  → items       raw   scale  level
    doc(0, "     "),                       # 0 0 0 0 1    1     97 (95.5 clamped)  L1
    doc(1, "DDAB ", "A B  "),              # 0 1 0 0 1    2.5   111 (110.5 up)     L2
    doc(2, "ABCCA", "B C  "),              # 1 1 2 0 1    5     165 (164.5 up)     L3
    doc(3, "A*C A"),                       # 1 0 2 0 1    5.5   176 (175.625)      L3
    doc(4, "ABCDA", " D   "),              # 1 1 2 0 1    7     200 (209 clamped)  L4
    doc(5, "BAAAA", "A    ", known=False),  # 0 0 0 0 1    1     97                 L1
]
WRITING = np.array([[np.nan], [1], [0], [3], [4], [0]])


@pytest.fixture(scope="module")
def scores():
    arrays = response_arrays(D, STUDENTS)
    return score(D, arrays.responses, original=arrays.original,
                 erasure_known=arrays.erasure_known, polytomous=WRITING,
                 condition=arrays.condition)


def test_item_scores_single_multiple_keys_dropped_two_points_everyone(scores):
    assert scores.item_scores.tolist() == [
        [0, 0, 0, 0, 1], [0, 1, 0, 0, 1], [1, 1, 2, 0, 1], [1, 0, 2, 0, 1], [1, 1, 2, 0, 1],
        [0, 0, 0, 0, 1]]


def test_raw_with_weighted_writing(scores):
    assert scores.raw.tolist() == [1, 2.5, 5, 5.5, 7, 1]


def test_clusters_points_and_percent(scores):
    assert scores.cluster_points.tolist() == [[0, 1], [1, 1], [2, 3], [1, 3], [2, 3], [0, 1]]
    assert scores.cluster_percent[1].tolist() == pytest.approx([50, 100 / 3])


def test_scale_interpolated_clamped_rounded_half_up(scores):
    assert scores.scale.tolist() == [97, 111, 165, 176, 200, 97]
    assert scores.level.tolist() == [0, 1, 2, 2, 3, 0]


def test_scale_at_table_points_between_and_both_ends():
    raw = np.array([0, 1, 2, 2.5, 3, 4, 5, 6, 6.5, 7])
    # 90→97 clamp; 95.5→96→97 clamp; 101; 110.5→111; 120; 142.25→142; 164.5→165; 186.75→187;
    # 197.875→198; 209→200 clamp
    assert scale_scores(D, raw).tolist() == [97, 97, 101, 111, 120, 142, 165, 187, 198, 200]
    assert round(110.5) == 110 and round(164.5) == 164  # what half up must not do


def test_every_level_boundary_at_or_above_the_cut():
    scale = np.array([97, 110, 111, 164, 165, 199, 200])
    assert performance_levels(D, scale).tolist() == [0, 0, 1, 1, 2, 2, 3]


def test_omits_and_multiple_marks_score_zero_and_are_counted(scores):
    assert scores.omits.tolist() == [5, 1, 0, 1, 0, 0]
    assert scores.multiples.tolist() == [0, 0, 0, 1, 0, 0]


def test_changed_answer_codes(scores):
    assert scores.changes[1].tolist() == [RIGHT_TO_WRONG, 0, WRONG_TO_WRONG, 0, 0]
    assert scores.changes[2].tolist() == [WRONG_TO_RIGHT, 0, 0, 0, 0]  # C over C: no change
    assert scores.changes[4].tolist() == [0, RIGHT_TO_RIGHT, 0, 0, 0]  # B over D: both keys
    assert scores.changes[5].tolist() == [UNKNOWN] * 5  # bitonal: not "no changes"
    assert scores.changes[0].tolist() == [0] * 5


def test_no_answers_marked_is_the_n_condition(scores):
    codes = condition_codes(D)
    assert scores.condition.tolist() == [codes.index("N")] + [-1] * 5
    assert scores.reported.all() and scores.counted.all()


@pytest.mark.parametrize(("code", "reported", "counted"), [
    ("A", False, False), ("P", False, False), ("M", False, False), ("I", True, False),
    ("N", True, True), ("V", False, False)])
def test_every_exclusion_rule(code, reported, counted):
    arrays = response_arrays(D, [doc(9, "ABCDA", special=code), doc(10, "ABCDA")])
    s = score(D, arrays.responses, condition=arrays.condition)
    assert s.reported.tolist() == [reported, True]
    assert s.counted.tolist() == [counted, True]
    assert s.scale.tolist() == [165, 165]  # raw 5: computed either way, reported or not


def test_a_definition_can_change_what_a_condition_decides():
    changed = definition_from_document({**HAND_WORKED, "conditions": {
        "I": {"name": "illness", "report_score": False, "in_summaries": False}}})
    arrays = response_arrays(changed, [doc(9, "ABCDA", special="I")])
    assert score(changed, arrays.responses, condition=arrays.condition).reported.tolist() \
        == [False]


def test_a_response_outside_the_items_options():
    with pytest.raises(ResponseError, match=r"document 7 \(lithocode 000007\): item 3: "
                                            r"response 'E' is not an option of the item"):
        response_arrays(D, [doc(7, "ABEDA")])


def test_an_unknown_condition_code():
    with pytest.raises(ResponseError, match="condition code 'Q'"):
        response_arrays(D, [doc(7, "ABCDA", special="Q")])
