"""Matching a student's documents: each key-order case, ties, near-misses, labels,
examiner/observer pairs and unmatched documents."""

from scoring.matching import apply_labels, match_documents, normalise
from scoring.records import Demographics, ScoringDocument

KEYS = ("preid", "ssid", "name_birth_gender")
ANN = {"last_name": "O'Brien", "first_name": "Ann", "birth_date": "2016-03-04", "gender": "F"}


def doc(n, kind="answer_folder", school="S1", grade="5", **demo):
    return ScoringDocument(n, f"{n:06d}", kind, {}, Demographics(school, grade, **demo),
                           kind=kind)


def groups(matching):
    return sorted(sorted(d.document_id for d in s.documents) for s in matching.students)


def test_normalising_case_spaces_and_punctuation():
    assert normalise(" o'Brien-smith ") == "OBRIENSMITH"


def test_preid_first():
    m = match_documents([doc(1, preid="P1", ssid="A"), doc(2, "writing", preid="P1", ssid="B")],
                        KEYS)
    assert groups(m) == [[1, 2]]  # the pre-ID agrees: the differing SSID is not looked at


def test_different_preids_are_two_students_even_with_one_ssid():
    m = match_documents([doc(1, preid="P1", ssid="A"), doc(2, "writing", preid="P2", ssid="A")],
                        KEYS)
    assert groups(m) == [[1], [2]]


def test_ssid_when_one_has_no_preid():
    m = match_documents([doc(1, preid="P1", ssid="A"), doc(2, "writing", ssid="A")], KEYS)
    assert groups(m) == [[1, 2]]


def test_name_birth_date_gender_after_normalising():
    other = {**ANN, "last_name": "OBRIEN ", "first_name": "ann"}
    m = match_documents([doc(1, **ANN), doc(2, "writing", **other)], KEYS)
    assert groups(m) == [[1, 2]]
    assert m.students[0].key == "S1/5/name_birth_gender:OBRIEN|ANN|20160304|F"


def test_near_miss_same_name_other_birth_date_stays_two_students():
    m = match_documents([doc(1, **ANN), doc(2, "writing", **{**ANN, "birth_date": "2016-03-05"})],
                        KEYS)
    assert groups(m) == [[1], [2]]


def test_only_within_school_and_grade():
    m = match_documents([doc(1, ssid="A"), doc(2, "writing", school="S2", ssid="A"),
                         doc(3, "writing", grade="6", ssid="A")], KEYS)
    assert groups(m) == [[1], [2], [3]]


def test_a_tie_joins_no_one_and_is_listed():
    m = match_documents([doc(1, preid="P1"), doc(2, ssid="A"),
                         doc(3, "writing", preid="P1", ssid="A")], KEYS)
    assert groups(m) == [[1], [2], [3]]
    assert [(c.code, c.document_ids) for c in m.conditions] == [("tie", (3, 1, 2))]


def test_two_documents_of_one_kind_are_a_duplicate_condition():
    m = match_documents([doc(1, ssid="A"), doc(2, ssid="A")], KEYS)
    assert groups(m) == [[1, 2]]
    assert [(c.code, c.document_ids) for c in m.conditions] == [("duplicate", (1, 2))]


def test_unmatched_documents_are_kept_and_listed():
    m = match_documents([doc(1, ssid="A"), doc(2, "writing", ssid="A"), doc(3, ssid="B"),
                         doc(4, "writing", ssid="C")], KEYS,
                        expected_kinds=("answer_folder", "writing"))
    assert groups(m) == [[1, 2], [3], [4]]
    assert [([d.document_id for d in s.documents], missing) for s, missing in m.unmatched] == [
        ([3], ("writing",)), ([4], ("answer_folder",))]


def test_examiner_and_observer_rating_sheets_are_paired():
    m = match_documents([doc(1, "rating:examiner", ssid="A"), doc(2, "rating:observer", ssid="A"),
                         doc(3, "rating:examiner", ssid="B")], KEYS)
    pairs = [s.rating_pair() for s in m.students]
    assert [(p[0].document_id, p[1].document_id) if p else None for p in pairs] == [(1, 2), None]
    assert m.conditions == []


def test_a_label_that_disagrees_with_the_gridded_ssid_wins_and_is_reported():
    preid = {"P1": Demographics("S1", "5", "P1", "111", "Lee", "Kim", "2016-01-02", "M")}
    docs, conditions = apply_labels([doc(1, preid="P1", ssid="999"), doc(2, "writing", ssid="111")],
                                    preid)
    assert docs[0].demographics.ssid == "111" and docs[0].demographics.last_name == "Lee"
    assert [(c.code, c.detail) for c in conditions] == [
        ("label_disagrees", "ssid: gridded '999', pre-ID label P1 says '111'")]
    assert groups(match_documents(docs, KEYS)) == [[1, 2]]


def test_an_unknown_label_is_a_condition_not_a_guess():
    docs, conditions = apply_labels([doc(1, preid="P9", ssid="A")], {})
    assert docs[0].demographics.preid == "" and docs[0].demographics.ssid == "A"
    assert [(c.code, c.document_ids) for c in conditions] == [("unknown_label", (1,))]
