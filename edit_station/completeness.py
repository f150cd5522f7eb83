"""Demographic completeness (SPEC §6): after edits, the schools whose released
documents miss required demographic fields at TOLERANCE or more, with
MIN_DOCUMENTS or more documents, for follow-up with the district.

A field is missing when any of its keys is blank or a multiple mark (after
corrections). The fields are DEFAULT_FIELDS unless the caller names others;
a form without a field does not count it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from edit_station.models import DocumentStatus, EditCorrection, EditDocument
from edit_station.rules import BLANK, MULTIPLE
from edit_station.values import current_values

DEFAULT_FIELDS = ("ethnicity", "language_fluency", "ssid", "gender")
TOLERANCE = 0.03
"""Share of a school's documents missing a field from which it is listed."""
MIN_DOCUMENTS = 10
"""Schools with fewer released documents are not listed."""


@dataclass(frozen=True)
class SchoolGap:
    school_code: str
    documents: int
    field: str
    missing: int

    @property
    def share(self) -> float:
        return self.missing / self.documents

    def to_json(self) -> dict:
        return {"school_code": self.school_code, "documents": self.documents,
                "field": self.field, "missing": self.missing, "percent":
                round(100 * self.share, 1)}


def school_gaps(session: Session, fields: tuple[str, ...] = DEFAULT_FIELDS,
                tolerance: float = TOLERANCE, min_documents: int = MIN_DOCUMENTS
                ) -> list[SchoolGap]:
    """The schools and fields at or above ``tolerance``, worst first."""
    documents: dict[str, int] = defaultdict(int)
    missing: dict[tuple[str, str], int] = defaultdict(int)
    fixes = defaultdict(list)
    for c in session.scalars(select(EditCorrection).order_by(EditCorrection.id)):
        fixes[(c.document_id, c.fingerprint)].append((c.field, c.key, c.value_after))
    for edoc in session.scalars(select(EditDocument).where(
            EditDocument.status == DocumentStatus.RELEASED)):
        values = current_values(edoc.read_values, fixes[(edoc.document_id, edoc.fingerprint)])
        documents[edoc.school_code] += 1
        for name in fields:
            keys = values.get(name)
            if keys is not None and any(v.value in (BLANK, MULTIPLE) for v in keys.values()):
                missing[(edoc.school_code, name)] += 1
    gaps = [SchoolGap(school, documents[school], name, n) for (school, name), n in missing.items()
            if documents[school] >= min_documents and n / documents[school] >= tolerance]
    return sorted(gaps, key=lambda g: (-g.share, g.school_code, g.field))
