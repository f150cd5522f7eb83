"""The one pass over a response matrix: everything the analyses need, gathered once.

A response matrix is ``int8`` of shape (persons, items): the item score 0..max, or
:data:`OMIT` for an omitted or not-reached item, which is scored 0 (and counted as an omit).
Every later step works from :class:`SufficientStatistics`, whose size does not grow with the
number of persons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring.psychometrics.errors import PsychometricsError

OMIT = -1
"""The code of an omitted (or not reached) response in a response matrix; scored 0."""

CHUNK_ROWS = 65_536
"""Persons per block of the pass: bounds the temporary memory to a few MB."""


@dataclass(frozen=True)
class SufficientStatistics:
    """Counts of one response matrix (weighted by the frequency of each row, if given).

    ``category_counts[i, k]``: persons with score k on item i (omits in k = 0);
    ``score_counts[r]``: persons with raw score r (0..``max_score``);
    ``score_item_sums[r, i]`` and ``score_item_squares[r, i]``: the sum of the item-i scores
    and of their squares over the persons with raw score r;
    ``stratum_sums[s]``, ``stratum_squares[s]``: the sum of the persons' subtotals on
    stratum s and of their squares (strata as given to :func:`gather`).
    """

    items: tuple[str, ...]
    max_scores: np.ndarray
    persons: float
    category_counts: np.ndarray
    omits: np.ndarray
    score_counts: np.ndarray
    score_item_sums: np.ndarray
    score_item_squares: np.ndarray
    strata: tuple[tuple[int, ...], ...]
    stratum_sums: np.ndarray
    stratum_squares: np.ndarray

    @property
    def max_score(self) -> int:
        return int(self.max_scores.sum())

    @property
    def item_sums(self) -> np.ndarray:
        return self.score_item_sums.sum(axis=0)

    @property
    def item_squares(self) -> np.ndarray:
        return self.score_item_squares.sum(axis=0)

    def item_means(self) -> np.ndarray:
        return self.item_sums / self.persons

    def item_variances(self) -> np.ndarray:
        """Item score variances with ddof = 0 (the KR-20 convention)."""
        mean = self.item_means()
        return self.item_squares / self.persons - mean**2

    def score_mean_variance(self) -> tuple[float, float]:
        """Mean and variance (ddof = 0) of the raw score."""
        r = np.arange(self.score_counts.size)
        mean = float(r @ self.score_counts / self.persons)
        return mean, float((r - mean) ** 2 @ self.score_counts / self.persons)


def _check_range(block: np.ndarray, max_scores: np.ndarray, offset: int,
                 items: Sequence[str]) -> np.ndarray:
    """The block's column minima, after checking every score is in range (a column's
    minimum and maximum first; the bad cell is looked for only when there is one)."""
    low, high = block.min(axis=0), block.max(axis=0)
    if (low < OMIT).any() or (high > max_scores).any():
        bad = (block < OMIT) | (block > max_scores)
        row, col = np.argwhere(bad)[0]
        raise PsychometricsError(
            "score out of range",
            f"row {offset + row + 1}, item {items[col]!r}: score {int(block[row, col])} is "
            f"outside 0..{int(max_scores[col])} (or {OMIT} for an omit)")
    return low


def gather(responses: np.ndarray, items: Sequence[str] | None = None,
           max_scores: Sequence[int] | np.ndarray | None = None,
           weights: np.ndarray | None = None,
           strata: Sequence[Sequence[int]] = ()) -> SufficientStatistics:
    """One pass over ``responses`` (int8, persons × items; see :data:`OMIT`).

    ``max_scores``: each item's maximum score (default: the highest score observed);
    ``weights``: a non-negative frequency per row (pattern data); ``strata``: groups of item
    indexes whose subtotals' moments are kept (stratified alpha). Raises
    :class:`PsychometricsError` naming the row and item of a score out of range.
    """
    x = np.asarray(responses)
    if x.dtype != np.int8 or x.ndim != 2:
        raise PsychometricsError("bad matrix", "responses must be a 2-D int8 matrix")
    n_rows, n_items = x.shape
    items = tuple(items) if items is not None else tuple(f"item{i + 1}" for i in range(n_items))
    if max_scores is None:
        max_scores = np.maximum(x.max(axis=0), 1) if n_rows else np.ones(n_items)
    max_scores = np.asarray(max_scores, dtype=np.int64)
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (n_rows,) or (weights < 0).any() or not np.isfinite(weights).all():
            raise PsychometricsError("bad weights", "weights must be one non-negative number "
                                     "per row")
    strata = tuple(tuple(int(i) for i in s) for s in strata)
    raw, omits, counts, stratum_moments = _first_pass(x, max_scores, weights, strata, items)
    sums, squares = _score_group_sums(x, raw, max_scores, weights)
    return SufficientStatistics(
        items=items, max_scores=max_scores,
        persons=float(weights.sum()) if weights is not None else float(n_rows),
        category_counts=counts, omits=omits,
        score_counts=_bincount(raw, weights, int(max_scores.sum()) + 1),
        score_item_sums=sums, score_item_squares=squares, strata=strata,
        stratum_sums=stratum_moments[0], stratum_squares=stratum_moments[1])


def _bincount(values: np.ndarray, weights: np.ndarray | None, length: int) -> np.ndarray:
    return np.bincount(values, weights=weights, minlength=length).astype(np.float64)


def _first_pass(x, max_scores, weights, strata, items):
    """Raw scores (int16 per person), omit counts, category counts, stratum moments."""
    n_rows, n_items = x.shape
    raw = np.empty(n_rows, dtype=np.int16 if max_scores.sum() < 32_000 else np.int32)
    omits = np.zeros(n_items)
    counts = np.zeros((n_items, int(max_scores.max(initial=1)) + 1))
    moments = np.zeros((2, len(strata)))
    polytomous = np.flatnonzero(max_scores > 1)
    for start in range(0, n_rows, CHUNK_ROWS):
        block = x[start:start + CHUNK_ROWS]
        w = None if weights is None else weights[start:start + CHUNK_ROWS]
        if (_check_range(block, max_scores, start, items) < 0).any():
            omits += _column_sums(block < 0, w)
            block = np.maximum(block, 0)
        raw[start:start + block.shape[0]] = block.sum(axis=1, dtype=raw.dtype)
        item_sums = _column_sums(block, w)
        counts[:, 1] += item_sums  # the count of 1s, for a 0/1 item
        for i in polytomous:
            counts[i, 1] -= item_sums[i]
            counts[i, 1:] += _bincount(block[:, i], w, counts.shape[1])[1:counts.shape[1]]
        for s, members in enumerate(strata):
            sub = block[:, members].sum(axis=1, dtype=np.int64).astype(np.float64)
            moments[0, s] += sub.sum() if w is None else sub @ w
            moments[1, s] += sub @ sub if w is None else (sub * sub) @ w
    total = float(n_rows) if weights is None else float(weights.sum())
    counts[:, 0] = total - counts[:, 1:].sum(axis=1)
    return raw, omits, counts, moments


def _column_sums(block: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Weighted column sums of a boolean or score block."""
    if w is None:
        return block.sum(axis=0, dtype=np.int64).astype(np.float64)
    return w @ block


