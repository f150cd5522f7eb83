"""The known forms, loaded once per process."""

from __future__ import annotations

from functools import cache

from sample_sheets.model import Form


@cache
def known_forms() -> dict[str, Form]:
    """Every form definition shipped in sample_sheets/forms, by id."""
    from sample_sheets.loader import load_forms

    return load_forms()


def page_counts(forms: dict[str, Form]) -> dict[str, int]:
    return {form_id: len(form.pages) for form_id, form in forms.items()}
