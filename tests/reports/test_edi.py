"""The erasure detection index against a hand computation and, without tampering, a flag
rate at or under alpha."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reports.changes import CHANGE_NONE, RIGHT_TO_WRONG, WRONG_TO_RIGHT, WRONG_TO_WRONG
from reports.edi import (
    erasure_detection_index,
    erasures,
    group_edi,
    rasch_difficulties,
    rasch_theta,
)
from scoring.psychometrics.simulate import simulate_responses


def test_edi_against_a_hand_computation():
    b = np.array([-1.0, 0.0, 1.0, 0.5, -0.5])
    scores = np.array([[1, 0, 1, 1, 1]], np.int8)
    changes = np.array([[CHANGE_NONE, CHANGE_NONE, WRONG_TO_RIGHT, WRONG_TO_RIGHT,
                         CHANGE_NONE]], np.int8)
    # theta from items 0, 1, 4 (scores 1, 0, 1): solve sum P = 2 by bisection
    lo, hi = -6.0, 6.0
    for _ in range(200):
        mid = (lo + hi) / 2
        total = sum(1 / (1 + math.exp(d - mid)) for d in (-1.0, 0.0, -0.5))
        lo, hi = (mid, hi) if total < 2 else (lo, mid)
    p = [1 / (1 + math.exp(d - lo)) for d in (1.0, 0.5)]
    expected = (2 - sum(p) - 0.5) / math.sqrt(sum(q * (1 - q) for q in p))
    edi = erasure_detection_index(*erasures(changes), scores, b)
    assert edi.index[0] == pytest.approx(expected, abs=1e-6)
    assert edi.p[0] == pytest.approx(0.5 * math.erfc(expected / math.sqrt(2)), abs=1e-6)


def test_group_edi_sums_numerator_and_variance_before_the_correction():
    b = np.zeros(4)
    scores = np.array([[1, 1, 0, 1], [1, 0, 1, 0]], np.int8)
    changes = np.array([[WRONG_TO_RIGHT, 0, 0, 0], [0, 0, WRONG_TO_RIGHT, RIGHT_TO_WRONG]],
                       np.int8)
    edi = erasure_detection_index(*erasures(changes), scores, b)
    index, _ = group_edi(edi, np.array([0, 0]), 1)
    assert index[0] == pytest.approx((edi.excess.sum() - 0.5) / math.sqrt(edi.variance.sum()))


def test_students_without_erasures_have_no_index():
    edi = erasure_detection_index(*erasures(np.zeros((1, 3), np.int8)), np.ones((1, 3), np.int8),
                                  np.zeros(3))
    assert math.isnan(edi.index[0]) and edi.variance[0] == 0


@pytest.mark.parametrize("alpha", [0.01, 0.001])
def test_without_tampering_the_flag_rate_is_at_most_alpha(alpha):
    """Erasures at random, the final answer of an erased item following the model: students
    flagged no more often than alpha (the difficulties calibrated from the data)."""
    rng = np.random.default_rng(20)
    n, items = 200_000, 40
    b_true = np.linspace(-2, 2, items)
    scores = simulate_responses(rng.normal(size=n), b_true, rng)
    erased = rng.random((n, items)) < 0.08
    changes = np.where(erased, np.where(scores == 1, WRONG_TO_RIGHT,
                                        np.where(rng.random((n, items)) < 0.5, RIGHT_TO_WRONG,
                                                 WRONG_TO_WRONG)), CHANGE_NONE).astype(np.int8)
    b = rasch_difficulties(tuple(f"i{k}" for k in range(items)), scores)
    edi = erasure_detection_index(*erasures(changes), scores, b)
    has = ~np.isnan(edi.index)
    assert has.sum() > 0.9 * n
    assert (edi.p[has] < alpha).mean() <= alpha


def test_rasch_theta_solves_the_likelihood_equation():
    b = np.array([-1.0, 0.0, 1.0])
    theta = rasch_theta(np.array([[1, 1, 0, 1]], np.int8), np.array([0]), np.array([3]),
                        np.append(b, 0.3))
    assert (1 / (1 + np.exp(b - theta[0]))).sum() == pytest.approx(2.0, abs=1e-6)
