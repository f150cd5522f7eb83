"""IRT true-score equating: Kolen & Brennan's 3PL example (form X on Y's scale, D = 1.7)
against the published PIE/polyequate output, raw-to-scale, and the TCC inversion."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.psychometrics.equating import true_score_equating, with_scale
from scoring.psychometrics.errors import PsychometricsError
from scoring.psychometrics.files import read_item_parameters
from scoring.psychometrics.irt import dichotomous_bank, invert_increasing, tcc
from tests.scoring.conftest import DATA


@pytest.fixture(scope="module")
def kb_table():
    new = read_item_parameters(DATA / "kb_formX_on_Y_scale.csv", 1.7)
    old = read_item_parameters(DATA / "kb_formY.csv", 1.7)
    return true_score_equating(new, old)


def test_reproduces_kolen_brennan_true_score_equating(kb_table):
    expected = np.genfromtxt(DATA / "kb_true_score_equating_expected.csv", delimiter=",",
                             skip_header=1)
    np.testing.assert_allclose(kb_table.equivalent, expected[:, 2], atol=5e-6)
    theta = np.array([np.nan if t is None else t for t in kb_table.theta])
    np.testing.assert_allclose(theta, expected[:, 1], atol=5e-6)  # NaN where none exists


def test_raw_to_scale_through_the_reference_conversion(kb_table):
    raw = np.arange(37)
    scale = 100 + 2.5 * raw
    table = with_scale(kb_table, raw, scale)
    np.testing.assert_allclose(table.scale, 100 + 2.5 * kb_table.equivalent)
    with pytest.raises(PsychometricsError, match="row 4: raw score 4 where 3"):
        with_scale(kb_table, np.delete(raw, 3), np.delete(scale, 3))


def test_rasch_forms_equate_to_the_ends():
    names = [f"i{k}" for k in range(20)]
    new = dichotomous_bank(names, 1.0, np.linspace(-1.5, 2.5, 20))
    old = dichotomous_bank(names, 1.0, np.linspace(-2, 2, 20))
    table = true_score_equating(new, old)
    assert table.equivalent[0] == 0 and table.equivalent[-1] == 20
    assert (np.diff(table.equivalent) > 0).all()
    assert (table.equivalent[1:-1] > table.raw[1:-1]).all()  # the new form is harder


def test_inversion_converges_where_newton_alone_overshoots():
    names = [f"i{k}" for k in range(5)]
    steep = dichotomous_bank(names, 40.0, [-3, -1, 0, 1, 3])
    targets = np.array([0.5, 2.5, 4.5])
    theta = invert_increasing(lambda t: tcc(steep, t), targets)
    np.testing.assert_allclose(tcc(steep, theta)[0], targets, atol=1e-9)
