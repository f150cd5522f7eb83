"""Classification consistency and accuracy at cut scores by Livingston and Lewis (1995).

1. Effective test length, from the observed scores' mean mu, variance s2 and reliability
   rho on the possible range [lo, hi]: n = ((mu - lo)(hi - mu) - rho s2) / (s2 (1 - rho)),
   rounded (at least 1).
2. Scores as proportions p = (x - lo) / (hi - lo); true proportion tau with binomial error
   on n items: the raw moments of tau are the factorial moments of n p divided by n's
   falling factorials (Lord 1965).
3. The true-score distribution: a four-parameter beta on [l, u] fitted to tau's mean,
   variance, skewness and kurtosis (Hanson 1991); when that fit is not admissible
   (0 <= l < u <= 1, alpha, beta > 0), a two-parameter beta on [0, 1] by mean and variance
   (``model`` says which was used).
4. Observed category j given tau: Binomial(n, tau) falls at or above the cut ceil(n c_j)
   (cuts c_j = (cut - lo) / (hi - lo)); true category: tau >= c_j. Accuracy is the joint
   table of true and observed categories, consistency that of two independent
   administrations, integrated over the beta by Gauss-Legendre quadrature; kappa =
   (P - P_chance) / (1 - P_chance) with P_chance from the observed marginals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaln
from scipy.stats import binom

from scoring.psychometrics.errors import PsychometricsError

NODES = 400
"""Gauss-Legendre nodes per true-score interval between cuts."""


@dataclass(frozen=True)
class Classification:
    effective_length: int
    model: int
    alpha: float
    beta: float
    lower: float
    upper: float
    accuracy: float
    consistency: float
    kappa: float
    accuracy_table: np.ndarray
    consistency_table: np.ndarray


def check_cuts(cuts, lo: float, hi: float) -> np.ndarray:
    cuts = np.asarray(cuts, dtype=np.float64)
    if cuts.size == 0:
        raise PsychometricsError("bad cuts", "give at least one cut score")
    for j, cut in enumerate(cuts):
        if not lo < cut <= hi:
            raise PsychometricsError("bad cuts", f"cut {j + 1} ({cut:g}) is outside the "
                                     f"score range ({lo:g}, {hi:g}]")
        if j and cut <= cuts[j - 1]:
            raise PsychometricsError("bad cuts", f"cut {j + 1} ({cut:g}) is not above cut "
                                     f"{j} ({cuts[j - 1]:g}): cuts must increase")
    return cuts


def effective_length(mean: float, variance: float, reliability: float, lo: float,
                     hi: float) -> int:
    n = ((mean - lo) * (hi - mean) - reliability * variance) / (variance * (1 - reliability))
    return max(int(round(n)), 1)


def true_score_moments(p: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """First four raw moments of tau from proportions ``p`` with frequencies ``weights``."""
    x = n * p
    out = np.empty(4)
    falling_x, falling_n = np.ones_like(x), 1.0
    for k in range(4):
        falling_x = falling_x * (x - k)
        falling_n *= n - k
        out[k] = (falling_x @ weights) / weights.sum() / falling_n
    return out


def fit_beta(moments: np.ndarray) -> tuple[int, float, float, float, float]:
    """(model, alpha, beta, l, u) of the true-score beta from tau's raw moments."""
    m1, m2, m3, m4 = moments
    var = m2 - m1**2
    if var <= 0:
        raise PsychometricsError("no variance", "the true scores have no variance: "
                                 "check the reliability")
    skew = (m3 - 3 * m1 * m2 + 2 * m1**3) / var**1.5
    kurt = (m4 - 4 * m1 * m3 + 6 * m1**2 * m2 - 3 * m1**4) / var**2
    four = _four_parameter(m1, var, skew, kurt)
    if four is not None:
        return (4, *four)
    common = m1 * (1 - m1) / var - 1
    if common <= 0:
        raise PsychometricsError("no beta", "no beta distribution has these true-score "
                                 "moments")
    return 2, m1 * common, (1 - m1) * common, 0.0, 1.0


