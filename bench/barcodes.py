"""Barcode decoders compared on the decks: zxing-cpp, pyzbar, and the reader's
cascade (zxing-cpp, then pyzbar on the 1-px-blurred crop).

Crops are cut where the page's truth transform puts the lithocode (ITF) and,
on header sheets, the batch code (Code 128), on labelled documents, the pre-ID
label (Code 128), exactly as the reader cuts
them. Per effect level and code, prints for each decoder: crops read right,
unread, wrong values returned before the length and check-digit rule and
wrong values that pass it (the ones that would matter), and the median time
per crop.

    python bench/barcodes.py [--docs 40] [--workers 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from omr.barcodes import DECODERS, LABEL_SYMBOLOGY, crop_box, read_code  # noqa: E402
from omr.registration import Registration  # noqa: E402
from sample_sheets.codes import lithocode_valid  # noqa: E402
from sample_sheets.deck import generate_deck  # noqa: E402
from sample_sheets.loader import load_forms  # noqa: E402

CASCADE = "cascade"


def _registration(truth: dict) -> Registration:
    """The page's true placement as a Registration (for cutting crops)."""
    matrix = tuple(v for row in truth["transform"] for v in row)
    return Registration(matrix, 0.0, truth["effects"]["rotated_180"], 0.0, ())


def _crops(form, truth: dict, doc: dict, image):
    """(code, crop, symbology, expected text, rule) for the page's lithocode,
    printed barcodes (a header sheet's batch code) and stuck-on label."""
    page = form.page(truth["page"])
    reg = _registration(truth)
    if page.lithocode:
        digits = page.lithocode.digits
        yield ("lithocode", crop_box(image, reg, page.lithocode.box)[0],
               page.lithocode.symbology, doc["lithocode"],
               lambda t, d=digits: lithocode_valid(t, d))
    for code in page.barcodes:
        yield (code.name, crop_box(image, reg, code.box)[0], code.symbology,
               doc["header"][code.name], lambda t: t.isprintable() and t != "")
    if truth.get("label"):
        area = next(a for f, a in form.areas_on(page.number) if f.kind == "label")
        yield ("label", crop_box(image, reg, area.box)[0], LABEL_SYMBOLOGY, truth["label"]["ssid"],
               lambda t: t.isdigit() and len(t) == 10)


def _time(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def run(task: tuple[str, str, int, int]) -> tuple[Counter, dict]:
    """Decode every code crop of one deck with each decoder and the cascade."""
    form_id, effects, seed, docs = task
    form = load_forms()[form_id]
    counts, times = Counter(), defaultdict(list)
    for doc in generate_deck(form, docs, seed=seed, effects=effects).documents():
        for scan in doc.pages:
            if scan.truth["page"] is None:
                continue
            for code, crop, symbology, expected, rule in _crops(form, scan.truth, doc.truth,
                                                                 scan.image):
                key = (effects, code)
                counts[(*key, "crops")] += 1
                for name, decoder in DECODERS.items():
                    values, seconds = _time(decoder, crop, symbology)
                    times[(*key, name)].append(seconds)
                    _score(counts, (*key, name), values, expected, rule)
                (text, _, rejected), seconds = _time(read_code, crop, symbology, rule)
                times[(*key, CASCADE)].append(seconds)
                _score(counts, (*key, CASCADE), [*rejected, *([text] if text else [])],
                       expected, rule)
    return counts, dict(times)


def _score(counts: Counter, key: tuple, values: list[str], expected: str, rule) -> None:
    counts[(*key, "read")] += expected in values and all(
        v == expected or not rule(v) for v in values)
    counts[(*key, "wrong raw")] += any(v != expected for v in values)
    counts[(*key, "WRONG")] += any(v != expected and rule(v) for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=40, help="documents per form and level")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    forms = load_forms()
    per_task = 5
    todo = [(fid, eff, 1000 + i, per_task) for eff in ("typical", "harsh") for fid in forms
            for i in range(max(args.docs // per_task, 1))]
    counts, times = Counter(), defaultdict(list)
    with multiprocessing.Pool(args.workers) as pool:
        for c, t in pool.imap_unordered(run, todo):
            counts.update(c)
            for k, v in t.items():
                times[k] += v
    print(f"{'effects':8} {'code':10} {'decoder':10} {'crops':>6} {'read %':>8} {'unread':>7} "
          f"{'wrong raw':>9} {'WRONG':>6} {'ms/crop':>8}")
    for eff in ("typical", "harsh"):
        for code in ("lithocode", "batch_code", "label"):
            n = counts[(eff, code, "crops")]
            if not n:
                continue
            for name in (*DECODERS, CASCADE):
                k = (eff, code, name)
                read = counts[(*k, "read")]
                print(f"{eff:8} {code:10} {name:10} {n:6d} {100 * read / n:8.2f} {n - read:7d} "
                      f"{counts[(*k, 'wrong raw')]:9d} {counts[(*k, 'WRONG')]:6d} "
                      f"{1000 * statistics.median(times[k]):8.2f}")


if __name__ == "__main__":
    main()
