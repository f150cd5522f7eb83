"""Decisions per item or grid column from its bubbles' levels (SPEC §5).

Levels are decided as the integers 0–15 reported in the record; the unrounded
level only serves to flag, as ``uncertain``, a decision that a level within
UNCERTAIN_BAND of a threshold would turn. Thresholds come from the form
(:class:`sample_sheets.model.MarkThresholds`); the rules are in docs/omr.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sample_sheets.model import MarkThresholds

OMIT, MULTIPLE = "", "*"
REVIEW_FLAGS = ("multiple", "light", "uncertain")
"""Flags that send a key to an editor; the others only inform."""
UNCERTAIN_BAND = 0.5
"""Levels (unrounded) closer than this to a decision boundary are uncertain."""
CLASSES = ("blank", "erased", "light", "mark")
"""Level classes of a bubble, lightest first (see :func:`level_class`)."""


def level_class(level: int, t: MarkThresholds) -> str:
    """The class of a reported level under a form's thresholds.

    Parameters
    ----------
    level : int
        A reported level, 0–15.
    t : MarkThresholds
        The form's thresholds.

    Returns
    -------
    str
        One of CLASSES: "blank" below ``erasure_from``, "erased" below
        ``count_from``, "light" up to ``light_at_or_below``, "mark" above.
    """
    if level < t.erasure_from:
        return "blank"
    if level < t.count_from:
        return "erased"
    return "light" if level <= t.light_at_or_below else "mark"


@dataclass(frozen=True)
class Decision:
    """What one key (item, grid column, code, task) reads.

    ``value``: the option code, OMIT ("") or MULTIPLE ("*"); for a key of a
    multiple-selection field, the marked codes in printed order. ``erased``:
    options read as erasures (lighter than a mark, darker than blank).
    ``changed``: (original, final) when an erasure lies under a final mark.
    ``reason``: the rule that decided, in words.
    """

    value: str
    flags: tuple[str, ...]
    erased: tuple[str, ...]
    changed: tuple[str, str] | None
    reason: str


def decide_field(options: tuple[str, ...], level: np.ndarray, measured: np.ndarray,
                 thresholds: MarkThresholds, single: bool = True,
                 residue: np.ndarray | None = None,
                 erasure_at: float | None = None) -> list[Decision]:
    """Decide every key of a field at once.

    Keys that are plainly an omit or one clear mark (no erasure, nothing near a
    threshold) are decided in bulk; the rest go through :func:`decide`.

    Parameters
    ----------
    options : tuple of str
        The field's option codes, in printed order.
    level : (keys, options) float ndarray
        Unrounded levels, 0–15.
    measured : (keys, options) bool ndarray
        False where a bubble lies off the image.
    thresholds : MarkThresholds
        The form's thresholds.
    single : bool
        A single-selection field (False: each box is read on its own).
    residue : (keys, options) bool ndarray, optional
        Bubbles below ``erasure_from`` holding erasure residue (bitonal pages,
        :mod:`omr.residue`).
    erasure_at : float, optional
        The page's erasure level, unrounded (:func:`omr.levels.blank_levels`);
        default ``erasure_from`` − 0.5, i.e. a reported level of ``erasure_from``.

    Returns
    -------
    list of Decision
        One per key, in order.
    """
    t = thresholds
    erasure_at = t.erasure_from - 0.5 if erasure_at is None else erasure_at
    ints = np.rint(level).astype(int)
    counted = ints >= t.count_from
    residue = np.zeros(level.shape, bool) if residue is None else residue
    top = level.argmax(axis=1)
    top_int = ints[np.arange(len(ints)), top]
    plain = (measured.all(axis=1) & (counted.sum(axis=1) <= 1)
             & ~(((level >= erasure_at) | residue) & ~counted).any(axis=1)
             & ~(np.abs(level - (t.count_from - 0.5)) < UNCERTAIN_BAND).any(axis=1)
             & ((top_int < t.count_from) | (top_int > t.light_at_or_below)))
    return [(_plain(options[top[k]], int(top_int[k]), t.count_from) if plain[k]
             else decide(options, level[k], measured[k], t, single, residue[k], erasure_at))
            for k in range(len(ints))]


@lru_cache(maxsize=4096)
def _plain(option: str, level: int, count_from: int) -> Decision:
    """The decision of a key with one clear mark ``option`` at ``level``, or
    none (``level`` below ``count_from``)."""
    if level < count_from:
        return Decision(OMIT, ("omit",), (), None, "no mark")
    return Decision(option, (), (), None, f"mark {option} ({level})")


def decide(options: tuple[str, ...], level: np.ndarray, measured: np.ndarray,
           thresholds: MarkThresholds, single: bool = True,
           residue: np.ndarray | None = None, erasure_at: float | None = None) -> Decision:
    """Decide one key (rules in docs/omr.md, "Decisions").

    Parameters
    ----------
    options : tuple of str
        The key's option codes, in printed order.
    level : (options,) float ndarray
        Unrounded levels, 0–15.
    measured : (options,) bool ndarray
        False where a bubble lies off the image.
    thresholds, single, residue, erasure_at
        As for :func:`decide_field`, for this key.

    Returns
    -------
    Decision
    """
    ints = np.rint(level).astype(int)
    residue = np.zeros(len(level), bool) if residue is None else residue
    erasure_at = thresholds.erasure_from - 0.5 if erasure_at is None else erasure_at
    order = np.argsort(-level, kind="stable")
    marks = [i for i in order if ints[i] >= thresholds.count_from]
    erased = [i for i in order if ints[i] < thresholds.count_from
              and (level[i] >= erasure_at or residue[i])]
    key = _Key(options, ints, level, measured, thresholds, residue)
    if not single:
        value = "".join(options[i] for i in sorted(marks))
        return _finish(key, value, marks, erased, "marked boxes" if marks else "no mark", [])
    if not marks:
        return _finish(key, OMIT, [], erased, "no mark", [])
    top, rest = marks[0], marks[1:]
    if rest and ints[top] - ints[rest[0]] < thresholds.margin:
        reason = (f"{options[top]} ({ints[top]}) and {options[rest[0]]} ({ints[rest[0]]}) "
                  f"within the margin {thresholds.margin}")
        return _finish(key, MULTIPLE, marks, erased, reason, marks)
    reason = f"mark {options[top]} ({ints[top]})"
    if rest:
        reason += f", darker than {options[rest[0]]} by {ints[top] - ints[rest[0]]}"
    return _finish(key, options[top], [top], rest + erased, reason, marks)


@dataclass(frozen=True)
class _Key:
    """A key's bubbles: options, reported and unrounded levels, whether each
    was measured and holds erasure residue, and the form's thresholds."""

    options: tuple[str, ...]
    ints: np.ndarray
    level: np.ndarray
    measured: np.ndarray
    thresholds: MarkThresholds
    residue: np.ndarray


