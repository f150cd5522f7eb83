"""Test definitions: YAML (or JSON) → schema check → :class:`TestDefinition` → semantic checks.

A definition says how one test of one form is scored: the items of a choice field with their
keys, points and status, reporting clusters, polytomous items (handscored writing traits,
ratings) with weights, the raw-to-scale conversion table, cut scores, condition codes and
the program's matching keys. The format is in docs/scoring.md; the schema is
``scoring/test_schema.json``. Every problem raises :class:`TestDefinitionError` naming the
file, the place in it and what is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import yaml

from scoring.errors import TestDefinitionError

TESTS_DIR = Path(__file__).parent / "tests_shipped"
SCHEMA_PATH = Path(__file__).parent / "test_schema.json"

DEFAULT_CONDITIONS: dict[str, dict[str, Any]] = {
    "A": {"name": "absent", "report_score": False, "in_summaries": False},
    "P": {"name": "parent/guardian exemption", "report_score": False, "in_summaries": False},
    "M": {"name": "not tested: medical emergency", "report_score": False,
          "in_summaries": False},
    "I": {"name": "illness during testing", "report_score": True, "in_summaries": False},
    "N": {"name": "tested, no answers marked", "report_score": True, "in_summaries": True},
    "V": {"name": "invalidated", "report_score": False, "in_summaries": False},
}
"""The answer folder's special condition codes and what each decides, unless a definition
says otherwise."""

DEFAULT_MATCHING_KEYS = ("preid", "ssid", "name_birth_gender")


@dataclass(frozen=True)
class Item:
    """One multiple-choice item: ``key`` is its key in the form's field ("1".."60")."""

    key: str
    answers: frozenset[str]
    options: str
    points: int = 1
    status: str = "scored"  # scored | dropped (worth nothing) | everyone (full points to all)


@dataclass(frozen=True)
class Polytomous:
    """A handscored trait or a rating, ``0..max_points``, counted ``weight`` times."""

    name: str
    source: str
    max_points: int
    weight: float = 1.0


@dataclass(frozen=True)
class Condition:
    code: str
    name: str
    report_score: bool
    in_summaries: bool


@dataclass(frozen=True)
class TestDefinition:
    """A validated test definition; arrays for the scorer are built by its methods."""

    __test__ = False

    id: str
    version: int
    subject: str
    grade: str
    administration: str
    form: str
    field: str
    items: tuple[Item, ...]
    clusters: dict[str, tuple[str, ...]]
    polytomous: tuple[Polytomous, ...]
    scale_table: tuple[tuple[float, float], ...]
    lowest_scale: float
    highest_scale: float
    interpolate: bool
    levels: tuple[tuple[str, float], ...]
    conditions: dict[str, Condition]
    no_answers_condition: str | None
    condition_from: tuple[str, str] | None
    matching_keys: tuple[str, ...]
    document: dict = field(repr=False, compare=False, default_factory=dict)

    @property
    def max_raw(self) -> float:
        """The highest obtainable raw score: scored items' points plus weighted polytomous."""
        return (sum(i.points for i in self.items if i.status != "dropped")
                + sum(p.max_points * p.weight for p in self.polytomous))

    @cached_property
    def options(self) -> str:
        """Every option letter of any item, in order: a response's index is into this."""
        seen = dict.fromkeys(o for item in self.items for o in item.options)
        return "".join(seen)

    def to_json(self) -> str:
        """The definition as loaded (the document), canonical JSON: stored and hashed."""
        return json.dumps(self.document, sort_keys=True, separators=(",", ":"))


def shipped_test_ids() -> list[str]:
    return sorted(p.stem for p in TESTS_DIR.glob("*.yaml"))


def load_test(path_or_id: str | Path) -> TestDefinition:
    """A definition from a file path, or a shipped test's id."""
    path = Path(path_or_id)
    if not path.suffix and not path.exists():
        path = TESTS_DIR / f"{path_or_id}.yaml"
        if not path.exists():
            raise TestDefinitionError(str(path_or_id), "", "no such test: shipped tests are "
                                      f"{', '.join(shipped_test_ids())}", code="unknown_test")
    return definition_from_document(_read(path), str(path))


def definition_from_document(doc: object, source: str = "<document>") -> TestDefinition:
    """A definition from a parsed document (``source`` names it in errors)."""
    _validate(doc, source)
    assert isinstance(doc, dict)
    items = tuple(_item(doc, i, source) for i in range(len(doc["items"])))
    definition = TestDefinition(
        id=doc["id"], version=doc["version"], subject=doc["subject"], grade=str(doc["grade"]),
        administration=doc["administration"], form=doc["form"], field=doc["field"],
        items=items,
        clusters={c["name"]: tuple(c["items"]) for c in doc.get("clusters", [])},
        polytomous=tuple(Polytomous(p["name"], p["source"], p["max_points"],
                                    float(p.get("weight", 1.0)))
                         for p in doc.get("polytomous", [])),
        scale_table=tuple((float(r), float(s)) for r, s in doc["scale"]["table"]),
        lowest_scale=float(doc["scale"]["lowest"]), highest_scale=float(doc["scale"]["highest"]),
        interpolate=doc["scale"].get("interpolate", True),
        levels=tuple((lv["name"], float(lv["cut"])) for lv in doc["levels"]),
        conditions={code: Condition(code, **c)
                    for code, c in {**DEFAULT_CONDITIONS, **doc.get("conditions", {})}.items()},
        no_answers_condition=doc.get("no_answers_condition", "N"),
        condition_from=(doc["condition_from"]["field"], doc["condition_from"]["key"])
        if "condition_from" in doc else None,
        matching_keys=tuple(doc.get("matching_keys", DEFAULT_MATCHING_KEYS)),
        document=doc,
    )
    _check(definition, source)
    return definition


