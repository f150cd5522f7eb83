"""Rasch and partial credit calibration by conditional maximum likelihood (CML).

The partial credit model: P(X_i = k | theta) is proportional to
exp(k * theta - tau_ik), tau_ik = delta_i1 + ... + delta_ik (thresholds delta; a Rasch item
has one, its difficulty b). Conditioning on the raw score removes theta; the conditional
log-likelihood depends on the data only through the category counts and the raw-score
distribution:

    log L = -sum_ik n_ik tau_ik - sum_r n_r log gamma_r(tau)

(zero and perfect scorers contribute 0 and are set aside). It is maximised by Newton's
method with the exact information matrix (from :func:`esf.pair_functionals`) and step
halving. Identification: the item-category parameters tau_ik sum to zero (eRm's ``sum0``;
the mean Rasch difficulty is then 0), or anchored items keep given thresholds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve

from scoring.psychometrics.errors import PsychometricsError
from scoring.psychometrics.esf import ESF, esf, pair_functionals
from scoring.psychometrics.stats import SufficientStatistics

TOLERANCE = 1e-9
"""Newton stops when no parameter moves more than this (logits)."""
MAX_ITERATIONS = 100


@dataclass(frozen=True)
class Calibration:
    """Item thresholds on the logit scale, with standard errors (0 for anchored items).

    ``thresholds[i]`` has one value per score step of item i (a Rasch item: its difficulty);
    ``set_aside`` names items left out with the reason; ``zero_scores`` and
    ``perfect_scores`` count the persons set aside.
    """

    items: tuple[str, ...]
    thresholds: tuple[np.ndarray, ...]
    standard_errors: tuple[np.ndarray, ...]
    anchored: tuple[bool, ...]
    log_likelihood: float
    iterations: int
    zero_scores: float
    perfect_scores: float
    set_aside: tuple[tuple[str, str], ...]
    max_scores: np.ndarray


Booklets = SufficientStatistics | Sequence[SufficientStatistics]
"""One test's statistics, or one per booklet (form) when persons took different items."""


def as_booklets(stats: Booklets) -> list[SufficientStatistics]:
    return [stats] if isinstance(stats, SufficientStatistics) else list(stats)


@dataclass(frozen=True)
class ItemTotals:
    """Every item of the booklets, its maximum, category counts and persons who took it."""

    items: tuple[str, ...]
    max_scores: np.ndarray
    counts: np.ndarray
    persons: np.ndarray


def item_totals(booklets: Sequence[SufficientStatistics]) -> ItemTotals:
    maxima: dict[str, int] = {}
    for stats in booklets:
        for name, top in zip(stats.items, stats.max_scores.tolist(), strict=True):
            if maxima.setdefault(name, top) != top:
                raise PsychometricsError("inconsistent maximum", f"item {name!r} has maximum "
                                         f"{maxima[name]} in one booklet and {top} in another")
    items = tuple(maxima)
    index = {name: i for i, name in enumerate(items)}
    counts = np.zeros((len(items), max(maxima.values()) + 1))
    persons = np.zeros(len(items))
    for stats in booklets:
        rows = [index[name] for name in stats.items]
        counts[rows, :stats.category_counts.shape[1]] += stats.category_counts
        persons[rows] += stats.persons
    return ItemTotals(items, np.array([maxima[n] for n in items]), counts, persons)


def constant_items(totals: ItemTotals) -> dict[str, str]:
    """Items every person who took them scored alike (no information), with the reason."""
    out = {}
    for name, top, counts, persons in zip(totals.items, totals.max_scores, totals.counts,
                                          totals.persons, strict=True):
        if counts[0] == persons:
            out[name] = "every person scored 0"
        elif counts[top] == persons:
            out[name] = "every person scored the maximum"
    return out


def without(stats: SufficientStatistics, names) -> SufficientStatistics:
    """``stats`` without the (constant) items ``names``."""
    return reduced(stats, [i for i, name in enumerate(stats.items) if name in names])


