"""Scoring at a million students (BENCHMARKS.md, "Scoring and analysis": <= 10 s).

1,000,000 simulated students × 120 items (options A-D; 6 items with two keys, one dropped
item, two items worth 2 points), 6 clusters, a 40-point raw-to-scale table, 4 performance
levels, 3 % of answers changed over an erasure (changed-answer codes), 1 % of students
scanned bitonal, 2 writing traits scored 0-4 (weights 1 and 2), 0.5 % with a condition
code. Arrays are generated before the clock starts; the scorer's steps are timed, and the
total is the median of --repeat runs. The machine may be shared: its load is printed.

The database path: --db-students (100,000) students' clean records (answer folders, as
:class:`scoring.records.ScoringDocument`) scored by :func:`scoring.run.score_students` into a
new PostgreSQL database (created on --postgres, dropped after): students per second for the
first scoring, and for the run again (nothing changed: nothing added).

    python bench/scoring.py [--students 1000000] [--repeat 3] [--db-students 100000]
                            [--postgres URL] [--no-database]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scratch import scratch_database  # noqa: E402

from scoring.definitions import definition_from_document  # noqa: E402
from scoring.records import Demographics, ItemResponse, ScoringDocument  # noqa: E402
from scoring.run import score_students  # noqa: E402
from scoring.scorer import MULTIPLE, NO_CONDITION, NOT_CHANGED, OMIT, score  # noqa: E402
from station.db import session_scope  # noqa: E402

ITEMS, OPTIONS = 120, "ABCD"


def bench_definition() -> dict:
    rng = np.random.default_rng(7)
    items = []
    for k in range(1, ITEMS + 1):
        item = {"key": str(k), "answer": OPTIONS[rng.integers(4)]}
        if k % 20 == 0:
            item["answer"] = ["A", "C"]
        if k == 60:
            item["status"] = "dropped"
        if k in (30, 90):
            item["points"] = 2
        items.append(item)
    max_raw = ITEMS - 1 + 2 + 4 * 1 + 4 * 2
    raws = np.linspace(0, max_raw, 40).round().astype(int)
    scales = 150 + (raws / max_raw) ** 0.9 * 450
    return {
        "id": "bench", "version": 1, "subject": "Bench", "grade": 5, "administration": "bench",
        "form": "answer_folder", "field": "reading", "options": OPTIONS, "items": items,
        "clusters": [{"name": f"C{c}", "items": [str(k) for k in range(c * 20 + 1, c * 20 + 21)]}
                     for c in range(6)],
        "polytomous": [{"name": "ideas", "source": "handscore", "max_points": 4},
                       {"name": "conventions", "source": "handscore", "max_points": 4,
                        "weight": 2}],
        "scale": {"lowest": 150, "highest": 600,
                  "table": [[int(r), round(float(s), 2)] for r, s in zip(raws, scales,
                                                                        strict=True)]},
        "levels": [{"name": "Below Basic", "cut": 150}, {"name": "Basic", "cut": 300},
                   {"name": "Proficient", "cut": 350}, {"name": "Advanced", "cut": 420}],
    }


def simulate(n: int, keys: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Rasch-like answers: ability ~ N(0.3, 1), difficulties ~ N(0, 1); a wrong answer is one
    of the three other options."""
    theta = rng.normal(0.3, 1, size=(n, 1)).astype(np.float32)
    difficulty = rng.normal(0, 1, size=ITEMS).astype(np.float32)
    right = rng.random((n, ITEMS), dtype=np.float32) < 1 / (1 + np.exp(difficulty - theta))
    wrong = (keys + rng.integers(1, 4, size=(n, ITEMS), dtype=np.int8)) % 4
    responses = np.where(right, keys, wrong).astype(np.int8)
    del theta, right, wrong
    special = rng.random((n, ITEMS), dtype=np.float32)
    responses[special < 0.02] = OMIT
    responses[special > 0.995] = MULTIPLE
    original = np.full((n, ITEMS), NOT_CHANGED, np.int8)
    changed = rng.random((n, ITEMS), dtype=np.float32) < 0.03
    original[changed] = (np.maximum(responses[changed], 0) + 1) % 4
    condition = np.full(n, NO_CONDITION, np.int8)
    condition[rng.random(n) < 0.005] = 0
    return {"responses": responses, "original": original,
            "erasure_known": rng.random(n) > 0.01,
            "polytomous": rng.integers(0, 5, size=(n, 2)).astype(float),
            "condition": condition}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024




