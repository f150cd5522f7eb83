"""Classical item analysis from the sufficient statistics, and the option distribution of
choice items from the raw choices.

p-value: the mean item score / its maximum (omits scored 0). Point-biserial: the Pearson
correlation of the item score with the raw score X, from sum x_i X = sum_r r S_ri;
corrected: with X - x_i. Flags: p below :data:`HARD` or above :data:`EASY`, and a negative
corrected point-biserial.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.psychometrics.stats import SufficientStatistics

HARD = 0.20
EASY = 0.95


@dataclass(frozen=True)
class ItemStatistics:
    item: str
    p_value: float
    point_biserial: float
    corrected_point_biserial: float
    omit_rate: float
    flags: tuple[str, ...]


def _correlation(cov: np.ndarray, var_a: np.ndarray, var_b: np.ndarray | float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = cov / np.sqrt(var_a * var_b)
    return np.where(np.isfinite(r), r, 0.0)


def item_analysis(stats: SufficientStatistics) -> list[ItemStatistics]:
    """One row per item; a constant item has correlations 0 (and its flag)."""
    n = stats.persons
    mean_x, var_x = stats.score_mean_variance()
    means, variances = stats.item_means(), stats.item_variances()
    cross = np.arange(stats.score_counts.size) @ stats.score_item_sums / n
    cov = cross - means * mean_x
    pbis = _correlation(cov, variances, var_x)
    rest_var = var_x + variances - 2 * cov
    corrected = _correlation(cov - variances, variances, rest_var)
    p = means / stats.max_scores
    rows = []
    for i, name in enumerate(stats.items):
        flags = [flag for flag, on in (("hard", p[i] < HARD), ("easy", p[i] > EASY),
                                       ("negative point-biserial", corrected[i] < 0),
                                       ("no variance", variances[i] <= 0)) if on]
        rows.append(ItemStatistics(name, float(p[i]), float(pbis[i]), float(corrected[i]),
                                   float(stats.omits[i] / n), tuple(flags)))
    return rows


@dataclass(frozen=True)
class OptionDistribution:
    """Per item and option (0 = omitted, 1.. = A, B, ...): the proportion choosing it and
    the mean raw score of those who did (NaN-free: 0 when nobody chose it)."""

    items: tuple[str, ...]
    proportions: np.ndarray
    mean_scores: np.ndarray
    key: np.ndarray


def option_distribution(choices: np.ndarray, key: np.ndarray,
                        items: tuple[str, ...]) -> OptionDistribution:
    """``choices`` int8 (persons × items), 0 for an omit and 1..n for options A..;
    ``key`` the keyed option of each item. The raw score is the number keyed."""
    n_options = int(max(choices.max(initial=0), key.max(initial=0))) + 1
    raw = (choices == key[None, :]).sum(axis=1, dtype=np.int64).astype(np.float64)
    counts = np.zeros((choices.shape[1], n_options))
    totals = np.zeros_like(counts)
    for i in range(choices.shape[1]):
        counts[i] = np.bincount(choices[:, i], minlength=n_options)
        totals[i] = np.bincount(choices[:, i], weights=raw, minlength=n_options)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(counts > 0, totals / counts, 0.0)
    return OptionDistribution(items, counts / max(choices.shape[0], 1), means, key)