def _finish(key: _Key, value: str, marks: list, erased: list, reason: str,
            competing: list) -> Decision:
    """Flags for a decided key. ``marks``: indices of the options forming the
    value; ``erased``: indices read as erasures; ``competing``: the counted
    marks, darkest first, whose difference the margin rule judged."""
    options, ints, t = key.options, key.ints, key.thresholds
    flags = []
    if value == OMIT:
        flags.append("omit")
    if erased:
        flags.append("erasure")
    changed = None
    if erased and value not in (OMIT, MULTIPLE):
        flags.append("changed")
        changed = (options[erased[0]], value)
    if value == MULTIPLE:
        flags.append("multiple")
    if any(ints[i] <= t.light_at_or_below for i in marks):
        flags.append("light")
    doubt = _doubt(competing, key.level, key.measured, t)
    if doubt:
        flags.append("uncertain")
        reason = f"{reason}; uncertain: {doubt}"
    if erased:
        reason += "; erased " + ", ".join(
            f"{options[i]} ({ints[i]}{', residue' if key.residue[i] else ''})" for i in erased)
    return Decision(value, tuple(flags), tuple(options[i] for i in erased), changed, reason)


def _doubt(competing, level, measured, t: MarkThresholds) -> str:
    """Why the decision is not sure, or "" when it is."""
    if not measured.all():
        return "bubble off the image"
    boundary = t.count_from - 0.5
    near = np.abs(level - boundary) < UNCERTAIN_BAND
    if near.any():
        return (f"level {level[near.argmax()]:.2f} within {UNCERTAIN_BAND} of the mark "
                f"threshold {t.count_from}")
    if len(competing) >= 2:
        gap = level[competing[0]] - level[competing[1]]
        if abs(gap - (t.margin - 0.5)) < UNCERTAIN_BAND:
            return f"difference {gap:.2f} within {UNCERTAIN_BAND} of the margin {t.margin}"
    return ""
