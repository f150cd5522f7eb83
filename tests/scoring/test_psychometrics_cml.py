"""Rasch and PCM calibration by CML against eRm's published results, an independent
likelihood computation, and recovery of known parameters."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from scoring.psychometrics.cml import _Model, calibrate
from scoring.psychometrics.errors import PsychometricsError
from scoring.psychometrics.esf import esf
from scoring.psychometrics.persons import calibration_bank, score_table
from scoring.psychometrics.simulate import simulate_responses
from scoring.psychometrics.stats import gather
from tests.scoring.conftest import simulate_rasch


def test_lsat6_rasch_reproduces_erm(lsat6):
    items, x, freq = lsat6
    result = calibrate(gather(x, items, weights=freq))
    b = [t[0] for t in result.thresholds]
    se = [s[0] for s in result.standard_errors]
    np.testing.assert_allclose(b, [-1.2561, 0.4749, 1.2360, 0.1684, -0.6232], atol=5e-5)
    np.testing.assert_allclose(se, [.1044, .0699, .0688, .0726, .0859], atol=5e-5)
    assert result.log_likelihood == pytest.approx(-1091.5697, abs=5e-5)
    assert (result.zero_scores, result.perfect_scores) == (3, 298)
    theta = score_table(calibration_bank(result)).theta
    np.testing.assert_allclose(theta[1:5], [-1.6015, -0.4743, 0.4809, 1.5999], atol=5e-5)


def test_science_pcm_reproduces_erm(science):
    items, x = science
    result = calibrate(gather(x, items))
    assert result.log_likelihood == pytest.approx(-791.2445, abs=5e-5)
    # eRm prints -1.7765 for the first; its optimiser stops a little short (-1.77657 here)
    np.testing.assert_allclose(result.thresholds[0], [-1.7765, -1.0404, 2.8415], atol=1e-4)


def _brute_force_loglik(x: np.ndarray, tau: list[np.ndarray]) -> float:
    """log L by enumerating every response pattern of each raw score."""
    patterns = np.array(list(itertools.product(*[range(t.size + 1) for t in tau])))
    cum = [np.concatenate([[0.0], t]) for t in tau]
    weight = np.exp(-sum(cum[i][patterns[:, i]] for i in range(len(tau))))
    raw = patterns.sum(axis=1)
    gamma = np.bincount(raw, weights=weight)
    top = sum(t.size for t in tau)
    total = 0.0
    for row in x:
        r = row.sum()
        if 0 < r < top:
            total += -sum(cum[i][row[i]] for i in range(len(tau))) - np.log(gamma[r])
    return total


def test_pcm_likelihood_gradient_and_information_against_brute_force(science):
    _, x = science
    model = _Model(gather(x))
    rng = np.random.default_rng(3)
    tau = np.where(model.mask, np.cumsum(rng.normal(0, 1, model.mask.shape), axis=1), 0.0)
    loglik, gradient, info = model.score_and_information(tau)
    assert loglik == pytest.approx(_brute_force_loglik(x, [row for row in tau]), rel=1e-12)

    def grad(flat):
        return model.score_and_information(flat.reshape(tau.shape))[1].ravel()

    numeric = np.array([approx_fprime(tau.ravel(), lambda f, j=j: grad(f)[j], 1e-6)
                        for j in range(tau.size)])
    np.testing.assert_allclose(info, -numeric, atol=1e-3)
    numeric_grad = approx_fprime(tau.ravel(), lambda f: model.log_likelihood(
        f.reshape(tau.shape)), 1e-7)
    np.testing.assert_allclose(gradient.ravel(), numeric_grad, atol=1e-3)


def test_esf_of_240_extreme_items_stays_finite_and_exact():
    rng = np.random.default_rng(0)
    b = rng.uniform(-6, 6, 240)
    e = np.stack([np.ones_like(b), np.exp(-b)], axis=1)
    table = esf(e, np.ones(240, dtype=int))
    log_gamma = table.log_gamma()
    assert np.isfinite(log_gamma).all()
    # log-space recursion as the independent computation
    exact = np.full(241, -np.inf)
    exact[0] = 0.0
    for value in -b:
        shifted = np.concatenate([[-np.inf], exact[:-1] + value])
        exact = np.logaddexp(exact, shifted)
    np.testing.assert_allclose(log_gamma, exact, rtol=1e-10, atol=1e-8)
    loo, log_scale = table.without_each_item()
    assert np.isfinite(loo).all() and np.isfinite(log_scale).all()


def test_constant_items_are_set_aside_and_reported(lsat6):
    items, x, freq = lsat6
    x = np.column_stack([x, np.ones(len(x), np.int8), np.zeros(len(x), np.int8)])
    result = calibrate(gather(x, items + ["all right", "all wrong"], weights=freq))
    assert dict(result.set_aside) == {"all right": "every person scored the maximum",
                                      "all wrong": "every person scored 0"}
    assert result.items == tuple(items)
    np.testing.assert_allclose([t[0] for t in result.thresholds],
                               [-1.2561, 0.4749, 1.2360, 0.1684, -0.6232], atol=5e-5)


def test_anchor_errors_name_the_item(lsat6):
    items, x, freq = lsat6
    stats = gather(x, items, weights=freq)
    with pytest.raises(PsychometricsError, match="'Q9' is not in the responses"):
        calibrate(stats, {"Q9": [0.0]})
    with pytest.raises(PsychometricsError, match="needs 1 finite threshold"):
        calibrate(stats, {"Item_1": [0.0, 1.0]})


def test_empty_middle_category_is_a_clear_error():
    x = np.array([[0, 1], [2, 0], [0, 1], [2, 1], [1, 0]], dtype=np.int8)
    x[:, 0] = [0, 2, 0, 2, 0]
    with pytest.raises(PsychometricsError, match="nobody scored 1"):
        calibrate(gather(x, ["essay", "q1"]))


def _z_scores(result, truth):
    est = np.array([t[0] for t in result.thresholds])
    se = np.array([s[0] for s in result.standard_errors])
    free = ~np.array(result.anchored)
    return (est[free] - truth[free]) / se[free]


@pytest.mark.parametrize("n", [10_000, 1_000_000])
def test_recovery_within_standard_errors_sum_zero_and_anchored(n):
    b = np.linspace(-2.5, 2.5, 60)
    stats = gather(simulate_rasch(n, b, seed=n))
    for result, truth in ((calibrate(stats), b - b.mean()),
                          (calibrate(stats, {f"item{i + 1}": [b[i]] for i in range(0, 60, 6)}),
                           b)):
        z = _z_scores(result, truth)
        assert np.abs(z).max() < 4.0, z
        assert 0.5 < np.mean(z**2) < 1.7, np.mean(z**2)
    anchored = calibrate(stats, {"item1": [b[0]]})
    assert anchored.thresholds[0][0] == b[0] and anchored.standard_errors[0][0] == 0.0


def test_mixed_test_recovery_choice_items_beside_a_writing_trait():
    """60 Rasch items and one trait scored 0-4, 20,000 students: every threshold within
    its standard errors, sum-zero (the generating values normalised alike)."""
    rng = np.random.default_rng(11)
    truth = np.full((61, 4), np.nan)
    truth[:60, 0] = np.linspace(-2, 2, 60)
    truth[60] = [-1.5, -0.4, 0.6, 1.7]
    x = simulate_responses(rng.standard_normal(20_000), truth, rng)
    result = calibrate(gather(x))
    assert result.max_scores.tolist() == [1] * 60 + [4]
    true = truth[~np.isnan(truth)]
    # sum of tau_ik = 0: threshold k of an item with maximum m weighs m - k + 1
    weights = np.concatenate([np.arange((~np.isnan(r)).sum(), 0, -1) for r in truth])
    true = true - (weights @ true) / weights.sum()
    est = np.concatenate(result.thresholds)
    se = np.concatenate(result.standard_errors)
    z = (est - true) / se
    assert np.abs(z).max() < 4.0 and 0.5 < np.mean(z**2) < 1.7


def test_booklets_with_different_items_and_abilities_recover_one_scale():
    """Three booklets of 60 of 90 items, each taken by a group of its own ability (the
    non-equivalent groups CML does not mind): one calibration on the 90 items."""
    rng = np.random.default_rng(21)
    b = np.linspace(-2.5, 2.5, 90)
    designs = [np.r_[0:60], np.r_[30:90], np.r_[0:30, 60:90]]
    booklets = []
    for design, mean in zip(designs, (-0.5, 0.5, 0.0), strict=True):
        x = simulate_responses(rng.normal(mean, 1, 20_000), b[design], rng)
        booklets.append(gather(x, [f"item{i + 1}" for i in design]))
    result = calibrate(booklets)
    assert result.items == tuple(f"item{i + 1}" for i in range(90))
    z = _z_scores(result, b - b.mean())
    assert np.abs(z).max() < 4.0 and 0.5 < np.mean(z**2) < 1.7
    single = calibrate(booklets[0])
    assert calibrate([booklets[0]]).log_likelihood == single.log_likelihood


def test_nothing_to_calibrate_is_a_clear_error():
    with pytest.raises(PsychometricsError, match="nothing to calibrate"):
        calibrate(gather(np.ones((5, 3), dtype=np.int8)))
    with pytest.raises(PsychometricsError, match="nothing to calibrate"):
        calibrate(gather(np.array([[0, 0], [1, 1]], dtype=np.int8)))


def test_booklets_without_common_items_are_a_clear_error():
    rng = np.random.default_rng(8)
    first = gather(simulate_responses(rng.standard_normal(500), np.array([-1., 0, 1]), rng),
                   ["a", "b", "c"])
    second = gather(simulate_responses(rng.standard_normal(500), np.array([-1., 0, 1]), rng),
                    ["x", "y", "z"])
    with pytest.raises(PsychometricsError, match="linked by common items"):
        calibrate([first, second])
