"""Pages into documents by lithocode: the conditions of SPEC §4 and §6."""

from capture.assembly import PageFacts, plan_batch

COUNTS = {"folder": 4, "sheet": 2}


def pages(*specs):
    """PageFacts from (form, page number, lithocode) tuples, ids from 1."""
    return [PageFacts(i, form, number, litho) for i, (form, number, litho) in enumerate(specs, 1)]


def codes(plan):
    return sorted((c.code, c.lithocode, c.page_id) for c in plan.conditions)


def test_shuffled_pages_make_complete_documents():
    plan = plan_batch(pages(("folder", 3, "A"), ("sheet", 2, "B"), ("folder", 1, "A"),
                            ("folder", 4, "A"), ("sheet", 1, "B"), ("folder", 2, "A")), COUNTS)
    assert plan.conditions == []
    assert sorted(plan.documents["A"].page_ids) == [1, 3, 4, 6]
    assert plan.documents["B"].form_id == "sheet" and plan.documents["B"].pages_expected == 2


def test_missing_page_and_duplicated_lithocode():
    plan = plan_batch(pages(("folder", 1, "A"), ("folder", 2, "A"), ("folder", 2, "A"),
                            ("folder", 4, "A")), COUNTS)
    assert codes(plan) == [("duplicate_lithocode", "A", None), ("missing_page", "A", None)]
    detail = {c.code: c.detail for c in plan.conditions}
    assert detail["missing_page"] == "page 3 of 4 not found"
    assert detail["duplicate_lithocode"] == "page 2 found 2 times under this lithocode"


def test_page_whose_lithocode_disagrees_with_its_neighbours():
    plan = plan_batch(pages(("folder", 1, "A"), ("folder", 2, "A"), ("folder", 3, "X"),
                            ("folder", 4, "A")), COUNTS)
    assert ("lithocode_mismatch", "X", 3) in codes(plan)
    assert ("missing_page", "A", None) in codes(plan)


def test_unread_lithocode_is_a_page_condition_with_a_hint():
    plan = plan_batch(pages(("sheet", 1, "B"), ("sheet", 2, None), ("folder", 1, "A")), COUNTS)
    unread = [c for c in plan.conditions if c.code == "lithocode_unread"]
    assert [(c.page_id, c.lithocode) for c in unread] == [(2, None)]
    assert "B" not in unread[0].detail  # neighbours disagree: no hint
    plan = plan_batch(pages(("sheet", 1, "B"), ("sheet", 2, None), ("sheet", 1, "B")), COUNTS)
    assert "document B" in [c for c in plan.conditions if c.code == "lithocode_unread"][0].detail


def test_forms_mixed_under_one_lithocode():
    plan = plan_batch(pages(("sheet", 1, "A"), ("sheet", 2, "A"), ("folder", 3, "A")), COUNTS)
    assert ("lithocode_mismatch", "A", None) in codes(plan)
