"""The edit rules alone, on values built from the answer folder's form: the
cases the generated decks do not reach easily, and the keyed values' checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from capture.formset import known_forms
from edit_station.rules import (
    BadValue,
    Value,
    check_document,
    full_year,
    keyed_changes,
    rule_of,
)

FORM = known_forms()["answer_folder"]


def clean_values(**keys: str) -> dict:
    """Every key of the form read as a plausible value; ``field__key=value`` overrides."""
    values = {f.name: {k: Value(f.option_codes[0]) for k in f.keys}
              for f in FORM.fields.values() if f.bubbles}
    values["birth_day"] = {"1": Value("1"), "2": Value("5")}
    values["birth_year"] = {"1": Value("0"), "2": Value("5")}
    for where, value in keys.items():
        field, key = where.split("__")
        values[field][key] = Value(value) if not isinstance(value, Value) else value
    return values


def found(values, **kw) -> set:
    return {(f.rule, f.field, f.key) for f in check_document(FORM, values, **kw)}


def test_a_clean_document_breaks_no_rule():
    assert found(clean_values()) == set()


def test_a_date_partly_blank_is_an_item_but_a_wholly_blank_date_is_not():
    assert found(clean_values(birth_day__2="")) == {("birth_date_incomplete", "birth_day", "2")}
    blank = clean_values(birth_month__1="", birth_day__1="", birth_day__2="", birth_year__1="",
                         birth_year__2="")
    assert not any(rule.startswith("birth") for rule, _f, _k in found(blank))


def test_dates_out_of_range_and_not_real():
    assert found(clean_values(birth_month__1="02", birth_day__1="3", birth_day__2="0")) == {
        ("birth_date_range", "birth_month", None)}
    assert found(clean_values(birth_year__1="1", birth_year__2="5")) == {
        ("birth_date_range", "birth_month", None)}      # 2015: after the range's end
    assert full_year(98, (date(1996, 1, 1), date(2010, 12, 31))) == 1998
    assert full_year(5, (date(1996, 1, 1), date(2010, 12, 31))) == 2005


def test_uncertain_marks_are_reviewed_light_marks_as_the_rule_says():
    flagged = clean_values(last_name__5=Value("K", ("uncertain",)),
                           reading__3=Value("B", ("light",)))
    [finding] = check_document(FORM, flagged)   # the light answer is a mark, as the rule says
    assert (finding.rule, finding.field, finding.key) == ("name_multiple", "last_name", "5")
    assert "uncertain" in finding.problem
    strict = replace(FORM, edit_rules=tuple({**r, "review": ["light"]} if r["id"] ==
                                            "item_multiple" else r for r in FORM.edit_rules))
    assert ("item_multiple", "reading", "3") in {(f.rule, f.field, f.key)
                                                  for f in check_document(strict, flagged)}


def test_a_rule_switched_off_or_confirmed_makes_no_item():
    rules = tuple({**r, "enabled": False} if r["id"] == "grade_blank_or_multiple" else r
                  for r in FORM.edit_rules)
    off = replace(FORM, edit_rules=rules)
    assert check_document(off, clean_values(grade__1="*")) == []
    assert found(clean_values(grade__1="*"),
                 confirmed={("grade_blank_or_multiple", "grade", "1"): "*"}) == set()


def test_a_gap_inside_a_name_and_the_wrong_length_of_an_id():
    gap = clean_values(**{**{f"last_name__{k}": "" for k in range(4, 16)}, "last_name__5": "X"})
    assert ("name_gap", "last_name", "4") in found(gap)
    assert ("ssid_length", "ssid", None) in found(clean_values(ssid__10=""))


def test_keyed_values_are_checked_against_the_field():
    name = rule_of(FORM, "name_multiple")
    assert keyed_changes(FORM, name, "first_name", "2", "m") == {("first_name", "2"): "M"}
    assert keyed_changes(FORM, name, "first_name", "2", "") == {("first_name", "2"): ""}
    for text, words in (("MM", "too long"), ("7", "has no option '7'")):
        with pytest.raises(BadValue, match=words):
            keyed_changes(FORM, name, "first_name", "2", text)
    date = rule_of(FORM, "birth_date_range")
    assert keyed_changes(FORM, date, "birth_month", None, "02/28/05") == {
        ("birth_month", "1"): "02", ("birth_day", "1"): "2", ("birth_day", "2"): "8",
        ("birth_year", "1"): "0", ("birth_year", "2"): "5"}
    for text, words in (("02A805", "digits only"), ("023005", "not a real date"),
                        ("0228", "key 6")):
        with pytest.raises(BadValue, match=words):
            keyed_changes(FORM, date, "birth_month", None, text)
    length = rule_of(FORM, "ssid_length")
    assert keyed_changes(FORM, length, "ssid", None, "12345")[("ssid", "6")] == ""
    with pytest.raises(BadValue, match="too long"):
        keyed_changes(FORM, length, "ssid", None, "12345678901")
