"""The known forms, loaded once per process."""

from __future__ import annotations

from functools import cache

from omr.levels import TemplateCache
from sample_sheets.model import Form


@cache
def known_forms() -> dict[str, Form]:
    """Every form definition shipped in sample_sheets/forms, by id."""
    from sample_sheets.loader import load_forms

    return load_forms()


@cache
def form_templates() -> TemplateCache:
    """The known forms' blank-page templates, built as their pages are first read."""
    return TemplateCache()


def page_counts(forms: dict[str, Form]) -> dict[str, int]:
    return {form_id: len(form.pages) for form_id, form in forms.items()}
