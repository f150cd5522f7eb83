"""Elementary symmetric functions of partial-credit items, scaled so that 60-240 items never
overflow.

Item i with categories 0..m_i has weights ``e[i, k] = exp(-tau[i, k])`` (``e[i, 0] = 1``,
``tau`` the cumulative thresholds). The ESF of order r is the coefficient of z**r in
``prod_i sum_k e[i, k] z**k`` (the convolution of the items). Every vector is kept divided by
its largest value, with the log of that factor beside it; ratios of ESFs, all that the
likelihood needs, are then formed without overflow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def times_item(v: np.ndarray, e: np.ndarray, m: int) -> np.ndarray:
    """``v`` (..., R+1) convolved with one item's weights ``e`` (categories 0..m)."""
    out = v * e[0]
    for k in range(1, m + 1):
        out[..., k:] += e[k] * v[..., :-k]
    return out


def _normalised(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = v.max(axis=-1, keepdims=True)
    return v / scale, np.log(scale[..., 0])


@dataclass(frozen=True)
class ESF:
    """Prefix and suffix ESFs: ``prefix[i]`` over items 0..i-1, ``suffix[i]`` over items
    i..I-1, each scaled to a maximum of 1 with its log scale in ``log_prefix`` /
    ``log_suffix``; ``prefix[I]`` is the ESF of the whole test."""

    prefix: np.ndarray
    log_prefix: np.ndarray
    suffix: np.ndarray
    log_suffix: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.prefix[-1]

    @property
    def log_total_scale(self) -> float:
        return float(self.log_prefix[-1])

    def log_gamma(self) -> np.ndarray:
        """log of the ESF of each order 0..R (-inf where it is 0)."""
        with np.errstate(divide="ignore"):
            return np.log(self.total) + self.log_total_scale

    def without_each_item(self) -> tuple[np.ndarray, np.ndarray]:
        """ESFs leaving out each item in turn: (I, R+1) scaled, and (I,) log scales."""
        prefix, suffix = self.prefix[:-1], self.suffix[1:]
        width = prefix.shape[1]
        loo = np.zeros_like(prefix)
        for s in range(width):  # loo[i, r] = sum_s prefix[i, s] * suffix[i + 1, r - s]
            loo[:, s:] += prefix[:, s:s + 1] * suffix[:, :width - s]
        return loo, self.log_prefix[:-1] + self.log_suffix[1:]


def esf(e: np.ndarray, m: np.ndarray) -> ESF:
    """Prefix and suffix ESFs of items with weights ``e`` (I, K+1) and maxima ``m`` (I,)."""
    n_items, width = e.shape[0], int(m.sum()) + 1
    prefix, log_prefix = np.zeros((n_items + 1, width)), np.zeros(n_items + 1)
    suffix, log_suffix = np.zeros((n_items + 1, width)), np.zeros(n_items + 1)
    prefix[0, 0] = suffix[n_items, 0] = 1.0
    for i in range(n_items):
        prefix[i + 1], step = _normalised(times_item(prefix[i], e[i], int(m[i])))
        log_prefix[i + 1] = log_prefix[i] + step
        j = n_items - 1 - i
        suffix[j], step = _normalised(times_item(suffix[j + 1], e[j], int(m[j])))
        log_suffix[j] = log_suffix[j + 1] + step
    return ESF(prefix, log_prefix, suffix, log_suffix)


def pair_functionals(e: np.ndarray, m: np.ndarray, table: ESF, weights: np.ndarray,
                     log_weight_scale: float) -> np.ndarray:
    """``T[i, j, s] = sum_r weights[r] * gamma^(i,j)[r - s]`` for every pair of items i != j
    and shift s = 0..2K, where gamma^(i,j) is the ESF without items i and j: the second
    moments of the conditional likelihood in O(I^2 R) work.

    ``weights`` (R+1,) are given scaled by ``exp(log_weight_scale)``; the result is exact
    (unscaled) and symmetric in i, j. Products go through einsum's own loops: these
    matrices are small, and a threaded BLAS stalls on them when the machine is busy.
    """
    n_items, width = table.prefix.shape[0] - 1, table.prefix.shape[1]
    shifts = 2 * e.shape[1] - 1
    padded = np.concatenate([weights, np.zeros(width + shifts)])
    windows = sliding_window_view(padded, width)[:width]
    tail = np.einsum("ju,tu->jt", table.suffix[1:], windows)
    tail_padded = np.concatenate([tail, np.zeros((n_items, shifts))], axis=1)
    out = np.zeros((n_items, n_items, shifts))
    rows = np.zeros((n_items, width))
    log_rows = np.zeros(n_items)
    for j in range(n_items):
        if j:
            shifted = sliding_window_view(tail_padded[j], shifts)[:width]
            log_scale = log_rows[:j] + table.log_suffix[j + 1] + log_weight_scale
            out[:j, j] = np.einsum("is,sm->im", rows[:j], shifted) * np.exp(log_scale)[:, None]
            rows[:j], step = _normalised(times_item(rows[:j], e[j], int(m[j])))
            log_rows[:j] += step
        rows[j], log_rows[j] = table.prefix[j], table.log_prefix[j]
    return out + out.transpose(1, 0, 2)
