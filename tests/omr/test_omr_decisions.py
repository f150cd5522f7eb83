import numpy as np
import pytest

from omr.decisions import decide, decide_field
from sample_sheets.model import MarkThresholds

ABCD = ("A", "B", "C", "D")
NORMAL = MarkThresholds()


@pytest.mark.parametrize("levels, value, flags, erased, changed", [
    ([15, 0, 0, 0], "A", (), (), None),
    ([0, 0, 0, 0], "", ("omit",), (), None),
    ([1, 1, 0, 1], "", ("omit",), (), None),
    ([8, 0, 0, 0], "A", ("light",), (), None),
    ([9, 0, 0, 0], "A", (), (), None),
    ([15, 14, 0, 0], "*", ("multiple",), (), None),
    ([7, 0, 8, 0], "*", ("multiple", "light"), (), None),
    ([15, 3, 0, 0], "A", ("erasure", "changed"), ("B",), ("B", "A")),
    ([15, 9, 0, 0], "A", ("erasure", "changed"), ("B",), ("B", "A")),
    ([3, 0, 0, 2], "", ("omit", "erasure"), ("A", "D"), None),
    ([4.7, 0, 0, 0], "A", ("light", "uncertain"), (), None),
    ([4.2, 0, 0, 0], "", ("omit", "erasure", "uncertain"), ("A",), None),
    ([15, 12.4, 0, 0], "A", ("erasure", "changed", "uncertain"), ("B",), ("B", "A")),
])
def test_decision_rules(levels, value, flags, erased, changed):
    level = np.array(levels, dtype=float)
    d = decide(ABCD, level, np.ones(4, bool), NORMAL)
    assert (d.value, d.flags, d.erased, d.changed) == (value, flags, erased, changed)
    bulk = decide_field(ABCD, level[None], np.ones((1, 4), bool), NORMAL)[0]
    assert bulk.value == d.value and bulk.flags == d.flags


def test_every_decision_has_a_reason():
    d = decide(ABCD, np.array([15.0, 14, 0, 0]), np.ones(4, bool), NORMAL)
    assert d.reason == "A (15) and B (14) within the margin 3"


def test_unmeasured_bubble_makes_the_key_uncertain():
    measured = np.array([True, True, False, True])
    d = decide(ABCD, np.array([15.0, 0, 0, 0]), measured, NORMAL)
    assert "uncertain" in d.flags and "off the image" in d.reason


@pytest.mark.parametrize("preset, levels, value", [
    ("light", [4, 0, 0, 0], "A"), ("normal", [4, 0, 0, 0], ""),
    ("dark", [6, 0, 0, 0], ""), ("high", [15, 12, 0, 0], "*"), ("normal", [15, 12, 0, 0], "A"),
])
def test_form_presets_move_the_thresholds(preset, levels, value):
    d = decide(ABCD, np.array(levels, float), np.ones(4, bool), MarkThresholds.preset(preset))
    assert d.value == value


def test_multiple_selection_keys_read_each_box():
    d = decide(("Y",), np.array([15.0]), np.ones(1, bool), NORMAL, single=False)
    assert (d.value, d.flags) == ("Y", ())


def test_residue_below_the_erasure_level_is_an_erasure():
    """A bubble reading blank that holds erasure residue (bitonal pages)."""
    residue = np.array([False, True, False, False])
    d = decide(ABCD, np.array([15.0, 0, 0, 0]), np.ones(4, bool), NORMAL, residue=residue)
    assert (d.value, d.flags, d.erased, d.changed) == ("A", ("erasure", "changed"), ("B",),
                                                       ("B", "A"))
    assert d.reason == "mark A (15); erased B (0, residue)"
    bulk = decide_field(ABCD, np.array([[15.0, 0, 0, 0]]), np.ones((1, 4), bool), NORMAL,
                        residue=residue[None])[0]
    assert bulk == d
    alone = decide(ABCD, np.zeros(4), np.ones(4, bool), NORMAL, residue=residue)
    assert (alone.value, alone.flags, alone.erased) == ("", ("omit", "erasure"), ("B",))
