"""An edit item as the screen and the API show it (docs/api.md, "Items")."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from capture.formset import known_forms
from edit_station.models import EditDocument, EditItem, ItemStatus
from edit_station.queue import with_corrections
from edit_station.rules import bubble_fields, field_text, rule_of
from edit_station.values import current_values, levels_of

CONTEXT_KEYS_AT_MOST = 20
"""Fields with more keys than this (a test's items) are left out of an item's context."""


def item_kind(item: EditItem, when: str) -> str:
    """What the input takes: ``key`` (one key's value), ``field`` (a whole
    field), ``date`` (MMDDYY), ``lithocode`` (the printed digits) or
    ``document`` (no value: rescan, help or accept)."""
    if item.document_id is None:
        return "lithocode"
    if item.field is None:
        return "document"
    if when == "date_out_of_range":
        return "date"
    return "key" if item.key is not None else "field"


def item_json(session: Session, item: EditItem, supervisor: bool) -> dict[str, Any]:
    """The item with its clip URL, levels, texts and the document's context.
    The first keying of a double-keyed item is shown to supervisors only."""
    form = known_forms()[item.form_id]
    rule = rule_of(form, item.rule)
    fld = form.fields.get(item.field) if item.field else None
    out = {
        "id": item.id, "document_id": item.document_id, "lithocode": item.lithocode,
        "batch_id": item.batch_id, "form_id": item.form_id, "rule": item.rule,
        "field": item.field, "key": item.key, "value": item.value, "problem": item.problem,
        "resolution": item.resolution, "status": item.status, "kind": item_kind(item, rule.when),
        "double_key": item.double_key, "second_keying": item.status == ItemStatus.SECOND_KEY,
        "clip_url": url_for("edit_station.clip", item_id=item.id) if item.clip.get("box")
        else None,
        "page_url": url_for("edit_station.page_image", item_id=item.id),
        "levels": levels_of(item.clip), "write_in": bool(item.clip.get("write_in")),
        "options": list(fld.option_codes) if fld else [],
        "label": (fld.label if fld else "") or (item.field or ""),
        "claim_expires_at": item.claim_expires_at.isoformat() if item.claim_expires_at
        else None,
        "context": _context(session, item),
    }
    if supervisor:
        out["keyings"] = [v for v in (item.first_value, item.second_value) if v is not None]
    return out


def _context(session: Session, item: EditItem) -> dict[str, str]:
    """The document's other short fields, as they stand now: label → text."""
    if item.document_id is None:
        return {}
    [edoc], corrections = with_corrections(session, select(EditDocument).where(
        EditDocument.document_id == item.document_id))
    form = known_forms()[edoc.form_id]
    values = current_values(edoc.read_values, [(c.field, c.key, c.value_after)
                                               for c in corrections])
    return {(f.label or f.name): field_text(f, values.get(f.name, {})).rstrip()
            for f in bubble_fields(form)
            if len(f.keys) <= CONTEXT_KEYS_AT_MOST and f.name in values}
