"""Work queues at season scale (BENCHMARKS.md, "Work queues at season scale"), on PostgreSQL.

    python bench/queues.py --capture     # 1,000,000 pages in 20,000 batches: capture's screens
    python bench/queues.py --edit        # 1,000,000 documents, 200,000 edit items, 50 editors
    python bench/queues.py --handscore   # 500,000 responses, 100 scorers, agreement report

Each area's benchmark is the module ``bench/queues_<area>.py`` beside this file, with a
``main(argv)`` that builds its data, runs, and prints its figures; the arguments after the
area flags go to it. Several flags run their benchmarks one after another.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def areas() -> list[str]:
    """The areas with a queue benchmark: ``bench/queues_<area>.py``."""
    return sorted(p.stem.removeprefix("queues_") for p in HERE.glob("queues_*.py"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for area in areas():
        parser.add_argument(f"--{area}", action="store_true", help=f"run {area}'s benchmark")
    args, rest = parser.parse_known_args(argv)
    chosen = [area for area in areas() if getattr(args, area)]
    if not chosen:
        parser.error("name at least one area: " + ", ".join(f"--{a}" for a in areas()))
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    for area in chosen:
        importlib.import_module(f"queues_{area}").main(rest)


if __name__ == "__main__":
    main()
