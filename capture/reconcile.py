"""Header sheets: what they declare, and the declared count against the
documents found (SPEC §4, header reconciliation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sample_sheets.model import Form

HEADER_FIELDS = {"district_code": "district_code", "school_code": "school_code", "grade": "grade",
                 "administration": "administration", "count": "document_count"}
"""Header value → the header form's field holding it."""
BATCH_CODE = "batch_code"
"""The header form's barcode carrying the batch code."""


@dataclass(frozen=True)
class Header:
    """A header sheet's values as read (``*`` marks a multiple mark, ``?`` an
    unclear column); ``declared_count`` is None unless the count is a number."""

    district_code: str
    school_code: str
    grade: str
    administration: str
    declared_count: int | None
    batch_code: str | None


def header_form_ids(forms: dict[str, Form]) -> frozenset[str]:
    """The forms that are batch header sheets: those printing a batch code."""
    return frozenset(f.id for f in forms.values()
                     if any(b.name == BATCH_CODE for p in f.pages for b in p.barcodes))


def field_text(record: dict[str, Any], name: str) -> str:
    """A grid field's value as text, column by column in key order; a
    trailing blank column ends the value."""
    keys = record.get("fields", {}).get(name, {})
    return "".join(k["value"] or " " for k in keys.values()).rstrip()


def read_header(record: dict[str, Any]) -> Header:
    """The header values of a header sheet's mark record (JSON form)."""
    text = {name: field_text(record, fld).strip() for name, fld in HEADER_FIELDS.items()}
    count = text.pop("count")
    code = record.get("barcodes", {}).get(BATCH_CODE, {}).get("text")
    return Header(**text, declared_count=int(count) if count.isdigit() else None,
                  batch_code=code)


def count_mismatch(declared: int | None, found: int) -> str | None:
    """The reason to show the operator when the header's count and the
    documents found disagree, else None."""
    if declared is None:
        return f"the header's document count was not read; {found} documents found"
    if declared != found:
        return f"the header declares {declared} documents, {found} found"
    return None
