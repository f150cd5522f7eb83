"""OMR accuracy on generated test decks (BENCHMARKS.md, "OMR and barcodes").

Reads decks of every shipped form at every effect level (a coverage deck with no
effects, random decks with typical, harsh and worst effects) against their truth
and prints: items decided correctly or flagged, every unflagged misread, the item
and bubble-class confusion tables, changed-answer recall and precision, the
bubbles listed as erased on bitonal pages by truth class, the lithocode read
rate, and every refused form page with its code and the number of registration
marks the truth puts on the image. Unflagged misreads are also written, with the
page image, under --out.

    python bench/omr_accuracy.py [--items 60000] [--workers 2] [--out var/omr_accuracy]
                                 [--reduce 2]

``--reduce 2`` reads every gray page as the reader reads a JPEG file decoded at
half size (the page JPEG-encoded at q90, then decoded with DCT scaling).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from omr.decisions import CLASSES, MULTIPLE, OMIT, REVIEW_FLAGS, level_class  # noqa: E402
from omr.image_io import decode  # noqa: E402
from omr.levels import TemplateCache  # noqa: E402
from omr.read import read_page  # noqa: E402
from omr.record import KeyRead, MarkRecord  # noqa: E402
from sample_sheets.deck import generate_deck  # noqa: E402
from sample_sheets.loader import load_forms  # noqa: E402
from sample_sheets.model import Form  # noqa: E402

EFFECTS = ("none", "typical", "harsh", "worst")
DECK_DOCS = 6
"""Documents per random deck (one task of the pool)."""

_forms: dict[str, Form] = {}
_templates = TemplateCache()


@dataclass
class Tally:
    """Counts from reading decks; adds up across tasks."""

    items: Counter = field(default_factory=Counter)
    confusion: Counter = field(default_factory=Counter)
    classes: Counter = field(default_factory=Counter)
    changed: Counter = field(default_factory=Counter)
    bitonal_erased: Counter = field(default_factory=Counter)
    pages: Counter = field(default_factory=Counter)
    litho: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    misreads: list = field(default_factory=list)
    read_s: float = 0.0

    def add(self, other: Tally) -> None:
        for name in ("items", "confusion", "classes", "changed", "bitonal_erased", "pages",
                     "litho", "codes", "refused"):
            getattr(self, name).update(getattr(other, name))
        self.misreads += other.misreads
        self.read_s += other.read_s


def value_kind(value: str) -> str:
    return {OMIT: "omit", MULTIPLE: "multiple"}.get(value, "mark")


def _init() -> None:
    _forms.update(load_forms())


def read(image: np.ndarray, name: str, reduce: int) -> MarkRecord:
    """Read a page in memory, or as a half-size JPEG decode when ``reduce`` is 2
    (bitonal pages, stored as TIFF G4, are always read at full size)."""
    if reduce == 1 or np.isin(image[::16, ::16], (0, 255)).all():
        return read_page(image, _forms, name=name, templates=_templates)
    data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
    decoded = decode(data, reduce=reduce)
    return read_page(decoded.pages[0], _forms, name=name, scale=decoded.scale,
                     templates=_templates)


def run_deck(task: tuple[str, str, int, bool, str, int]) -> Tally:
    """Generate one deck and read every page of it against its truth."""
    form_id, effects, seed, coverage, out, reduce = task
    form = _forms[form_id]
    deck = generate_deck(form, DECK_DOCS, seed=seed, effects=effects, coverage=coverage)
    tally = Tally()
    for doc in deck.documents():
        for scan in doc.pages:
            start = time.perf_counter()
            record = read(scan.image, f"{form_id}/{effects}/s{seed}/{scan.truth['file']}",
                          reduce)
            tally.read_s += time.perf_counter() - start
            gray = scan.truth["effects"]["bitonal_threshold"] is None
            _score_page(tally, form, effects, gray, doc.truth, scan.truth, record, scan.image,
                        out)
    return tally


def _score_page(tally: Tally, form: Form, effects: str, gray: bool, doc: dict, truth: dict,
                record: MarkRecord, image, out: str) -> None:
    if truth["page"] is None:
        tally.pages[("blank sheet", record.reason or record.status)] += 1
        return
    expected = (form.id, truth["page"], truth["effects"]["rotated_180"])
    got = (record.form, record.page,
           record.registration.rotated_180 if record.registration else None)
    tally.pages[("form page", "ok" if record.status == "ok" and got == expected
                 else f"{record.status}: {record.reason or got}")] += 1
    if record.status == "exception":
        tally.refused[(effects, record.code, _marks_on_image(form, truth, image.shape))] += 1
    elif record.registration:
        tally.refused[(effects, f"ok from {record.registration.marks} marks", None)] += 1
    if effects != "none" and doc["lithocode"]:
        kind = "refused page" if record.status == "exception" else "page read"
        tally.litho[(effects, kind, "pages")] += 1
        tally.litho[(effects, kind, "read" if record.lithocode == doc["lithocode"]
                     else "unread" if record.lithocode is None else "WRONG")] += 1
    for name, expected in _expected_codes(form, doc, truth):
        code = record.barcodes.get(name)
        text = code.text if code else None
        tally.codes[(name, "read" if text == expected else "unread" if text is None
                     else "WRONG")] += 1
    for fname, keys in truth["fields"].items():
        for key, kt in keys.items():
            kr = record.fields.get(fname, {}).get(key) if record.status == "ok" else None
            _score_key(tally, form, effects, gray, fname, key, kt, kr, record, image, out)


def _marks_on_image(form: Form, truth: dict, shape: tuple[int, int]) -> int:
    """How many of the page's registration marks lie wholly on the image, by its truth."""
    matrix, rows, cols = np.asarray(truth["transform"]), *shape
    count = 0
    for mark in form.page(truth["page"]).registration:
        x, y = matrix @ (mark.x_in, mark.y_in, 1.0)
        half = abs(matrix[0, 0]) * mark.size_in / 2 + abs(matrix[0, 1]) * mark.size_in / 2
        count += half <= x <= cols - 1 - half and half <= y <= rows - 1 - half
    return count


