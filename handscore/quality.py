"""Judging a scorer against known scores, pure: a qualifying set passed or not, and the hold
rules (validity exactness, non-adjacent second reads). Reads and true scores are
:class:`handscore.rules.Marks`; a condition code matches only the same code, and counts as
non-adjacent otherwise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handscore.prompts import Prompt
from handscore.rules import Marks


@dataclass(frozen=True)
class Tally:
    """Trait scores compared: how many, how many equal, how many more than a point off."""

    compared: int = 0
    exact: int = 0
    non_adjacent: int = 0

    @property
    def exact_percent(self) -> float:
        return 100.0 * self.exact / self.compared if self.compared else 0.0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.compared + other.compared, self.exact + other.exact,
                     self.non_adjacent + other.non_adjacent)


def compare(prompt: Prompt, given: Marks, true: Marks) -> Tally:
    """The tally of one read against another (or against the true scores), per trait."""
    n = len(prompt.traits)
    if given.condition or true.condition:
        same = given.condition == true.condition
        return Tally(n, n if same else 0, 0 if same else n)
    gaps = [abs(given.scores[t.name] - true.scores[t.name]) for t in prompt.traits]
    return Tally(n, sum(g == 0 for g in gaps), sum(g > 1 for g in gaps))


def tally(prompt: Prompt, pairs: Sequence[tuple[Marks, Marks]]) -> Tally:
    return sum((compare(prompt, a, b) for a, b in pairs), Tally())


def set_passed(prompt: Prompt, pairs: Sequence[tuple[Marks, Marks]]) -> bool:
    """Whether reads of a whole qualifying set (given, true) meet the prompt's standard."""
    rule = prompt.qualification
    result = tally(prompt, pairs)
    return result.exact_percent >= rule.exact and result.non_adjacent <= rule.non_adjacent


def qualification_outcome(prompt: Prompt, passed: Sequence[bool], sets: int) -> bool | None:
    """True once enough sets passed, False once too few remain to pass, else None;
    ``passed`` holds the results of the sets finished, of ``sets`` in all."""
    needed = min(prompt.qualification.sets_to_pass, sets)
    if sum(passed) >= needed:
        return True
    if sum(passed) + (sets - len(passed)) < needed:
        return False
    return None


def validity_hold(prompt: Prompt, pairs: Sequence[tuple[Marks, Marks]]) -> str | None:
    """The reason to hold a scorer over their last validity reads (given, true), or None:
    a full window below the validity standard."""
    window = prompt.hold.validity_window
    if len(pairs) < window:
        return None
    result = tally(prompt, pairs[-window:])
    if result.exact_percent < prompt.validity_exact:
        return (f"validity exact {result.exact_percent:.0f} % over the last {window} "
                f"validity papers, below {prompt.validity_exact:.0f} %")
    return None


def non_adjacent_hold(prompt: Prompt, pairs: Sequence[tuple[Marks, Marks]]) -> str | None:
    """The reason to hold a scorer over their last second-read pairs, or None: a full window
    with more than the allowed share of non-adjacent pairs (any trait)."""
    window = prompt.hold.non_adjacent_window
    if len(pairs) < window:
        return None
    off = sum(compare(prompt, a, b).non_adjacent > 0 for a, b in pairs[-window:])
    if 100.0 * off / window > prompt.hold.non_adjacent:
        return (f"{off} non-adjacent of the last {window} second-read pairs, above "
                f"{prompt.hold.non_adjacent:.0f} %")
    return None


def smd_hold(prompt: Prompt, mine: Sequence[Marks], everyone: dict[str, tuple[float, float]]
             ) -> str | None:
    """The reason to hold a scorer whose last ``smd_window`` live reads (``mine``) have a mean
    beyond ±``smd`` standard deviations of everyone's on some trait (``everyone``: trait →
    (mean, SD) of all live reads of the prompt), or None."""
    window = prompt.hold.smd_window
    scored = [m.scores for m in mine[-window:] if m.scores]
    if len(mine) < window or not scored:
        return None
    for trait in prompt.traits:
        mean_all, sd_all = everyone.get(trait.name, (0.0, 0.0))
        if sd_all <= 0:
            continue
        smd = (sum(s[trait.name] for s in scored) / len(scored) - mean_all) / sd_all
        if abs(smd) > prompt.hold.smd:
            return (f"{trait.name}: mean of the last {window} reads {smd:+.2f} SD from "
                    f"everyone's, beyond ±{prompt.hold.smd}")
    return None
