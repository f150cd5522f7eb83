"""Psychometrics at a million students (BENCHMARKS.md, "Scoring and analysis").

Simulated Rasch responses (theta ~ N(0, 1)), generated before the clock starts:

1. 1,000,000 × 60 dichotomous items: the sufficient-statistics pass and the Rasch CML fit
   (target <= 5 s together), RMSE of the difficulties against the generating ones.
2. 1,000,000 × 120 (118 dichotomous items and 2 writing traits scored 0-4): the pass, the
   PCM fit, item analysis and reliability (alpha, stratified alpha, CSEM), item fit,
   linking to a base scale through 30 common items (all four methods), true-score equating
   and Livingston-Lewis classification (target <= 15 s for the whole analysis); peak
   memory (``resource.getrusage``) against 3 × the int8 matrix.
3. girth's ``rasch_conditional`` and ``rasch_mml`` on 100,000 × 60, beside our CML on the
   same data, in the same run (girth is pip-installed into this venv if missing; it is not
   a dependency of ScanScore).

Times are medians of --repeat runs; the machine is shared, its load average is printed.

    python bench/psychometrics.py [--persons 1000000] [--repeat 5] [--girth-persons 100000]
                                  [--no-girth]
"""

from __future__ import annotations

import argparse
import importlib
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring.psychometrics.classification import livingston_lewis  # noqa: E402
from scoring.psychometrics.cml import calibrate  # noqa: E402
from scoring.psychometrics.equating import true_score_equating  # noqa: E402
from scoring.psychometrics.fit import item_fit  # noqa: E402
from scoring.psychometrics.irt import ItemBank  # noqa: E402
from scoring.psychometrics.items import item_analysis  # noqa: E402
from scoring.psychometrics.linking import link  # noqa: E402
from scoring.psychometrics.persons import calibration_bank, score_table  # noqa: E402
from scoring.psychometrics.reliability import reliability  # noqa: E402
from scoring.psychometrics.simulate import simulate_responses  # noqa: E402
from scoring.psychometrics.stats import gather  # noqa: E402

TRAIT_THRESHOLDS = ([-1.6, -0.5, 0.4, 1.5], [-1.2, -0.2, 0.8, 2.0])
BASE_SHIFT = 0.4
"""The base scale is the generating scale moved by this much; linked through 30 common
items, the new calibration must land on it (``rmse linked``: all 120 items' thresholds)."""


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def generating_thresholds(n_dichotomous: int, traits) -> np.ndarray:
    width = max([1] + [len(t) for t in traits])
    table = np.full((n_dichotomous + len(traits), width), np.nan)
    table[:n_dichotomous, 0] = np.linspace(-2.5, 2.5, n_dichotomous)
    for i, t in enumerate(traits):
        table[n_dichotomous + i, :len(t)] = t
    return table


def aligned_rmse(calibration, truth: np.ndarray) -> float:
    """RMSE of all thresholds after removing the mean difference (the origin is free)."""
    est = np.concatenate(calibration.thresholds)
    true = truth[~np.isnan(truth)]
    diff = est - true
    return float(np.sqrt(np.mean((diff - diff.mean()) ** 2)))


