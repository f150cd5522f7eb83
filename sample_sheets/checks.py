"""Semantic checks of a built form: what the schema cannot say.

Every check raises :class:`FormDefinitionError` naming the file, the place and
the problem. Printed things are checked as printed: on the primitives of
:mod:`sample_sheets.drawing`, the same ones the renderer draws.
"""

from __future__ import annotations

from datetime import date
from itertools import combinations

import numpy as np

from sample_sheets.build import Places
from sample_sheets.drawing import (
    Ink,
    barcode_modules,
    grow,
    lithocode_drawing,
    page_drawing,
    union,
)
from sample_sheets.errors import FormDefinitionError
from sample_sheets.model import Box, Form, Page

BUBBLE_CLEARANCE_IN = 0.03
"""Least paper between two bubbles, so that a mark does not touch its neighbour."""
MARK_CLEARANCE_IN = 0.15
"""Paper kept around each registration mark."""
STRIP_CLEARANCE_IN = 0.1
"""Paper kept around the page-id strip and around its 180° image."""
_EPS = 1e-6


def check_form(form: Form, places: Places, margin_in: float) -> None:
    """Raise FormDefinitionError at the first problem found."""
    fail = _Failer(form.source)
    _check_thresholds(form, fail)
    _check_edit_rules(form, fail)
    _check_area_pages(form, places, fail)
    for page in form.pages:
        _PageCheck(form, page, places, margin_in, fail).run()


class _Failer:
    def __init__(self, source: str):
        self.source = source

    def __call__(self, place: str, problem: str) -> FormDefinitionError:
        return FormDefinitionError(self.source, place, problem)


def _check_thresholds(form: Form, fail: _Failer) -> None:
    t = form.thresholds
    if not t.erasure_from < t.count_from <= t.light_at_or_below + 1:
        raise fail("marks", f"thresholds must satisfy erasure_from < count_from ≤ "
                   f"light_at_or_below + 1 (got {t.erasure_from}, {t.count_from}, "
                   f"{t.light_at_or_below})")


def _check_edit_rules(form: Form, fail: _Failer) -> None:
    seen: set[str] = set()
    for k, rule in enumerate(form.edit_rules):
        place = f"edit_rules[{k}] ({rule['id']})"
        if rule["id"] in seen:
            raise fail(place, f"duplicate edit rule id {rule['id']!r}")
        seen.add(rule["id"])
        unknown = [f for f in rule.get("fields", ()) if f not in form.fields]
        if unknown:
            raise fail(place, f"names no field of this form: {', '.join(unknown)}")
        if rule["when"] == "date_out_of_range":
            _check_date_rule(rule, place, fail)


def _check_date_rule(rule: dict, place: str, fail: _Failer) -> None:
    if len(rule.get("fields", ())) != 3:
        raise fail(place, "a date rule names three fields: month, day, year")
    try:
        first, last = (date.fromisoformat(d) for d in rule.get("range", ()))
    except ValueError:
        raise fail(place, "range must be two ISO dates, [first, last]") from None
    if first > last:
        raise fail(place, f"range starts after it ends ({first} > {last})")


def _check_area_pages(form: Form, places: Places, fail: _Failer) -> None:
    pages = {p.number for p in form.pages}
    for f in form.fields.values():
        for area in f.areas:
            if area.page not in pages:
                raise fail(places.fields[f.name], f"an area on page {area.page}, but the form "
                           f"has pages {min(pages)}–{max(pages)}")


def _inside(box: Box, outer: Box) -> bool:
    return (box.x_in >= outer.x_in - _EPS and box.y_in >= outer.y_in - _EPS
            and box.right_in <= outer.right_in + _EPS and box.bottom_in <= outer.bottom_in + _EPS)


def _rotated(box: Box, page: Page) -> Box:
    """Where ``box`` lies on the page turned by 180°."""
    return Box(page.width_in - box.right_in, page.height_in - box.bottom_in, box.w_in, box.h_in)


def _at(x: float, y: float) -> str:
    return f"({x:.3f}, {y:.3f}) in"


def _extent(box: Box) -> str:
    return f"x {box.x_in:.2f}–{box.right_in:.2f}, y {box.y_in:.2f}–{box.bottom_in:.2f} in"


