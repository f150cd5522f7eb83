"""What each key of a document is meant to hold and how its bubbles are marked.

A :class:`KeyPlan` holds a key's intended value — the option code, ``""`` for
an omit, ``"*"`` for a multiple mark; a multiple-selection key's marked codes
in printed order — and the marking style of each bubble that is not left
blank (styles in :mod:`sample_sheets.deck.marks`). :class:`Mix` says how often each
style and situation occurs; :func:`coverage_plan` schedules, per key, every
option plus a blank and a double mark across a scanning center's test deck.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sample_sheets.model import Field, Form

MARK_STYLES: tuple[str, ...] = ("dark", "partial", "check", "x", "light")


@dataclass(frozen=True)
class Mix:
    """Rates of marking styles and situations.

    ``marks``: relative weights of the style of an answer's mark.
    ``changed``: share of answers drawn over an erased first answer.
    ``multiple``: share of single-selection answers made a double mark (two dark marks).
    ``omit_erased``: share of omitted keys holding an erasure alone.
    ``stray``: share of keys with a stray pencil line beside a blank bubble.
    """

    marks: dict[str, float]
    changed: float
    multiple: float
    omit_erased: float
    stray: float

    @classmethod
    def for_effects(cls, effects: str, coverage: bool = False) -> Mix:
        """``none``: mostly dark marks, every style at a low rate; ``typical``
        and ``harsh``: a realistic mix; ``coverage``: every style often."""
        if coverage:
            return cls(dict.fromkeys(MARK_STYLES, 1.0), 0.15, 0.02, 0.4, 0.1)
        if effects == "none":
            return cls({"dark": 0.86, "partial": 0.03, "check": 0.03, "x": 0.03, "light": 0.05},
                       0.03, 0.01, 0.1, 0.01)
        return cls({"dark": 0.75, "partial": 0.07, "check": 0.04, "x": 0.04, "light": 0.10},
                   0.05, 0.02, 0.15, 0.03)

    def mark_style(self, rng: np.random.Generator) -> str:
        weights = np.array([self.marks[s] for s in MARK_STYLES])
        return str(MARK_STYLES[int(rng.choice(len(MARK_STYLES), p=weights / weights.sum()))])


@dataclass
class KeyPlan:
    """One key: intended ``value``, ``styles`` (option → style, non-blank only),
    ``changed`` ({"from", "to"} for an answer over an erasure), what was drawn
    (``bubbles``: option → style, class, level) and the hand-printed ``printed``
    character above a grid column."""

    value: str
    styles: dict[str, str]
    changed: dict[str, str] | None = None
    bubbles: dict[str, dict] = field(default_factory=dict)
    printed: str | None = None

    def record(self, option: str, style: str, level_class: str, level: float) -> None:
        self.bubbles[option] = {"style": style, "class": level_class, "level": round(level, 2)}

    def to_json(self) -> dict:
        out = {"value": self.value, "bubbles": self.bubbles, "changed": self.changed}
        if self.printed is not None:
            out["printed"] = self.printed
        return out


def plan_key(fld: Field, value: str, mix: Mix, rng: np.random.Generator) -> KeyPlan:
    """How a student marks ``value`` in one key of ``fld``."""
    options = fld.option_codes
    if fld.selection == "multiple":
        plan = KeyPlan(value, {c: mix.mark_style(rng) for c in value})
    elif value == "*":
        plan = KeyPlan("*", dict.fromkeys(rng.choice(options, 2, replace=False).tolist(), "dark"))
    elif value == "":
        plan = KeyPlan("", {})
        if rng.random() < mix.omit_erased:
            plan.styles[str(rng.choice(options))] = "erased"
    elif len(options) > 1 and rng.random() < mix.multiple:
        other = str(rng.choice([o for o in options if o != value]))
        plan = KeyPlan("*", {value: "dark", other: "dark"})
    else:
        plan = KeyPlan(value, {value: mix.mark_style(rng)})
        if len(options) > 1 and rng.random() < mix.changed:
            first = str(rng.choice([o for o in options if o != value]))
            plan.styles[first] = "erased_remarked"
            plan.changed = {"from": first, "to": value}
    free = [o for o in options if o not in plan.styles]
    if free and rng.random() < mix.stray:
        plan.styles[str(rng.choice(free))] = "stray"
    return plan


def coverage_plan(form: Form, rng: np.random.Generator) -> dict[str, dict[str, list[str]]]:
    """Per bubble field and key, the values documents 1, 2, … take so that
    across them every option of every key is marked, and every key is once
    left blank and once double-marked (a multiple-selection key: once blank
    and once with all its boxes). Option order is shuffled per key."""
    plan: dict[str, dict[str, list[str]]] = {}
    for fld in form.fields.values():
        if not fld.bubbles:
            continue
        codes = list(fld.option_codes)
        plan[fld.name] = {}
        for key in fld.keys:
            order = [codes[i] for i in rng.permutation(len(codes))]
            extra = ["", "".join(codes)] if fld.selection == "multiple" else (
                ["", "*"] if len(codes) > 1 else [""])
            plan[fld.name][key] = order + extra
    return plan