def _expected_codes(form: Form, doc: dict, truth: dict) -> list[tuple[str, str]]:
    """(barcode name in the record, expected text) for the page's batch code
    (header sheets) and pre-ID label (when one is stuck on the page)."""
    expected = []
    if doc.get("header") and form.page(truth["page"]).barcodes:
        expected += [(b.name, doc["header"][b.name]) for b in form.page(truth["page"]).barcodes]
    if truth.get("label"):
        expected += [(f.name, truth["label"]["ssid"]) for f, _ in form.areas_on(truth["page"])
                     if f.kind == "label"]
    return expected


def _score_key(tally: Tally, form: Form, effects: str, gray: bool, fname: str, key: str,
               kt: dict, kr: KeyRead | None, record: MarkRecord, image, out: str) -> None:
    truth_value = kt["value"]
    tally.items[(effects, "items")] += 1
    if kr is None:
        tally.items[(effects, "page exception")] += 1
        return
    review = any(f in REVIEW_FLAGS for f in kr.flags)
    right = kr.value == truth_value
    tally.items[(effects, "correct" if right and not review else
                 "correct, flagged" if right else "wrong, flagged" if review
                 else "UNFLAGGED MISREAD")] += 1
    read_kind = "same" if right else value_kind(kr.value) if kr.value in (OMIT, MULTIPLE) \
        else "other mark"
    tally.confusion[(value_kind(truth_value), read_kind, review)] += 1
    if not right and not review:
        tally.misreads.append(_misread(record, fname, key, kt, kr, image, out))
    for option, level in kr.levels.items():
        bubble = kt["bubbles"].get(option)
        truth_class = bubble["class"] if bubble else "blank"
        if gray:
            tally.classes[(effects, truth_class, level_class(level, form.thresholds))] += 1
        else:
            tally.bitonal_erased[(truth_class, option in kr.erased)] += 1
    if kt.get("changed"):
        tally.changed[(effects, gray, "truth")] += 1
        tally.changed[(effects, gray, "found")] += kr.changed == (
            kt["changed"]["from"], kt["changed"]["to"])
    if kr.changed:
        tally.changed[(effects, gray, "reported")] += 1
        tally.changed[(effects, gray, "reported right")] += bool(kt.get("changed")) and (
            kr.changed == (kt["changed"]["from"], kt["changed"]["to"]))


