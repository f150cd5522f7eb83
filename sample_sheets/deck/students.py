"""Mock students and what each of them grids on a form's demographic fields.

A :class:`Student` is a made-up person (names from small built-in lists, a
10-digit SSID, a valid date of birth consistent with the grade, a grade the
form offers). Which field of a form holds which demographic is known, not
guessed: :data:`DEMOGRAPHIC_FIELDS` maps the field names the shipped forms use
(the same names on every form) to the student's attribute. Every other bubble
field gets a random valid response, at the rates of :data:`MARK_RATES` for
fields that are mostly left blank (special condition codes, scorer use).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np

from sample_sheets.model import Field

LAST_NAMES = (
    "SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS", "RODRIGUEZ",
    "MARTINEZ", "HERNANDEZ", "LOPEZ", "GONZALEZ", "WILSON", "ANDERSON", "THOMAS", "TAYLOR",
    "MOORE", "JACKSON", "MARTIN", "LEE", "PEREZ", "THOMPSON", "WHITE", "HARRIS", "SANCHEZ",
    "CLARK", "RAMIREZ", "LEWIS", "ROBINSON", "WALKER", "YOUNG", "ALLEN", "KING", "WRIGHT",
    "SCOTT", "TORRES", "NGUYEN", "HILL", "FLORES", "GREEN", "ADAMS", "NELSON", "BAKER", "HALL",
    "RIVERA", "CAMPBELL", "MITCHELL", "CARTER", "ROBERTS", "OKONKWO", "VANDERBILT",
    "QUINTANILLA", "ZIMMERMAN", "KOWALCZYK", "FITZPATRICK", "XIONG", "YAZZIE", "BJORKLUND",
    "CHRISTOPHERSON",
)
FIRST_NAMES = (
    "JAMES", "MARY", "MICHAEL", "PATRICIA", "ROBERT", "JENNIFER", "JOHN", "LINDA", "DAVID",
    "ELIZABETH", "WILLIAM", "BARBARA", "RICHARD", "SUSAN", "JOSEPH", "JESSICA", "THOMAS",
    "SARAH", "CARLOS", "KAREN", "DANIEL", "NANCY", "MATTHEW", "LISA", "ANTHONY", "BETTY",
    "MARK", "SANDRA", "JOSE", "ASHLEY", "LUIS", "EMILY", "KEVIN", "DONNA", "BRIAN", "MICHELLE",
    "XAVIER", "ZOE", "QUINN", "YOLANDA", "VIVIAN", "ULYSSES", "IVAN", "OLIVIA", "FATIMA",
    "GUADALUPE", "MAXIMILIAN", "KATHERINE", "WYATT", "HANNAH",
)
GRADES = tuple(range(3, 12))


@dataclass(frozen=True)
class Student:
    """A mock student. Names are upper case A–Z; ``ssid`` is 10 digits;
    ``gender`` "F" or "M"; ``grade`` 3–11."""

    last_name: str
    first_name: str
    middle_initial: str
    ssid: str
    birth_date: dt.date
    gender: str
    grade: int

    def to_json(self) -> dict:
        return {**asdict(self), "birth_date": self.birth_date.isoformat()}


def mock_student(rng: np.random.Generator, school_year: int = 2013,
                 grades: tuple[int, ...] = GRADES) -> Student:
    """A random student in one of ``grades`` whose date of birth fits the grade
    in ``school_year`` (age on 1 September = grade + 5, sometimes a year older)."""
    grade = int(rng.choice(grades))
    year = school_year - grade - 6 + int(rng.random() < 0.8)
    birth = dt.date(year, 9, 2) + dt.timedelta(days=int(rng.integers(0, 365)))
    return Student(
        last_name=str(rng.choice(LAST_NAMES)),
        first_name=str(rng.choice(FIRST_NAMES)),
        middle_initial=chr(ord("A") + int(rng.integers(0, 26))) if rng.random() < 0.8 else "",
        ssid=str(int(rng.integers(1, 10))) + "".join(map(str, rng.integers(0, 10, 9))),
        birth_date=birth,
        gender=str(rng.choice(["F", "M"])),
        grade=grade,
    )


DEMOGRAPHIC_FIELDS: dict[str, str] = {
    "last_name": "last_name", "first_name": "first_name", "middle_initial": "middle_initial",
    "ssid": "ssid", "student_id": "ssid", "birth_month": "birth_month", "birth_day": "birth_day",
    "birth_year": "birth_year", "birth_date": "birth_date", "gender": "gender", "grade": "grade",
}
"""Field name → the demographic it holds: the names the shipped forms give their
demographic fields (docs/forms.md). ``birth_date`` is one column per digit,
MMDDYY or MMDDYYYY; ``birth_year`` the last digits of the year."""
MARK_RATES: dict[str, float] = {"special_codes": 0.04, "scorer_use": 0.0}
"""Fields students mostly leave blank: share of keys marked (special condition
codes are the school's, scorer use the scorer's)."""


def _role(field: Field) -> str | None:
    """The demographic a field holds, or None."""
    return DEMOGRAPHIC_FIELDS.get(field.name)


def grade_choices(fields) -> tuple[int, ...]:
    """The numeric grades a form's ``grade`` field offers (its other codes,
    e.g. "EC" for end of course, are not a student's grade); ``GRADES`` when
    the form has no grade field."""
    fld = next((f for f in fields if _role(f) == "grade"), None)
    grades = tuple(int(c) for c in fld.option_codes if c.isdigit()) if fld else ()
    return grades or GRADES


def is_demographic(field: Field) -> bool:
    """True when a field holds one of the student's demographics."""
    return _role(field) is not None