def _item(doc: dict, index: int, source: str) -> Item:
    raw = doc["items"][index]
    options = raw.get("options", doc["options"])
    answers = raw["answer"] if isinstance(raw["answer"], list) else list(raw["answer"])
    place = f"items[{index}] ({raw['key']}).answer"
    for answer in answers:
        if len(answer) != 1 or answer not in options:
            raise TestDefinitionError(source, place, f"key {answer!r} is not an option of the "
                                      f"item (options {options})", code="key_not_an_option")
    return Item(raw["key"], frozenset(answers), options, raw.get("points", 1),
                raw.get("status", "scored"))


def _check(d: TestDefinition, source: str) -> None:
    keys = [item.key for item in d.items]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise TestDefinitionError(source, "items", f"item keys used twice: {duplicates}",
                                  code="duplicate_item")
    known = set(keys)
    for name, members in d.clusters.items():
        unknown = [m for m in members if m not in known]
        if unknown:
            raise TestDefinitionError(source, f"clusters ({name})", f"names unknown items "
                                      f"{unknown}", code="cluster_unknown_item")
    _check_scale(d, source)
    _check_levels(d, source)
    if d.no_answers_condition is not None and d.no_answers_condition not in d.conditions:
        raise TestDefinitionError(source, "no_answers_condition", f"{d.no_answers_condition!r}"
                                  " is not a condition code", code="unknown_condition")


def _check_scale(d: TestDefinition, source: str) -> None:
    raws = np.array([r for r, _ in d.scale_table])
    scales = np.array([s for _, s in d.scale_table])
    if np.any(np.diff(raws) <= 0):
        raise TestDefinitionError(source, "scale.table", "raw scores must increase from row to "
                                  "row (a raw score listed twice or out of order)",
                                  code="table_not_monotone")
    if np.any(np.diff(scales) < 0):
        row = int(np.argmax(np.diff(scales) < 0)) + 1
        raise TestDefinitionError(source, f"scale.table[{row}]", "scale scores must not go down "
                                  f"as raw scores go up ({scales[row - 1]:g} then "
                                  f"{scales[row]:g})", code="table_not_monotone")
    if raws[0] > 0 or raws[-1] < d.max_raw:
        raise TestDefinitionError(source, "scale.table", f"covers raw scores {raws[0]:g}–"
                                  f"{raws[-1]:g}, not the test's 0–{d.max_raw:g}",
                                  code="table_not_covering")
    if not d.interpolate:
        missing = sorted(set(range(int(np.ceil(d.max_raw)) + 1)) - set(raws.tolist()))
        if missing:
            raise TestDefinitionError(source, "scale.table", f"a full table (interpolate: "
                                      f"false) has a gap: raw scores {missing[:10]} missing",
                                      code="table_gap")
    if d.lowest_scale >= d.highest_scale:
        raise TestDefinitionError(source, "scale", "lowest must be below highest",
                                  code="scale_range")


def _check_levels(d: TestDefinition, source: str) -> None:
    cuts = [cut for _, cut in d.levels]
    for i in range(1, len(cuts)):
        if cuts[i] <= cuts[i - 1]:
            raise TestDefinitionError(source, f"levels[{i}] ({d.levels[i][0]})", f"cut "
                                      f"{cuts[i]:g} is not above the previous level's "
                                      f"{cuts[i - 1]:g}: cut scores out of order",
                                      code="cuts_out_of_order")
    if cuts[0] != d.lowest_scale or cuts[-1] > d.highest_scale:
        raise TestDefinitionError(source, "levels", f"the first level's cut must be the "
                                  f"lowest scale score ({d.lowest_scale:g}) and every cut at "
                                  f"most the highest ({d.highest_scale:g})",
                                  code="cuts_out_of_range")


def _read(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TestDefinitionError(str(path), "", f"cannot read the file: {exc}",
                                  code="unreadable") from None
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise TestDefinitionError(str(path), "", f"not valid YAML/JSON: {exc}",
                                  code="unreadable") from None


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def _validate(doc: object, source: str) -> None:
    if not isinstance(doc, dict):
        raise TestDefinitionError(source, "", "a test definition is a mapping (id, version, "
                                  "subject, items, scale, levels, …)")
    error = jsonschema.exceptions.best_match(_validator().iter_errors(doc))
    if error is not None:
        place = ".".join(str(p) for p in error.absolute_path) or "top level"
        raise TestDefinitionError(source, place, error.message)
