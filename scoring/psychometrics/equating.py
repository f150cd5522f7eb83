"""IRT true-score equating of a new form X to the reference form Y (X's parameters already
on Y's scale), and the raw-to-scale table through Y's conversion.

For each integer score x of X strictly between the sum of X's guessing parameters and its
maximum, theta solves TCC_X(theta) = x (:func:`irt.invert_increasing`: Newton with a
bisection fallback) and the Y equivalent is TCC_Y(theta). At and below sum c_X (where no
theta exists) the Kolen-Brennan rule: y = x * sum c_Y / sum c_X (x = 0 gives 0); the
maximum of X maps to the maximum of Y.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.psychometrics.errors import PsychometricsError
from scoring.psychometrics.irt import ItemBank, tcc, theta_for_true_scores


@dataclass(frozen=True)
class EquatingTable:
    """Per raw score of X: theta (None below sum c_X and at the ends), the Y equivalent,
    and the scale score when a conversion was given."""

    raw: np.ndarray
    theta: list[float | None]
    equivalent: np.ndarray
    scale: np.ndarray | None


def true_score_equating(new: ItemBank, old: ItemBank) -> EquatingTable:
    top_x, top_y = int(new.max_scores.sum()), float(old.max_scores.sum())
    guess_x, guess_y = float(new.c.sum()), float(old.c.sum())
    raw = np.arange(top_x + 1)
    inside = (raw > guess_x) & (raw < top_x)
    theta = theta_for_true_scores(new, raw[inside].astype(float))
    equivalent = np.empty(raw.size)
    equivalent[inside] = tcc(old, theta)[0]
    below = raw <= guess_x
    equivalent[below] = raw[below] * (guess_y / guess_x) if guess_x > 0 else 0.0
    equivalent[-1] = top_y
    thetas: list[float | None] = [None] * raw.size
    for index, value in zip(np.flatnonzero(inside), theta, strict=True):
        thetas[index] = float(value)
    return EquatingTable(raw, thetas, equivalent, None)


def with_scale(table: EquatingTable, conversion_raw: np.ndarray,
               conversion_scale: np.ndarray) -> EquatingTable:
    """Scale scores of the Y equivalents by linear interpolation in Y's raw-to-scale table,
    which must list every raw score 0..max of Y once, in order."""
    conversion_raw = np.asarray(conversion_raw, dtype=np.float64)
    expected = np.arange(conversion_raw.size)
    if not np.array_equal(conversion_raw, expected):
        gap = int(np.flatnonzero(conversion_raw != expected)[0])
        raise PsychometricsError("conversion gap", f"conversion table row {gap + 1}: raw "
                                 f"score {conversion_raw[gap]:g} where {gap} was expected "
                                 "(every raw score 0..max once, in order)")
    if conversion_raw[-1] < table.equivalent.max():
        raise PsychometricsError("conversion short", f"the conversion table stops at raw "
                                 f"{conversion_raw[-1]:g}; the reference form's maximum is "
                                 f"{table.equivalent.max():g}")
    scale = np.interp(table.equivalent, conversion_raw, conversion_scale)
    return EquatingTable(table.raw, table.theta, table.equivalent, scale)
