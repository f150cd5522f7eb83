"""OMR speed per page (BENCHMARKS.md, "OMR and barcodes").

For pages of every shipped form (typical scan effects) at 200 and 300 dpi, each
encoded as JPEG (q85), PNG and TIFF G4, prints per format: the decode time, the
read time beyond decoding, their ratio (median over pages of each page's
ratio, both timed in the same run), and pages per second on one core for the
whole read including decoding. JPEG is also read from a half-size decode
(``--reduce 2`` of ``scanscore read``). Times are medians of --repeat runs.
Then the cost of the steps that read the worst scans, per 300 dpi page: the
paper surface, the bubble levels against it, the blank-bubble distribution,
and the printed-ink check of a two-mark registration.

    python bench/omr_speed.py [--pages 2] [--repeat 7]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from omr.identify import identify, ink_contrast  # noqa: E402
from omr.image_io import decode  # noqa: E402
from omr.levels import TemplateCache, blank_levels, bubble_levels  # noqa: E402
from omr.read import SPARSE_STEP, read_page  # noqa: E402
from omr.sampling import paper_surface  # noqa: E402
from sample_sheets.deck import generate_deck  # noqa: E402
from sample_sheets.loader import load_forms  # noqa: E402

FORMATS = ("jpeg", "jpeg/2", "png", "tiff-g4")


def encode(image: np.ndarray, fmt: str) -> bytes:
    """A scan as the file a scanner writes: JPEG q85, PNG, or TIFF G4 (bitonal
    at 22 % of paper − black below paper, as the deck generator sets it)."""
    if fmt.startswith("jpeg"):
        return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
    if fmt == "png":
        return cv2.imencode(".png", image)[1].tobytes()
    paper, black = np.percentile(image[::8, ::8], [50, 0.5])
    bitonal = image >= paper - 0.22 * (paper - black)
    buf = io.BytesIO()
    Image.fromarray(bitonal).save(buf, "TIFF", compression="group4")
    return buf.getvalue()


def timed(fn, repeat: int) -> tuple[float, object]:
    """Median seconds of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def pages(forms: dict, per_form: int, dpi: int) -> list[np.ndarray]:
    """``per_form`` scanned pages of each form (first document's pages first)."""
    out = []
    for form in forms.values():
        deck = generate_deck(form, 1 + per_form // len(form.pages), seed=11, effects="typical",
                             dpi=dpi)
        scans = [p.image for doc in deck.documents() for p in doc.pages]
        out += scans[:per_form]
    return out


def measure(forms: dict, templates: TemplateCache, images: list[np.ndarray], fmt: str,
            repeat: int) -> dict:
    reduce = 2 if fmt == "jpeg/2" else 1
    decode_s, read_s, ratios, statuses = [], [], [], []
    for image in images:
        data = encode(image, fmt)
        d, decoded = timed(lambda data=data: decode(data, reduce=reduce), repeat)
        page, scale = decoded.pages[0], decoded.scale
        read_page(page, forms, scale=scale, templates=templates)  # templates warm
        r, record = timed(lambda page=page, scale=scale: read_page(
            page, forms, scale=scale, templates=templates), repeat)
        decode_s.append(d)
        read_s.append(r)
        ratios.append(r / d)
        statuses.append(record.status)
    total = [d + r for d, r in zip(decode_s, read_s, strict=True)]
    return {"decode_ms": 1000 * statistics.median(decode_s),
            "read_ms": 1000 * statistics.median(read_s),
            "ratio": statistics.median(ratios), "worst_ratio": max(ratios),
            "pages_s": 1 / statistics.median(total),
            "ok": statuses.count("ok"), "n": len(statuses)}


STEPS = ("paper surface", "levels against it", "blank distribution", "ink check (2 marks)")


def step_costs(forms: dict, templates: TemplateCache, images: list[np.ndarray],
               repeat: int) -> dict[str, float]:
    """Median ms per page of each step that reads the worst scans (STEPS)."""
    per_page = [_page_steps(forms, templates, image, repeat) for image in images]
    return {name: 1000 * statistics.median(times)
            for name, times in zip(STEPS, zip(*per_page, strict=True), strict=True)}


def _page_steps(forms: dict, templates: TemplateCache, image: np.ndarray, repeat: int
                ) -> tuple[float, ...]:
    sparse = np.ascontiguousarray(image[::SPARSE_STEP, ::SPARSE_STEP])
    surface_s, surface = timed(partial(paper_surface, sparse, SPARSE_STEP,
                                       (image.shape[1], image.shape[0])), repeat)
    found = identify(image, forms, surface, templates)
    template = templates.get(found.form, found.page)
    reg = found.registration
    levels_s, levels = timed(partial(bubble_levels, image, reg, template, surface), repeat)
    blank_s, _ = timed(partial(blank_levels, levels, found.form.thresholds), repeat)
    ink_s, _ = timed(partial(ink_contrast, image, reg, template, surface), repeat)
    return surface_s, levels_s, blank_s, ink_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2, help="pages per form")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    forms, templates = load_forms(), TemplateCache()
    print(f"{'dpi':>4} {'format':8} {'pages':>5} {'decode ms':>10} {'read ms':>8} "
          f"{'read/decode':>11} {'worst':>6} {'pages/s/core':>13} {'ok':>4}")
    for dpi in (300, 200):
        images = pages(forms, args.pages, dpi)
        for fmt in FORMATS:
            m = measure(forms, templates, images, fmt, args.repeat)
            print(f"{dpi:4d} {fmt:8} {m['n']:5d} {m['decode_ms']:10.1f} {m['read_ms']:8.1f} "
                  f"{m['ratio']:11.2f} {m['worst_ratio']:6.2f} {m['pages_s']:13.1f} "
                  f"{m['ok']:4d}", flush=True)
        if dpi == 300:
            steps = step_costs(forms, templates, images, args.repeat)
    print("\nsteps for the worst scans, 300 dpi, ms a page (median): " + ", ".join(
        f"{name} {ms:.2f}" for name, ms in steps.items()))


if __name__ == "__main__":
    main()
