"""Bad form files each give one FormDefinitionError naming the file, the place and the problem."""

from __future__ import annotations

import pytest

from sample_sheets.loader import FormDefinitionError, load_form, load_forms
from tests.sample_sheets.form_docs import example_doc, write_doc


def load_broken(tmp_path, change) -> FormDefinitionError:
    """Apply ``change`` to the docs' example, write it and load it: the error."""
    doc = example_doc()
    change(doc)
    path = write_doc(tmp_path / "broken.yaml", doc)
    with pytest.raises(FormDefinitionError) as info:
        load_form(path)
    assert info.value.file == str(path) and str(path) in str(info.value)
    return info.value


def fields(doc: dict) -> list[dict]:
    return doc["pages"][0]["fields"]


def test_missing_required_key(tmp_path):
    err = load_broken(tmp_path, lambda d: fields(d)[0].pop("kind"))
    assert err.place == "pages[0].fields[0] (student_id)"
    assert "'kind' is a required property" in err.problem


def test_missing_required_key_of_a_kind(tmp_path):
    err = load_broken(tmp_path, lambda d: fields(d)[2].pop("options"))
    assert err.place == "pages[0].fields[2] (answers)" and "'options'" in err.problem


def test_unknown_field_kind(tmp_path):
    err = load_broken(tmp_path, lambda d: fields(d)[1].update(kind="gird"))
    assert err.place == "pages[0].fields[1] (gender).kind"
    assert "'gird' is not one of" in err.problem and "grid" in err.problem


def test_misspelt_key_is_an_error(tmp_path):
    err = load_broken(tmp_path, lambda d: fields(d)[1].update(lable="GENDER"))
    assert err.place == "pages[0].fields[1] (gender)" and "lable" in err.problem


def test_overlapping_bubbles_across_fields(tmp_path):
    err = load_broken(tmp_path, lambda d: fields(d)[1]["layout"].update(at=[0.86, 2.3]))
    assert err.place == "pages[0].fields[0] (student_id)"
    assert "overlaps" in err.problem and "(gender)" in err.problem


def test_overlapping_bubbles_within_a_field(tmp_path):
    err = load_broken(tmp_path, lambda d: fields(d)[2]["layout"].update(option_pitch=0.15))
    assert err.place == "pages[0].fields[2] (answers)"
    assert "key 1 option A" in err.problem and "key 1 option B" in err.problem


def test_bubble_off_the_page(tmp_path):
    err = load_broken(tmp_path, lambda d: fields(d)[2]["layout"].update(at=[8.6, 4.5]))
    assert err.place == "pages[0].fields[2] (answers)" and "off the page" in err.problem


def test_bubble_in_the_margin_of_the_registration_marks(tmp_path):
    err = load_broken(tmp_path, lambda d: fields(d)[2]["layout"].update(at=[0.5, 9.5]))
    assert err.place == "pages[0].fields[2] (answers)" and "margin" in err.problem


def test_duplicate_field_names(tmp_path):
    err = load_broken(tmp_path, lambda d: fields(d)[1].update(name="student_id"))
    assert err.place == "pages[0].fields[1] (student_id)"
    assert "duplicate field name 'student_id'" in err.problem
    assert "pages[0].fields[0]" in err.problem


def test_lithocode_without_check_rule(tmp_path):
    err = load_broken(tmp_path, lambda d: d["lithocode"].pop("check"))
    assert err.place == "lithocode" and "no check digit rule" in err.problem


def test_interleaved_lithocode_needs_even_digits(tmp_path):
    err = load_broken(tmp_path, lambda d: d["lithocode"].update(digits=7))
    assert err.place == "lithocode" and "even number" in err.problem


def test_corrupt_yaml(tmp_path):
    path = tmp_path / "corrupt.yaml"
    path.write_text("id: quiz\npages: [\n  - {page: 1\n")
    with pytest.raises(FormDefinitionError) as info:
        load_form(path)
    assert info.value.file == str(path) and info.value.place.startswith("line ")
    assert "not valid YAML" in info.value.problem


def test_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(FormDefinitionError, match="is a mapping"):
        load_form(path)


def test_response_area_over_bubbles(tmp_path):
    err = load_broken(tmp_path, lambda d: fields(d)[3]["areas"][0].update(box=[0.6, 5.0, 7.3, 2]))
    assert err.place == "pages[0].fields[3] (comments)" and "overlaps bubble" in err.problem


def test_print_in_the_upside_down_page_id_place(tmp_path):
    text = {"text": "printed here", "at": [5.0, 10.5], "size": 7}
    err = load_broken(tmp_path, lambda d: d["pages"][0]["print"].append(text))
    assert err.place == "pages[0].print[2]" and "upside down" in err.problem


def test_print_on_a_registration_mark(tmp_path):
    box = {"box": [7.8, 0.2, 0.3, 0.3]}
    err = load_broken(tmp_path, lambda d: d["pages"][0]["print"].append(box))
    assert err.place == "pages[0].print[2]" and "registration mark" in err.problem


def test_print_in_the_lithocode_quiet_zone(tmp_path):
    text = {"text": "x", "at": [6.5, 0.4], "size": 7}
    err = load_broken(tmp_path, lambda d: d["pages"][0]["print"].append(text))
    assert "quiet zone" in err.problem


def test_fields_frames_overlap(tmp_path):
    err = load_broken(tmp_path, lambda d: fields(d)[1]["layout"].update(at=[2.05, 1.89]))
    assert err.place == "pages[0].fields[0] (student_id)" and "(gender)" in err.problem


def test_edit_rule_naming_an_unknown_field(tmp_path):
    err = load_broken(tmp_path, lambda d: d["edit_rules"][0].update(fields=["student_idd"]))
    assert err.place == "edit_rules[0] (id_multiple)" and "student_idd" in err.problem


def test_two_forms_with_the_same_form_code(tmp_path):
    a = write_doc(tmp_path / "a.yaml", example_doc())
    other = example_doc()
    other["id"] = "other_quiz"
    b = write_doc(tmp_path / "b.yaml", other)
    with pytest.raises(FormDefinitionError) as info:
        load_forms([a, b])
    assert info.value.file == str(b) and info.value.place == "form_code"
    assert "form code 900 is also used by" in info.value.problem and str(a) in info.value.problem


def test_unknown_shipped_id():
    with pytest.raises(FormDefinitionError, match="no such form"):
        load_form("no_such_form")
