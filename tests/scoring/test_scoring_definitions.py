"""Test definitions: the shipped examples load, and each bad definition is a clear error."""

import copy

import pytest

from scoring.definitions import definition_from_document, load_test, shipped_test_ids
from scoring.errors import TestDefinitionError
from tests.scoring.hand_worked import HAND_WORKED


def test_shipped_examples_load_one_per_demo_form():
    tests = {t: load_test(t) for t in shipped_test_ids()}
    assert {(d.form, d.field) for d in tests.values()} == {
        ("answer_folder", "reading"), ("answer_folder", "mathematics"),
        ("eoc_answer_sheet", "items")}
    for d in tests.values():
        assert len(d.items) == 60 and d.scale_table[-1][0] == d.max_raw


def test_hand_worked_definition():
    d = definition_from_document(HAND_WORKED)
    assert d.max_raw == 7
    assert d.items[1].answers == {"B", "D"}
    assert d.clusters == {"X": ("1", "2"), "Y": ("3", "4", "5")}
    assert d.conditions["A"].report_score is False


def _broken(change):
    doc = copy.deepcopy(HAND_WORKED)
    change(doc)
    with pytest.raises(TestDefinitionError) as info:
        definition_from_document(doc, "t.yaml")
    return info.value


def test_a_key_with_an_option_the_item_lacks():
    err = _broken(lambda d: d["items"][0].update(answer="E"))
    assert err.code == "key_not_an_option"
    assert str(err) == "t.yaml: items[0] (1).answer: key 'E' is not an option of the item " \
                       "(options ABCD)"


def test_a_full_table_with_a_gap():
    def change(d):
        d["scale"].update(interpolate=False, table=[[r, 100 + r] for r in (0, 1, 2, 4, 5, 6, 7)])
    err = _broken(change)
    assert err.code == "table_gap" and "[3] missing" in str(err)


def test_a_table_not_monotone():
    err = _broken(lambda d: d["scale"].update(table=[[0, 90], [2, 130], [3, 120], [7, 209]]))
    assert err.code == "table_not_monotone" and "scale.table[2]" in str(err)
    err = _broken(lambda d: d["scale"].update(table=[[0, 90], [3, 101], [2, 120], [7, 209]]))
    assert err.code == "table_not_monotone"


def test_a_table_not_covering_the_raw_score_range():
    err = _broken(lambda d: d["scale"].update(table=[[0, 90], [6, 200]]))
    assert err.code == "table_not_covering" and "not the test's 0–7" in str(err)


def test_cut_scores_out_of_order():
    err = _broken(lambda d: d["levels"][2].update(cut=105))
    assert err.code == "cuts_out_of_order" and "levels[2] (L3)" in str(err)


def test_a_cluster_naming_an_unknown_item():
    err = _broken(lambda d: d["clusters"][0]["items"].append("9"))
    assert err.code == "cluster_unknown_item" and "['9']" in str(err)


def test_a_schema_error_names_its_place():
    err = _broken(lambda d: d["items"][2].update(points=0))
    assert "items.2.points" in str(err)


def test_an_unknown_shipped_test_lists_the_shipped_ones():
    with pytest.raises(TestDefinitionError, match="demo_reading"):
        load_test("no_such_test")
