"""The clean document record: the original reading plus the corrections, the
one thing scoring reads of the edit station.

JSON form (``GET /api/edit/documents/<id>``, docs/api.md)::

    {"document_id": 12, "lithocode": "00012346", "form_id": "answer_folder",
     "batch_id": 3, "status": "released",
     "fields": {"last_name": {"1": {"value": "S", "source": "read"},
                              "2": {"value": "M", "source": "keyed"}, ...}, ...},
     "changed": {"reading": {"7": {"from": "B", "to": "C", "now": "C"}}},
     "accepted": [{"rule": "page_missing", "field": null, "key": null,
                   "by": "supervisor"}]}

``source`` is ``read`` (as the reader decided) or ``keyed`` (an editor's
correction, or a keying confirmed by a second editor). ``status``: open,
released or rescan; scoring takes only released documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from edit_station.models import EditItem, ItemStatus
from edit_station.queue import corrections_of, document_of
from edit_station.values import changed_answers, current_values


@dataclass(frozen=True)
class FieldValue:
    value: str
    source: str  # "read" or "keyed"


@dataclass(frozen=True)
class CleanDocument:
    document_id: int
    lithocode: str
    form_id: str
    batch_id: int
    status: str
    fields: dict[str, dict[str, FieldValue]]
    changed: dict[str, dict[str, dict[str, str]]]
    accepted: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {"document_id": self.document_id, "lithocode": self.lithocode,
                "form_id": self.form_id, "batch_id": self.batch_id, "status": self.status,
                "fields": {f: {k: {"value": v.value, "source": v.source}
                               for k, v in keys.items()} for f, keys in self.fields.items()},
                "changed": self.changed, "accepted": list(self.accepted)}


def clean_document(session: Session, document_id: int) -> CleanDocument:
    """The clean record of a document taken into edit; raises
    :class:`capture.documents.DocumentGone` when the station does not hold it."""
    edoc = document_of(session, document_id)
    corrections = corrections_of(session, edoc)
    values = current_values(edoc.read_values, [(c.field, c.key, c.value_after)
                                               for c in corrections])
    keyed = {(c.field, c.key) for c in corrections}
    fields = {f: {k: FieldValue(v.value, "keyed" if (f, k) in keyed else "read")
                  for k, v in keys.items()} for f, keys in values.items()}
    accepted = tuple({"rule": i.rule, "field": i.field, "key": i.key, "by": i.resolved_by}
                     for i in session.scalars(select(EditItem).where(
                         EditItem.document_id == document_id,
                         EditItem.fingerprint == edoc.fingerprint,
                         EditItem.status == ItemStatus.ACCEPTED).order_by(EditItem.id)))
    return CleanDocument(edoc.document_id, edoc.lithocode, edoc.form_id, edoc.batch_id,
                         edoc.status, fields, changed_answers(edoc.read_values, values),
                         accepted)
