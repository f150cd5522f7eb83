"""Mark discrimination (erasure analysis): groups whose changed answers stand out.

The input is one :class:`TestChanges` per test: per student the changed-answer code of every
item (the scoring engine's codes, :data:`WRONG_TO_RIGHT` …), the final item scores, and
whether the pages carried erasure information (bitonal scans do not: those students are
counted apart, never as "no changes"). Groups are classes where the data has one, otherwise
school × grade (:class:`GroupKey`); only groups of :data:`MIN_GROUP` or more students with
erasure information are compared with the state.

Two statistics (SPEC §9):

- ``changes`` (the contract's): a group is flagged when its mean number of changed answers
  per student is at least ``mu + sd * sigma``, mu and sigma of the students' counts
  statewide for the same grade and test;
- ``wtr-z``: the class-size-adjusted mean of wrong→right changes,
  ``z = (xbar - mu) / (sigma / sqrt(n))``, flagged when ``z >= sd``.

The erasure detection index (Wollack, Cohen & Eckerly 2015) is in :mod:`reports.edi`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from reports.changes import (
    CHANGE_NAMES,
    CHANGE_NONE,
    RIGHT_TO_WRONG,
    WRONG_TO_RIGHT,
    GroupKey,
    TestChanges,
)
from reports.charts import distribution_svg
from reports.edi import (
    DEFAULT_ALPHA,
    erasure_detection_index,
    erasures,
    group_edi,
    rasch_difficulties,
)
from reports.errors import ReportInputError
from reports.tables import Table, to_pdf

MIN_GROUP = 10
DEFAULT_SD = 2.0
STATISTICS = ("changes", "wtr-z")
HALF_WITH_CHANGES = 0.5
"""The filter: more than this share of the group's students changed an answer, …"""
WTR_TWO_TESTS = 65.0
"""… and at least this percent of the changes were wrong→right, on two or more tests; …"""
WTR_ONE_TEST, AVERAGE_ONE_TEST = 90.0, 2.0
"""… or at least 90 % on any one test where the average number of changes is 2 or more."""


@dataclass(frozen=True)
class GroupRow:
    """One group on one test: the contract's seven columns and the comparison."""

    test: str
    key: GroupKey
    students_with_changes: int
    students: int
    average_changes: float
    percent_changed: float
    percent_wrong_to_right: float
    percent_right_to_wrong: float
    items: int
    bitonal: int
    statistic: float
    flagged: bool
    edi: float
    edi_p: float
    edi_students: int
    filtered: bool = False

    def as_json(self) -> dict:
        return {"test": self.test, "county": self.key.county, "district": self.key.district,
                "school": self.key.school, "grade": self.key.grade, "group": self.key.group,
                "students_with_changes": self.students_with_changes,
                "students": self.students,
                "average_changes": round(self.average_changes, 4),
                "percent_changed": round(self.percent_changed, 4),
                "percent_wrong_to_right": round(self.percent_wrong_to_right, 4),
                "percent_right_to_wrong": round(self.percent_right_to_wrong, 4),
                "items": self.items, "bitonal": self.bitonal,
                "statistic": round(self.statistic, 4), "flagged": self.flagged,
                "edi": _rounded(self.edi), "edi_p": _rounded(self.edi_p, 6),
                "edi_students": self.edi_students, "filtered": self.filtered}


def _rounded(value: float, digits: int = 4) -> float | None:
    return None if np.isnan(value) else round(value, digits)


@dataclass(frozen=True)
class StateRow:
    """Statewide figures of one grade on one test; ``flag_line`` in the statistic's units."""

    test: str
    grade: str
    students: int
    bitonal: int
    mean: float
    sd: float
    flag_line: float
    group_values: np.ndarray


@dataclass(frozen=True)
class ChangedResponse:
    """One changed item of a student in a filtered group (by lithocode, never a name)."""

    test: str
    key: GroupKey
    lithocode: str
    item: str
    original: str
    final: str
    change: str


@dataclass(frozen=True)
class Report:
    """``groups``: the flagged groups (the others are in each state row's ``group_values``);
    ``edi_students`` of a group: its students whose own EDI p is below ``alpha``."""

    statistic: str
    sd: float
    alpha: float
    state: tuple[StateRow, ...]
    groups: tuple[GroupRow, ...]
    responses: tuple[ChangedResponse, ...]

    @property
    def flagged(self) -> tuple[GroupRow, ...]:
        return tuple(g for g in self.groups if g.flagged)

    @property
    def filtered(self) -> tuple[GroupRow, ...]:
        return tuple(g for g in self.groups if g.filtered)


def check_options(tests: Sequence[TestChanges], test: str | None, sd: float,
                  statistic: str) -> list[TestChanges]:
    """The tests asked for; :class:`ReportInputError` naming what is wrong."""
    if not sd > 0:
        raise ReportInputError("sd", f"the SD multiple must be greater than 0, not {sd}")
    if statistic not in STATISTICS:
        raise ReportInputError("statistic", f"unknown statistic {statistic!r}: use one of "
                               + ", ".join(STATISTICS))
    if test is None:
        return list(tests)
    chosen = [t for t in tests if t.test == test]
    if not chosen:
        known = ", ".join(sorted({t.test for t in tests})) or "none"
        raise ReportInputError("test", f"unknown test {test!r}: the tests with scores are {known}")
    return chosen


