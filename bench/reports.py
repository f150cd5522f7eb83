"""Mark discrimination over a million students (BENCHMARKS.md, "Scoring and analysis":
the report over 1,000,000 students, target <= 10 s).

Simulated before the clock starts: --students students in classes of 25 (40 schools per
district, grades 03-08), each taking two tests of 60 Rasch items (theta ~ N(0, 1));
answers erased at random (5 %), and in one class in 200 a tampered pattern (six wrong
answers turned right for 60 % of the students); 2 % of the documents scanned bitonal.
Timed: the whole report (both tests, statewide figures, groups, filter, students' responses,
the Rasch CML calibration of each test and every student's EDI). Medians of --repeat runs;
the machine is shared, its load average is printed.

    python bench/reports.py [--students 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reports import changes as codes  # noqa: E402
from reports.changes import GroupKey, TestChanges  # noqa: E402
from reports.mark_discrimination import mark_discrimination  # noqa: E402
from scoring.psychometrics.simulate import simulate_responses  # noqa: E402

ITEMS, CLASS_SIZE, ERASE, TAMPERED_CLASS, BITONAL = 60, 25, 0.05, 200, 0.02


def simulate(test: str, n: int, rng: np.random.Generator) -> TestChanges:
    n_groups = -(-n // CLASS_SIZE)
    groups = tuple(GroupKey(f"C{g // 4000:02d}", f"D{g // 1000:03d}", f"S{g // 6:05d}",
                            f"{3 + g % 6:02d}", f"R{g % 6}") for g in range(n_groups))
    group = np.arange(n) // CLASS_SIZE
    scores = simulate_responses(rng.normal(size=n), np.linspace(-2, 2, ITEMS), rng)
    erased = rng.random((n, ITEMS)) < ERASE
    changes = np.where(erased, np.where(scores == 1, codes.WRONG_TO_RIGHT,
                                        np.where(rng.random((n, ITEMS)) < 0.5,
                                                 codes.RIGHT_TO_WRONG, codes.WRONG_TO_WRONG)),
                       codes.CHANGE_NONE).astype(np.int8)
    tampered = (group % TAMPERED_CLASS == 0) & (rng.random(n) < 0.6)
    changes[tampered, :6] = codes.WRONG_TO_RIGHT
    scores[tampered, :6] = 1
    known = rng.random(n) >= BITONAL
    changes[~known] = codes.UNKNOWN
    answer = np.broadcast_to(np.array("A"), (n, ITEMS))
    return TestChanges(test, tuple(f"{test}{i + 1}" for i in range(ITEMS)), groups, group,
                       changes, scores, known, np.char.mod("%09d", np.arange(n)), answer,
                       np.broadcast_to(np.array("C"), (n, ITEMS)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(20)
    tests = [simulate("MATH", args.students, rng), simulate("READ", args.students, rng)]
    print(f"{args.students:,} students x 2 tests x {ITEMS} items; load average "
          f"{os.getloadavg()[0]:.1f} (shared machine)")
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        report = mark_discrimination(tests)
        times.append(time.perf_counter() - start)
    print(f"mark discrimination report: median {statistics.median(times):.2f} s of "
          f"{args.repeat} runs (target <= 10 s); "
          + ", ".join(f"{t:.2f}" for t in times))
    tampered = set(tests[0].groups[::TAMPERED_CLASS])
    caught = {r.key for r in report.filtered if r.key in tampered}
    print(f"groups compared {sum(len(s.group_values) for s in report.state):,}, "
          f"flagged {len(report.flagged):,}, "
          f"filtered {len(report.filtered):,}, responses listed {len(report.responses):,}; "
          f"tampered classes on the filtered list {len(caught)} of {len(tampered)}")

if __name__ == "__main__":
    main()
