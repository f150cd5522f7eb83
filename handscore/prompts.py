"""Prompts and their rubrics: the JSON form (schema ``prompt.schema.json``), its defaults and
its checks. Pure: no database.

The defaults are the field's (docs/handscore.md): condition codes B, I, L, T, M, X; 10 %
second reads; resolution when two reads are more than one point apart on any trait; the first
read is final (a resolution read supersedes); 5 % validity papers; 5 % of each scorer's reads
backread each day; qualification in rounds of 10 with an exact-agreement standard set by the
scale (:func:`exact_standard`), no non-adjacent score, 2 sets of 3 passed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

DEFAULT_CONDITION_CODES = {
    "B": "blank",
    "I": "insufficient",
    "L": "non-scorable language",
    "T": "off topic",
    "M": "off purpose",
    "X": "illegible",
}
RESOLUTION_RULES = ("non-adjacent", "any-difference", "none")
FINAL_RULES = ("first", "sum", "average", "higher")
RATES = ("second_read_rate", "validity_rate", "backread_rate")


class PromptError(ValueError):
    """A prompt definition that cannot be used; the message names the field and the fix."""


def exact_standard(points: int) -> float:
    """The field's exact-agreement standard, in percent, for a scale of ``points`` score
    points: 90 for 2 points, 80 for 3–4, 70 for 5 or more."""
    if points <= 2:
        return 90.0
    return 80.0 if points <= 4 else 70.0


@dataclass(frozen=True)
class Trait:
    name: str
    min: int
    max: int

    @property
    def points(self) -> int:
        return self.max - self.min + 1


@dataclass(frozen=True)
class QualificationRule:
    """Pass ``sets_to_pass`` qualifying sets, each with at least ``exact`` percent of the
    trait scores equal to the true ones and at most ``non_adjacent`` scores more than a point
    off; training and qualifying sets come in rounds of ``set_size``."""

    set_size: int
    exact: float
    non_adjacent: int
    sets_to_pass: int


@dataclass(frozen=True)
class HoldRule:
    """A scorer goes on hold when, over the last ``validity_window`` validity papers, the
    exact rate is below ``validity_exact`` percent; when, over the last
    ``non_adjacent_window`` second-read pairs, more than ``non_adjacent`` percent are
    non-adjacent; or when, over the last ``smd_window`` live reads, the standardized mean
    difference against everyone's reads of the prompt is beyond ±``smd``."""

    validity_window: int = 20
    validity_exact: float | None = None
    non_adjacent_window: int = 20
    non_adjacent: float = 5.0
    smd_window: int = 100
    smd: float = 0.5


@dataclass(frozen=True)
class Prompt:
    id: str
    title: str
    traits: tuple[Trait, ...]
    condition_codes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CONDITION_CODES))
    anchors: tuple[dict[str, str], ...] = ()
    second_read_rate: float = 10.0
    validity_rate: float = 5.0
    backread_rate: float = 5.0
    resolution: str = "non-adjacent"
    final: str = "first"
    claim_minutes: float = 20.0
    source: dict[str, str] | None = None
    """Where capture's documents of this prompt are: ``{"form": id, "field": name}`` of the
    response field whose areas are clipped."""
    qualification: QualificationRule | None = None
    hold: HoldRule = field(default_factory=HoldRule)

    def trait(self, name: str) -> Trait:
        for trait in self.traits:
            if trait.name == name:
                return trait
        raise KeyError(name)

    @property
    def validity_exact(self) -> float:
        """The validity standard of holds: the hold rule's, or the qualification standard."""
        if self.hold.validity_exact is not None:
            return self.hold.validity_exact
        assert self.qualification is not None
        return self.qualification.exact

    def to_json(self) -> dict[str, Any]:
        """The JSON form with every default filled in (it parses back to the same prompt)."""
        data = asdict(self)
        data["traits"] = [asdict(t) for t in self.traits]
        data["anchors"] = list(self.anchors)
        return data

    def rubric_json(self) -> dict[str, Any]:
        """What a scorer sees of the prompt: its title, traits and condition codes."""
        return {"id": self.id, "title": self.title,
                "traits": [asdict(t) for t in self.traits],
                "condition_codes": dict(self.condition_codes)}


@cache
def schema() -> dict[str, Any]:
    text = resources.files("handscore").joinpath("prompt.schema.json").read_text()
    return json.loads(text)


def parse_prompt(data: Any) -> Prompt:
    """The prompt of a JSON object; raises :class:`PromptError` naming every problem found."""
    validator = jsonschema.Draft202012Validator(schema())
    problems = [_schema_problem(e) for e in validator.iter_errors(data)]
    if not problems:
        problems = _semantic_problems(data)
    if problems:
        name = data.get("id") if isinstance(data, dict) else None
        raise PromptError(f"prompt {name or '(no id)'}: " + "; ".join(problems))
    return _build(data)


def stored_prompt(definition: dict[str, Any]) -> Prompt:
    """The prompt of a definition :func:`parse_prompt` checked before it was stored (its
    :meth:`Prompt.to_json`), without checking it again."""
    return _build(definition)


def _schema_problem(error: jsonschema.ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "the prompt"
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        return f"{where}: {error.message} (known keys: {', '.join(known)})"
    if error.validator == "minItems" and error.absolute_path and \
            error.absolute_path[-1] == "traits":
        return "traits: a rubric needs at least one trait with score points"
    return f"{where}: {error.message}"


def _semantic_problems(data: dict[str, Any]) -> list[str]:
    problems = []
    names = [t["name"] for t in data["traits"]]
    for trait in data["traits"]:
        if trait["max"] <= trait["min"]:
            problems.append(f"trait {trait['name']}: no score points from {trait['min']} to "
                            f"{trait['max']} (max must be above min)")
    if len(set(names)) != len(names):
        problems.append(f"traits: names repeat ({', '.join(names)})")
    for rate in RATES:
        value = data.get(rate)
        if value is not None and not 0 <= value <= 100:
            problems.append(f"{rate}: {value} is outside 0-100 (a percentage)")
    if data.get("condition_codes") == {}:
        problems.append("condition_codes: give at least one, or leave it out for the defaults")
    return problems


def _build(data: dict[str, Any]) -> Prompt:
    values = dict(data)
    traits = tuple(Trait(**t) for t in values.pop("traits"))
    widest = max(t.points for t in traits)
    rule = {"set_size": 10, "exact": exact_standard(widest), "non_adjacent": 0,
            "sets_to_pass": 2, **values.pop("qualification", {})}
    hold = HoldRule(**values.pop("hold", {}))
    values["anchors"] = tuple(values.get("anchors", ()))
    return Prompt(traits=traits, qualification=QualificationRule(**rule), hold=hold, **values)