def reduced(stats: SufficientStatistics, drop: Sequence[int]) -> SufficientStatistics:
    """The statistics without the constant items ``drop`` (exact: each shifts every raw
    score by the same amount)."""
    if not drop:
        return stats
    keep = np.setdiff1d(np.arange(len(stats.items)), drop)
    shift = int(sum(stats.max_scores[i] for i in drop
                    if stats.category_counts[i, stats.max_scores[i]] == stats.persons))
    size = int(stats.max_scores[keep].sum()) + 1
    return SufficientStatistics(
        items=tuple(stats.items[i] for i in keep), max_scores=stats.max_scores[keep],
        persons=stats.persons,
        category_counts=stats.category_counts[keep][:, :int(stats.max_scores[keep].max(
            initial=0)) + 1],
        omits=stats.omits[keep], score_counts=stats.score_counts[shift:shift + size],
        score_item_sums=stats.score_item_sums[shift:shift + size][:, keep],
        score_item_squares=stats.score_item_squares[shift:shift + size][:, keep],
        strata=(), stratum_sums=np.zeros(0), stratum_squares=np.zeros(0))


class _Model:
    """The conditional likelihood of one test's sufficient statistics."""

    def __init__(self, stats: SufficientStatistics) -> None:
        self.m = stats.max_scores.astype(np.int64)
        self.k = int(self.m.max())
        self.mask = np.arange(1, self.k + 1)[None, :] <= self.m[:, None]
        n_r = stats.score_counts.copy()
        n_r[0] = n_r[-1] = 0.0
        self.n_r = n_r
        # category counts among persons not set aside: remove perfect scorers' maxima
        counts = stats.category_counts[:, 1:self.k + 1].copy()
        perfect = stats.score_counts[-1]
        counts[np.arange(len(self.m)), self.m - 1] -= perfect
        self.counts = np.where(self.mask, counts, 0.0)

    def weights(self, tau: np.ndarray) -> np.ndarray:
        e = np.zeros((len(self.m), self.k + 1))
        e[:, 0] = 1.0
        e[:, 1:] = np.where(self.mask, np.exp(-np.where(self.mask, tau, 0.0)), 0.0)
        return e

    def log_likelihood(self, tau: np.ndarray, table: ESF | None = None) -> float:
        table = table or esf(self.weights(tau), self.m)
        used = self.n_r > 0
        return float(-(self.counts * np.where(self.mask, tau, 0.0)).sum()
                     - self.n_r[used] @ table.log_gamma()[used])

    def probabilities(self, e: np.ndarray, table: ESF) -> np.ndarray:
        """P(X_i = k | r) as (I, K, R+1), k = 1..K."""
        loo, log_loo = table.without_each_item()
        total = table.total
        width = total.size
        scale = np.exp(log_loo - table.log_total_scale)
        out = np.zeros((len(self.m), self.k, width))
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_total = np.where(total > 0, 1.0 / total, 0.0)
        for k in range(1, self.k + 1):
            out[:, k - 1, k:] = (e[:, k] * scale)[:, None] * loo[:, :width - k] * inv_total[k:]
        return out

    def score_and_information(self, tau: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """log L, its gradient in tau (I, K) and the information matrix (I*K, I*K)."""
        e = self.weights(tau)
        table = esf(e, self.m)
        p = self.probabilities(e, table)
        expected = p @ self.n_r
        gradient = np.where(self.mask, expected - self.counts, 0.0)
        size = self.mask.size
        valid = np.flatnonzero(self.mask.ravel())
        item, step = valid // self.k, valid % self.k + 1
        flat = p.reshape(size, -1)[valid] * np.sqrt(self.n_r)
        block = -np.einsum("pr,qr->pq", flat, flat)
        block[np.diag_indices_from(block)] += expected.ravel()[valid]
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(self.n_r > 0, self.n_r / table.total, 0.0)
        pairs = pair_functionals(e, self.m, table, w, -table.log_total_scale)
        weight = e[:, 1:].ravel()[valid]
        block += (pairs[item[:, None], item[None, :], step[:, None] + step[None, :]]
                  * weight[:, None] * weight[None, :])
        info = np.zeros((size, size))
        info[np.ix_(valid, valid)] = block
        return self.log_likelihood(tau, table), gradient, info


class _Design:
    """The booklets' conditional likelihoods on one set of items: each booklet is a test of
    its own items (with its own raw-score distribution); the item parameters are shared."""

    def __init__(self, booklets: Sequence[SufficientStatistics], items: tuple[str, ...],
                 max_scores: np.ndarray) -> None:
        self.m = max_scores.astype(np.int64)
        self.k = int(self.m.max())
        self.mask = np.arange(1, self.k + 1)[None, :] <= self.m[:, None]
        index = {name: i for i, name in enumerate(items)}
        self.parts = []
        self.counts = np.zeros(self.mask.shape)
        self.item_persons = np.zeros(len(items))
        for stats in booklets:
            model = _Model(stats)
            rows = np.array([index[name] for name in stats.items], dtype=np.int64)
            self.parts.append((model, rows))
            self.counts[rows, :model.k] += model.counts
            self.item_persons[rows] += model.n_r.sum()
        self.persons = sum(model.n_r.sum() for model, _ in self.parts)

    def score_and_information(self, tau: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """The sums over booklets of log L, its gradient (I, K) and information."""
        loglik, gradient = 0.0, np.zeros(self.mask.shape)
        info = np.zeros((self.mask.size, self.mask.size))
        for model, rows in self.parts:
            part_loglik, part_gradient, part_info = model.score_and_information(
                tau[rows, :model.k])
            loglik += part_loglik
            gradient[rows, :model.k] += part_gradient
            flat = (rows[:, None] * self.k + np.arange(model.k)[None, :]).ravel()
            info[np.ix_(flat, flat)] += part_info
        return loglik, gradient, info


def _start(model: _Design) -> np.ndarray:
    """Starting thresholds: log odds of adjacent categories, cumulated."""
    counts = np.concatenate([np.zeros((len(model.m), 1)), model.counts], axis=1)
    counts[:, 0] = model.item_persons - model.counts.sum(axis=1)
    counts = np.maximum(counts, 0.5)
    steps = np.log(counts[:, :-1] / counts[:, 1:])
    steps = np.where(model.mask, steps - steps[model.mask].mean(), 0.0)
    return np.cumsum(steps, axis=1)


def _free_parameters(model: _Design, anchors: Mapping[int, np.ndarray],
                     tau: np.ndarray) -> np.ndarray:
    """Indexes (into the flattened I*K tau) that Newton moves; sets anchored values."""
    fixed = np.zeros_like(model.mask)
    for i, thresholds in anchors.items():
        tau[i, :thresholds.size] = np.cumsum(thresholds)
        fixed[i] = True
    if not anchors:
        fixed[0, 0] = True  # sum-zero is imposed afterwards; one parameter pins the origin
    return np.flatnonzero((model.mask & ~fixed).ravel())


def _solve(info: np.ndarray, right: np.ndarray) -> np.ndarray:
    """info^-1 right by Cholesky; a singular information means a parameter the data do not
    determine."""
    try:
        return cho_solve(cho_factor(info), right)
    except LinAlgError:
        raise PsychometricsError(
            "not identified", "the item parameters are not all determined by the data: "
            "booklets must be linked by common items (or each anchored)") from None


def _newton(model: _Design, tau: np.ndarray, free: np.ndarray) -> tuple[np.ndarray, int]:
    loglik, gradient, info = model.score_and_information(tau)
    for iteration in range(1, MAX_ITERATIONS + 1):
        step = _solve(info[np.ix_(free, free)], gradient.ravel()[free])
        length = 1.0
        while True:
            trial = tau.copy().ravel()
            trial[free] += length * step
            trial = trial.reshape(tau.shape)
            new_loglik, new_gradient, new_info = model.score_and_information(trial)
            if new_loglik >= loglik - 1e-10 * abs(loglik) or length < 1e-6:
                break
            length /= 2
        tau, loglik, gradient, info = trial, new_loglik, new_gradient, new_info
        if np.abs(length * step).max() < TOLERANCE:
            return tau, iteration
    raise PsychometricsError("no convergence", f"CML did not converge in {MAX_ITERATIONS} "
                             "Newton steps")


def _threshold_covariance(model: _Design, info: np.ndarray, free: np.ndarray,
                          sum_zero: bool) -> np.ndarray:
    """Covariance of the thresholds delta (flattened I*K) from the information in tau;
    with sum-zero identification, that of the normalised thresholds (the origin's
    uncertainty shared by all)."""
    size = info.shape[0]
    cov_tau = np.zeros((size, size))
    cov_tau[np.ix_(free, free)] = _solve(info[np.ix_(free, free)], np.eye(free.size))
    valid = np.flatnonzero(model.mask.ravel())
    k = model.k
    previous = np.flatnonzero(valid % k > 0)  # delta_ik = tau_ik - tau_i,k-1
    to_delta = np.eye(valid.size)
    to_delta[previous, previous - 1] = -1.0
    if sum_zero:
        origin = _origin_weights(model)[valid]
        to_delta -= np.outer(np.ones(valid.size), origin) @ to_delta / origin.sum()
    cov = np.zeros((size, size))
    half = np.einsum("pa,ab->pb", to_delta, cov_tau[np.ix_(valid, valid)])
    cov[np.ix_(valid, valid)] = np.einsum("pb,qb->pq", half, to_delta)
    return cov


def _origin_weights(model: _Design) -> np.ndarray:
    """Sum-zero identification as eRm's ``sum0``: the item-category parameters tau_ik sum
    to 0, i.e. sum_ik (m_i - k + 1) delta_ik = 0 (the mean difficulty 0 for Rasch items)."""
    steps = np.arange(1, model.k + 1)[None, :]
    return np.where(model.mask, model.m[:, None] - steps + 1, 0).ravel().astype(float)


def calibrate(stats: Booklets,
              anchors: Mapping[str, Sequence[float]] | None = None) -> Calibration:
    """CML calibration of every item (Rasch items are the one-threshold case), from one
    test's statistics or one per booklet (items shared between booklets link them).

    ``anchors`` maps item names to fixed thresholds (their difficulty for Rasch items);
    without anchors the item-category parameters sum to zero. Items every person answered
    alike are set aside and reported. Raises :class:`PsychometricsError` for an unknown
    anchored item, an anchor of the wrong length, or a score category nobody reached.
    """
    booklets = as_booklets(stats)
    totals = item_totals(booklets)
    dropped = constant_items(totals)
    keep = [i for i, name in enumerate(totals.items) if name not in dropped]
    items = tuple(totals.items[i] for i in keep)
    if not items:
        raise PsychometricsError("no data", "every item was answered alike by everyone: "
                                 "nothing to calibrate")
    _check_categories(items, totals.max_scores[keep], totals.counts[keep])
    anchored = _anchor_indexes(dict(anchors or {}), items, totals, dropped)
    work = [b for b in (without(s, dropped) for s in booklets) if b.items]
    model = _Design(work, items, totals.max_scores[keep])
    if model.persons == 0:
        raise PsychometricsError("no data", "every person has a zero or perfect score: "
                                 "nothing to calibrate")
    tau = _start(model)
    free = _free_parameters(model, anchored, tau)
    tau, iterations = _newton(model, tau, free)
    loglik, _, info = model.score_and_information(tau)
    cov = _threshold_covariance(model, info, free, sum_zero=not anchored)
    delta = np.diff(np.concatenate([np.zeros((len(model.m), 1)), np.where(
        model.mask, tau, 0.0)], axis=1), axis=1)
    if not anchored:
        origin = _origin_weights(model) @ delta.ravel() / _origin_weights(model).sum()
        delta = np.where(model.mask, delta - origin, 0.0)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0)).reshape(delta.shape)
    m = model.m
    return Calibration(
        items=items,
        thresholds=tuple(delta[i, :m[i]].copy() for i in range(len(m))),
        standard_errors=tuple(se[i, :m[i]].copy() for i in range(len(m))),
        anchored=tuple(i in anchored for i in range(len(m))),
        log_likelihood=loglik, iterations=iterations,
        zero_scores=float(sum(b.score_counts[0] for b in work)),
        perfect_scores=float(sum(b.score_counts[-1] for b in work)),
        set_aside=tuple(dropped.items()), max_scores=m)


def _anchor_indexes(anchors, items, totals: ItemTotals, dropped) -> dict[int, np.ndarray]:
    index = {name: i for i, name in enumerate(items)}
    out = {}
    for name, values in anchors.items():
        if name not in index:
            where = "was set aside (constant)" if name in dropped else "is not in the responses"
            raise PsychometricsError("unknown anchor", f"anchored item {name!r} {where}")
        values = np.atleast_1d(np.asarray(values, dtype=np.float64))
        top = int(totals.max_scores[totals.items.index(name)])
        if values.size != top or not np.isfinite(values).all():
            raise PsychometricsError("bad anchor", f"anchored item {name!r} needs {top} "
                                     f"finite threshold(s), got {values.size}")
        out[index[name]] = values
    return out


def _check_categories(items, max_scores, counts) -> None:
    for name, top, row in zip(items, max_scores, counts, strict=True):
        empty = [k for k in range(1, int(top) + 1) if row[k] == 0]
        if empty:
            raise PsychometricsError(
                "empty category", f"item {name!r}: nobody scored {empty[0]}; "
                "recode its categories or give its maximum score")