def rasch_60(x: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    stats, t_pass = timed(gather, x)
    result, t_fit = timed(calibrate, stats)
    return {"pass": t_pass, "cml": t_fit, "total": t_pass + t_fit,
            "rmse": aligned_rmse(result, truth)}


def whole_analysis(x: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    maxima = (~np.isnan(truth)).sum(axis=1)
    strata = [np.flatnonzero(maxima == 1).tolist(), np.flatnonzero(maxima > 1).tolist()]
    times = {}
    stats, times["pass"] = timed(gather, x, max_scores=maxima, strata=strata)
    result, times["pcm"] = timed(calibrate, stats)
    start = time.perf_counter()
    item_analysis(stats)
    reliability(stats)
    bank = calibration_bank(result)
    score_table(bank)
    times["items+reliability"] = time.perf_counter() - start
    _, times["fit"] = timed(item_fit, stats, result)
    start = time.perf_counter()
    base = ItemBank(bank.items, bank.a, bank.c, truth + BASE_SHIFT)
    common = base.subset(bank.items[:30])
    constants = link(bank, common).constants["stocking-lord"]
    table = true_score_equating(bank.transformed(constants.A, constants.B), base)
    times["link+equate"] = time.perf_counter() - start
    top = stats.max_score
    _, times["classification"] = timed(
        livingston_lewis, np.arange(top + 1), stats.score_counts,
        reliability(stats).alpha, [0.4 * top, 0.6 * top, 0.8 * top], 0, top)
    times["total"] = sum(times.values())
    times["rmse"] = aligned_rmse(result, truth)
    moved = bank.transformed(constants.A, constants.B).thresholds
    times["rmse linked"] = float(np.sqrt(np.nanmean((moved - base.thresholds) ** 2)))
    times["equating max |y - x|"] = float(np.abs(table.equivalent - table.raw).max())
    return times


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def seconds_list(runs: list[dict[str, float]]) -> str:
    return ", ".join(format(r["total"], ".2f") for r in runs)


def print_row(label: str, figures: dict[str, float]) -> None:
    parts = [f"{k} {v:.4f}" if k.startswith(("rmse", "equating")) else f"{k} {v:.2f} s"
             for k, v in figures.items()]
    print(f"{label}: " + ", ".join(parts))


def ensure_girth():
    try:
        return importlib.import_module("girth")
    except ImportError:
        print("girth is not installed: pip-installing it into this venv for the comparison "
              "(not a ScanScore dependency)")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "girth"], check=True)
        return importlib.import_module("girth")


def compare_girth(n: int, rng: np.random.Generator, repeat: int) -> None:
    girth = ensure_girth()
    truth = generating_thresholds(60, ())
    x = simulate_responses(rng.standard_normal(n), truth, rng)
    ours = medians([rasch_60(x, truth) for _ in range(repeat)])
    data = np.ascontiguousarray(x.T)  # girth takes items × persons
    for name in ("rasch_conditional", "rasch_mml"):
        out, seconds = timed(getattr(girth, name), data)
        b = np.asarray(out["Difficulty"] if isinstance(out, dict) else out)
        diff = b - truth[:, 0]
        rmse = float(np.sqrt(np.mean((diff - diff.mean()) ** 2)))
        spread = float(np.std(b) / np.std(truth[:, 0]))
        print(f"girth {name} on {n:,} x 60: {seconds:.2f} s, RMSE {rmse:.4f}, "
              f"difficulty spread {spread:.3f} of the generating; ours "
              f"{ours['total']:.3f} s (median, RMSE {ours['rmse']:.4f}): ratio "
              f"{seconds / ours['total']:.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--girth-persons", type=int, default=100_000)
    parser.add_argument("--no-girth", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} "
          "(shared with other work)")
    rng = np.random.default_rng(2026)

    truth60 = generating_thresholds(60, ())
    x = simulate_responses(rng.standard_normal(args.persons), truth60, rng)
    runs = [rasch_60(x, truth60) for _ in range(args.repeat)]
    print_row(f"Rasch CML, {args.persons:,} x 60 (median of {args.repeat})", medians(runs))
    print(f"  runs (pass + CML): {seconds_list(runs)} s")
    del x

    truth120 = generating_thresholds(118, TRAIT_THRESHOLDS)
    baseline = peak_mb()
    x = simulate_responses(rng.standard_normal(args.persons), truth120, rng)
    matrix_mb = x.nbytes / 2**20
    runs = [whole_analysis(x, truth120) for _ in range(args.repeat)]
    print_row(f"Whole analysis, {args.persons:,} x 120 (118 + 2 traits 0-4, median of "
              f"{args.repeat})", medians(runs))
    print(f"  runs (total): {seconds_list(runs)} s")
    print(f"  peak memory {peak_mb():.0f} MB for a {matrix_mb:.0f} MB int8 matrix "
          f"({peak_mb() / matrix_mb:.2f} x; before the matrix {baseline:.0f} MB)")
    del x

    if not args.no_girth:
        compare_girth(args.girth_persons, rng, args.repeat)


if __name__ == "__main__":
    main()
