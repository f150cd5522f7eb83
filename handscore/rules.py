"""The rules of reads and final scores, pure: a read's values checked against the rubric,
the resolution trigger, the final score by the prompt's rule, and which read a live response
waits for next.

A read is :class:`Marks`: scores per trait, or a condition code (then no scores).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from handscore.models import Need
from handscore.prompts import Prompt


class ReadInputError(ValueError):
    """Values of a read that the rubric does not allow; the message says which."""


@dataclass(frozen=True)
class Marks:
    scores: dict[str, int] | None = None
    condition: str | None = None


def check_marks(prompt: Prompt, scores: Any, condition: Any) -> Marks:
    """The read's values when the rubric allows them: every trait scored in its range and
    nothing else, or one of the prompt's condition codes alone."""
    if (scores is None) == (condition is None):
        raise ReadInputError('give either "scores" ({trait: n}) or "condition" (a code)')
    if condition is not None:
        if condition not in prompt.condition_codes:
            raise ReadInputError(f"condition code {condition!r} is not one of this prompt's: "
                                 f"{', '.join(prompt.condition_codes)}")
        return Marks(condition=condition)
    if not isinstance(scores, dict):
        raise ReadInputError('"scores" must be an object {trait: score}')
    names = [t.name for t in prompt.traits]
    unknown = sorted(set(scores) - set(names))
    if unknown:
        raise ReadInputError(f"trait {unknown[0]!r} is not in prompt {prompt.id} "
                             f"(its traits: {', '.join(names)})")
    missing = [n for n in names if n not in scores]
    if missing:
        raise ReadInputError(f"trait {missing[0]!r} has no score")
    for trait in prompt.traits:
        value = scores[trait.name]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ReadInputError(f"trait {trait.name!r}: the score must be a whole number, "
                                 f"got {value!r}")
        if not trait.min <= value <= trait.max:
            raise ReadInputError(f"trait {trait.name!r}: score {value} is outside "
                                 f"{trait.min}-{trait.max}")
    return Marks(scores={n: scores[n] for n in names})


def needs_resolution(prompt: Prompt, first: Marks, second: Marks) -> bool:
    """Whether two reads go to resolution by the prompt's rule: ``non-adjacent`` (more than
    one point apart on any trait), ``any-difference``, or ``none``. Two different condition
    codes, or a condition code against scores, always do unless the rule is ``none``."""
    if prompt.resolution == "none":
        return False
    if first.condition or second.condition:
        return first.condition != second.condition
    tolerance = 1 if prompt.resolution == "non-adjacent" else 0
    return any(abs(first.scores[t.name] - second.scores[t.name]) > tolerance
               for t in prompt.traits)


def second_read_drawn(response_id: int, rate: float) -> bool:
    """Whether the response gets a second read at ``rate`` percent: a fixed draw per response
    (uniform from its id's SHA-256), so that repeating a submission draws the same."""
    digest = hashlib.sha256(f"second-read:{response_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100 < rate


def next_need(prompt: Prompt, response_id: int, first: Marks | None, second: Marks | None,
              resolution: Marks | None) -> Need:
    """The read a live response waits for, given the reads it has."""
    if first is None:
        return Need.FIRST
    if resolution is not None:
        return Need.NONE
    if second is None:
        drawn = second_read_drawn(response_id, prompt.second_read_rate)
        return Need.SECOND if drawn else Need.NONE
    return Need.RESOLUTION if needs_resolution(prompt, first, second) else Need.NONE


def final_score(prompt: Prompt, first: Marks, second: Marks | None,
                resolution: Marks | None) -> Marks:
    """The final score by the prompt's ``final`` rule; a resolution read supersedes the two
    reads under every rule (under ``sum`` it counts twice, so that the range stays that of
    two reads). A condition code is final when the deciding read gave one.

    ``first`` the first read; ``sum``/``average``/``higher`` of the two reads (a response
    read once counts its one read twice, alone, alone)."""
    double = prompt.final == "sum"
    if resolution is not None:
        return _scaled(resolution, 2 if double else 1)
    if prompt.final == "first" or second is None:
        return _scaled(first, 2 if double else 1)
    if first.condition or second.condition:
        return first  # equal codes (different ones went to resolution, or the rule is none)
    combine = {"sum": lambda a, b: a + b, "average": lambda a, b: (a + b) / 2,
               "higher": max}[prompt.final]
    return Marks(scores={t.name: combine(first.scores[t.name], second.scores[t.name])
                         for t in prompt.traits})


def _scaled(marks: Marks, factor: int) -> Marks:
    if marks.condition or factor == 1:
        return marks
    return Marks(scores={k: v * factor for k, v in marks.scores.items()})
