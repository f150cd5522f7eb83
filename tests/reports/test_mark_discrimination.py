"""Mark discrimination on a data set whose flagged and filtered groups are known by hand."""

from __future__ import annotations

import numpy as np
import pytest

from reports.changes import CHANGE_NONE, GroupKey
from reports.errors import ReportInputError
from reports.mark_discrimination import mark_discrimination
from tests.reports.builders import changed_answers, students


def key(school: str, group: str = "") -> GroupKey:
    return GroupKey("Adams", "D1", school, "05", group)


def background() -> dict:
    """100 schools of 30 students, one in five with one wrong→wrong change."""
    return {key(f"S{s:03d}"): [row for k in range(30)
                               for row in (students(1, 1, ww=1) if k % 5 == 0
                                           else students(1))]
            for s in range(100)}


UNDER_OVER = {"MATH": (37, 38), "READ": (33, 35)}
"""Changes in the groups of 20 just under and just over each test's flag line (1.88, 1.70)."""


def build(test: str):
    g = background()
    g[key("NINE")] = students(9, 9, wr=45)                # 9 students: never compared
    under, over = UNDER_OVER[test]
    g[key("UNDER", "C1")] = students(20, 20, ww=under)     # just under the line
    g[key("OVER", "C2")] = students(20, 20, ww=over)       # just over
    on_two = {                                             # flagged on MATH and READ
        "TWO": students(10, 6, wr=26, ww=14),              # 6/10 changed, 65 % WR: filtered
        "HALF": students(10, 5, wr=26, ww=14),             # 5/10: exactly half, not more
        "WR62": students(10, 6, wr=25, ww=15),             # 62.5 % WR: under 65 %
    }
    on_math = {                                            # flagged on MATH only
        "ONE": students(10, 6, wr=18, ww=2),               # 90 %, average 2.0: filtered
        "ONEAVG": students(10, 6, wr=18, ww=1),            # 94.7 %, average 1.9: not
        "ONE87": students(10, 6, wr=35, ww=5),             # 87.5 %, average 4.0: not
    }
    for school, rows in on_two.items():
        g[key(school)] = rows
    for school, rows in on_math.items():
        g[key(school)] = rows if test == "MATH" else students(10)
    return changed_answers(test, g, bitonal={key("OVER", "C2"): 3})


@pytest.fixture(scope="module")
def report():
    return mark_discrimination([build("MATH"), build("READ")])


def rows_of(report, school: str) -> dict:
    return {r.test: r for r in report.groups if r.key.school == school}


def test_state_mean_and_sd_are_the_students_distribution(report):
    math = build("MATH")
    known = math.erasure_known
    counts = np.count_nonzero(math.changes[known] > CHANGE_NONE, axis=1)
    state = next(s for s in report.state if s.test == "MATH")
    assert state.students == known.sum() and state.bitonal == 3
    assert state.mean == pytest.approx(counts.mean())
    assert state.sd == pytest.approx(counts.std())
    assert state.flag_line == pytest.approx(counts.mean() + 2 * counts.std())
    for state in report.state:
        under, over = UNDER_OVER[state.test]
        assert under / 20 < state.flag_line < over / 20
        assert state.flag_line - under / 20 < 0.06


def test_flagged_groups_known_by_hand(report):
    flagged = {(r.key.school, r.test) for r in report.flagged}
    assert flagged == {("OVER", "MATH"), ("OVER", "READ"), ("TWO", "MATH"), ("TWO", "READ"),
                       ("HALF", "MATH"), ("HALF", "READ"), ("WR62", "MATH"), ("WR62", "READ"),
                       ("ONE", "MATH"), ("ONEAVG", "MATH"), ("ONE87", "MATH")}
    assert not rows_of(report, "NINE"), "a group of 9 is never compared"
    assert not rows_of(report, "UNDER"), "just under the line"


def test_filtered_list_known_by_hand(report):
    assert {(r.key.school, r.test) for r in report.filtered} == {
        ("TWO", "MATH"), ("TWO", "READ"), ("ONE", "MATH")}


def test_the_seven_columns(report):
    two = rows_of(report, "TWO")["MATH"]
    assert (two.students_with_changes, two.students, two.average_changes, two.items) == \
        (6, 10, 4.0, 20)
    assert two.percent_changed == pytest.approx(100 * 40 / 200)
    assert two.percent_wrong_to_right == pytest.approx(65.0)
    assert two.percent_right_to_wrong == 0.0
    document = two.as_json()
    for name in ("students_with_changes", "students", "average_changes", "percent_changed",
                 "percent_wrong_to_right", "percent_right_to_wrong", "items", "filtered"):
        assert name in document


def test_bitonal_students_counted_apart_never_as_no_changes(report):
    over = rows_of(report, "OVER")["MATH"]
    assert (over.students, over.bitonal, over.average_changes) == (20, 3, 1.9)


def test_students_responses_by_lithocode_for_the_filtered_groups(report):
    listed = {(r.key.school, r.test) for r in report.responses}
    assert listed == {("TWO", "MATH"), ("TWO", "READ"), ("ONE", "MATH")}
    one = [r for r in report.responses if r.key.school == "ONE"]
    assert len(one) == 20 and sum(r.change == "WR" for r in one) == 18
    assert all(r.original == "C" and r.final == "A" for r in one if r.change == "WR")
    assert len({r.lithocode for r in one}) == 6


def test_wtr_z_is_the_class_size_adjusted_mean():
    math = build("MATH")
    report = mark_discrimination([math], statistic="wtr-z", sd=3)
    wr = np.count_nonzero(math.changes[math.erasure_known] == 1, axis=1)
    mu, sigma = wr.mean(), wr.std()
    one = rows_of(report, "ONE")["MATH"]
    assert one.statistic == pytest.approx((1.8 - mu) / (sigma / np.sqrt(10)))
    assert one.flagged
    assert "MATH" not in rows_of(report, "OVER"), "no wrong→right changes"


@pytest.mark.parametrize(("options", "code"), [
    ({"test": "SCIENCE"}, "test"), ({"sd": 0}, "sd"), ({"sd": -1}, "sd"),
    ({"statistic": "erasures"}, "statistic"), ({"alpha": 0}, "alpha")])
def test_bad_options_name_what_is_wrong(options, code):
    with pytest.raises(ReportInputError) as error:
        mark_discrimination([build("MATH")], **options)
    assert error.value.code == code
    assert str(next(iter(options.values()))) in str(error.value)
