"""A form's geometry as plain JSON (``forms show FORM --json``).

Inches from the page's top-left corner. Bubbles by their centre (``x_in``,
``y_in``) and size; everything else (write-in boxes, areas, barcodes, the
lithocode) by its top-left corner and size. ``key`` is the item number, grid
column or task (a string), ``option`` the printed option code.
"""

from __future__ import annotations

from dataclasses import asdict

from sample_sheets.codes import encode_page_id
from sample_sheets.model import Box, Form, Page

DECIMALS = 4


def form_geometry(form: Form) -> dict:
    return {"form": form.id, "title": form.title, "form_code": form.form_code,
            "pages": [page_geometry(form, p) for p in form.pages],
            "thresholds": asdict(form.thresholds)}


def page_geometry(form: Form, page: Page) -> dict:
    litho = page.lithocode
    return {
        "page": page.number, "width_in": page.width_in, "height_in": page.height_in,
        "bubbles": [{"field": b.field, "key": b.key, "option": b.option,
                     **_rounded(x_in=b.x_in, y_in=b.y_in, w_in=b.w_in, h_in=b.h_in)}
                    for b in page.bubbles],
        "registration": [_rounded(**asdict(m)) for m in page.registration],
        "page_id": {**_rounded(**asdict(page.page_id)),
                    "bits": encode_page_id(form.form_code, page.number)},
        "lithocode": None if litho is None else {
            **_box(litho.box), "eye_readable": _box(litho.eye_readable),
            "symbology": litho.symbology, "digits": litho.digits, "check": litho.check,
            "module_in": litho.module_in, "quiet_zone_in": litho.quiet_zone_in},
        "write_in": [{"field": f.name, "key": k, **_box(b)}
                     for f in page.fields for k, b in zip(f.keys, f.write_in, strict=False)],
        "areas": [{"field": f.name, "kind": f.kind, "page": a.page, **_box(a.box),
                   "lines": a.lines} for f, a in form.areas_on(page.number)],
        "barcodes": [{"name": b.name, "symbology": b.symbology, "content": b.content,
                      **_box(b.box), "module_in": b.module_in} for b in page.barcodes],
    }


def _box(box: Box) -> dict:
    return _rounded(**asdict(box))


def _rounded(**values: float) -> dict:
    return {k: round(v, DECIMALS) if isinstance(v, float) else v for k, v in values.items()}
