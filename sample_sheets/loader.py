"""Loading form definitions: YAML (or JSON) → schema check → model → semantic checks.

Every problem raises :class:`FormDefinitionError` with the file, the place in
it (``pages[0].fields[3] (last_name)``) and what is wrong. The schema is
``sample_sheets/schema.json``; the format is described in docs/forms.md.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import jsonschema
import yaml

from sample_sheets.build import DEFAULT_MARGIN_IN, Builder
from sample_sheets.checks import check_form
from sample_sheets.errors import FormDefinitionError
from sample_sheets.model import Form

FORMS_DIR = Path(__file__).parent / "forms"
SCHEMA_PATH = Path(__file__).parent / "schema.json"

__all__ = ["FORMS_DIR", "SCHEMA_PATH", "FormDefinitionError", "load_form", "load_forms",
           "shipped_form_ids", "form_from_document"]


def shipped_form_ids() -> list[str]:
    """Ids of the forms shipped in ``sample_sheets/forms/`` (file stems), sorted."""
    return sorted(p.stem for p in FORMS_DIR.glob("*.yaml"))


def load_form(path_or_id: str | Path) -> Form:
    """One form from a file path, or from a shipped form's id."""
    path = Path(path_or_id)
    if not path.suffix and not path.exists():
        path = FORMS_DIR / f"{path_or_id}.yaml"
        if not path.exists():
            raise FormDefinitionError(str(path_or_id), "", f"no such form: shipped forms are "
                                      f"{', '.join(shipped_form_ids())}")
    return form_from_document(_read(path), str(path))


def load_forms(paths: list[str | Path] | None = None) -> dict[str, Form]:
    """Forms by id: those in ``paths``, or all shipped forms. Ids and form codes
    must be unique across them."""
    paths = paths if paths is not None else sorted(FORMS_DIR.glob("*.yaml"))
    forms: dict[str, Form] = {}
    codes: dict[int, Form] = {}
    for path in paths:
        form = load_form(path)
        if form.id in forms:
            raise FormDefinitionError(form.source, "id", f"form id {form.id!r} is also used by "
                                      f"{forms[form.id].source}")
        if form.form_code in codes:
            raise FormDefinitionError(form.source, "form_code", f"form code {form.form_code} is "
                                      f"also used by {codes[form.form_code].source} "
                                      f"({codes[form.form_code].id})")
        forms[form.id] = codes[form.form_code] = form
    return forms


def form_from_document(doc: object, source: str = "<document>") -> Form:
    """A form from an already parsed document (``source`` names it in errors)."""
    _validate(doc, source)
    builder = Builder(doc, source)
    form = builder.form()
    check_form(form, builder.places, doc.get("margin_in", DEFAULT_MARGIN_IN))
    return form


def _read(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormDefinitionError(str(path), "", f"cannot read the file: {exc}") from None
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FormDefinitionError(str(path), where, f"not valid YAML/JSON: {problem}") from None


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _validate(doc: object, source: str) -> None:
    if not isinstance(doc, dict):
        raise FormDefinitionError(source, "", "a form definition is a mapping (id, title, "
                                  "form_code, pages, …)")
    error = jsonschema.exceptions.best_match(_validator().iter_errors(doc))
    if error is not None:
        raise FormDefinitionError(source, _place(doc, list(error.absolute_path)),
                                  _problem(error))


def _place(doc: dict, path: list) -> str:
    """``pages[0].fields[3] (last_name).kind`` from a JSON path."""
    place, node = "", doc
    for step in path:
        if isinstance(step, int):
            place += f"[{step}]"
        else:
            place += f".{step}" if place else step
        node = node[step]
        if isinstance(node, dict) and isinstance(step, int) and "name" in node:
            place += f" ({node['name']})"
    return place or "top level"


def _problem(error: jsonschema.ValidationError) -> str:
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "additionalProperties":
        return f"{error.message} (check the spelling; docs/forms.md lists the keys)"
    return error.message
