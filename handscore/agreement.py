"""Reader agreement from arrays of paired reads: pure numpy, vectorised over groups.

Every statistic comes from the first-read × second-read matrix over the rubric's **full**
score range ``lo..hi``: a score point nobody gave still has its row and column, so kappa and
quadratic weighted kappa have the chance agreement of the real scale (sklearn's
``cohen_kappa_score`` without ``labels`` silently drops such points). Matrices have shape
``(..., K, K)`` with ``K = hi - lo + 1``, rows the first read (or the scorer judged), columns
the second (or the other read, or the true score); functions broadcast over leading axes.

Variances are population variances (divisor n); the standardized mean difference of two
reads is ``(mean_b - mean_a) / sqrt((var_a + var_b) / 2)``. A statistic with a zero
denominator (no pairs, or no variance) is NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def check_scores(scores: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """``scores`` as int64, or ``ValueError`` naming the first score outside ``lo..hi``."""
    scores = np.asarray(scores, dtype=np.int64)
    bad = (scores < lo) | (scores > hi)
    if bad.any():
        raise ValueError(f"score {scores[bad][0]} is outside the scale {lo}-{hi}")
    return scores


def score_matrices(groups: np.ndarray, a: np.ndarray, b: np.ndarray, lo: int, hi: int,
                   n_groups: int) -> np.ndarray:
    """The ``(n_groups, K, K)`` count matrices of the pairs ``(a[i], b[i])`` of group
    ``groups[i]`` (ints ``0 .. n_groups-1``); one ``bincount`` for all groups."""
    k = hi - lo + 1
    a, b = check_scores(a, lo, hi) - lo, check_scores(b, lo, hi) - lo
    cells = np.asarray(groups, dtype=np.int64) * (k * k) + a * k + b
    return np.bincount(cells, minlength=n_groups * k * k).reshape(n_groups, k, k)


def score_matrix(a: np.ndarray, b: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """The ``(K, K)`` count matrix of the pairs ``(a[i], b[i])``."""
    return score_matrices(np.zeros(len(a), dtype=np.int64), a, b, lo, hi, 1)[0]


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1), np.nan)


def _parts(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(n, observed proportions, expected proportions, |i - j|)`` of count matrices."""
    m = np.asarray(matrix, dtype=np.float64)
    k = m.shape[-1]
    n = m.sum(axis=(-2, -1))
    observed = _divide(m, n[..., None, None])
    rows, cols = observed.sum(axis=-1), observed.sum(axis=-2)
    expected = rows[..., :, None] * cols[..., None, :]
    distance = np.abs(np.arange(k)[:, None] - np.arange(k)[None, :])
    return n, observed, expected, distance


def exact(matrix: np.ndarray) -> np.ndarray:
    """The share of pairs with the same score."""
    _, observed, _, distance = _parts(matrix)
    return (observed * (distance == 0)).sum(axis=(-2, -1))


def adjacent(matrix: np.ndarray) -> np.ndarray:
    """The share of pairs exact or one point apart."""
    _, observed, _, distance = _parts(matrix)
    return (observed * (distance <= 1)).sum(axis=(-2, -1))


def kappa(matrix: np.ndarray) -> np.ndarray:
    """Cohen's (unweighted) kappa."""
    _, observed, expected, distance = _parts(matrix)
    p_o = (observed * (distance == 0)).sum(axis=(-2, -1))
    p_e = (expected * (distance == 0)).sum(axis=(-2, -1))
    return _divide(p_o - p_e, 1 - p_e)


def quadratic_weighted_kappa(matrix: np.ndarray) -> np.ndarray:
    """Cohen's kappa with weights ``(i - j)^2``: ``1 - Σ w·O / Σ w·E``."""
    _, observed, expected, distance = _parts(matrix)
    weights = distance.astype(np.float64) ** 2
    return 1 - _divide((weights * observed).sum(axis=(-2, -1)),
                       (weights * expected).sum(axis=(-2, -1)))


@dataclass(frozen=True)
class Moments:
    """Means, population variances and covariance of the two reads of count matrices."""

    mean_a: np.ndarray
    mean_b: np.ndarray
    var_a: np.ndarray
    var_b: np.ndarray
    cov: np.ndarray

    @property
    def pearson(self) -> np.ndarray:
        return _divide(self.cov, np.sqrt(self.var_a * self.var_b))

    @property
    def smd(self) -> np.ndarray:
        return _divide(self.mean_b - self.mean_a, np.sqrt((self.var_a + self.var_b) / 2))


def moments(matrix: np.ndarray, lo: int) -> Moments:
    _, observed, _, _ = _parts(matrix)
    points = lo + np.arange(observed.shape[-1], dtype=np.float64)
    rows, cols = observed.sum(axis=-1), observed.sum(axis=-2)
    mean_a, mean_b = rows @ points, cols @ points
    var_a = rows @ points**2 - mean_a**2
    var_b = cols @ points**2 - mean_b**2
    cov = np.einsum("...ij,i,j->...", observed, points, points) - mean_a * mean_b
    return Moments(mean_a, mean_b, var_a, var_b, cov)


def by_true_point(matrix: np.ndarray) -> np.ndarray:
    """Validity accuracy per true score point: with rows the given scores and columns the true
    ones, the share of each column on the diagonal (NaN where a point never was true)."""
    m = np.asarray(matrix, dtype=np.float64)
    return _divide(np.diagonal(m, axis1=-2, axis2=-1), m.sum(axis=-2))


def shares(counts: np.ndarray) -> np.ndarray:
    """The score-point distribution of counts per point ``(..., K)``: each point's share."""
    counts = np.asarray(counts, dtype=np.float64)
    return _divide(counts, counts.sum(axis=-1)[..., None])


def summary(matrix: np.ndarray, lo: int) -> dict[str, object]:
    """The figures of one ``(K, K)`` matrix as JSON values (NaN as None): ``n``, ``exact``,
    ``adjacent``, ``non_adjacent``, ``kappa``, ``qwk``, ``pearson``, ``mean_a``, ``mean_b``,
    ``smd`` and the ``matrix``."""
    m = moments(matrix, lo)
    figures = {
        "exact": exact(matrix), "adjacent": adjacent(matrix),
        "non_adjacent": 1 - adjacent(matrix),
        "kappa": kappa(matrix), "qwk": quadratic_weighted_kappa(matrix),
        "pearson": m.pearson, "mean_a": m.mean_a, "mean_b": m.mean_b, "smd": m.smd,
    }
    return {"n": int(matrix.sum()),
            **{k: (None if np.isnan(v) else round(float(v), 6)) for k, v in figures.items()},
            "matrix": np.asarray(matrix).astype(int).tolist()}
