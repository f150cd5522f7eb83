"""The erasure detection index (Wollack, Cohen & Eckerly 2015).

For a student with erased items E, X the number of wrong→right changes among them and
theta-hat estimated from the items not erased (Rasch difficulties ``b``):

    EDI = (X - sum_{i in E} P_i(theta) - 0.5) / sqrt(sum_{i in E} P_i (1 - P_i))

with one-sided p = 1 - Phi(EDI). A group's EDI sums the numerator's X - sum P and the
variance over its students before the continuity correction. Students without erasures
contribute nothing; a student whose variance is 0 (no erased item) has no EDI (NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from reports.changes import CHANGE_NONE, WRONG_TO_RIGHT
from scoring.psychometrics.cml import calibrate
from scoring.psychometrics.persons import EXTREME_ADJUSTMENT
from scoring.psychometrics.stats import gather

DEFAULT_ALPHA = 0.001
CALIBRATION_SAMPLE = 200_000
"""Students enough for difficulties within about 0.01 logits (their standard error)."""
SET_ASIDE_LOGITS = 10.0
"""The difficulty given to an item everyone answered right (minus) or wrong (plus): the
calibration sets it aside, the EDI treats it as certain."""
NEWTON_STEPS = 30
THETA_GRID = np.linspace(-8.0, 8.0, 16_001)
"""Logits, 0.001 apart: the whole test's expected score and information tabulated (the
interpolation moves an estimate by well under 1e-5 logits)."""
NEWTON_TOLERANCE = 1e-6
"""Logits; the ML estimate moves less than this at the last step."""


@dataclass(frozen=True)
class EDI:
    """Per student (n,): ``index`` the EDI (NaN without erasures) and its one-sided ``p``;
    ``excess`` X - sum P and ``variance`` sum P(1 - P), the parts a group sums."""

    index: np.ndarray
    p: np.ndarray
    excess: np.ndarray
    variance: np.ndarray


def rasch_difficulties(items: tuple[str, ...], scores: np.ndarray) -> np.ndarray:
    """Rasch difficulties of ``items`` calibrated (CML) from final scores (n, items), from
    at most :data:`CALIBRATION_SAMPLE` students drawn at random (a fixed seed)."""
    if len(scores) > CALIBRATION_SAMPLE:
        pick = np.random.default_rng(0).choice(len(scores), CALIBRATION_SAMPLE, replace=False)
        scores = scores[np.sort(pick)]
    calibration = calibrate(gather(scores, items, max_scores=np.ones(len(items), int)))
    found = dict(zip(calibration.items, (float(t[0]) for t in calibration.thresholds), strict=True))
    p_right = scores.mean(axis=0)
    return np.array([found.get(name, -SET_ASIDE_LOGITS if p_right[i] > 0.5
                               else SET_ASIDE_LOGITS) for i, name in enumerate(items)])


def rasch_theta(scores: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                b: np.ndarray) -> np.ndarray:
    """ML ability of each student from the items not erased (the erasures at ``rows``,
    ``cols``), final ``scores`` 0/1 (n, items), Rasch difficulties ``b`` (items,). Zero and
    perfect scores on those items take the estimate of 0.3 points in from the end (as
    :mod:`scoring.psychometrics.persons`).

    Erased items are few: the sums over the items used are the whole test's (tabulated on
    :data:`THETA_GRID`, linear interpolation) minus the erased items' (computed exactly),
    so a Newton step costs O(students + erasures), not O(students × items).
    """
    n = len(scores)
    used = len(b) - np.bincount(rows, minlength=n)
    raw = np.count_nonzero(scores, axis=1) - np.bincount(rows, weights=scores[rows, cols],
                                                         minlength=n)
    top = np.maximum(used - EXTREME_ADJUSTMENT, EXTREME_ADJUSTMENT)
    target = np.clip(raw, EXTREME_ADJUSTMENT, top)
    p_grid = 1 / (1 + np.exp(b - THETA_GRID[:, None]))
    expected_all, information_all = p_grid.sum(axis=1), (p_grid * (1 - p_grid)).sum(axis=1)
    mean_b = (b.sum() - np.bincount(rows, weights=b[cols], minlength=n)) / np.maximum(used, 1)
    theta = np.log(target / np.maximum(used - target, EXTREME_ADJUSTMENT)) + mean_b
    b_erased = b[cols]
    for _ in range(NEWTON_STEPS):
        np.clip(theta, THETA_GRID[0], THETA_GRID[-1], out=theta)
        p = 1 / (1 + np.exp(b_erased - theta[rows]))
        expected = _on_grid(theta, expected_all) - np.bincount(rows, weights=p, minlength=n)
        info = _on_grid(theta, information_all) - np.bincount(rows, weights=p * (1 - p),
                                                              minlength=n)
        step = np.divide(expected - target, info, out=np.zeros(n), where=info > 1e-12)
        theta -= np.clip(step, -2, 2)
        if np.all(np.abs(step) < NEWTON_TOLERANCE):
            break
    return theta


def _on_grid(theta: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``table`` (tabulated on :data:`THETA_GRID`) linearly interpolated at ``theta``."""
    at = (theta - THETA_GRID[0]) / (THETA_GRID[1] - THETA_GRID[0])
    k = np.minimum(at.astype(np.int64), len(THETA_GRID) - 2)
    f = at - k
    return table[k] * (1 - f) + table[k + 1] * f


def erasures(changes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols, codes) of the changed answers of ``changes`` (n, items)."""
    rows, cols = np.nonzero(changes > CHANGE_NONE)
    return rows, cols, changes[rows, cols]


def erasure_detection_index(rows: np.ndarray, cols: np.ndarray, codes: np.ndarray,
                            scores: np.ndarray, b: np.ndarray) -> EDI:
    """The EDI of each student: the changed answers at ``rows``, ``cols`` with their
    ``codes`` (see :func:`erasures`), final item ``scores`` 0/1 (n, items), ``b`` the Rasch
    difficulties (items,)."""
    n = len(scores)
    theta = rasch_theta(scores, rows, cols, b)
    p = 1 / (1 + np.exp(b[cols] - theta[rows]))
    right = (codes == WRONG_TO_RIGHT).astype(float)
    excess = np.bincount(rows, weights=right - p, minlength=n)
    variance = np.bincount(rows, weights=p * (1 - p), minlength=n)
    index = _index(excess, variance)
    return EDI(index, _p(index), excess, variance)


def group_edi(edi: EDI, group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(index, p) per group: numerator and variance summed over the group's students."""
    excess = np.bincount(group, weights=edi.excess, minlength=n_groups)
    variance = np.bincount(group, weights=edi.variance, minlength=n_groups)
    index = _index(excess, variance)
    return index, _p(index)


def _index(excess: np.ndarray, variance: np.ndarray) -> np.ndarray:
    return np.divide(excess - 0.5, np.sqrt(variance), out=np.full(excess.shape, np.nan),
                     where=variance > 0)


def _p(index: np.ndarray) -> np.ndarray:
    return 1 - ndtr(index)