def _score_group_sums(x, raw, max_scores, weights):
    """Per raw score, the sums of the item scores and of their squares: persons sorted by
    raw score (a counting sort), then each block's rows added by score group."""
    n_rows, n_items = x.shape
    n_scores = int(max_scores.sum()) + 1
    sums = np.zeros((n_scores, n_items))
    squares = np.zeros((n_scores, n_items))
    polytomous = np.flatnonzero(max_scores > 1)
    if weights is not None:
        scored = np.maximum(x, 0).astype(np.float64)
        for i in range(n_items):
            sums[:, i] = _bincount(raw, weights * scored[:, i], n_scores)
            squares[:, i] = _bincount(raw, weights * scored[:, i] ** 2, n_scores)
        return sums, squares
    order = np.argsort(raw, kind="stable")
    for start in range(0, n_rows, CHUNK_ROWS):
        rows = order[start:start + CHUNK_ROWS]
        block = np.maximum(np.take(x, rows, axis=0), 0)
        scores = raw[rows]
        edges = np.concatenate(([0], np.flatnonzero(np.diff(scores)) + 1, [rows.size]))
        for first, end in zip(edges[:-1], edges[1:], strict=True):
            group = block[first:end]
            sums[scores[first]] += group.sum(axis=0, dtype=np.int64)
            if polytomous.size:
                values = group[:, polytomous].astype(np.int64)
                squares[scores[first], polytomous] += (values * values).sum(axis=0)
    dichotomous = max_scores <= 1
    squares[:, dichotomous] = sums[:, dichotomous]
    return sums, squares
