"""A document's values as the edit station keeps them: taken once from its mark
records, then read with the corrections applied.

``read_values`` (the JSON of ``edit_document.read_values``)::

    {"fields": {field: {key: [value, [review flags], changed or null]}},
     "keys":   {field: page number},
     "pages":  {page number: {"page_id", "sha256", "rotated"}}}

``changed`` is ``[from, to]`` for an answer over an erasure (docs/omr.md). An
item keeps its own clip facts (:func:`clip_facts`: boxes and levels from the
mark record), so that it is served without reading the mark records again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from capture.documents import CaptureDocument, ReadPage
from edit_station.rules import Value, Values
from omr.decisions import REVIEW_FLAGS
from omr.record import Box


def snapshot(doc: CaptureDocument) -> dict[str, Any]:
    """The ``read_values`` of a captured document (see the module's docstring)."""
    fields: dict[str, dict[str, list]] = {}
    keys: dict[str, int] = {}
    pages = {}
    for page in doc.pages:
        record = page.record
        pages[str(page.page_number)] = {"page_id": page.page_id, "sha256": page.image_sha256,
                                        "rotated": page.rotated}
        for name, reads in record.fields.items():
            keys[name] = page.page_number
            fields[name] = {k: [r.value, [f for f in r.flags if f in REVIEW_FLAGS],
                                list(r.changed) if r.changed else None]
                            for k, r in reads.items()}
    return {"fields": fields, "keys": keys, "pages": pages}


def current_values(read_values: dict[str, Any], corrections: Iterable[tuple[str, str, str]]
                   ) -> Values:
    """The document's values now: read, then each correction (field, key,
    value) in order. A corrected key carries no flag."""
    values: Values = {f: {k: Value(v[0], tuple(v[1])) for k, v in keys.items()}
                      for f, keys in read_values["fields"].items()}
    for field, key, value in corrections:
        values.setdefault(field, {})[key] = Value(value)
    return values


def clip_facts(doc: CaptureDocument, fields: list[str], key: str | None) -> dict[str, Any]:
    """What the screen needs to show a finding, from the document's mark
    records: the page, the box to cut (union of the keys concerned and their
    write-in boxes), each bubble's box and level. A finding on no field (or a
    field of no page) shows the first page, without a box."""
    page = next((p for p in doc.pages if fields and fields[0] in p.record.fields), None)
    if page is None:
        page = doc.pages[0]
        return {**_page(page), "box": None, "bubbles": [], "write_in": []}
    reads = [(k, r) for f in fields for k, r in page.record.fields.get(f, {}).items()
             if key is None or k == key]
    write_ins = [list(r.write_in) for _k, r in reads if r.write_in]
    bubbles = [{"key": k, "option": o, "box": list(b), "level": r.levels.get(o, 0)}
               for k, r in reads for o, b in r.bubbles.items()]
    return {**_page(page), "box": union([list(r.box) for _k, r in reads] + write_ins),
            "bubbles": bubbles, "write_in": write_ins}


def _page(page: ReadPage) -> dict[str, Any]:
    return {"page": page.page_number, "page_id": page.page_id, "sha256": page.image_sha256,
            "rotated": page.rotated}


def levels_of(clip: dict[str, Any]) -> dict[str, dict[str, int]]:
    """key → option → level (0–15) of the bubbles of a clip."""
    out: dict[str, dict[str, int]] = {}
    for b in clip.get("bubbles", []):
        out.setdefault(b["key"], {})[b["option"]] = b["level"]
    return out


def union(boxes: list[list[int]] | list[Box]) -> list[int] | None:
    """The smallest box (x, y, w, h) holding every box, or None for none."""
    if not boxes:
        return None
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return [x0, y0, x1 - x0, y1 - y0]


def changed_answers(read_values: dict[str, Any], values: Values) -> dict[str, dict[str, dict]]:
    """The changed-answer facts of every key read over an erasure: field → key
    → {"from", "to"} as read, and ``now``: the key's value after corrections."""
    out: dict[str, dict[str, dict]] = {}
    for field, keys in read_values["fields"].items():
        for key, (_value, _flags, changed) in keys.items():
            if changed:
                out.setdefault(field, {})[key] = {"from": changed[0], "to": changed[1],
                                                  "now": values[field][key].value}
    return out