def _four_parameter(mean, var, skew, kurt):
    denominator = 6 + 3 * skew**2 - 2 * kurt
    if denominator == 0:
        return None
    r = 6 * (kurt - skew**2 - 1) / denominator
    inner = (r + 2) * (r + 3) * kurt - 3 * (r + 1) * (r - 6)
    if r <= 0 or inner <= 0 or 1 - 24 * (r + 1) / inner < 0:
        return None
    root = np.sqrt(1 - 24 * (r + 1) / inner)
    small, large = r / 2 * (1 - root), r / 2 * (1 + root)
    a, b = (small, large) if skew > 0 else (large, small)
    if a <= 0 or b <= 0:
        return None
    width = np.sqrt(var * (r + 1) * r**2 / (a * b))
    lower = mean - width * a / r
    upper = lower + width
    if lower < 0 or upper > 1:
        return None
    return float(a), float(b), float(lower), float(upper)


def livingston_lewis(scores: np.ndarray, frequencies: np.ndarray, reliability: float,
                     cuts, lo: float, hi: float) -> Classification:
    """Accuracy and consistency at ``cuts`` (raw score units, each the lowest score of its
    category) for observed ``scores`` with ``frequencies`` on the range [lo, hi]."""
    cuts = check_cuts(cuts, lo, hi)
    if not 0 < reliability < 1:
        raise PsychometricsError("bad reliability", f"reliability {reliability:g} must be "
                                 "between 0 and 1")
    weights = np.asarray(frequencies, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    mean = scores @ weights / weights.sum()
    variance = (scores - mean) ** 2 @ weights / weights.sum()
    n = effective_length(mean, variance, reliability, lo, hi)
    p = (scores - lo) / (hi - lo)
    model, a, b, lower, upper = fit_beta(true_score_moments(p, weights, n))
    c = (cuts - lo) / (hi - lo)
    tau, density, true_class = _quadrature(a, b, lower, upper, c)
    observed = _observed_categories(tau, n, c)
    accuracy_table = np.stack([(density * (true_class == i)) @ observed
                               for i in range(c.size + 1)])
    consistency_table = (observed * density[:, None]).T @ observed
    marginal = consistency_table.sum(axis=1)
    chance = float(marginal @ marginal)
    consistency = float(np.trace(consistency_table))
    return Classification(n, model, a, b, lower, upper, float(np.trace(accuracy_table)),
                          consistency, (consistency - chance) / (1 - chance),
                          accuracy_table, consistency_table)


def _quadrature(a, b, lower, upper, c):
    """Nodes in tau, their probability weights and true category, interval by interval
    (the integrand jumps at the cuts)."""
    edges = np.unique(np.clip(np.concatenate([[lower], c, [upper]]), lower, upper))
    x, w = np.polynomial.legendre.leggauss(NODES)
    nodes, weights = [], []
    for left, right in zip(edges[:-1], edges[1:], strict=True):
        t = left + (x + 1) * (right - left) / 2
        nodes.append(t)
        weights.append(w * (right - left) / 2 * _beta_density(t, a, b, lower, upper))
    tau, density = np.concatenate(nodes), np.concatenate(weights)
    return tau, density / density.sum(), np.searchsorted(c, tau, side="right")


def _beta_density(t, a, b, lower, upper):
    z = (t - lower) / (upper - lower)
    return np.exp((a - 1) * np.log(z) + (b - 1) * np.log1p(-z) - betaln(a, b)) / (
        upper - lower)


def _observed_categories(tau, n, c):
    """P(observed category j | tau), (nodes, categories)."""
    thresholds = np.ceil(n * c - 1e-9)
    above = binom.sf(thresholds[None, :] - 1, n, tau[:, None])
    bounds = np.concatenate([np.ones((tau.size, 1)), above, np.zeros((tau.size, 1))], 1)
    return bounds[:, :-1] - bounds[:, 1:]
