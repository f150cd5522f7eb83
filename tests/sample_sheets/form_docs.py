"""The example form of docs/forms.md, as a document to load, change and break."""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path

import yaml

from sample_sheets.loader import load_forms
from sample_sheets.model import Form

DOCS = Path(__file__).resolve().parents[2] / "docs" / "forms.md"


@cache
def _example() -> dict:
    block = re.search(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    return yaml.safe_load(block.group(1))


def example_doc() -> dict:
    """A fresh copy of the docs' example form (id quiz_sheet, code 900)."""
    return copy.deepcopy(_example())


def write_doc(path: Path, doc: dict) -> Path:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@cache
def shipped() -> dict[str, Form]:
    """The shipped forms, loaded once for the test session."""
    return load_forms()
