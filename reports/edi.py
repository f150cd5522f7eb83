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
SET_ASIDE_LOGITS = 10.0
"""The difficulty given to an item everyone answered right (minus) or wrong (plus): the
calibration sets it aside, the EDI treats it as certain."""
NEWTON_STEPS = 30
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
    """Rasch difficulties of ``items`` calibrated (CML) from final scores (n, items)."""
    calibration = calibrate(gather(scores, items, max_scores=np.ones(len(items), int)))
    found = dict(zip(calibration.items, (float(t[0]) for t in calibration.thresholds), strict=True))
    p_right = scores.mean(axis=0)
    return np.array([found.get(name, -SET_ASIDE_LOGITS if p_right[i] > 0.5
                               else SET_ASIDE_LOGITS) for i, name in enumerate(items)])


def rasch_theta(scores: np.ndarray, use: np.ndarray, b: np.ndarray) -> np.ndarray:
    """ML ability of each student from the items where ``use`` is True (bool (n, items)),
    Rasch difficulties ``b`` (items,). Zero and perfect scores on those items take the
    estimate of 0.3 points in from the end (as :mod:`scoring.psychometrics.persons`)."""
    used = use.sum(axis=1).astype(np.float64)
    raw = np.where(use, scores, 0).sum(axis=1).astype(np.float64)
    target = np.clip(raw, EXTREME_ADJUSTMENT, np.maximum(used - EXTREME_ADJUSTMENT,
                                                         EXTREME_ADJUSTMENT))
    theta = np.log(target / np.maximum(used - target, EXTREME_ADJUSTMENT)) + \
        np.where(use, b, 0).sum(axis=1) / np.maximum(used, 1)
    for _ in range(NEWTON_STEPS):
        p = np.where(use, 1 / (1 + np.exp(b - theta[:, None])), 0.0)
        info = (p * (1 - p)).sum(axis=1)
        step = np.divide(p.sum(axis=1) - target, info, out=np.zeros_like(theta),
                         where=info > 0)
        theta -= np.clip(step, -2, 2)
        if np.all(np.abs(step) < NEWTON_TOLERANCE):
            break
    return theta


def erasure_detection_index(changes: np.ndarray, scores: np.ndarray,
                            b: np.ndarray) -> EDI:
    """The EDI of each student: ``changes`` int8 (n, items) changed-answer codes, ``scores``
    final item scores 0/1, ``b`` the Rasch difficulties (items,)."""
    erased = changes > CHANGE_NONE
    who = np.flatnonzero(erased.any(axis=1))
    n = changes.shape[0]
    excess, variance = np.zeros(n), np.zeros(n)
    if who.size:
        e = erased[who]
        theta = rasch_theta(scores[who], ~e, b)
        p = np.where(e, 1 / (1 + np.exp(b - theta[:, None])), 0.0)
        x = np.count_nonzero(changes[who] == WRONG_TO_RIGHT, axis=1)
        excess[who] = x - p.sum(axis=1)
        variance[who] = (p * (1 - p)).sum(axis=1)
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
