"""The audit log's cost: writing an entry (its id taken from the head row, its hash
chained) and ``scanscore audit verify`` over the whole log.

On a fresh database (a temporary SQLite file, or a new PostgreSQL database made and dropped
on the server named by ``--postgres``), writes ``--entries`` entries, one transaction each
(as people's actions are), in ``--writers`` threads at once, then verifies the chain.
Prints medians of ``--repeat`` runs.

    python bench/audit.py [--entries 2000] [--writers 4] [--repeat 3]
                          [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scratch import scratch_database  # noqa: E402

from station import audit, migrate  # noqa: E402
from station.db import dispose_engine, session_scope  # noqa: E402


@contextmanager
def fresh_database(postgres: str | None) -> Iterator[str]:
    """The URL of a new, migrated database, removed afterwards."""
    if postgres is None:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            migrate.upgrade(url)
            yield url
            dispose_engine(url)
        return
    with scratch_database(postgres, "scanscore_bench_audit") as url:
        yield url


def one_run(url: str, entries: int, writers: int) -> tuple[float, float]:
    """(entries written per second, entries verified per second)."""
    def write(worker: int) -> None:
        for i in range(worker, entries, writers):
            with session_scope(url) as session:
                audit.record(session, f"bench{worker}", "bench.write", f"item:{i}",
                             after={"value": i})

    start = time.perf_counter()
    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(write, range(writers)))
    written = time.perf_counter() - start
    start = time.perf_counter()
    with session_scope(url) as session:
        verdict = audit.verify(session)
    verified = time.perf_counter() - start
    if verdict.problems or verdict.entries != entries:
        raise SystemExit(f"the chain is broken: {verdict}")
    return entries / written, entries / verified


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args(argv)
    runs = []
    for _ in range(args.repeat):
        with fresh_database(args.postgres) as url:
            runs.append(one_run(url, args.entries, args.writers))
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{database}, {args.entries:,} entries, {args.writers} writers, "
          f"median of {args.repeat}:")
    print(f"  written  {statistics.median(r[0] for r in runs):8,.0f} entries/s "
          f"(one transaction each)")
    print(f"  verified {statistics.median(r[1] for r in runs):8,.0f} entries/s")


if __name__ == "__main__":
    main()
