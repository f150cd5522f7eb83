"""Linking: Kolen & Brennan's published constants for KB04 (Table 6.5 parameters), plink's
defaults against an independent minimisation, Rasch linking, exclusions and drift."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from scoring.psychometrics.errors import PsychometricsError
from scoring.psychometrics.irt import dichotomous_bank
from scoring.psychometrics.linking import LinkingOptions, default_grid, drift, link
from tests.scoring.conftest import load_matrix

# Kolen & Brennan (2004) ch. 6 / STUIRT example 1: quadrature of the two groups' abilities
POINTS = np.array([-4.0, -3.111, -2.222, -1.333, -0.4444, 0.4444, 1.333, 2.222, 3.111, 4.0])
WEIGHTS_Y = np.array([0.0001173, 0.003242, 0.03449, 0.1471, 0.3148, 0.3110, 0.1526,
                      0.03406, 0.002510, 0.0001116])
WEIGHTS_X = np.array([0.0001008, 0.002760, 0.03021, 0.1420, 0.3149, 0.3158, 0.1542,
                      0.03596, 0.003925, 0.0001862])


@pytest.fixture(scope="module")
def kb04():
    _, d = load_matrix("KB04_pars.csv")
    common = [int(i) % 3 == 0 for i in d[:, 0]]
    new_names = [f"i{int(i)}" if c else f"x{int(i)}" for i, c in zip(d[:, 0], common,
                                                                     strict=True)]
    old_names = [f"i{int(i)}" if c else f"y{int(i)}" for i, c in zip(d[:, 0], common,
                                                                     strict=True)]
    return (dichotomous_bank(new_names, d[:, 1], d[:, 2], d[:, 3], 1.7),
            dichotomous_bank(old_names, d[:, 4], d[:, 5], d[:, 6], 1.7))


def test_moment_methods_reproduce_kolen_brennan(kb04):
    result = link(*kb04)
    assert len(result.common) == 12
    mm, ms = result.constants["mean/mean"], result.constants["mean/sigma"]
    np.testing.assert_allclose([mm.A, mm.B], (1.217266, -0.557156), atol=1e-6)
    np.testing.assert_allclose([ms.A, ms.B], (1.168891, -0.515543), atol=1e-6)


def test_characteristic_curves_reproduce_kolen_brennan_stuirt(kb04):
    options = LinkingOptions(D=1.7, theta=POINTS, weights=WEIGHTS_Y, theta_new=POINTS,
                             weights_new=WEIGHTS_X, direction="symmetric")
    result = link(*kb04, options)
    hb, sl = result.constants["haebara"], result.constants["stocking-lord"]
    np.testing.assert_allclose([hb.A, hb.B], (1.0678, -0.4713), atol=1e-4)
    np.testing.assert_allclose([sl.A, sl.B], (1.083417, -0.487619), atol=1e-6)


def _haebara(params, new, old, theta, D):
    A, B = params
    a_new, b_new, c_new = new.a, new.b * A + B, new.c
    p_old = old.c + (1 - old.c) / (1 + np.exp(-D * old.a * (theta[:, None] - old.b)))
    p_new = c_new + (1 - c_new) / (1 + np.exp(-D * a_new / A * (theta[:, None] - b_new)))
    return np.sum(2 * (p_old - p_new) ** 2)


def _stocking_lord(params, new, old, theta, D):
    A, B = params
    p_old = old.c + (1 - old.c) / (1 + np.exp(-D * old.a * (theta[:, None] - old.b)))
    p_new = new.c + (1 - new.c) / (1 + np.exp(-D * new.a / A * (theta[:, None]
                                                                  - (A * new.b + B))))
    return np.sum((p_old.sum(axis=1) - p_new.sum(axis=1)) ** 2)


@pytest.mark.parametrize(("method", "criterion"), [("haebara", _haebara),
                                                   ("stocking-lord", _stocking_lord)])
def test_plink_defaults_match_a_direct_minimisation(kb04, method, criterion):
    """plink's defaults: D = 1, theta -4..4 by 0.05 with weights 1, new-to-old."""
    new, old = kb04
    result = link(new, old, methods=[method]).constants[method]
    common = link(new, old, methods=["mean/mean"]).common
    direct = minimize(criterion, [1.0, 0.0], args=(new.subset(common), old.subset(common),
                                                   default_grid(), 1.0),
                      method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14,
                                                     "maxiter": 10_000})
    np.testing.assert_allclose([result.A, result.B], tuple(direct.x), atol=1e-6)
    assert default_grid().size == 161


def test_rasch_linking_keeps_the_unit_and_recovers_a_shift():
    b_old = np.linspace(-2, 2, 10)
    names = [f"c{i}" for i in range(10)]
    old = dichotomous_bank(names, 1.0, b_old)
    new = dichotomous_bank(names, 1.0, b_old - 0.35)
    result = link(new, old)
    for constants in result.constants.values():
        np.testing.assert_allclose([constants.A, constants.B], (1.0, 0.35), atol=1e-8)


def test_excluded_and_drifted_items():
    b_old = np.linspace(-2, 2, 12)
    names = [f"c{i}" for i in range(12)]
    b_new = b_old - 0.5 + 0.02 * (-1.0) ** np.arange(12)  # estimation noise
    b_new[4] += 1.0  # item c4 drifted
    old, new = dichotomous_bank(names, 1.0, b_old), dichotomous_bank(names, 1.0, b_new)
    with_drift = link(new, old).constants["stocking-lord"]
    screen = drift(new, old, with_drift, names)
    assert screen.flagged.tolist() == [i == 4 for i in range(12)]
    clean = link(new, old, LinkingOptions(exclude=("c4",))).constants["stocking-lord"]
    assert abs(clean.B - 0.5) < 0.01
    assert "c4" not in link(new, old, LinkingOptions(exclude=("c4",))).common


def test_linking_errors():
    old = dichotomous_bank(["a", "b"], 1.0, [0.0, 1.0])
    new = dichotomous_bank(["a", "z"], 1.0, [0.0, 1.0])
    with pytest.raises(PsychometricsError, match="1 common item"):
        link(new, old)
    with pytest.raises(PsychometricsError, match="excluded item 'q'"):
        link(old, old, LinkingOptions(exclude=("q",)))
    with pytest.raises(PsychometricsError, match="direction"):
        link(old, old, LinkingOptions(direction="sideways"))
