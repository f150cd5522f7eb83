"""The document view: what the machine read of one answer document (SPEC §4).

Each page's image with the read values drawn over their fields
(:func:`overlay`, pure: a mark record's JSON in, boxes to draw out), the
demographics as read (:func:`demographics`, pure), the document's conditions
and its history (received, read, exceptions resolved, edits and releases as
the audit log has them). :func:`document_detail` loads it all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from capture.formset import known_forms
from capture.models import CaptureException, Document, DocumentCondition, Page, PageRead
from capture.reconcile import field_text
from sample_sheets.model import Form
from station.models import AuditEntry

DEMOGRAPHIC_KINDS = ("grid", "codes")
"""Field kinds that hold who the student is and how they were tested (names,
ids, dates, codes), as opposed to items and ratings."""
QUIET_FLAGS = frozenset({"omit"})
"""Flags that need no one's eye (a blank column ends a name): not listed as noted."""
SHOWN_LEVEL = 3
"""Bubbles at or above this level (0–15) are drawn one by one: marks, light
marks and erasure residue; every level is in the key's title."""


@dataclass(frozen=True)
class Bubble:
    """A bubble to draw: its option, level (0–15) and box (x, y, w, h, image
    pixels of the upright page)."""

    option: str
    level: float
    box: tuple[int, int, int, int]
    erased: bool


@dataclass(frozen=True)
class KeyMark:
    """One key as read, to draw over the page: ``value`` ("" omit, "*"
    multiple), its flags, every bubble's level and the bubbles worth drawing."""

    field: str
    key: str
    value: str
    flags: tuple[str, ...]
    box: tuple[int, int, int, int]
    levels: dict[str, float]
    bubbles: tuple[Bubble, ...]
    changed: dict[str, str] | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "key": self.key, "value": self.value,
                "flags": list(self.flags), "noted": list(self.noted), "box": list(self.box),
                "levels": self.levels, "changed": self.changed, "reason": self.reason,
                "title": self.title,
                "bubbles": [{"option": b.option, "level": b.level, "box": list(b.box),
                             "erased": b.erased} for b in self.bubbles]}

    @property
    def noted(self) -> tuple[str, ...]:
        """The flags worth a person's look (all but QUIET_FLAGS)."""
        return tuple(f for f in self.flags if f not in QUIET_FLAGS)

    @property
    def title(self) -> str:
        """The text shown on hover: the key, its value, flags and every level."""
        value = {"": "omit", "*": "multiple"}.get(self.value, self.value)
        levels = " · ".join(f"{o} {lvl:g}" for o, lvl in self.levels.items())
        flags = f" [{', '.join(self.flags)}]" if self.flags else ""
        changed = (f"; changed {self.changed['from']} → {self.changed['to']}"
                   if self.changed else "")
        return f"{self.field} {self.key}: {value}{flags}{changed} — levels {levels}"


def overlay(record: dict[str, Any]) -> list[KeyMark]:
    """The keys of a mark record (docs/omr.md, "The mark record") to draw over
    the page shown upright: a page read through its 180° registration has its
    boxes turned with it."""
    width, height = record.get("size") or (0, 0)
    rotated = bool((record.get("registration") or {}).get("rotated_180"))

    def upright(box: list[int]) -> tuple[int, int, int, int]:
        x, y, w, h = (int(v) for v in box)
        return (width - x - w, height - y - h, w, h) if rotated else (x, y, w, h)

    marks = []
    for field_name, keys in (record.get("fields") or {}).items():
        for key, read in keys.items():
            if not read.get("box"):
                continue
            erased = set(read.get("erased") or ())
            levels = read.get("levels") or {}
            bubbles = tuple(Bubble(option, float(levels.get(option, 0)), upright(box),
                                   option in erased)
                            for option, box in (read.get("bubbles") or {}).items()
                            if box and levels.get(option, 0) >= SHOWN_LEVEL)
            marks.append(KeyMark(field_name, key, read.get("value") or "",
                                 tuple(read.get("flags") or ()), upright(read["box"]),
                                 levels, bubbles, read.get("changed"), read.get("reason", "")))
    return marks