def _misread(record: MarkRecord, fname, key, kt, kr: KeyRead, image, out: str) -> dict:
    path = Path(out) / (record.image.replace("/", "_"))
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        cv2.imwrite(str(path.with_suffix(".png")), image)
    return {"image": str(path.with_suffix(".png")), "field": fname, "key": key,
            "truth": kt["value"], "truth_bubbles": kt["bubbles"], "read": kr.value,
            "levels": kr.levels, "flags": list(kr.flags), "reason": kr.reason}


def tasks(items_wanted: int, out: str, reduce: int) -> list[tuple]:
    """A coverage deck per form with no effects, then random decks of typical,
    harsh and worst effects, round robin over forms, until about ``items_wanted``
    items (estimated from each form's keys per document)."""
    keys = {fid: sum(len(f.keys) for f in form.fields.values() if f.bubbles)
            for fid, form in _forms.items()}
    out_tasks = [(fid, "none", 1, True, out, reduce) for fid in _forms]
    total = sum(keys[fid] * DECK_DOCS * 3 for fid in _forms)  # a coverage deck ≥ 3 decks
    seed = 100
    while total < items_wanted:
        for effects in EFFECTS[1:]:
            for fid in _forms:
                out_tasks.append((fid, effects, seed, False, out, reduce))
                total += keys[fid] * DECK_DOCS
        seed += 1
    return out_tasks


