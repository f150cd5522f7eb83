"""Simulated responses to Rasch and partial credit items with known parameters (for
recovery studies and benchmarks)."""

from __future__ import annotations

import numpy as np

CHUNK_ROWS = 16_384


def simulate_responses(theta: np.ndarray, thresholds: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """int8 responses (persons × items) of persons ``theta`` to PCM items with
    ``thresholds`` (I, K), NaN past each item's maximum (one threshold: a Rasch item)."""
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if thresholds.ndim == 1:
        thresholds = thresholds[:, None]
    maxima = (~np.isnan(thresholds)).sum(axis=1)
    dichotomous = np.flatnonzero(maxima == 1)
    b = thresholds[dichotomous, 0].astype(np.float32)
    out = np.empty((theta.size, maxima.size), dtype=np.int8)
    for start in range(0, theta.size, CHUNK_ROWS):
        t = theta[start:start + CHUNK_ROWS].astype(np.float32)
        p = 1 / (1 + np.exp(b - t[:, None]))
        out[start:start + t.size, dichotomous] = rng.random(p.shape, dtype=np.float32) < p
        for i in np.flatnonzero(maxima > 1):
            steps = t[:, None] - thresholds[i, :maxima[i]].astype(np.float32)
            logits = np.concatenate([np.zeros((t.size, 1), np.float32),
                                     np.cumsum(steps, axis=1)], axis=1)
            prob = np.exp(logits - logits.max(axis=1, keepdims=True))
            cdf = np.cumsum(prob, axis=1)
            u = rng.random(t.size, dtype=np.float32) * cdf[:, -1]
            out[start:start + t.size, i] = (u[:, None] > cdf[:, :-1]).sum(axis=1)
    return out
