"""Livingston-Lewis on KB36 form X. No published figures for these data were found
(betafunctions' examples use simulated scores), so the result is checked against an
independent computation: scipy's adaptive quadrature of the same beta-binomial model."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from scoring.psychometrics.classification import (
    _four_parameter,
    effective_length,
    livingston_lewis,
)
from scoring.psychometrics.errors import PsychometricsError
from scoring.psychometrics.reliability import reliability
from scoring.psychometrics.stats import gather
from tests.scoring.conftest import load_matrix


@pytest.fixture(scope="module")
def form_x():
    _, x = load_matrix("KB36_formX_resp.csv")
    s = gather(x.astype(np.int8))
    return s.score_counts, reliability(s).alpha


def test_kb36_form_x_against_direct_integration(form_x):
    counts, rho = form_x
    result = livingston_lewis(np.arange(37), counts, rho, [16, 24], 0, 36)
    mean = np.arange(37) @ counts / counts.sum()
    var = (np.arange(37) - mean) ** 2 @ counts / counts.sum()
    n = round(((mean) * (36 - mean) - rho * var) / (var * (1 - rho)))
    assert result.effective_length == n
    true = stats.beta(result.alpha, result.beta, loc=result.lower,
                      scale=result.upper - result.lower)
    # the 2-parameter beta matches the true-score mean and variance (rho * observed)
    assert true.mean() == pytest.approx(mean / 36, rel=1e-9)
    cuts = np.array([16, 24]) / 36
    thresholds = np.ceil(n * cuts - 1e-9)

    def observed(tau):
        above = stats.binom.sf(thresholds - 1, n, tau)
        return np.array([1 - above[0], above[0] - above[1], above[1]])

    def joint(i, j, table):
        edges = [0, *cuts, 1]

        def integrand(t):
            p = observed(t)
            return true.pdf(t) * (p[j] if table == "accuracy" else p[i] * p[j])
        lo, hi = (edges[i], edges[i + 1]) if table == "accuracy" else (0, 1)
        return integrate.quad(integrand, lo, hi, points=list(cuts), limit=200)[0]

    accuracy = sum(joint(i, i, "accuracy") for i in range(3))
    consistency = sum(joint(i, i, "consistency") for i in range(3))
    assert result.accuracy == pytest.approx(accuracy, abs=1e-6)
    assert result.consistency == pytest.approx(consistency, abs=1e-6)
    marginal = result.consistency_table.sum(axis=1)
    chance = marginal @ marginal
    assert result.kappa == pytest.approx((consistency - chance) / (1 - chance), abs=1e-6)
    assert result.accuracy_table.sum() == pytest.approx(1.0)


def test_four_parameter_beta_recovers_its_parameters():
    a, b, lo, hi = 2.5, 4.0, 0.1, 0.9
    mean, var, skew, excess = stats.beta(a, b, loc=lo, scale=hi - lo).stats("mvsk")
    assert _four_parameter(mean, var, skew, excess + 3) == pytest.approx((a, b, lo, hi))


def test_effective_length_formula():
    assert effective_length(20, 30, 0.8, 0, 40) == round((20 * 20 - 24) / 6)


@pytest.mark.parametrize(("cuts", "message"), [([24, 16], "cuts must increase"),
                                               ([16, 40], "outside the score range"),
                                               ([0], "outside the score range")])
def test_bad_cuts(form_x, cuts, message):
    counts, rho = form_x
    with pytest.raises(PsychometricsError, match=message):
        livingston_lewis(np.arange(37), counts, rho, cuts, 0, 36)
