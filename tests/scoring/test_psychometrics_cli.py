"""``scanscore psychometrics ...`` on CSV files: the published results through the command
line, and each bad input a clear message naming the line and column."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from app import cli
from scoring.psychometrics.cml import calibrate
from scoring.psychometrics.files import read_item_parameters, read_responses
from scoring.psychometrics.linking import LinkingOptions, link
from scoring.psychometrics.simulate import simulate_responses
from scoring.psychometrics.stats import gather
from tests.scoring.conftest import DATA, reference


def run(*args: str):
    return CliRunner().invoke(cli, ["psychometrics", *map(str, args)])


def run_json(*args: str) -> dict:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _no_nan(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_no_nan(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_nan(v) for v in value)
    return True


def test_calibrate_lsat6_json():
    out = run_json("calibrate", reference("LSAT6_patterns.csv"))
    assert [round(i["b"], 4) for i in out["items"]] == [-1.2561, 0.4749, 1.2360, 0.1684,
                                                         -0.6232]
    assert [round(i["se"], 4) for i in out["items"]] == [.1044, .0699, .0688, .0726, .0859]
    assert out["items"][0]["item"] == "Item_1"
    assert round(out["log_likelihood"], 4) == -1091.5697
    assert [round(p["theta"], 4) for p in out["persons"][1:5]] == [-1.6015, -0.4743, 0.4809,
                                                                    1.5999]
    assert _no_nan(out)


def test_calibrate_science_pcm_prints_thresholds():
    out = run_json("calibrate", reference("Science_0to3.csv"), "--model", "pcm")
    comfort = out["items"][0]
    assert comfort["item"] == "Comfort" and len(comfort["thresholds"]) == 3
    assert len(comfort["se"]) == 3 and "b" not in comfort
    assert round(out["log_likelihood"], 4) == -791.2445
    table = run("calibrate", reference("Science_0to3.csv"), "--model", "pcm")
    assert table.exit_code == 0 and "-1.7766 -1.0404 2.8415" in table.output


def test_calibrate_with_anchors(tmp_path):
    anchors = tmp_path / "anchors.csv"
    anchors.write_text("item,b\nItem_1,-1.0\nItem_3,1.5\n")
    out = run_json("calibrate", reference("LSAT6_patterns.csv"), "--anchor", anchors)
    by_item = {i["item"]: i for i in out["items"]}
    assert by_item["Item_1"]["b"] == -1.0 and by_item["Item_1"]["anchored"]
    assert by_item["Item_1"]["se"] == 0.0 and by_item["Item_2"]["se"] > 0


def test_reliability_and_items_on_kb36():
    out = run_json("reliability", reference("KB36_formX_resp.csv"))
    assert round(out["alpha"], 4) == 0.8421
    assert len(out["csem"]) == 37 and out["csem"][0]["binomial"] == 0.0
    items = run_json("items", reference("KB36_formX_resp.csv"))["items"]
    assert len(items) == 36 and 0 < items[0]["p"] < 1


def test_items_with_a_key_gives_the_option_distribution(tmp_path):
    responses = tmp_path / "choices.csv"
    responses.write_text("q1,q2\nA,B\nB,B\nA,\nC,B\n")
    key = tmp_path / "key.csv"
    key.write_text("item,key\nq1,A\nq2,B\n")
    out = run_json("items", responses, "--key", key)
    q1, q2 = out["items"]
    assert q1["p"] == 0.5 and q1["key"] == "A"
    assert q1["options"]["B"]["proportion"] == 0.25
    assert q2["omit_rate"] == 0.25 and q2["options"]["omit"]["proportion"] == 0.25


def test_link_and_equate_kolen_brennan():
    out = run_json("link", DATA / "kb_formX_on_Y_scale.csv", DATA / "kb_formY.csv",
                   "--D", "1.7")
    assert set(out["constants"]) == {"mean/mean", "mean/sigma", "haebara", "stocking-lord"}
    assert len(out["drift"]) == 36
    table = run_json("equate", DATA / "kb_formX_on_Y_scale.csv", DATA / "kb_formY.csv",
                     "--D", "1.7")["table"]
    assert round(table[20]["equivalent"], 6) == 20.979305
    assert table[3]["theta"] is None and table[36]["equivalent"] == 36.0


def test_equate_with_conversion(tmp_path):
    conversion = tmp_path / "conversion.csv"
    conversion.write_text("raw,scale\n" + "".join(f"{r},{200 + 5 * r}\n" for r in range(37)))
    table = run_json("equate", DATA / "kb_formX_on_Y_scale.csv", DATA / "kb_formY.csv",
                     "--D", "1.7", "--conversion", conversion)["table"]
    assert table[20]["scale"] == pytest.approx(200 + 5 * 20.979305, abs=1e-5)


def test_classification_kb36():
    out = run_json("classification", reference("KB36_formX_resp.csv"), "--cuts", "16,24")
    assert out["effective_length"] >= 36 and 0.5 < out["accuracy"] < 1
    assert out["consistency"] < out["accuracy"] and _no_nan(out)


def _write(tmp_path, text: str, name: str = "responses.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "args", "message"), [
    ("a,b\n0,1\n1,2\n", (), "line 3, column 'b': '2' is outside 0..1"),
    ("a,b\n0,1\n1,x\n", (), "line 3, column 'b': 'x' is not a whole-number score"),
    ("a,b,Freq\n0,1,3\n1,0,-2\n", (), "line 3, column 'Freq': frequency '-2' is negative"),
    ("a,b\n0,1\n1\n", (), "line 3: 1 cells, the header has 2"),
    ("", (), "empty, a header line is needed"),
    ("a,a\n0,1\n", (), "column 'a' appears twice"),
])
def test_bad_response_files(tmp_path, text, args, message):
    result = run("calibrate", _write(tmp_path, text), *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_anchor_naming_an_unknown_item(tmp_path):
    anchors = _write(tmp_path, "item,b\nItem_1,-1\nItem_9,0.5\n", "anchors.csv")
    result = run("calibrate", reference("LSAT6_patterns.csv"), "--anchor", anchors)
    assert result.exit_code == 1
    assert "anchors.csv, line 3, column 'item': 'Item_9' is not in the response file" in \
        result.output


def test_item_everyone_got_right_is_reported_not_a_crash(tmp_path):
    rows = "".join(f"{i % 2},{(i // 2) % 2},1\n" for i in range(40))
    out = run_json("calibrate", _write(tmp_path, "a,b,easy\n" + rows))
    assert out["set_aside"] == [{"item": "easy", "reason": "every person scored the maximum"}]
    assert [i["item"] for i in out["items"]] == ["a", "b"] and _no_nan(out)
    items = run_json("items", _write(tmp_path, "a,b,easy\n" + rows))["items"]
    assert "no variance" in items[2]["flags"] and _no_nan(items)


def test_parameter_file_errors(tmp_path):
    bad = _write(tmp_path, "item,a,b\nq1,1.0,x\n", "pars.csv")
    result = run("link", bad, DATA / "kb_formY.csv")
    assert result.exit_code == 1 and "line 2, column 'b': 'x' is not a number" in result.output
    other = _write(tmp_path, "item,b\nz1,0.0\nz2,1.0\n", "other.csv")
    result = run("link", other, DATA / "kb_formY.csv")
    assert result.exit_code == 1 and "0 common item(s)" in result.output


@pytest.mark.parametrize(("cuts", "message"), [("24,16", "cuts must increase"),
                                               ("16,99", "outside the score range"),
                                               ("a,b", "give numbers separated by commas")])
def test_classification_bad_cuts(cuts, message):
    result = run("classification", reference("KB36_formX_resp.csv"), "--cuts", cuts)
    assert result.exit_code != 0 and message in result.output


def test_calibrate_booklets(tmp_path):
    """Booklet A has q1-q4, booklet B q3-q6 (cells of items not in a booklet are empty)."""
    rng = np.random.default_rng(4)
    b = np.linspace(-1.5, 1.5, 6)
    lines = ["form," + ",".join(f"q{i + 1}" for i in range(6))]
    stats = []
    for form, items in (("A", range(0, 4)), ("B", range(2, 6))):
        x = simulate_responses(rng.standard_normal(3000), b[list(items)], rng)
        stats.append(gather(x, [f"q{i + 1}" for i in items]))
        for row in x:
            cells = [""] * 6
            for i, value in zip(items, row, strict=True):
                cells[i] = str(value)
            lines.append(form + "," + ",".join(cells))
    path = _write(tmp_path, "\n".join(lines) + "\n")
    out = run_json("calibrate", path, "--booklet", "form")
    expected = calibrate(stats)
    assert [i["item"] for i in out["items"]] == list(expected.items)
    np.testing.assert_allclose([i["b"] for i in out["items"]],
                               [t[0] for t in expected.thresholds])
    assert [bk["booklet"] for bk in out["booklets"]] == ["A", "B"]
    assert out["booklets"][1]["items"] == ["q3", "q4", "q5", "q6"]
    assert len(out["booklets"][0]["persons"]) == 5 and _no_nan(out)


def test_link_options_change_the_characteristic_curve_constants():
    args = ("link", DATA / "kb_formX_on_Y_scale.csv", DATA / "kb_formY.csv", "--D", "1.7",
            "--method", "stocking-lord")
    default = run_json(*args)["constants"]["stocking-lord"]
    narrow = run_json(*args, "--grid", "-2:2:0.1", "--normal-weights",
                      "--direction", "symmetric")["constants"]["stocking-lord"]
    theta = np.arange(-2, 2.05, 0.1)
    options = LinkingOptions(D=1.7, theta=theta, weights=np.exp(-theta**2 / 2),
                             direction="symmetric")
    new, old = (read_item_parameters(DATA / f, 1.7) for f in ("kb_formX_on_Y_scale.csv",
                                                             "kb_formY.csv"))
    expected = link(new, old, options, ["stocking-lord"]).constants["stocking-lord"]
    assert abs(narrow["A"] - expected.A) < 1e-9 and abs(narrow["B"] - expected.B) < 1e-9
    assert abs(narrow["A"] - default["A"]) > 1e-4
    assert run(*args, "--grid", "4:-4:1").exit_code == 1


def test_equate_links_first_through_common_items(tmp_path):
    """The new form's Rasch difficulties sit 0.3 below the base scale: --link puts them
    back before equating, so the same items equate to themselves."""
    items = "".join(f"q{i},{b - 0.3:.6f}\n" for i, b in enumerate(np.linspace(-2, 2, 15)))
    base = "".join(f"q{i},{b:.6f}\n" for i, b in enumerate(np.linspace(-2, 2, 15)))
    new = _write(tmp_path, "item,b\n" + items, "new.csv")
    old = _write(tmp_path, "item,b\n" + base, "old.csv")
    table = run_json("equate", new, old, "--link", "stocking-lord")["table"]
    np.testing.assert_allclose([r["equivalent"] for r in table], np.arange(16), atol=1e-6)
    unlinked = run_json("equate", new, old)["table"]
    assert unlinked[7]["equivalent"] < 7 - 0.5


def test_plain_and_checked_readers_agree(tmp_path):
    """A file of plain integers goes through numpy's parser; one with an empty cell (an
    omit) through the checked reader: the same scores either way."""
    plain = _write(tmp_path, "a,b,freq\n0,1,2\n1,1,3\n1,0,1\n", "plain.csv")
    omitted = _write(tmp_path, "a,b,freq\n0,1,2\n1,1,3\n1,,1\n", "omitted.csv")
    first = read_responses(plain, max_score=1)
    second = read_responses(omitted, max_score=1)
    assert first.items == second.items == ("a", "b")
    np.testing.assert_array_equal(first.weights, second.weights)
    np.testing.assert_array_equal(first.responses[:2], second.responses[:2])
    assert second.responses[2].tolist() == [1, -1] and first.responses[2].tolist() == [1, 0]