class _PageCheck:
    """The checks of one page, in the order a form author would fix them."""

    def __init__(self, form: Form, page: Page, places: Places, margin_in: float,
                 fail: _Failer):
        self.form, self.page, self.places, self.fail = form, page, places, fail
        self.paper = Box(0, 0, page.width_in, page.height_in)
        self.content = grow(self.paper, -margin_in)
        self.margin_in = margin_in
        self.page_place = places.pages[page.number]

    def run(self) -> None:
        self.bubbles_placed()
        self.bubbles_apart()
        self.boxes_placed()
        inks = page_drawing(self.form, self.page) + self.code_inks()
        self.inks_on_paper(inks)
        self.keep_outs(inks)
        self.fields_apart(inks)
        self.print_clear(inks)

    def place(self, owner: str) -> str:
        if owner in self.places.fields:
            return self.places.fields[owner]
        if owner.startswith("print["):
            return f"{self.page_place}.{owner}"
        if owner == "lithocode":
            return "lithocode"
        if owner in ("registration", "page_id"):
            return f"{self.page_place} ({owner.replace('_', '-')})"
        return f"{self.page_place}.barcodes ({owner})"

    def bubbles_placed(self) -> None:
        for f in self.page.fields:
            for b in f.bubbles:
                where = f"bubble key {b.key} option {b.option} at {_at(b.x_in, b.y_in)}"
                if not _inside(b.box, self.paper):
                    raise self.fail(self.place(f.name), f"{where} lies off the page "
                                    f"({self.page.width_in} × {self.page.height_in} in)")
                if not _inside(b.box, self.content):
                    raise self.fail(self.place(f.name), f"{where} lies in the page margin "
                                    f"({self.margin_in} in), where the registration marks sit")

    def bubbles_apart(self) -> None:
        bubbles = self.page.bubbles
        if len(bubbles) < 2:
            return
        arr = self.page.bubble_array
        lo, hi = arr[:, :2] - arr[:, 2:] / 2, arr[:, :2] + arr[:, 2:] / 2
        gap = BUBBLE_CLEARANCE_IN - _EPS
        close = ((lo[:, None, 0] < hi[None, :, 0] + gap) & (lo[None, :, 0] < hi[:, None, 0] + gap)
                 & (lo[:, None, 1] < hi[None, :, 1] + gap)
                 & (lo[None, :, 1] < hi[:, None, 1] + gap))
        i, j = np.nonzero(np.triu(close, k=1))
        if len(i):
            a, b = bubbles[i[0]], bubbles[j[0]]
            raise self.fail(self.place(a.field), f"bubble key {a.key} option {a.option} at "
                            f"{_at(a.x_in, a.y_in)} overlaps (or is within {BUBBLE_CLEARANCE_IN} "
                            f"in of) bubble key {b.key} option {b.option} of "
                            f"{self.place(b.field)} at {_at(b.x_in, b.y_in)}")

    def boxes_placed(self) -> None:
        """Write-in boxes and areas: inside the margins, clear of every bubble."""
        boxes = [(f.name, "write-in box", b) for f in self.page.fields for b in f.write_in]
        boxes += [(f.name, f"{f.kind} area", a.box)
                  for f, a in self.form.areas_on(self.page.number)]
        for name, what, box in boxes:
            if not _inside(box, self.content):
                raise self.fail(self.place(name), f"{what} at {_at(box.x_in, box.y_in)} lies "
                                f"off the page or in its margin ({self.margin_in} in)")
            hit = next((b for b in self.page.bubbles if b.box.overlaps(box)), None)
            if hit:
                raise self.fail(self.place(name), f"{what} at {_at(box.x_in, box.y_in)} "
                                f"overlaps bubble key {hit.key} option {hit.option} of "
                                f"{self.place(hit.field)}")

    def code_inks(self) -> list[Ink]:
        """The lithocode as printed (with a sample number); barcodes as their boxes."""
        inks = [Ink("rect", b.box, b.name, fill=True) for b in self.page.barcodes]
        litho = self.page.lithocode
        if litho is None:
            return inks
        needed = len(barcode_modules("0" * litho.digits, litho.symbology)) * litho.module_in
        if needed > litho.box.w_in + _EPS:
            raise self.fail("lithocode", f"the box is {litho.box.w_in} in wide; its "
                            f"{litho.digits} digits need {needed:.3f} in at module_in "
                            f"{litho.module_in}")
        return inks + lithocode_drawing(litho, "0" * litho.digits)

    def inks_on_paper(self, inks: list[Ink]) -> None:
        for ink in inks:
            if not _inside(ink.box, self.paper):
                raise self.fail(self.place(ink.owner), f"{ink.kind} at "
                                f"{_at(ink.box.x_in, ink.box.y_in)} runs off the page")

    def keep_outs(self, inks: list[Ink]) -> None:
        """Paper kept clear: around the marks, the strip and its 180° image, and
        in every barcode's quiet zone."""
        zones = [(grow(i.box, MARK_CLEARANCE_IN), "registration", "a registration mark's corner")
                 for i in inks if i.owner == "registration"]
        cells = [grow(c, STRIP_CLEARANCE_IN) for c in self.page.page_id.boxes()]
        zones += [(c, "page_id", "the page-id strip") for c in cells]
        zones += [(_rotated(c, self.page), "", "the page-id strip's place on the page turned "
                   "upside down (keep it clear)") for c in cells]
        if self.page.lithocode:
            litho = self.page.lithocode
            zones.append((grow(litho.box, litho.quiet_zone_in), "lithocode",
                          "the lithocode's quiet zone"))
        zones += [(grow(b.box, b.quiet_zone_in), b.name, f"barcode {b.name}'s quiet zone")
                  for b in self.page.barcodes]
        for zone, owner, what in zones:
            for ink in inks:
                if ink.owner != owner and ink.box.overlaps(zone):
                    raise self.fail(self.place(ink.owner), f"{ink.kind} at "
                                    f"{_at(ink.box.x_in, ink.box.y_in)} is printed on {what}")

    def fields_apart(self, inks: list[Ink]) -> None:
        """Each field's printed extent (frame, labels) inside the margins and
        clear of every other field's."""
        extents: dict[str, list[Box]] = {}
        for ink in inks:
            if ink.owner in self.places.fields:
                extents.setdefault(ink.owner, []).append(ink.box)
        bounds = {name: union(boxes) for name, boxes in extents.items()}
        for name, box in bounds.items():
            if not _inside(box, self.content):
                raise self.fail(self.place(name), f"the field's frame and labels "
                                f"({_extent(box)}) reach into the page margin "
                                f"({self.margin_in} in)")
        for (a, box_a), (b, box_b) in combinations(bounds.items(), 2):
            if box_a.overlaps(box_b):
                raise self.fail(self.place(a), f"the field's frame and labels "
                                f"({_extent(box_a)}) overlap those of {self.place(b)} "
                                f"({_extent(box_b)})")
        self.bounds = bounds

    def print_clear(self, inks: list[Ink]) -> None:
        """Printed text clear of every field; printed boxes and bands clear of bubbles."""
        for ink in inks:
            if not ink.owner.startswith("print["):
                continue
            if ink.kind == "text":
                hit = next((n for n, b in self.bounds.items() if b.overlaps(ink.box)), None)
                if hit:
                    raise self.fail(self.place(ink.owner), f"text {ink.text[:30]!r} overlaps "
                                    f"{self.place(hit)}")
                continue
            bubble = next((b for b in self.page.bubbles for part in _strokes(ink)
                           if b.box.overlaps(part)), None)
            if bubble:
                raise self.fail(self.place(ink.owner), f"{ink.kind} crosses bubble key "
                                f"{bubble.key} option {bubble.option} of "
                                f"{self.place(bubble.field)}")



def _strokes(ink: Ink) -> list[Box]:
    """Where an ink lays ink: a rectangle outline's four edges, else its box."""
    if ink.kind != "rect" or ink.fill:
        return [ink.box]
    b = ink.box
    return [Box(b.x_in, b.y_in, b.w_in, 0), Box(b.x_in, b.bottom_in, b.w_in, 0),
            Box(b.x_in, b.y_in, 0, b.h_in), Box(b.right_in, b.y_in, 0, b.h_in)]
