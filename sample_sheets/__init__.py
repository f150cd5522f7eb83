"""Form definitions, their schema and the renderer; the test-deck generator is the
package :mod:`sample_sheets.deck` beside them.

A pure library: no web, no database, no queue. The public API is importable
from here; names load on first use, so that importing the model (as the reader
does) does not load the renderer.

    from sample_sheets import load_form, render_page
    form = load_form("answer_folder")
    image = render_page(form, 1, dpi=300, lithocode=lithocode_for(1234567))
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "load_form": "loader", "load_forms": "loader", "shipped_form_ids": "loader",
    "form_from_document": "loader", "FormDefinitionError": "errors", "SCHEMA_PATH": "loader",
    "render_page": "render", "render_pdf": "render", "form_geometry": "geometry",
    "lithocode_for": "codes", "lithocode_valid": "codes", "mod10_check_digit": "codes",
    "encode_page_id": "codes", "decode_page_id": "codes",
    "Form": "model", "Page": "model", "Field": "model", "Bubble": "model", "Box": "model",
    "Area": "model", "Layout": "model", "Option": "model", "Lithocode": "model",
    "Barcode": "model", "Printed": "model", "MarkThresholds": "model",
    "RegistrationMark": "model", "PageIdStrip": "model",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sample_sheets' has no attribute {name!r}")
    return getattr(import_module(f"sample_sheets.{_EXPORTS[name]}"), name)
