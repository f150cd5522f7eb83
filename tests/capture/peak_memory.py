"""Run as ``python -m tests.capture.peak_memory FILE STORE``: split FILE into page files
as intake does (each stored in the image store at STORE as it is made) and print, as
JSON, the pages made and the process's peak resident memory before and after, in MB
(``resource.getrusage``). The address space is capped at 1.5 GB above what the process
holds before the split, so a split that would hold every page at once fails with a
MemoryError instead of taking the machine's memory."""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

from capture.split import split_file
from station.images import ImageStore
from tests.capture.files import image_bytes

CAP_BYTES = 1_500 * 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def address_space() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def main(path: str, store_root: str) -> None:
    data = Path(path).read_bytes()
    store = ImageStore(store_root)
    for warm in split_file(image_bytes("TIFF", frames=2, mode="1", compression="group4")):
        store.put(warm.data)  # every decoder and encoder loaded before the baseline
    before = peak_mb()
    resource.setrlimit(resource.RLIMIT_AS, (address_space() + CAP_BYTES,) * 2)
    pages = [(page.frame, store.put(page.data), page.problem and page.problem.reason)
             for page in split_file(data)]
    print(json.dumps({"pages": len(pages), "problems": sorted({p for *_, p in pages if p}),
                      "before_mb": before, "peak_mb": peak_mb()}))


if __name__ == "__main__":
    main(*sys.argv[1:])