def clean_records(definition, arrays: dict[str, np.ndarray], n: int) -> list[ScoringDocument]:
    """``n`` students' answer folders from the simulated arrays (responses shared as
    objects: one per distinct (value, original))."""
    options = definition.options
    value = {OMIT: "", MULTIPLE: "*", **{i: o for i, o in enumerate(options)}}
    cache: dict[tuple[int, int], ItemResponse] = {}
    keys = [item.key for item in definition.items]
    docs = []
    for s in range(n):
        row, original = arrays["responses"][s].tolist(), arrays["original"][s].tolist()
        reading = {}
        for k, r, o in zip(keys, row, original, strict=True):
            if (r, o) not in cache:
                cache[(r, o)] = ItemResponse(value[r], None if o < 0 else value[o])
            reading[k] = cache[(r, o)]
        docs.append(ScoringDocument(s + 1, f"{s + 1:08d}", "answer_folder",
                                    {"reading": reading},
                                    Demographics(f"S{s // 400}", "5", ssid=f"{s:010d}")))
    return docs


def database_path(definition, arrays: dict[str, np.ndarray], n: int, postgres: str) -> None:
    docs = clean_records(definition, arrays, n)
    print(f"database path: {n:,} students' clean records, PostgreSQL, load average "
          f"{os.getloadavg()[0]:.2f}")
    with scratch_database(postgres, "bench_scoring") as url:
        for label in ("first scoring", "again, unchanged"):
            start = time.perf_counter()
            with session_scope(url) as session:
                summary = score_students(session, definition, docs)
            seconds = time.perf_counter() - start
            print(f"  {label:<30} {seconds:6.2f} s  {n / seconds:9,.0f} students/s  "
                  f"({summary.scored:,} rows added, {summary.unchanged:,} unchanged)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db-students", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get(
        "SCANSCORE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--no-database", action="store_true")
    args = parser.parse_args(argv)
    definition = definition_from_document(bench_definition(), "bench")
    keys = np.array([OPTIONS.index(min(item.answers)) for item in definition.items], np.int8)
    arrays = simulate(args.students, keys, np.random.default_rng(1))
    before = peak_mb()
    print(f"{args.students:,} students × {ITEMS} items, load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (shared machine)")
    totals, runs = [], []
    for _ in range(args.repeat):
        timings: dict[str, float] = {}
        start = time.perf_counter()
        scores = score(definition, **arrays, timings=timings)
        totals.append(time.perf_counter() - start)
        runs.append(timings)
    for step in runs[0]:
        print(f"  {step:<30} {statistics.median(r[step] for r in runs):6.2f} s")
    total = statistics.median(totals)
    print(f"  {'total (median of ' + str(args.repeat) + ')':<30} {total:6.2f} s   "
          f"target <= 10 s: {'met' if total <= 10 else 'NOT met'}")
    print(f"  mean scale {scores.scale.mean():.1f}, levels "
          f"{np.bincount(scores.level, minlength=4).tolist()}, changed answers "
          f"{int((scores.changes > 0).sum()):,}")
    print(f"  peak memory {peak_mb():.0f} MB (after generating the inputs: {before:.0f} MB)")
    if not args.no_database:
        database_path(definition, arrays, min(args.db_students, args.students), args.postgres)


if __name__ == "__main__":
    main()
