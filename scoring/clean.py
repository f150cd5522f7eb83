"""A :class:`ScoringDocument` from the edit station's clean document record, in its
documented JSON form (``edit_station.clean.CleanDocument.to_json()``, docs/api.md):
``fields`` → field → key → ``{"value", "source"}`` and ``changed`` → field → key →
``{"from", "to", "now"}``. Scoring takes only released documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoring.errors import ScoringError
from scoring.records import ItemResponse, ScoringDocument, gridded_demographics


def document_from_clean(clean: Mapping[str, Any], *, school: str = "", preid: str = "",
                        erasure_known: bool = True, version: int = 1,
                        kind: str = "") -> ScoringDocument:
    """``school`` comes from the document's batch header, ``preid`` from its read label."""
    if clean.get("status") != "released":
        raise ScoringError("not_released", f"document {clean.get('document_id')} is "
                           f"{clean.get('status')!r} at the edit station, not released")
    changed = clean.get("changed", {})
    fields = {name: {key: ItemResponse(v["value"],
                                       changed.get(name, {}).get(key, {}).get("from"))
                     for key, v in keys.items()}
              for name, keys in clean["fields"].items()}
    values = {name: {k: r.value for k, r in keys.items()} for name, keys in fields.items()}
    return ScoringDocument(clean["document_id"], clean["lithocode"], clean["form_id"], fields,
                           gridded_demographics(values, school, preid),
                           erasure_known=erasure_known, version=version, kind=kind)