def mark_discrimination(tests: Sequence[TestChanges], *, test: str | None = None,
                        sd: float = DEFAULT_SD, statistic: str = "changes",
                        alpha: float = DEFAULT_ALPHA) -> Report:
    """The report over ``tests`` (one :class:`TestChanges` each)."""
    chosen = check_options(tests, test, sd, statistic)
    if not 0 < alpha < 1:
        raise ReportInputError("alpha", f"the EDI alpha must be between 0 and 1, not {alpha}")
    state: list[StateRow] = []
    rows: list[GroupRow] = []
    for t in chosen:
        test_state, test_rows = _one_test(t, sd, statistic, alpha)
        state += test_state
        rows += test_rows
    rows = _filter(rows)
    rows.sort(key=_order)
    return Report(statistic, sd, alpha, tuple(state), tuple(rows),
                  _responses(chosen, [r for r in rows if r.filtered]))


def _one_test(t: TestChanges, sd: float, statistic: str,
              alpha: float) -> tuple[list[StateRow], list[GroupRow]]:
    n_groups = len(t.groups)
    known = t.erasure_known
    b = t.difficulties if t.difficulties is not None else \
        rasch_difficulties(t.items, t.scores[known])
    rows_, cols, codes = erasures(t.changes)  # bitonal rows hold UNKNOWN: none
    edi = erasure_detection_index(rows_, cols, codes, t.scores, b)
    edi_index, edi_p = group_edi(edi, t.group, n_groups)
    n_students = len(t.group)
    per_student = np.bincount(rows_, minlength=n_students)
    wtr = np.bincount(rows_, weights=codes == WRONG_TO_RIGHT, minlength=n_students)
    rtw = np.bincount(rows_, weights=codes == RIGHT_TO_WRONG, minlength=n_students)
    g = t.group[known]

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(g, weights=values[known], minlength=n_groups)

    students = np.bincount(g, minlength=n_groups)
    with_changes = total(per_student > 0)
    changes, wr, rw = total(per_student), total(wtr), total(rtw)
    bitonal = np.bincount(t.group[~known], minlength=n_groups)
    edi_students = np.bincount(t.group, weights=edi.p < alpha, minlength=n_groups)
    measure = per_student if statistic == "changes" else wtr
    group_mean = np.divide(total(measure), students, out=np.zeros(n_groups),
                           where=students > 0)
    grade_of_group = np.array([k.grade for k in t.groups])
    state, rows = [], []
    for grade in sorted(set(grade_of_group)):
        in_grade = grade_of_group == grade
        students_in_grade = in_grade[t.group] & known
        x = measure[students_in_grade].astype(np.float64)
        mu = float(x.mean()) if x.size else 0.0
        sigma = float(x.std()) if x.size else 0.0
        eligible = in_grade & (students >= MIN_GROUP)
        n = np.maximum(students, 1)
        if statistic == "changes":
            value, line = group_mean, mu + sd * sigma
        else:
            value = (group_mean - mu) / (sigma / np.sqrt(n)) if sigma > 0 else \
                np.zeros(n_groups)
            line = sd
        flagged = eligible & (value >= line) & (sigma > 0)
        state.append(StateRow(t.test, grade, int(students_in_grade.sum()),
                              int(bitonal[in_grade].sum()), mu, sigma, float(line),
                              value[eligible]))
        for i in np.flatnonzero(flagged):
            rows.append(GroupRow(
                t.test, t.groups[i], int(with_changes[i]), int(students[i]),
                float(changes[i] / students[i]),
                float(100 * changes[i] / (students[i] * len(t.items))),
                _percent(wr[i], changes[i]), _percent(rw[i], changes[i]), len(t.items),
                int(bitonal[i]), float(value[i]), bool(flagged[i]), float(edi_index[i]),
                float(edi_p[i]), int(edi_students[i])))
    return state, rows


def _order(row: GroupRow) -> tuple[str, ...]:
    """County, district, school, grade, group, then test."""
    k = row.key
    return (k.county, k.district, k.school, k.grade, k.group, row.test)


def _percent(part: float, whole: float) -> float:
    return float(100 * part / whole) if whole else 0.0


def _qualifies(row: GroupRow, wtr: float, average: float) -> bool:
    return (row.flagged and row.students_with_changes > HALF_WITH_CHANGES * row.students
            and row.percent_wrong_to_right >= wtr and row.average_changes >= average)


def _filter(rows: list[GroupRow]) -> list[GroupRow]:
    """Mark the filtered list: flagged groups where more than half the students changed an
    answer with ≥ 65 % wrong→right on two or more tests, or ≥ 90 % on one test with an
    average of 2 or more changes."""
    by_group: dict[GroupKey, list[GroupRow]] = {}
    for row in rows:
        if row.flagged:
            by_group.setdefault(row.key, []).append(row)
    listed = set()
    for key, key_rows in by_group.items():
        two = sum(_qualifies(r, WTR_TWO_TESTS, 0.0) for r in key_rows) >= 2
        if two or any(_qualifies(r, WTR_ONE_TEST, AVERAGE_ONE_TEST) for r in key_rows):
            listed.add(key)
    return [replace(r, filtered=True) if r.flagged and r.key in listed else r for r in rows]


