"""Person abilities per raw score from a CML calibration: the raw-to-theta table.

For each raw score r the ML ability solves sum_i E_i(theta) = r (the TCC inverted, see
:func:`irt.invert_increasing`); its standard error is 1/sqrt(I(theta)). The ML estimate of
a zero or perfect score is infinite: they get the estimate of r = :data:`EXTREME_ADJUSTMENT`
and R - :data:`EXTREME_ADJUSTMENT` instead (the usual 0.3 score-point rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.psychometrics.cml import Calibration
from scoring.psychometrics.irt import (
    ItemBank,
    information,
    invert_increasing,
    moments,
    tcc,
)

EXTREME_ADJUSTMENT = 0.3
"""Score points moved inwards for the zero and the perfect score."""


@dataclass(frozen=True)
class ScoreTable:
    """Per raw score 0..R: ML theta, its standard error (theta units) and the conditional
    SEM in raw-score units, sqrt(sum_i Var(X_i | theta))."""

    raw: np.ndarray
    theta: np.ndarray
    se: np.ndarray
    csem_raw: np.ndarray


def calibration_bank(calibration: Calibration) -> ItemBank:
    """The calibrated items as Rasch / PCM items (a = 1, c = 0, D = 1)."""
    n_items = len(calibration.items)
    thresholds = np.full((n_items, int(calibration.max_scores.max())), np.nan)
    for i, t in enumerate(calibration.thresholds):
        thresholds[i, :t.size] = t
    return ItemBank(calibration.items, np.ones(n_items), np.zeros(n_items), thresholds, 1.0)


def score_table(bank: ItemBank) -> ScoreTable:
    """The raw-to-theta table of ``bank`` (all scores 0..max)."""
    top = int(bank.max_scores.sum())
    raw = np.arange(top + 1)
    targets = np.clip(raw.astype(float), EXTREME_ADJUSTMENT, top - EXTREME_ADJUSTMENT)
    theta = invert_increasing(lambda t: tcc(bank, t), targets)
    csem = np.sqrt(moments(bank, theta)[2].sum(axis=1))
    return ScoreTable(raw, theta, 1.0 / np.sqrt(information(bank, theta)), csem)

