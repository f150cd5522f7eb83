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

CHUNK_ROWS = 16_384
"""Persons per block of the pass: a block (16,384 × items bytes) stays in the cache while
it is checked, summed, sorted by raw score and added by score group."""


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
    tables = _Tables(n_items, max_scores, len(strata))
    for start in range(0, n_rows, CHUNK_ROWS):
        block = x[start:start + CHUNK_ROWS]
        w = None if weights is None else weights[start:start + CHUNK_ROWS]
        if (_check_range(block, max_scores, start, items) < 0).any():
            tables.omits += _column_sums(block < 0, w)
            block = np.maximum(block, 0)
        tables.add(block, w, strata)
    return SufficientStatistics(
        items=items, max_scores=max_scores,
        persons=float(weights.sum()) if weights is not None else float(n_rows),
        category_counts=tables.category_counts(), omits=tables.omits,
        score_counts=tables.score_counts, score_item_sums=tables.sums,
        score_item_squares=tables.item_squares(), strata=strata,
        stratum_sums=tables.moments[0], stratum_squares=tables.moments[1])


def _bincount(values: np.ndarray, weights: np.ndarray | None, length: int) -> np.ndarray:
    return np.bincount(values, weights=weights, minlength=length).astype(np.float64)


def _column_sums(block: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Weighted column sums of a boolean or score block (einsum's own loop, not a
    threaded BLAS, which stalls on a busy machine)."""
    if w is None:
        return block.sum(axis=0, dtype=np.int64).astype(np.float64)
    return np.einsum("n,ni->i", w, block.astype(np.float64))


def _subtotals(block: np.ndarray, raw: np.ndarray, strata) -> list[np.ndarray]:
    """Each stratum's subtotal per person; when the strata cover every item once, the
    largest is the raw score minus the others (no copy of its many columns)."""
    sizes = [len(m) for m in strata]
    partition = sorted(i for m in strata for i in m) == list(range(block.shape[1]))
    largest = int(np.argmax(sizes)) if partition and strata else -1
    out = [None if s == largest else block[:, list(m)].sum(axis=1, dtype=np.int64)
           for s, m in enumerate(strata)]
    if largest >= 0:
        out[largest] = raw.astype(np.int64) - sum(o for o in out if o is not None)
    return out


class _Tables:
    """The tables being filled, block by block."""

    def __init__(self, n_items: int, max_scores: np.ndarray, n_strata: int) -> None:
        n_scores = int(max_scores.sum()) + 1
        self.raw_dtype = np.int16 if n_scores < 32_000 else np.int32
        self.polytomous = np.flatnonzero(max_scores > 1)
        self.dichotomous = max_scores <= 1
        self.omits = np.zeros(n_items)
        self.counts = np.zeros((n_items, int(max_scores.max(initial=1)) + 1))
        self.score_counts = np.zeros(n_scores)
        self.sums = np.zeros((n_scores, n_items))
        self.squares = np.zeros((n_scores, n_items))
        self.moments = np.zeros((2, n_strata))

    def add(self, block: np.ndarray, w: np.ndarray | None, strata) -> None:
        """A block of scored rows (no omits left): its persons sorted by raw score within
        the block (it stays in cache), each score group's rows added column-wise."""
        raw = block.sum(axis=1, dtype=self.raw_dtype)
        self.score_counts += _bincount(raw, w, self.score_counts.size)
        for i in self.polytomous:
            self.counts[i] += _bincount(block[:, i], w, self.counts.shape[1])
        weight = 1.0 if w is None else w
        for s, sub in enumerate(_subtotals(block, raw, strata)):
            self.moments[0, s] += float((sub * weight).sum())
            self.moments[1, s] += float((sub * sub * weight).sum())
        order = np.argsort(raw, kind="stable")
        block, raw = np.take(block, order, axis=0), raw[order]
        w = None if w is None else w[order]
        edges = np.concatenate(([0], np.flatnonzero(np.diff(raw)) + 1, [raw.size]))
        for first, end in zip(edges[:-1], edges[1:], strict=True):
            group = block[first:end]
            weight = None if w is None else w[first:end]
            score = raw[first]
            self.sums[score] += _column_sums(group, weight)
            if self.polytomous.size:
                values = group[:, self.polytomous].astype(np.float64)
                self.squares[score, self.polytomous] += _column_sums(values * values, weight)

    def category_counts(self) -> np.ndarray:
        """Counts of every score of every item (0/1 items: their sums are the 1s)."""
        counts = self.counts.copy()
        persons = self.score_counts.sum()
        counts[self.dichotomous, 1] = self.sums.sum(axis=0)[self.dichotomous]
        counts[self.dichotomous, 0] = persons - counts[self.dichotomous, 1]
        return counts

    def item_squares(self) -> np.ndarray:
        """Sums of squared scores per raw score (a 0/1 item's squares are its sums)."""
        squares = self.squares.copy()
        squares[:, self.dichotomous] = self.sums[:, self.dichotomous]
        return squares