def _responses(tests: Sequence[TestChanges], rows: list[GroupRow]) -> tuple[ChangedResponse,
                                                                            ...]:
    """The original and final answer of every changed item of the filtered groups'
    students, by lithocode."""
    out = []
    for t in tests:
        wanted = {r.key for r in rows if r.test == t.test}
        index = [i for i, k in enumerate(t.groups) if k in wanted]
        students = np.flatnonzero(np.isin(t.group, index) & t.erasure_known)
        for s in students:
            for i in np.flatnonzero(t.changes[s] > CHANGE_NONE):
                out.append(ChangedResponse(t.test, t.groups[t.group[s]], str(t.lithocode[s]),
                                           t.items[i], str(t.original[s, i]),
                                           str(t.final[s, i]),
                                           CHANGE_NAMES[int(t.changes[s, i])]))
    out.sort(key=lambda r: (r.key, r.test, r.lithocode))
    return tuple(out)


GROUP_HEADERS = ("county", "district", "school", "grade", "group", "test")
SEVEN_COLUMNS = ("students with changes", "students in the group",
                 "average changes per student", "percent of responses changed",
                 "percent wrong→right", "percent right→wrong", "number of items")


def tables(report: Report) -> tuple[Table, ...]:
    """The flagged groups (the seven columns), the state per grade and test, and the
    students' responses of the filtered groups (by lithocode)."""
    flagged = Table("groups", "Flagged groups",
                    GROUP_HEADERS + SEVEN_COLUMNS + ("bitonal", report.statistic,
                                                     "group EDI", "EDI p",
                                                     "students EDI-flagged", "filtered"),
                    tuple(_key_cells(r.key, r.test) + (
                        r.students_with_changes, r.students, r.average_changes,
                        r.percent_changed, r.percent_wrong_to_right,
                        r.percent_right_to_wrong, r.items, r.bitonal, r.statistic,
                        _nan_none(r.edi), _nan_none(r.edi_p), r.edi_students, r.filtered)
                          for r in report.flagged))
    state = Table("state", "Statewide, per grade and test",
                  ("test", "grade", "students", "bitonal (no erasure information)",
                   "mean", "SD", "flag line"),
                  tuple((s.test, s.grade, s.students, s.bitonal, s.mean, s.sd, s.flag_line)
                        for s in report.state))
    responses = Table("responses", "Students' responses, filtered groups",
                      GROUP_HEADERS + ("lithocode", "item", "original", "final", "change"),
                      tuple(_key_cells(r.key, r.test) + (r.lithocode, r.item, r.original,
                                                          r.final, r.change)
                            for r in report.responses))
    return flagged, state, responses


def _key_cells(key: GroupKey, test: str) -> tuple:
    return (key.county, key.district, key.school, key.grade, key.group, test)


def _nan_none(value: float) -> float | None:
    return None if np.isnan(value) else value


def report_json(report: Report) -> dict:
    """The JSON form: ``groups`` lists the flagged groups (the seven columns, ``filtered``)."""
    return {"statistic": report.statistic, "sd": report.sd, "alpha": report.alpha,
            "state": [{"test": s.test, "grade": s.grade, "students": s.students,
                       "bitonal": s.bitonal, "mean": round(s.mean, 6),
                       "sd": round(s.sd, 6), "flag_line": round(s.flag_line, 6)}
                      for s in report.state],
            "groups": [r.as_json() for r in report.flagged],
            "responses": [{"test": r.test, "school": r.key.school, "grade": r.key.grade,
                           "group": r.key.group, "lithocode": r.lithocode, "item": r.item,
                           "original": r.original, "final": r.final, "change": r.change}
                          for r in report.responses]}


def summary_lines(report: Report) -> list[str]:
    rule = ("mean changed answers per student ≥ state mean + "
            f"{report.sd:g} SD" if report.statistic == "changes" else
            f"class-size-adjusted wrong→right z ≥ {report.sd:g}")
    return [f"Rule: {rule}; groups of {MIN_GROUP} or more students; EDI α = {report.alpha:g}.",
            f"{len(report.flagged)} groups flagged, {len(report.filtered)} on the filtered list."]


def chart(report: Report, state: StateRow) -> str:
    """SVG: the distribution of the groups' statistic for one grade and test, the flag line
    drawn (and the state mean for the changes statistic)."""
    lines = {"flag line": state.flag_line}
    if report.statistic == "changes":
        lines = {"state mean": state.mean, **lines}
    xlabel = ("average changed answers per student" if report.statistic == "changes"
              else "wrong→right z (class-size adjusted)")
    return distribution_svg(state.group_values, f"{state.test}, grade {state.grade}",
                            xlabel, lines)


def to_pdf_bytes(report: Report) -> bytes:
    return to_pdf("Mark discrimination (erasure analysis)", summary_lines(report),
                  tables(report))
