"""The one pass against per-person sums, and its errors."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.psychometrics.errors import PsychometricsError
from scoring.psychometrics.stats import OMIT, gather


def _brute_force(x, max_scores, weights):
    scored = np.maximum(x, 0)
    raw = scored.sum(axis=1)
    n_scores = max_scores.sum() + 1
    sums = np.zeros((n_scores, x.shape[1]))
    squares = np.zeros_like(sums)
    for row, r, w in zip(scored, raw, weights, strict=True):
        sums[r] += w * row
        squares[r] += w * row**2
    return raw, sums, squares


@pytest.mark.parametrize("weighted", [False, True])
def test_pass_matches_per_person_sums(weighted):
    rng = np.random.default_rng(5)
    max_scores = np.array([1, 1, 3, 1, 2])
    x = np.stack([rng.integers(-1, m + 1, 300_000 if not weighted else 500)
                  for m in max_scores], axis=1).astype(np.int8)
    weights = rng.integers(0, 5, len(x)).astype(float) if weighted else np.ones(len(x))
    stats = gather(x, max_scores=max_scores, weights=weights if weighted else None,
                   strata=[[0, 1, 3], [2, 4]])
    raw, sums, squares = _brute_force(x, max_scores, weights)
    np.testing.assert_allclose(stats.score_item_sums, sums)
    np.testing.assert_allclose(stats.score_item_squares, squares)
    np.testing.assert_allclose(stats.score_counts, np.bincount(raw, weights, 9))
    np.testing.assert_allclose(stats.omits, ((x == OMIT) * weights[:, None]).sum(axis=0))
    for i, m in enumerate(max_scores):
        np.testing.assert_allclose(stats.category_counts[i, :m + 1],
                                   np.bincount(np.maximum(x[:, i], 0), weights, m + 1))
    sub = np.maximum(x[:, [2, 4]], 0).sum(axis=1)
    assert stats.stratum_squares[1] == pytest.approx((sub**2) @ weights)
    assert stats.persons == weights.sum()


def test_score_out_of_range_names_row_and_item():
    x = np.zeros((10, 3), dtype=np.int8)
    x[6, 1] = 2
    with pytest.raises(PsychometricsError, match=r"row 7, item 'b': score 2 is outside 0..1"):
        gather(x, ["a", "b", "c"], max_scores=[1, 1, 1])


def test_negative_weights_are_refused():
    with pytest.raises(PsychometricsError, match="non-negative"):
        gather(np.zeros((2, 2), np.int8), weights=np.array([1.0, -1.0]))
