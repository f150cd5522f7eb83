"""Student records: a student's documents put together, never by guess.

Within school and grade, documents are matched by the program's ordered keys (the test
definition's ``matching_keys``): the pre-ID barcode, then the SSID, then last name + first
name + date of birth + gender, each compared exactly after normalising case, spaces and
punctuation. Two records are compared on the **first key both have**: equal, they are one
student; different, they are two, whatever the later keys say. A document that agrees so
with more than one student (a tie) joins none and is listed. A read pre-ID label is resolved
to its pre-ID record first (:func:`apply_labels`): the record's demographics win over what
was gridded, and every disagreement is reported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from scoring.records import Demographics, ScoringDocument

KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "preid": ("preid",),
    "ssid": ("ssid",),
    "name_birth_gender": ("last_name", "first_name", "birth_date", "gender"),
}
OBSERVER_KIND, EXAMINER_KIND = "rating:observer", "rating:examiner"


def normalise(text: str) -> str:
    """Upper case, without spaces or punctuation: ``"o'Brien-Smith "`` → ``"OBRIENSMITH"``."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def key_values(demographics: Demographics, keys: Sequence[str]) -> dict[str, str]:
    """The document's value of each matching key it has (all the key's parts present)."""
    values = {}
    for key in keys:
        parts = [normalise(getattr(demographics, f)) for f in KEY_FIELDS[key]]
        if all(parts):
            values[key] = "|".join(parts)
    return values


@dataclass(frozen=True)
class MatchCondition:
    """Something a supervisor must look at: ``code`` is ``duplicate``, ``tie``,
    ``unknown_label`` or ``label_disagrees``; ``detail`` says what."""

    code: str
    document_ids: tuple[int, ...]
    detail: str


@dataclass
class Student:
    """One student's documents. ``key`` is stable across runs (for score rows)."""

    school: str
    grade: str
    documents: list[ScoringDocument] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        for name in ("preid", "ssid", "name_birth_gender"):
            if name in self.keys:
                return f"{self.school}/{self.grade}/{name}:{self.keys[name]}"
        return f"{self.school}/{self.grade}/document:{self.documents[0].document_id}"

    def kinds(self) -> dict[str, list[ScoringDocument]]:
        by_kind: dict[str, list[ScoringDocument]] = defaultdict(list)
        for doc in self.documents:
            by_kind[doc.document_kind].append(doc)
        return by_kind

    def rating_pair(self) -> tuple[ScoringDocument, ScoringDocument] | None:
        """The examiner's and the observer's rating sheets, when both came (the observer's
        is an agreement check, not added to the score)."""
        kinds = self.kinds()
        if len(kinds.get(EXAMINER_KIND, ())) == 1 and len(kinds.get(OBSERVER_KIND, ())) == 1:
            return kinds[EXAMINER_KIND][0], kinds[OBSERVER_KIND][0]
        return None


@dataclass(frozen=True)
class Matching:
    """``unmatched``: students lacking a document kind the program expects, with the kinds
    they lack."""

    students: list[Student]
    unmatched: list[tuple[Student, tuple[str, ...]]]
    conditions: list[MatchCondition]


def match_documents(documents: Iterable[ScoringDocument], keys: Sequence[str],
                    expected_kinds: Iterable[str] = ()) -> Matching:
    """Put documents together into students (see the module docstring); documents in
    document-id order, so a run gives the same students every time."""
    groups: dict[tuple[str, str], list[ScoringDocument]] = defaultdict(list)
    for doc in sorted(documents, key=lambda d: d.document_id):
        groups[(doc.demographics.school, doc.demographics.grade)].append(doc)
    students: list[Student] = []
    conditions: list[MatchCondition] = []
    for (school, grade), docs in groups.items():
        students += _match_group(school, grade, docs, keys, conditions)
    for student in students:
        for kind, docs in student.kinds().items():
            if len(docs) > 1:
                conditions.append(MatchCondition(
                    "duplicate", tuple(d.document_id for d in docs),
                    f"{len(docs)} documents of kind {kind} for one student"))
    expected = tuple(expected_kinds)
    unmatched = [(s, missing) for s in students
                 if (missing := tuple(k for k in expected if k not in s.kinds()))]
    return Matching(students, unmatched, conditions)


def _match_group(school: str, grade: str, docs: list[ScoringDocument], keys: Sequence[str],
                 conditions: list[MatchCondition]) -> list[Student]:
    students: list[Student] = []
    index: dict[tuple[str, str], list[Student]] = defaultdict(list)
    for doc in docs:
        values = key_values(doc.demographics, keys)
        found = {id(s): s for key, value in values.items() for s in index[(key, value)]}
        candidates = [s for s in found.values() if _same_student(s.keys, values, keys)]
        if len(candidates) > 1:
            conditions.append(MatchCondition(
                "tie", (doc.document_id, *(s.documents[0].document_id for s in candidates)),
                f"document {doc.document_id} agrees with {len(candidates)} students; "
                "kept apart"))
        if len(candidates) == 1:
            student = candidates[0]
        else:
            student = Student(school, grade)
            students.append(student)
        student.documents.append(doc)
        for key, value in values.items():
            if key not in student.keys:
                student.keys[key] = value
                index[(key, value)].append(student)
    return students


def _same_student(a: Mapping[str, str], b: Mapping[str, str], keys: Sequence[str]) -> bool:
    """Compared on the first key both have."""
    for key in keys:
        if key in a and key in b:
            return a[key] == b[key]
    return False


def apply_labels(documents: Iterable[ScoringDocument],
                 preid: Mapping[str, Demographics]) -> tuple[list[ScoringDocument],
                                                             list[MatchCondition]]:
    """Documents with a read pre-ID label get their pre-ID record's demographics (gridded
    values that disagree are reported, the label's win); a label with no record is a
    condition and the document keeps what was gridded, without the label."""
    out, conditions = [], []
    for doc in documents:
        label = doc.demographics.preid
        if not label:
            out.append(doc)
            continue
        record = preid.get(label)
        if record is None:
            conditions.append(MatchCondition("unknown_label", (doc.document_id,),
                                             f"pre-ID label {label} is in no pre-ID file"))
            out.append(replace(doc, demographics=replace(doc.demographics, preid="")))
            continue
        gridded = doc.demographics
        for name, value in vars(record).items():
            mine = getattr(gridded, name)
            if value and mine and normalise(mine) != normalise(value):
                conditions.append(MatchCondition(
                    "label_disagrees", (doc.document_id,),
                    f"{name}: gridded {mine!r}, pre-ID label {label} says {value!r}"))
        merged = {name: getattr(record, name) or getattr(gridded, name) for name in vars(record)}
        out.append(replace(doc, demographics=Demographics(**{**merged, "preid": label})))
    return out, conditions
