"""Reliability from the sufficient statistics.

Variances use ddof = 0 throughout (items and total alike), as KR-20's p*q does; the
coefficients do not depend on the choice as long as it is the same everywhere.

- coefficient alpha (KR-20 for 0/1 items): k/(k-1) * (1 - sum var_i / var_X);
- KR-21: k/(k-1) * (1 - mu (k - mu) / (k var_X)) (0/1 items, equal difficulty assumed);
- stratified alpha: 1 - sum_s var_s (1 - alpha_s) / var_X over strata of items (e.g. the
  choice items and the constructed-response items);
- SEM: sd_X sqrt(1 - alpha); Lord's binomial conditional SEM at raw score x:
  sqrt(x (k - x) / (k - 1)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.psychometrics.errors import PsychometricsError
from scoring.psychometrics.stats import SufficientStatistics


@dataclass(frozen=True)
class Reliability:
    alpha: float
    kr21: float | None
    stratified_alpha: float | None
    sem: float
    mean: float
    variance: float
    items: int


def alpha(k: int, item_variance_sum: float, total_variance: float) -> float:
    if k < 2 or total_variance <= 0:
        raise PsychometricsError("no variance", "alpha needs at least 2 items and a total "
                                 "score that varies")
    return k / (k - 1) * (1 - item_variance_sum / total_variance)


def reliability(stats: SufficientStatistics) -> Reliability:
    """Alpha, KR-21 (0/1 tests only), stratified alpha over ``stats.strata`` (when there
    are two or more) and the SEM."""
    k = len(stats.items)
    mean, variance = stats.score_mean_variance()
    item_variances = stats.item_variances()
    a = alpha(k, float(item_variances.sum()), variance)
    kr21 = None
    if (stats.max_scores == 1).all():
        kr21 = k / (k - 1) * (1 - mean * (k - mean) / (k * variance))
    stratified = _stratified(stats, item_variances, variance) if len(stats.strata) > 1 else None
    return Reliability(a, kr21, stratified, float(np.sqrt(variance * (1 - a))), mean,
                       variance, k)


def _stratified(stats, item_variances, variance) -> float:
    n = stats.persons
    error = 0.0
    for s, members in enumerate(stats.strata):
        sub_mean = stats.stratum_sums[s] / n
        sub_variance = stats.stratum_squares[s] / n - sub_mean**2
        sub_alpha = (alpha(len(members), float(item_variances[list(members)].sum()),
                           sub_variance) if len(members) > 1 else 0.0)
        error += sub_variance * (1 - sub_alpha)
    return 1 - error / variance


def binomial_csem(k: int) -> np.ndarray:
    """Lord's binomial-error conditional SEM at each raw score 0..k."""
    x = np.arange(k + 1)
    return np.sqrt(x * (k - x) / (k - 1))
