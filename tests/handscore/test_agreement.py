"""Agreement statistics against hand-computed cases and the published QWK example."""

from __future__ import annotations

import numpy as np
import pytest

from handscore import agreement

# /work/shared/reference/data/README.md: QWK 0.772727, kappa 0.423077, exact 0.5833 (1-4)
R1 = [1, 2, 3, 4, 2, 3, 3, 1, 4, 2, 3, 2]
R2 = [1, 2, 4, 4, 2, 2, 3, 2, 3, 2, 3, 1]


def test_the_reference_example_to_its_printed_precision():
    figures = agreement.summary(agreement.score_matrix(R1, R2, 1, 4), lo=1)
    assert figures["n"] == 12
    assert figures["qwk"] == pytest.approx(0.772727, abs=5e-7)
    assert figures["kappa"] == pytest.approx(0.423077, abs=5e-7)
    assert figures["exact"] == pytest.approx(0.5833, abs=5e-5)
    assert figures["adjacent"] == 1.0 and figures["non_adjacent"] == 0.0
    assert figures["matrix"] == [[1, 1, 0, 0], [1, 3, 0, 0], [0, 1, 2, 1], [0, 0, 1, 1]]


def qwk_by_values(a, b) -> float:
    """QWK from the score values alone, no labels: 1 - mean (a-b)² / mean over all
    cross pairs (a_i - b_j)² (the chance term of quadratic weights)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return 1 - np.mean((a - b) ** 2) / np.mean((a[:, None] - b[None, :]) ** 2)


def test_a_prompt_whose_top_score_never_occurs():
    """Scale 1-5, nobody gave a 5: the matrix keeps its row and column, and the figures are
    those of the values (a point with no mass adds nothing to observed or chance terms)."""
    matrix = agreement.score_matrix(R1, R2, 1, 5)
    assert matrix.shape == (5, 5) and matrix[4].sum() == matrix[:, 4].sum() == 0
    assert agreement.quadratic_weighted_kappa(matrix) == pytest.approx(qwk_by_values(R1, R2))
    assert agreement.quadratic_weighted_kappa(matrix) == pytest.approx(0.772727, abs=5e-7)
    assert agreement.kappa(matrix) == pytest.approx(0.423077, abs=5e-7)


def test_an_unused_middle_point_keeps_the_distances():
    """Scale 1-4, nobody gave a 3: 2 and 4 are two points apart. Labels made of the used
    points only (sklearn's default) would put them one apart and get QWK wrong."""
    a, b = [1, 2, 4, 4, 2, 1], [2, 2, 4, 2, 1, 1]
    full = agreement.quadratic_weighted_kappa(agreement.score_matrix(a, b, 1, 4))
    assert full == pytest.approx(qwk_by_values(a, b))
    rank = {1: 0, 2: 1, 4: 2}  # what used-labels-only does
    by_rank = agreement.quadratic_weighted_kappa(agreement.score_matrix(
        [rank[x] for x in a], [rank[x] for x in b], 0, 2))
    assert abs(full - by_rank) > 0.01
    # by hand: Σ(a-b)² = 1+0+0+4+1+0 = 6 over 6 pairs; Σ over the 36 cross pairs = 96
    cross = np.mean((np.array(a)[:, None] - np.array(b)[None, :]) ** 2)
    assert cross == pytest.approx(96 / 36)
    assert full == pytest.approx(1 - 36 / 96)


def test_small_case_by_hand():
    """0-3 scale, 2 and 3 unused: O = [[1,1],[0,2]]/4, rows (.5,.5), columns (.25,.75):
    kappa (.75 - .5) / (1 - .5) = .5; QWK 1 - .25 / (.375 + .125) = .5."""
    low = agreement.score_matrix([0, 0, 1, 1], [0, 1, 1, 1], 0, 3)
    assert agreement.kappa(low) == pytest.approx(0.5)
    assert agreement.quadratic_weighted_kappa(low) == pytest.approx(0.5)


def test_pearson_means_and_smd_by_hand():
    a, b = [1, 2, 3, 4], [2, 3, 4, 4]
    m = agreement.moments(agreement.score_matrix(a, b, 1, 4), lo=1)
    assert m.mean_a == pytest.approx(2.5) and m.mean_b == pytest.approx(3.25)
    assert m.pearson == pytest.approx(np.corrcoef(a, b)[0, 1])
    # population variances 1.25 and .6875: SMD = .75 / sqrt((1.25 + .6875) / 2)
    assert m.smd == pytest.approx(0.75 / np.sqrt((1.25 + 0.6875) / 2))


def test_groups_at_once_equal_each_group_alone():
    rng = np.random.default_rng(7)
    a, b = rng.integers(0, 7, 5000), rng.integers(0, 7, 5000)
    groups = rng.integers(0, 9, 5000)
    matrices = agreement.score_matrices(groups, a, b, 0, 6, 9)
    for g in range(9):
        alone = agreement.score_matrix(a[groups == g], b[groups == g], 0, 6)
        assert (matrices[g] == alone).all()
        assert agreement.quadratic_weighted_kappa(matrices)[g] == pytest.approx(
            agreement.quadratic_weighted_kappa(alone))


def test_validity_accuracy_by_true_point_and_empty_cases():
    given, true = [1, 2, 2, 3], [1, 2, 3, 3]
    matrix = agreement.score_matrix(given, true, 1, 4)
    accuracy = agreement.by_true_point(matrix)
    assert accuracy[:3].tolist() == [1.0, 1.0, 0.5] and np.isnan(accuracy[3])
    empty = agreement.summary(np.zeros((4, 4), dtype=int), lo=1)
    assert empty["n"] == 0 and empty["qwk"] is None and empty["exact"] is None


def test_a_score_outside_the_scale_is_refused():
    with pytest.raises(ValueError, match="score 5 is outside the scale 1-4"):
        agreement.score_matrix([1, 5], [1, 2], 1, 4)
