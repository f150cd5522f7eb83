"""Pre-ID files: a district's student list sent before testing (docs/pre-id.md).

Two layouts: CSV with a header (:data:`COLUMNS`), and fixed width (:data:`FIXED_WIDTH`,
one student per line). A file is checked whole — every problem named by line and field —
and loaded all or nothing. A re-import adds a new version of each student whose record
changed; the previous versions stay (history).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring.errors import ScoringError
from scoring.models import PreIdStudent
from scoring.records import Demographics

COLUMNS = ("preid", "district", "school", "grade", "ssid", "last_name", "first_name",
           "birth_date", "gender", "non_tester")
FIXED_WIDTH: tuple[tuple[str, int, int], ...] = (
    ("preid", 1, 10), ("district", 11, 16), ("school", 17, 22), ("grade", 23, 24),
    ("ssid", 25, 34), ("last_name", 35, 54), ("first_name", 55, 69), ("birth_date", 70, 77),
    ("gender", 78, 78), ("non_tester", 79, 79))
"""Field, first and last column (1-based, inclusive); ``birth_date`` YYYYMMDD."""
REQUIRED = ("preid", "school", "grade", "last_name", "first_name")


@dataclass(frozen=True)
class PreIdRecord:
    preid: str
    district: str
    school: str
    grade: str
    ssid: str
    last_name: str
    first_name: str
    birth_date: str  # ISO YYYY-MM-DD or ""
    gender: str
    non_tester: bool

    def demographics(self) -> Demographics:
        return Demographics(self.school, self.grade, self.preid, self.ssid, self.last_name,
                            self.first_name, self.birth_date, self.gender)


class PreIdFileError(ScoringError):
    """Every problem of a pre-ID file, one per line of the message."""

    def __init__(self, path: str, problems: list[str]) -> None:
        shown = problems[:20] + ([f"… and {len(problems) - 20} more"]
                                 if len(problems) > 20 else [])
        super().__init__("bad_preid_file", f"{path}: nothing imported, {len(problems)} "
                         "problem(s):\n" + "\n".join(shown))
        self.problems = problems


def read_preid_file(path: Path) -> list[PreIdRecord]:
    """All records of a CSV (``.csv``) or fixed-width file, or :class:`PreIdFileError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PreIdFileError(str(path), [f"cannot read the file: {exc}"]) from None
    rows = _csv_rows(text) if path.suffix.lower() == ".csv" else _fixed_rows(text)
    problems: list[str] = []
    records: list[PreIdRecord] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if isinstance(row, str):
            problems.append(f"line {line}: {row}")
            continue
        record, errors = _record(row)
        problems += [f"line {line}: {e}" for e in errors]
        if record and record.preid in seen:
            problems.append(f"line {line}: preid {record.preid} is also on line "
                            f"{seen[record.preid]}")
        elif record:
            seen[record.preid] = line
            records.append(record)
    if problems:
        raise PreIdFileError(str(path), problems)
    return records


def _csv_rows(text: str) -> Iterable[tuple[int, dict[str, str] | str]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        yield 1, f"missing columns {', '.join(missing)} (docs/pre-id.md)"
        return
    for row in reader:
        yield reader.line_num, {c: (row[c] or "").strip() for c in COLUMNS}


def _fixed_rows(text: str) -> Iterable[tuple[int, dict[str, str] | str]]:
    width = FIXED_WIDTH[-1][2]
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if len(raw) > width:
            yield line, f"{len(raw)} characters, the layout has {width}"
            continue
        yield line, {name: raw[a - 1:b].strip() for name, a, b in FIXED_WIDTH}


def _record(row: dict[str, str]) -> tuple[PreIdRecord | None, list[str]]:
    errors = [f"{name}: missing" for name in REQUIRED if not row[name]]
    birth = row["birth_date"].replace("-", "")
    iso = ""
    if birth:
        try:
            iso = dt.datetime.strptime(birth, "%Y%m%d").date().isoformat()
        except ValueError:
            errors.append(f"birth_date: {row['birth_date']!r} is not a date (YYYYMMDD)")
    if row["gender"] not in ("", "M", "F", "X"):
        errors.append(f"gender: {row['gender']!r} is not M, F or X")
    if row["ssid"] and not (row["ssid"].isdigit() and len(row["ssid"]) == 10):
        errors.append(f"ssid: {row['ssid']!r} is not 10 digits")
    if row["non_tester"] not in ("", "Y", "N"):
        errors.append(f"non_tester: {row['non_tester']!r} is not Y, N or blank")
    if errors:
        return None, errors
    return PreIdRecord(**{**row, "birth_date": iso, "non_tester": row["non_tester"] == "Y"}), []


@dataclass(frozen=True)
class ImportCount:
    added: int
    updated: int
    unchanged: int


def import_preid(session: Session, records: list[PreIdRecord]) -> ImportCount:
    """Load records: new students added, changed ones as a new current version (the old
    kept), unchanged ones left."""
    current = {row.preid: row for row in session.scalars(
        select(PreIdStudent).where(PreIdStudent.current.is_(True),
                                   PreIdStudent.preid.in_([r.preid for r in records])))}
    added = updated = 0
    for record in records:
        fields = asdict(record)
        old = current.get(record.preid)
        if old is not None and all(getattr(old, k) == v for k, v in fields.items()):
            continue
        version = 1
        if old is not None:
            old.current = False
            version = old.version + 1
            updated += 1
        else:
            added += 1
        session.flush()
        session.add(PreIdStudent(**fields, version=version, current=True))
    session.flush()
    return ImportCount(added, updated, len(records) - added - updated)


def preid_index(session: Session) -> dict[str, Demographics]:
    """Current pre-ID records by label (for :func:`scoring.matching.apply_labels`)."""
    return {row.preid: PreIdRecord(**{c: getattr(row, c) for c in COLUMNS}).demographics()
            for row in session.scalars(select(PreIdStudent).filter_by(current=True))}
