"""Reliability, item analysis and item fit: KB36 published KR-20, and each statistic against
its direct computation over persons."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.psychometrics.cml import calibrate
from scoring.psychometrics.fit import item_fit
from scoring.psychometrics.irt import category_probabilities
from scoring.psychometrics.items import item_analysis, option_distribution
from scoring.psychometrics.persons import calibration_bank, score_table
from scoring.psychometrics.reliability import binomial_csem, reliability
from scoring.psychometrics.stats import gather
from tests.scoring.conftest import load_matrix


@pytest.mark.parametrize(("form", "kr20"), [("X", 0.8421), ("Y", 0.8597)])
def test_kb36_kr20_published(form, kr20):
    _, x = load_matrix(f"KB36_form{form}_resp.csv")
    result = reliability(gather(x.astype(np.int8)))
    assert result.alpha == pytest.approx(kr20, abs=5e-5)
    k, mean, var = 36, result.mean, result.variance
    assert result.kr21 == pytest.approx(k / (k - 1) * (1 - mean * (k - mean) / (k * var)))
    assert result.sem == pytest.approx(np.sqrt(var * (1 - kr20)), abs=1e-3)


def test_stratified_alpha_against_direct_computation(science, lsat6):
    _, poly = science
    _, dich, freq = lsat6
    x = np.column_stack([np.repeat(dich, freq.astype(int), axis=0)[:len(poly)], poly])
    x = x.astype(np.int8)
    strata = [[0, 1, 2, 3, 4], [5, 6, 7, 8]]
    result = reliability(gather(x, strata=strata))

    def alpha(cols):
        sub = x[:, cols].astype(float)
        k = len(cols)
        return k / (k - 1) * (1 - sub.var(axis=0).sum() / sub.sum(axis=1).var())

    total_var = x.sum(axis=1).astype(float).var()
    direct = 1 - sum(x[:, s].sum(axis=1).astype(float).var() * (1 - alpha(s))
                     for s in strata) / total_var
    assert result.stratified_alpha == pytest.approx(direct, rel=1e-12)
    assert result.alpha == pytest.approx(alpha(list(range(9))), rel=1e-12)


def test_binomial_csem():
    np.testing.assert_allclose(binomial_csem(4), np.sqrt([0, 3 / 3, 4 / 3, 3 / 3, 0]))


def test_item_analysis_against_numpy_correlations(science):
    _, x = science
    x = x.copy()
    x[:40, 1] = -1  # omitted, scored 0
    rows = item_analysis(gather(x))
    scored = np.maximum(x, 0).astype(float)
    total = scored.sum(axis=1)
    for i, row in enumerate(rows):
        assert row.point_biserial == pytest.approx(np.corrcoef(scored[:, i], total)[0, 1])
        assert row.corrected_point_biserial == pytest.approx(
            np.corrcoef(scored[:, i], total - scored[:, i])[0, 1])
        assert row.p_value == pytest.approx(scored[:, i].mean() / 3)
    assert rows[1].omit_rate == pytest.approx(40 / len(x))


def test_flags_hard_easy_and_negative_point_biserial():
    rng = np.random.default_rng(2)
    ability = rng.standard_normal(2000)
    good = (ability[:, None] + rng.standard_normal((2000, 8)) > 0)
    reversed_item = ability + rng.standard_normal(2000) < 0
    easy = rng.random(2000) < 0.98
    hard = rng.random(2000) < 0.1
    x = np.column_stack([good, reversed_item, easy, hard]).astype(np.int8)
    flags = [r.flags for r in item_analysis(gather(x))]
    assert "negative point-biserial" in flags[8]
    assert "easy" in flags[9] and "hard" in flags[10]
    assert not any(flags[:8])


def test_option_distribution():
    choices = np.array([[1, 2], [2, 2], [1, 0], [3, 2]], dtype=np.int8)
    result = option_distribution(choices, np.array([1, 2], dtype=np.int8), ("q1", "q2"))
    np.testing.assert_allclose(result.proportions[0], [0, .5, .25, .25])
    np.testing.assert_allclose(result.proportions[1], [.25, 0, .75, 0])
    # raw scores 2, 1, 1, 1: choosers of q1's A scored 2 and 1
    assert result.mean_scores[0, 1] == pytest.approx(1.5)


def test_item_fit_against_per_person_residuals(lsat6):
    items, x, freq = lsat6
    stats = gather(x, items, weights=freq)
    calibration = calibrate(stats)
    fit = item_fit(stats, calibration)
    bank = calibration_bank(calibration)
    theta = score_table(bank).theta
    raw = x.sum(axis=1)
    keep = (raw > 0) & (raw < 5)
    p = category_probabilities(bank, theta[raw[keep]])[:, :, 1]
    w = freq[keep][:, None]
    sq = (x[keep] - p) ** 2
    np.testing.assert_allclose(fit.outfit, (w * sq / (p * (1 - p))).sum(0) / w.sum())
    np.testing.assert_allclose(fit.infit, (w * sq).sum(0) / (w * p * (1 - p)).sum(0))
