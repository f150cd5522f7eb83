"""The prompt's JSON form and the rules of reads, resolution and final scores (pure)."""

from __future__ import annotations

import pytest

from handscore.models import Need
from handscore.prompts import PromptError, exact_standard, parse_prompt
from handscore.quality import qualification_outcome, set_passed
from handscore.rules import (
    Marks,
    ReadInputError,
    check_marks,
    final_score,
    needs_resolution,
    next_need,
    second_read_drawn,
)


def prompt(**fields):
    return parse_prompt({"id": "P1", "title": "Essay",
                         "traits": [{"name": "ideas", "min": 1, "max": 6},
                                    {"name": "conventions", "min": 1, "max": 4}], **fields})


def test_defaults_are_the_fields():
    p = prompt()
    assert list(p.condition_codes) == ["B", "I", "L", "T", "M", "X"]
    assert (p.second_read_rate, p.validity_rate, p.backread_rate) == (10, 5, 5)
    assert (p.resolution, p.final) == ("non-adjacent", "first")
    rule = p.qualification
    assert (rule.set_size, rule.exact, rule.non_adjacent, rule.sets_to_pass) == (10, 70, 0, 2)
    assert p.validity_exact == 70 and p.hold.validity_window == 20
    assert [exact_standard(n) for n in (2, 3, 4, 5, 6)] == [90, 80, 80, 70, 70]
    assert parse_prompt(p.to_json()) == p


@pytest.mark.parametrize(("fields", "message"), [
    ({"traits": []}, "at least one trait"),
    ({"traits": [{"name": "t", "min": 3, "max": 3}]}, "no score points from 3 to 3"),
    ({"traits": [{"name": "t", "min": 4, "max": 1}]}, "no score points"),
    ({"second_read_rate": 150}, "second_read_rate: 150 is outside 0-100"),
    ({"validity_rate": -1}, "validity_rate: -1 is outside 0-100"),
    ({"backread_rate": 101}, "backread_rate"),
    ({"colour": "blue"}, "'colour' was unexpected"),
    ({"final": "median"}, "final"),
    ({"traits": [{"name": "t", "min": 0, "max": 3, "weight": 2}]}, "weight"),
])
def test_bad_definitions_are_refused_naming_the_field(fields, message):
    data = {"id": "P1", "title": "Essay", "traits": [{"name": "t", "min": 0, "max": 3}],
            **fields}
    with pytest.raises(PromptError, match=message):
        parse_prompt(data)


def test_read_values_checked_against_the_rubric():
    p = prompt()
    assert check_marks(p, {"ideas": 6, "conventions": 1}, None).scores == {
        "ideas": 6, "conventions": 1}
    assert check_marks(p, None, "B").condition == "B"
    for scores, condition, message in [
        ({"ideas": 7, "conventions": 1}, None, "score 7 is outside 1-6"),
        ({"ideas": 2, "conventions": 1, "voice": 3}, None, "trait 'voice' is not in"),
        ({"ideas": 2}, None, "trait 'conventions' has no score"),
        ({"ideas": 2.5, "conventions": 1}, None, "whole number"),
        (None, "Q", "condition code 'Q' is not one"),
        ({"ideas": 2, "conventions": 1}, "B", "either"),
    ]:
        with pytest.raises(ReadInputError, match=message):
            check_marks(p, scores, condition)


def m(ideas, conventions=2):
    return Marks(scores={"ideas": ideas, "conventions": conventions})


def test_resolution_trigger_per_trait():
    p = prompt()
    assert not needs_resolution(p, m(3, 2), m(4, 3))       # adjacent on both
    assert needs_resolution(p, m(3, 2), m(3, 4))           # non-adjacent on the second trait
    assert needs_resolution(p, m(1, 2), m(3, 2))           # non-adjacent on the first
    assert needs_resolution(p, m(3), Marks(condition="B"))
    assert not needs_resolution(p, Marks(condition="B"), Marks(condition="B"))
    assert needs_resolution(prompt(resolution="any-difference"), m(3), m(4))
    assert not needs_resolution(prompt(resolution="none"), m(1), m(6))


@pytest.mark.parametrize(("rule", "one_read", "two_reads", "resolved"), [
    ("first", {"ideas": 3, "conventions": 2}, {"ideas": 3, "conventions": 2},
     {"ideas": 6, "conventions": 4}),
    ("sum", {"ideas": 6, "conventions": 4}, {"ideas": 7, "conventions": 5},
     {"ideas": 12, "conventions": 8}),
    ("average", {"ideas": 3, "conventions": 2}, {"ideas": 3.5, "conventions": 2.5},
     {"ideas": 6, "conventions": 4}),
    ("higher", {"ideas": 3, "conventions": 2}, {"ideas": 4, "conventions": 3},
     {"ideas": 6, "conventions": 4}),
])
def test_each_final_score_rule(rule, one_read, two_reads, resolved):
    p = prompt(final=rule)
    first, second, resolution = m(3, 2), m(4, 3), m(6, 4)
    assert final_score(p, first, None, None).scores == one_read
    assert final_score(p, first, second, None).scores == two_reads
    assert final_score(p, first, second, resolution).scores == resolved  # supersedes
    assert final_score(p, Marks(condition="B"), None, None).condition == "B"


def test_next_need_follows_the_reads():
    p = prompt(second_read_rate=100)
    assert next_need(p, 1, None, None, None) == Need.FIRST
    assert next_need(p, 1, m(3), None, None) == Need.SECOND
    assert next_need(p, 1, m(3), m(4), None) == Need.NONE
    assert next_need(p, 1, m(1), m(4), None) == Need.RESOLUTION
    assert next_need(p, 1, m(1), m(4), m(3)) == Need.NONE
    assert next_need(prompt(second_read_rate=0), 1, m(3), None, None) == Need.NONE


def test_second_read_share_within_its_binomial_range():
    drawn = sum(second_read_drawn(i, 10) for i in range(1, 2001))
    assert 200 - 4 * 13.4 < drawn < 200 + 4 * 13.4  # n p ± 4 sqrt(n p (1-p))
    assert all(second_read_drawn(i, 100) for i in range(100))
    assert not any(second_read_drawn(i, 0) for i in range(100))


def test_qualifying_set_pass_rule():
    p = parse_prompt({"id": "P", "title": "t", "traits": [{"name": "s", "min": 1, "max": 4}]})
    true = [Marks(scores={"s": v}) for v in [1, 2, 3, 4, 1, 2, 3, 4, 2, 3]]
    eight_exact = [Marks(scores={"s": t.scores["s"]}) for t in true[:8]] + [
        Marks(scores={"s": 3}), Marks(scores={"s": 4})]  # two adjacent misses: 80 %
    assert set_passed(p, list(zip(eight_exact, true, strict=True)))
    seven = eight_exact[:7] + [Marks(scores={"s": 3})] + eight_exact[8:]
    assert not set_passed(p, list(zip(seven, true, strict=True)))  # 70 % < 80 % for 4 points
    far = eight_exact[:9] + [Marks(scores={"s": 1})]                 # one non-adjacent
    assert not set_passed(p, list(zip(far, true, strict=True)))
    assert qualification_outcome(p, [True, True], 3) is True
    assert qualification_outcome(p, [False, False], 3) is False
    assert qualification_outcome(p, [True, False], 3) is None
