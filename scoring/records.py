"""What scoring takes in: a student's clean document and final writing scores, as records of
scoring's own (the edit station's ``clean_document`` and handscoring's final scores are
adapted to them), and their encoding into the scorer's arrays.

JSON form of a :class:`ScoringDocument`: ``{"document_id", "lithocode", "form_id",
"version", "erasure_known", "fields": {field: {key: {"value", "original"}}},
"demographics": {...}}``. ``value`` is the final response ("" omit, "*" multiple marks);
``original`` the erased earlier answer when the student changed it, else null.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from scoring.definitions import TestDefinition
from scoring.errors import ResponseError
from scoring.scorer import MULTIPLE, NO_CONDITION, NOT_CHANGED, OMIT, condition_codes

OMIT_VALUE, MULTIPLE_VALUE = "", "*"


@dataclass(frozen=True)
class ItemResponse:
    value: str
    original: str | None = None


@dataclass(frozen=True)
class Demographics:
    """What matching uses; ``school`` and ``grade`` bound it, the rest are its keys."""

    school: str = ""
    grade: str = ""
    preid: str = ""
    ssid: str = ""
    last_name: str = ""
    first_name: str = ""
    birth_date: str = ""
    gender: str = ""


NAME_FIELDS = ("last_name", "first_name", "ssid", "gender", "grade")


def gridded_text(keys: dict[str, str]) -> str:
    """A gridded field's text: its columns' values in key order, multiple marks dropped."""
    order = sorted(keys, key=lambda k: (len(k), k))
    return "".join(keys[k] for k in order if keys[k] != MULTIPLE_VALUE).strip()


def gridded_demographics(values: dict[str, dict[str, str]], school: str = "",
                         preid: str = "") -> Demographics:
    """Demographics from a document's field values (field → key → value)."""
    text = {name: gridded_text(values.get(name, {}))
            for name in (*NAME_FIELDS, "birth_year", "birth_month", "birth_day")}
    birth = "-".join(text[p] for p in ("birth_year", "birth_month", "birth_day"))
    return Demographics(school, text["grade"], preid, text["ssid"], text["last_name"],
                        text["first_name"], birth if all(birth.split("-")) else "",
                        text["gender"])


@dataclass(frozen=True)
class ScoringDocument:
    """One clean document. ``erasure_known`` is False for pages scanned bitonal.
    ``kind`` tells documents of one student apart (e.g. "answer_folder", "writing",
    "rating:examiner", "rating:observer"); by default the form id."""

    document_id: int
    lithocode: str
    form_id: str
    fields: dict[str, dict[str, ItemResponse]]
    demographics: Demographics = field(default_factory=Demographics)
    erasure_known: bool = True
    version: int = 1
    kind: str = ""

    @property
    def document_kind(self) -> str:
        return self.kind or self.form_id

    def to_json(self) -> dict:
        return {"document_id": self.document_id, "lithocode": self.lithocode,
                "form_id": self.form_id, "version": self.version, "kind": self.document_kind,
                "erasure_known": self.erasure_known,
                "demographics": vars(self.demographics),
                "fields": {f: {k: {"value": r.value, "original": r.original}
                               for k, r in keys.items()} for f, keys in self.fields.items()}}


@dataclass(frozen=True)
class ResponseArrays:
    """The scorer's inputs for ``n`` documents (see :func:`scoring.scorer.score`)."""

    responses: np.ndarray
    original: np.ndarray
    erasure_known: np.ndarray
    condition: np.ndarray


def encode_value(definition: TestDefinition, item_index: int, value: str, where: str) -> int:
    """A response's code for the scorer; a value outside the item's options is an error
    naming ``where`` (document or line) and the item."""
    if value == OMIT_VALUE:
        return OMIT
    if value == MULTIPLE_VALUE:
        return MULTIPLE
    item = definition.items[item_index]
    if len(value) != 1 or value not in item.options:
        raise ResponseError("response_not_an_option", f"{where}: item {item.key}: response "
                            f"{value!r} is not an option of the item ({item.options})")
    return definition.options.index(value)


def encode_condition(definition: TestDefinition, code: str, where: str) -> int:
    """A condition code's index for the scorer ("" none)."""
    if not code:
        return NO_CONDITION
    codes = condition_codes(definition)
    if code not in codes:
        raise ResponseError("unknown_condition", f"{where}: condition code {code!r} is not "
                            f"one of the test's {', '.join(codes)}")
    return codes.index(code)


def response_codes(definition: TestDefinition) -> list[dict[str, int]]:
    """Per item, each value it may hold → its code for the scorer."""
    return [{OMIT_VALUE: OMIT, MULTIPLE_VALUE: MULTIPLE,
             **{o: definition.options.index(o) for o in item.options}}
            for item in definition.items]


def _code(definition: TestDefinition, codes: list[dict[str, int]], i: int, value: str,
          where: str) -> int:
    code = codes[i].get(value)
    return encode_value(definition, i, value, where) if code is None else code


def response_arrays(definition: TestDefinition,
                    documents: Sequence[ScoringDocument]) -> ResponseArrays:
    """Arrays of the definition's field for ``documents``; the condition from the field the
    definition names (``condition_from``). A key the document lacks is an omit."""
    n, n_items = len(documents), len(definition.items)
    responses = np.full((n, n_items), OMIT, np.int8)
    original = np.full((n, n_items), NOT_CHANGED, np.int8)
    condition = np.full(n, NO_CONDITION, np.int8)
    codes = response_codes(definition)
    for d, doc in enumerate(documents):
        where = f"document {doc.document_id} (lithocode {doc.lithocode})"
        keys = doc.fields.get(definition.field, {})
        for i, item in enumerate(definition.items):
            read = keys.get(item.key)
            if read is None:
                continue
            responses[d, i] = _code(definition, codes, i, read.value, where)
            if read.original:
                original[d, i] = _code(definition, codes, i, read.original, where)
        if definition.condition_from:
            f, k = definition.condition_from
            code = doc.fields.get(f, {}).get(k, ItemResponse("")).value
            condition[d] = encode_condition(definition, code, where)
    known = np.array([doc.erasure_known for doc in documents], bool)
    return ResponseArrays(responses, original, known, condition)
