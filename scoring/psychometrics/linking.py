"""Linking a new form's item parameters to the base (old) scale through common items.

theta_old = A theta_new + B; new items go to the old scale as a / A, A b + B, c. Methods:

- mean/sigma: A = sd(b_old) / sd(b_new), B = mean(b_old) - A mean(b_new), over all
  thresholds of the common items;
- mean/mean: A = mean(a_new) / mean(a_old), B as above;
- Haebara: least squares between the common items' category curves (every category,
  as plink), weighted over a theta grid;
- Stocking-Lord: least squares between the common items' test characteristic curves.

When both forms are Rasch / PCM (every a = 1, c = 0) the unit is fixed, A = 1, and only
B is estimated. Defaults are plink's: D = 1, theta from -4 to 4 by 0.05 with weights 1,
the criterion on the old scale only (``direction="new-to-old"``; ``"old-to-new"`` puts it
on the new scale, ``"symmetric"`` sums both), starting values from mean/sigma.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import least_squares

from scoring.psychometrics.errors import PsychometricsError
from scoring.psychometrics.irt import ItemBank, category_probabilities, tcc

METHODS = ("mean/mean", "mean/sigma", "haebara", "stocking-lord")
DIRECTIONS = ("new-to-old", "old-to-new", "symmetric")
DRIFT_CRITICAL = 1.645
"""|robust z| above which a common item's displacement is flagged (Huynh & Meyer)."""


def default_grid() -> np.ndarray:
    return np.round(np.arange(-4.0, 4.0 + 1e-9, 0.05), 10)


@dataclass(frozen=True)
class LinkingOptions:
    """``theta``/``weights``: the grid and weights on the old scale; ``theta_new``/
    ``weights_new`` those on the new scale (symmetric or old-to-new; default the same).
    ``D`` overrides both banks' scaling constant."""

    D: float = 1.0
    theta: np.ndarray = field(default_factory=default_grid)
    weights: np.ndarray | None = None
    theta_new: np.ndarray | None = None
    weights_new: np.ndarray | None = None
    direction: str = "new-to-old"
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Constants:
    A: float
    B: float


@dataclass(frozen=True)
class Linking:
    common: tuple[str, ...]
    constants: dict[str, Constants]


def common_items(new: ItemBank, old: ItemBank, exclude: Sequence[str] = ()) -> tuple[str, ...]:
    unknown = [n for n in exclude if n not in new.items or n not in old.items]
    if unknown:
        raise PsychometricsError("unknown item", f"excluded item {unknown[0]!r} is not a "
                                 "common item of the two forms")
    common = tuple(n for n in new.items if n in set(old.items) and n not in exclude)
    if len(common) < 2:
        raise PsychometricsError("too few common items", f"{len(common)} common item(s); "
                                 "linking needs at least 2 (items match by name)")
    return common


def _is_rasch(bank: ItemBank) -> bool:
    return bool(np.all(bank.a == 1.0) and np.all(bank.c == 0.0))


def moment_constants(new: ItemBank, old: ItemBank) -> dict[str, Constants]:
    """Mean/mean and mean/sigma on common-item banks (same items, same order)."""
    b_new, b_old = new.thresholds[~np.isnan(new.thresholds)], old.thresholds[
        ~np.isnan(old.thresholds)]
    fixed = _is_rasch(new) and _is_rasch(old)
    a_mm = 1.0 if fixed else float(new.a.mean() / old.a.mean())
    a_ms = 1.0 if fixed else float(b_old.std() / b_new.std())
    return {m: Constants(a, float(b_old.mean() - a * b_new.mean()))
            for m, a in (("mean/mean", a_mm), ("mean/sigma", a_ms))}


