"""Item response functions of a test: Rasch, 2PL and 3PL items and (generalised) partial
credit items, their test characteristic curve (TCC), its inverse, and the information.

A dichotomous item: P(1 | theta) = c + (1 - c) / (1 + exp(-D a (theta - b))). A partial
credit item with thresholds delta_1..delta_m: P(k | theta) is proportional to
exp(sum_{h<=k} D a (theta - delta_h)) (a = 1, D = 1: Masters' PCM). ``D`` is the scaling
constant: 1 for the logistic metric (Rasch calibrations), 1.7 for the normal metric.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.special import expit

from scoring.psychometrics.errors import PsychometricsError


@dataclass(frozen=True)
class ItemBank:
    """Item parameters of one form. ``thresholds`` (I, K) is padded with NaN past each
    item's maximum score; a dichotomous item's only threshold is its b."""

    items: tuple[str, ...]
    a: np.ndarray
    c: np.ndarray
    thresholds: np.ndarray
    D: float = 1.0

    @property
    def max_scores(self) -> np.ndarray:
        return (~np.isnan(self.thresholds)).sum(axis=1)

    @property
    def b(self) -> np.ndarray:
        """Difficulty of dichotomous items; location (mean threshold) of the others."""
        return np.nanmean(self.thresholds, axis=1)

    def subset(self, names: Sequence[str]) -> ItemBank:
        index = {n: i for i, n in enumerate(self.items)}
        rows = [index[n] for n in names]
        return replace(self, items=tuple(names), a=self.a[rows], c=self.c[rows],
                       thresholds=self.thresholds[rows])

    def transformed(self, slope: float, intercept: float) -> ItemBank:
        """The parameters on the scale theta* = slope * theta + intercept."""
        return replace(self, a=self.a / slope, thresholds=slope * self.thresholds + intercept)


def dichotomous_bank(items: Sequence[str], a, b, c=None, D: float = 1.0) -> ItemBank:
    b = np.asarray(b, dtype=np.float64)
    return ItemBank(tuple(items), np.asarray(a, dtype=np.float64) * np.ones_like(b),
                    np.zeros_like(b) if c is None else np.asarray(c, dtype=np.float64),
                    b[:, None], D)


def category_probabilities(bank: ItemBank, theta: np.ndarray) -> np.ndarray:
    """P(X_i = k | theta) as (T, I, K+1) for thetas (T,); 0 past an item's maximum."""
    theta = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    if bank.thresholds.shape[1] == 1:  # all dichotomous: the closed form
        logistic = expit(bank.D * bank.a * (theta[:, None] - bank.thresholds[:, 0]))
        right = bank.c + (1 - bank.c) * logistic
        return np.stack([1 - right, right], axis=2)
    steps = bank.D * bank.a[None, :, None] * (theta[:, None, None] - bank.thresholds[None])
    logits = np.concatenate([np.zeros(steps.shape[:2] + (1,)), np.cumsum(steps, axis=2)], 2)
    logits = np.where(np.isnan(logits), -np.inf, logits)
    logits -= logits.max(axis=2, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=2, keepdims=True)
    guessing = bank.c > 0
    if guessing.any():
        right = bank.c[guessing] + (1 - bank.c[guessing]) * p[:, guessing, 1]
        p[:, guessing, 1] = right
        p[:, guessing, 0] = 1 - right
    return p


def moments(bank: ItemBank, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each item's expected score, its derivative in theta and the score variance, each
    (T, I). Dichotomous items in closed form, the others from their category
    probabilities."""
    theta = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    shape = (theta.size, len(bank.items))
    mean, derivative, variance = np.empty(shape), np.empty(shape), np.empty(shape)
    slope = bank.D * bank.a
    dichotomous = bank.max_scores == 1
    if dichotomous.any():
        s, c = slope[dichotomous], bank.c[dichotomous]
        logistic = expit(s * (theta[:, None] - bank.thresholds[dichotomous, 0]))
        right = c + (1 - c) * logistic
        mean[:, dichotomous] = right
        derivative[:, dichotomous] = s * (1 - c) * logistic * (1 - logistic)
        variance[:, dichotomous] = right * (1 - right)
    if not dichotomous.all():
        poly = ~dichotomous
        sub = ItemBank(bank.items, bank.a[poly], bank.c[poly], bank.thresholds[poly], bank.D)
        p = category_probabilities(sub, theta)
        k = np.arange(p.shape[2])
        mean[:, poly] = p @ k
        variance[:, poly] = p @ (k * k) - mean[:, poly] ** 2
        derivative[:, poly] = slope[poly] * variance[:, poly]
    return mean, derivative, variance


def expected_scores(bank: ItemBank, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each item's expected score (T, I) and its derivative in theta (T, I)."""
    return moments(bank, theta)[:2]


def information(bank: ItemBank, theta: np.ndarray) -> np.ndarray:
    """Test information at each theta (T,): sum of (dE/dtheta)^2 / Var, which is
    (D a)^2 Var for all but 3PL items."""
    _, derivative, variance = moments(bank, theta)
    return (derivative**2 / np.maximum(variance, 1e-300)).sum(axis=1)


def tcc(bank: ItemBank, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The test characteristic curve and its derivative at each theta."""
    mean, derivative = expected_scores(bank, theta)
    return mean.sum(axis=1), derivative.sum(axis=1)


def invert_increasing(f: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
                      targets: np.ndarray, lo: float = -40.0, hi: float = 40.0,
                      tol: float = 1e-12, max_iter: int = 200) -> np.ndarray:
    """x with f(x) = target for each target, f increasing: Newton steps kept inside a
    bracket that shrinks at every step; a step leaving the bracket (or a flat f) is replaced
    by bisection, so it always converges."""
    targets = np.asarray(targets, dtype=np.float64)
    low, high = np.full(targets.shape, lo), np.full(targets.shape, hi)
    x = np.zeros(targets.shape)
    for _ in range(max_iter):
        value, slope = f(x)
        error = value - targets
        done = np.abs(error) <= tol * np.maximum(1.0, np.abs(targets))
        low = np.where(error < 0, x, low)
        high = np.where(error > 0, x, high)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = x - error / slope
        inside = np.isfinite(newton) & (newton >= low) & (newton <= high)
        step = np.where(done, x, np.where(inside, newton, (low + high) / 2))
        if np.all(done | (np.abs(step - x) < tol)):
            return step
        x = step
    raise PsychometricsError("no convergence", "the test characteristic curve could not be "
                             "inverted (check the item parameters)")


def theta_for_true_scores(bank: ItemBank, scores: np.ndarray) -> np.ndarray:
    """theta whose TCC equals each score; scores must lie strictly between the sum of the
    guessing parameters and the maximum score."""
    scores = np.asarray(scores, dtype=np.float64)
    floor, top = float(bank.c.sum()), float(bank.max_scores.sum())
    if ((scores <= floor) | (scores >= top)).any():
        raise PsychometricsError("score out of range", f"true scores must lie in "
                                 f"({floor:g}, {top:g})")
    return invert_increasing(lambda t: tcc(bank, t), scores)