def gridded(student: Student, field: Field) -> dict[str, str] | None:
    """What ``student`` marks in ``field``, key → option code ("" blank), or
    None when the field is not one of the demographics or the student's value
    cannot be gridded in it (too long, not an option)."""
    role = _role(field)
    if role is None:
        return None
    text = _text_for(student, role, field)
    if text is None:
        return None
    if len(field.keys) == 1:
        return {field.keys[0]: text} if text in ("", *field.option_codes) else None
    if len(text) > len(field.keys):
        return None
    chars = list(text.ljust(len(field.keys)).replace(" ", "\0"))
    values = {k: c.replace("\0", "") for k, c in zip(field.keys, chars, strict=True)}
    if any(v and v not in field.option_codes for v in values.values()):
        return None
    return values


def _text_for(student: Student, role: str, field: Field) -> str | None:
    """The student's value as the field prints it: one option code for a
    single-key field, else one character per column."""
    if role in ("last_name", "first_name", "middle_initial", "ssid"):
        return getattr(student, role)
    if role == "gender":
        return student.gender
    if role == "grade":
        return next((c for c in (str(student.grade), f"{student.grade:02d}")
                     if c in field.option_codes or len(c) == len(field.keys)), None)
    return _date_text(student.birth_date, role, field)


def _date_text(date: dt.date, role: str, field: Field) -> str | None:
    """A date of birth as ``field`` grids it: a month field (12 codes, or
    month digits), day digits, the year's last digits, or one digit per column
    as MMDDYY or MMDDYYYY."""
    n = len(field.keys)
    if role == "birth_month":
        codes = field.option_codes
        return codes[date.month - 1] if len(codes) == 12 else f"{date.month:02d}"[-n:]
    if role == "birth_day":
        return f"{date.day:02d}"
    if role == "birth_year":
        return str(date.year)[-n:]
    layouts = {6: "%m%d%y", 8: "%m%d%Y", 4: "%m%d"}
    return date.strftime(layouts[n]) if n in layouts else None


def random_response(field: Field, rng: np.random.Generator, omit_rate: float = 0.03
                    ) -> dict[str, str]:
    """A random response per key: an option code, "" (omit) at ``omit_rate``;
    in a multiple-selection field each box is marked with probability 0.2 and
    the value is the marked codes in printed order."""
    options = field.option_codes
    rate = MARK_RATES.get(field.name)
    out = {}
    for key in field.keys:
        if rate is not None and rng.random() >= rate:
            out[key] = ""
            continue
        if field.selection == "multiple":
            out[key] = "".join(c for c in options if rng.random() < 0.2)
        else:
            out[key] = "" if rng.random() < omit_rate else str(rng.choice(options))
    return out