def demographics(form: Form, records: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The document's demographic fields as read, in form order: label and
    value (grid columns joined, ``*`` a multiple, ``?`` unclear; codes as
    marked), with the flags found on any of its keys."""
    rows = []
    for fld in form.fields.values():
        if fld.kind not in DEMOGRAPHIC_KINDS:
            continue
        record = next((r for r in records if fld.name in (r.get("fields") or {})), None)
        if record is None:
            continue
        keys = record["fields"][fld.name]
        flags = sorted({f for read in keys.values() for f in read.get("flags") or ()}
                       - QUIET_FLAGS)
        value = field_text(record, fld.name) if fld.kind == "grid" else ", ".join(
            f"{k}: {read['value']}" if len(keys) > 1 else read["value"]
            for k, read in keys.items() if read.get("value"))
        rows.append({"field": fld.name, "label": fld.label or fld.name, "value": value,
                     "flags": ", ".join(flags)})
    return rows


def document_detail(session: Session, document_id: int) -> dict[str, Any] | None:
    """Everything the document view shows, as JSON; None when there is no
    such document."""
    doc = session.get(Document, document_id)
    if doc is None:
        return None
    rows = session.execute(select(Page, PageRead).outerjoin(PageRead, PageRead.page_id == Page.id)
                           .where(Page.document_id == document_id)
                           .order_by(Page.page_number, Page.feed_id, Page.seq)).all()
    records = [read.record for _page, read in rows if read is not None]
    conditions = session.scalars(select(DocumentCondition).where(or_(
        DocumentCondition.document_id == document_id,
        DocumentCondition.page_id.in_([p.id for p, _ in rows])))).all()
    form = known_forms().get(doc.form_id)
    return {
        "document": {"id": doc.id, "batch_id": doc.batch_id, "lithocode": doc.lithocode,
                     "form": doc.form_id, "status": doc.status,
                     "pages_expected": doc.pages_expected, "pages_found": len(rows)},
        "pages": [_page_view(page, read) for page, read in rows],
        "demographics": demographics(form, records) if form else [],
        "conditions": [{"code": c.code, "detail": c.detail, "page_id": c.page_id}
                       for c in conditions],
        "history": history(session, doc, [p for p, _ in rows], [r for _, r in rows if r]),
    }


def _page_view(page: Page, read: PageRead | None) -> dict[str, Any]:
    record = read.record if read is not None else {}
    return {"id": page.id, "page": page.page_number, "status": page.status,
            "source": page.source_name, "frame": page.source_frame, "rotated": page.rotated,
            "size": record.get("size"), "flags": list(read.flags) if read else [],
            "marks": [m.to_json() for m in overlay(record)]}


def history(session: Session, doc: Document, pages: list[Page], reads: list[PageRead]
            ) -> list[dict[str, Any]]:
    """What happened to the document, oldest first: its pages received and
    read, and every audited action on the document, its pages, their
    exceptions and its batch (resolutions and closing here; corrections by
    the edit station, audited under ``document:<id>``, and the batch's
    release, under ``batch:<id>``)."""
    events = [{"at": p.received_at, "what": "received", "who": "scanner",
               "detail": f"page {p.page_number or '?'} from {p.source_name}"} for p in pages]
    events += [{"at": r.read_at, "what": "read", "who": "reader",
                "detail": f"page {r.record.get('page') or '?'}: {r.status}"
                          + (f" ({r.review_keys} keys to review)" if r.review_keys else "")}
               for r in reads]
    exceptions = session.scalars(select(CaptureException.id).where(or_(
        CaptureException.page_id.in_([p.id for p in pages]),
        CaptureException.batch_id == doc.batch_id))).all()
    targets = [f"document:{doc.id}", f"batch:{doc.batch_id}", *(f"page:{p.id}" for p in pages),
               *(f"capture_exception:{e}" for e in exceptions)]
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.target.in_(targets))):
        events.append({"at": entry.at, "what": entry.action, "who": entry.actor,
                       "detail": _audit_detail(entry)})
    events.sort(key=lambda e: (e["at"] is None, e["at"]))
    return [{**e, "at": e["at"].isoformat() if e["at"] else None} for e in events]


def _audit_detail(entry: AuditEntry) -> str:
    after = entry.after or {}
    return "; ".join(f"{k}: {v}" for k, v in after.items() if v not in (None, ""))