def report(t: Tally, wall: float) -> None:
    print("\n== Items decided correctly or flagged ==")
    print(f"{'effects':10} {'items':>8} {'correct':>8} {'right,fl':>8} {'wrong,fl':>8} "
          f"{'page exc':>8} {'UNFLAGGED':>9} {'correct or flagged':>19}")
    for eff in (*EFFECTS, "all"):
        c = Counter()
        for (effects, name), v in t.items.items():
            c[name] += v if eff in (effects, "all") else 0
        ok = c["items"] - c["UNFLAGGED MISREAD"]
        print(f"{eff:10} {c['items']:8d} {c['correct']:8d} {c['correct, flagged']:8d} "
              f"{c['wrong, flagged']:8d} {c['page exception']:8d} {c['UNFLAGGED MISREAD']:9d} "
              f"{100 * ok / max(c['items'], 1):18.3f}%")
    misreads = sum(v for k, v in t.items.items() if k[1] == "UNFLAGGED MISREAD")
    print(f"\nUnflagged misreads: {misreads}")
    for m in t.misreads:
        print(f"  {m['image']} {m['field']}.{m['key']}: truth {m['truth']!r} read {m['read']!r} "
              f"levels {m['levels']} truth bubbles {m['truth_bubbles']} ({m['reason']})")
    print("\n== Item confusion (truth kind × read; unflagged / flagged) ==")
    reads = ("same", "other mark", "omit", "multiple")
    print(f"{'truth':10}" + "".join(f"{r:>20}" for r in reads))
    for kind in ("mark", "omit", "multiple"):
        print(f"{kind:10}" + "".join(
            f"{t.confusion[(kind, r, False)]:>12d} / {t.confusion[(kind, r, True)]:<5d}"
            for r in reads))
    print("\n== Bubble level class (gray pages; truth × read) ==")
    for eff in EFFECTS:
        total = sum(v for k, v in t.classes.items() if k[0] == eff)
        right = sum(v for k, v in t.classes.items() if k[0] == eff and k[1] == k[2])
        print(f"-- {eff}: {right}/{total} = {100 * right / max(total, 1):.3f}% at the true class")
        print(f"{'truth':8}" + "".join(f"{c:>9}" for c in CLASSES))
        for tc in CLASSES:
            print(f"{tc:8}" + "".join(f"{t.classes[(eff, tc, rc)]:9d}" for rc in CLASSES))
    print("\n== Changed answers (erased original under a final mark) ==")
    for eff in EFFECTS:
        for gray in (True, False):
            c = {k[2]: v for k, v in t.changed.items() if k[0] == eff and k[1] == gray}
            if not c.get("truth") and not c.get("reported"):
                continue
            print(f"{eff:8} {'gray' if gray else 'bitonal':8} truth {c.get('truth', 0):5d} "
                  f"found {c.get('found', 0):5d} recall "
                  f"{100 * c.get('found', 0) / max(c.get('truth', 0), 1):6.2f}%  reported "
                  f"{c.get('reported', 0):5d} precision "
                  f"{100 * c.get('reported right', 0) / max(c.get('reported', 0), 1):6.2f}%")
    for label, pages in (("gray pages", (True,)), ("all pages", (True, False))):
        c = Counter()
        for (_, gray, name), v in t.changed.items():
            c[name] += v if gray in pages else 0
        print(f"{label}: recall {100 * c['found'] / max(c['truth'], 1):.2f}% "
              f"({c['found']}/{c['truth']}), precision "
              f"{100 * c['reported right'] / max(c['reported'], 1):.2f}% "
              f"({c['reported right']}/{c['reported']})")
    erased = t.bitonal_erased
    print("bitonal pages, bubbles listed as erased, by truth class: " + ", ".join(
        f"{c} {erased[(c, True)]}/{erased[(c, True)] + erased[(c, False)]}" for c in CLASSES))
    print("\n== Lithocodes on degraded decks (typical, harsh, worst); other barcodes, all decks ==")
    for eff in (*EFFECTS[1:], "all"):
        for page in ("page read", "refused page", "any page"):
            c = Counter()
            for (effects, kind, name), v in t.litho.items():
                c[name] += v if eff in (effects, "all") and page in (kind, "any page") else 0
            if c["pages"]:
                print(f"{eff:8} {page:12} pages {c['pages']:5d}, read {c['read']:5d} "
                      f"({100 * c['read'] / c['pages']:.3f}%), unread {c['unread']}, "
                      f"wrong {c['WRONG']}")
    for name in sorted({k[0] for k in t.codes}):
        n = sum(v for k, v in t.codes.items() if k[0] == name)
        print(f"{name}: {n} codes, read {t.codes[(name, 'read')]}, unread "
              f"{t.codes[(name, 'unread')]}, wrong {t.codes[(name, 'WRONG')]}")
    print("\n== Pages ==")
    for (kind, outcome), v in sorted(t.pages.items()):
        print(f"  {kind:11} {outcome}: {v}")
    print("\n== Form pages by registration (read from n marks; refused: code, marks on the "
          "image by the truth) ==")
    for (effects, outcome, marks), v in sorted(t.refused.items(), key=str):
        print(f"  {effects:8} {outcome}" + ("" if marks is None else
                                             f": {marks} marks on the image") + f": {v}")
    pages = sum(t.pages.values())
    print(f"\n{pages} pages read in {t.read_s:.1f} s of reading "
          f"({1000 * t.read_s / max(pages, 1):.1f} ms a page); wall {wall:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=60_000, help="items to read, about")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="var/omr_accuracy", help="where misreads are written")
    parser.add_argument("--reduce", type=int, choices=(1, 2), default=1)
    args = parser.parse_args()
    _init()
    todo = tasks(args.items, args.out, args.reduce)
    start, total = time.perf_counter(), Tally()
    with multiprocessing.Pool(args.workers, _init) as pool:
        for i, tally in enumerate(pool.imap_unordered(run_deck, todo), 1):
            total.add(tally)
            print(f"\r{i}/{len(todo)} decks", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    report(total, time.perf_counter() - start)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    with open(Path(args.out) / "misreads.jsonl", "w") as fh:
        for m in total.misreads:
            fh.write(json.dumps(m) + "\n")


if __name__ == "__main__":
    main()