def _residuals(method: str, new: ItemBank, old: ItemBank, options: LinkingOptions,
               slope: float, intercept: float) -> np.ndarray:
    parts = []
    theta_old, w_old = options.theta, _weights(options.weights, options.theta)
    if options.theta_new is None:
        theta_new, w_new = theta_old, _weights(options.weights_new or options.weights,
                                               theta_old)
    else:
        theta_new, w_new = options.theta_new, _weights(options.weights_new, options.theta_new)
    if options.direction in ("new-to-old", "symmetric"):
        parts.append(_criterion(method, old, new.transformed(slope, intercept), theta_old,
                                w_old))
    if options.direction in ("old-to-new", "symmetric"):
        parts.append(_criterion(method, new, old.transformed(1 / slope, -intercept / slope),
                                theta_new, w_new))
    return np.concatenate(parts)


def _weights(weights: np.ndarray | None, theta: np.ndarray) -> np.ndarray:
    return np.ones_like(theta) if weights is None else np.asarray(weights, dtype=np.float64)


def _criterion(method, target: ItemBank, moved: ItemBank, theta, weights) -> np.ndarray:
    """Residuals whose sum of squares is plink's standardised criterion."""
    if method == "haebara":
        diff = category_probabilities(target, theta) - category_probabilities(moved, theta)
        scale = weights.sum() * (target.max_scores + 1).sum()
        return (diff * np.sqrt(weights / scale)[:, None, None]).ravel()
    diff = tcc(target, theta)[0] - tcc(moved, theta)[0]
    return diff * np.sqrt(weights / weights.sum())


def link(new: ItemBank, old: ItemBank, options: LinkingOptions | None = None,
         methods: Sequence[str] = METHODS) -> Linking:
    """Linking constants placing ``new`` on the scale of ``old`` by each method."""
    options = options or LinkingOptions()
    if options.direction not in DIRECTIONS:
        raise PsychometricsError("bad option", f"direction must be one of {DIRECTIONS}")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise PsychometricsError("bad option", f"unknown method {unknown[0]!r}; use {METHODS}")
    common = common_items(new, old, options.exclude)
    new_c = replace(new.subset(common), D=options.D)
    old_c = replace(old.subset(common), D=options.D)
    moments = moment_constants(new_c, old_c)
    out = {m: moments[m] for m in methods if m in moments}
    fixed = _is_rasch(new_c) and _is_rasch(old_c)
    start = moments["mean/sigma"]
    for method in (m for m in methods if m in ("haebara", "stocking-lord")):
        out[method] = _characteristic_curve(method, new_c, old_c, options, start, fixed)
    return Linking(common, {m: out[m] for m in methods})


def _characteristic_curve(method, new, old, options, start: Constants, fixed: bool):
    if fixed:
        fit = least_squares(lambda v: _residuals(method, new, old, options, 1.0, v[0]),
                            [start.B], xtol=1e-14, ftol=1e-15, gtol=1e-15)
        return Constants(1.0, float(fit.x[0]))
    fit = least_squares(lambda v: _residuals(method, new, old, options, v[0], v[1]),
                        [start.A, start.B], xtol=1e-14, ftol=1e-15, gtol=1e-15,
                        bounds=([1e-6, -np.inf], [np.inf, np.inf]))
    return Constants(float(fit.x[0]), float(fit.x[1]))


@dataclass(frozen=True)
class Drift:
    """Per common item: displacement (new on the old scale minus old, item location),
    its robust z ((d - median) / (0.74 IQR)) and whether |z| exceeds the critical value."""

    items: tuple[str, ...]
    displacement: np.ndarray
    robust_z: np.ndarray
    flagged: np.ndarray


def drift(new: ItemBank, old: ItemBank, constants: Constants, common: Sequence[str],
          critical: float = DRIFT_CRITICAL) -> Drift:
    moved = new.subset(common).transformed(constants.A, constants.B)
    d = moved.b - old.subset(common).b
    q1, q3 = np.percentile(d, [25, 75])
    spread = 0.74 * (q3 - q1)
    z = (d - np.median(d)) / spread if spread > 0 else np.zeros_like(d)
    return Drift(tuple(common), d, z, np.abs(z) > critical)
