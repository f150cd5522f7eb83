"""The typed model of a form definition.

Geometry is in inches from the page's top-left corner, x to the right and y down.
Bubbles, registration marks and page-id cells are given by their *centre*; boxes
(lithocode, write-in, response and label areas) by their top-left corner and size.

A form file describes each field compactly (a layout rule); the loader expands it
into explicit bubbles with :func:`expand_layout`, so every consumer (renderer,
deck generator, OMR reader) sees the same list of bubbles in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np

FieldKind = Literal["grid", "choice", "codes", "ratings", "response", "label"]
BUBBLE_KINDS: tuple[str, ...] = ("grid", "choice", "codes", "ratings")


@dataclass(frozen=True)
class Box:
    """A rectangle: top-left corner and size, inches."""

    x_in: float
    y_in: float
    w_in: float
    h_in: float

    @property
    def right_in(self) -> float:
        return self.x_in + self.w_in

    @property
    def bottom_in(self) -> float:
        return self.y_in + self.h_in

    def overlaps(self, other: Box) -> bool:
        return (
            self.x_in < other.right_in
            and other.x_in < self.right_in
            and self.y_in < other.bottom_in
            and other.y_in < self.bottom_in
        )


@dataclass(frozen=True)
class Bubble:
    """One printed response position. ``key`` is the item number, grid column
    (1-based) or task number as a string; ``option`` the printed label."""

    field: str
    key: str
    option: str
    x_in: float
    y_in: float
    w_in: float
    h_in: float

    @property
    def box(self) -> Box:
        return Box(self.x_in - self.w_in / 2, self.y_in - self.h_in / 2, self.w_in, self.h_in)


@dataclass(frozen=True)
class Layout:
    """How a field's bubbles are placed.

    ``x_in, y_in`` is the centre of the first option of the first key. Options of
    one key run along ``orientation`` ("horizontal": along x, as the A B C D of a
    choice item; "vertical": along y, as the A–Z of a name-grid column) at
    ``option_pitch_in``. Successive keys step perpendicular to that at
    ``key_pitch_in``. After ``per_block`` keys a new block starts, offset by
    ``block_pitch_in`` along the option direction (columns of items).
    """

    x_in: float
    y_in: float
    orientation: Literal["horizontal", "vertical"]
    option_pitch_in: float
    key_pitch_in: float
    per_block: int | None = None
    block_pitch_in: float = 0.0


@dataclass(frozen=True)
class Option:
    """A response position's printed label (``code``) and optional description."""

    code: str
    label: str = ""


@dataclass(frozen=True)
class Area:
    """A region of one page (response areas may run over several pages)."""

    page: int
    box: Box
    lines: int = 0


@dataclass(frozen=True)
class Field:
    """One field of a form. Bubble kinds carry ``bubbles`` (expanded, in key order
    then option order); response and label fields carry ``areas``.

    ``selection`` is "single" (one option per key; two marks are a multiple) or
    "multiple" (each key is one box that is marked or not, e.g. program flags).
    ``write_in`` holds, for grids, one box per column above the bubbles where the
    student hand-prints the letter (not read by OMR, clipped for editors).
    ``key_labels`` are printed descriptions of the keys, in key order (a
    multiple-selection field's boxes, a rating sheet's tasks); empty when the
    key itself is what is printed (item numbers).
    """

    name: str
    kind: FieldKind
    page: int
    label: str = ""
    keys: tuple[str, ...] = ()
    key_labels: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    selection: Literal["single", "multiple"] = "single"
    required: bool = False
    layout: Layout | None = None
    bubbles: tuple[Bubble, ...] = ()
    write_in: tuple[Box, ...] = ()
    areas: tuple[Area, ...] = ()

    @property
    def option_codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)


@dataclass(frozen=True)
class RegistrationMark:
    """A solid black square printed near a page corner; centre and side, inches."""

    x_in: float
    y_in: float
    size_in: float


@dataclass(frozen=True)
class PageIdStrip:
    """The page's machine-readable identity: a row of ``cells`` printed black
    rectangles (bit 1) or blank paper (bit 0), starting at the centre
    ``x_in, y_in`` and stepping ``pitch_in`` along x. See :mod:`sample_sheets.codes`
    for the bit layout (start bit, form code, page number, parity)."""

    x_in: float
    y_in: float
    pitch_in: float
    cell_w_in: float
    cell_h_in: float
    cells: int = 16

    def centres(self) -> list[tuple[float, float]]:
        return [(self.x_in + i * self.pitch_in, self.y_in) for i in range(self.cells)]

    def boxes(self) -> list[Box]:
        """Each cell's printed rectangle, left to right."""
        w, h = self.cell_w_in, self.cell_h_in
        return [Box(x - w / 2, y - h / 2, w, h) for x, y in self.centres()]


def quiet_zone_in(module_in: float) -> float:
    """Clear paper kept on every side of a barcode's box: 10 modules, at least 0.1 in."""
    return max(10 * module_in, 0.1)


@dataclass(frozen=True)
class Lithocode:
    """Where a page prints its lithocode: an Interleaved 2 of 5 ("itf") barcode
    in ``box`` and the same digits eye-readable in ``eye_readable``. ``digits``
    counts the check digit, which is the last digit, computed by ``check``.
    ``module_in`` is the narrow bar width (wide bars are 3 modules); the bars
    are centred in ``box``, which keeps ``quiet_zone_in`` of clear paper around it."""

    box: Box
    eye_readable: Box
    symbology: Literal["itf", "code128"] = "itf"
    digits: int = 8
    check: Literal["mod10"] = "mod10"
    module_in: float = 0.02

    @property
    def quiet_zone_in(self) -> float:
        return quiet_zone_in(self.module_in)


@dataclass(frozen=True)
class Barcode:
    """A printed barcode other than the lithocode (e.g. a header sheet's batch
    code). ``content`` names what it carries."""

    name: str
    box: Box
    symbology: Literal["code128", "itf"] = "code128"
    content: str = ""
    module_in: float = 0.015

    @property
    def quiet_zone_in(self) -> float:
        return quiet_zone_in(self.module_in)


@dataclass(frozen=True)
class Printed:
    """A static printed element of a page (not read by OMR).

    ``kind``: "text" (``text`` in ``box``, aligned by ``align``, one line per
    ``\n``), "box" (outline of ``box``), "band" (``box`` filled with ``gray``)
    or "line" (from the top-left to the bottom-right corner of ``box``; a
    horizontal or vertical rule has ``h_in`` or ``w_in`` 0). ``gray`` is the
    ink (0 black … 255 paper); ``size_pt`` the text size; ``line_in`` the stroke.
    """

    kind: Literal["text", "box", "band", "line"]
    box: Box
    text: str = ""
    size_pt: float = 8.0
    bold: bool = False
    align: Literal["left", "center", "right"] = "left"
    gray: int = 0
    line_in: float = 0.01


@dataclass(frozen=True)
class MarkThresholds:
    """Decision thresholds on the 0–15 level scale (SPEC §5 conventions).

    A bubble counts as a mark from ``count_from``; a counted mark at or below
    ``light_at_or_below`` is flagged light; of two competing marks the darker wins
    only when darker by ``margin``, else the key is a multiple mark. A bubble below
    ``count_from`` but at or above ``erasure_from`` is an erasure candidate.
    """

    count_from: int = 5
    light_at_or_below: int = 8
    margin: int = 3
    erasure_from: int = 2

    @classmethod
    def preset(cls, name: str, **overrides: int) -> MarkThresholds:
        """The field's named settings: "normal", "light" (count from 3), "dark"
        (count from 7), "high" (discrimination margin 4); ``overrides`` win."""
        presets = {"normal": {}, "light": {"count_from": 3}, "dark": {"count_from": 7},
                   "high": {"margin": 4}}
        if name not in presets:
            raise ValueError(f"unknown mark threshold preset {name!r}: "
                             f"use one of {sorted(presets)}")
        return cls(**{**presets[name], **overrides})


@dataclass(frozen=True)
class Page:
    number: int
    width_in: float
    height_in: float
    registration: tuple[RegistrationMark, ...]
    page_id: PageIdStrip
    fields: tuple[Field, ...]
    lithocode: Lithocode | None = None
    barcodes: tuple[Barcode, ...] = ()
    printed: tuple[Printed, ...] = ()

    @cached_property
    def bubbles(self) -> tuple[Bubble, ...]:
        """Every bubble on this page, in field order."""
        return tuple(b for f in self.fields for b in f.bubbles)

    @cached_property
    def bubble_array(self) -> np.ndarray:
        """Bubble centres and sizes as a float64 array of shape (n, 4):
        columns x_in, y_in, w_in, h_in, in the order of :attr:`bubbles`."""
        if not self.bubbles:
            return np.zeros((0, 4))
        return np.array([(b.x_in, b.y_in, b.w_in, b.h_in) for b in self.bubbles], dtype=float)


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    form_code: int
    pages: tuple[Page, ...]
    thresholds: MarkThresholds = field(default_factory=MarkThresholds)
    edit_rules: tuple[dict, ...] = ()
    source: str = ""

    def page(self, number: int) -> Page:
        for p in self.pages:
            if p.number == number:
                return p
        raise KeyError(f"form {self.id} has no page {number}")

    @cached_property
    def fields(self) -> dict[str, Field]:
        return {f.name: f for p in self.pages for f in p.fields}

    def areas_on(self, page: int) -> list[tuple[Field, Area]]:
        """Response and label areas lying on ``page``, whichever page their field starts on."""
        return [(f, a) for f in self.fields.values() for a in f.areas if a.page == page]


def expand_layout(
    name: str, page: int, keys: tuple[str, ...], options: tuple[Option, ...],
    layout: Layout, w_in: float, h_in: float,
) -> tuple[Bubble, ...]:
    """Place every (key, option) bubble of a field by its layout rule."""
    bubbles = []
    for k, key in enumerate(keys):
        block, row = divmod(k, layout.per_block) if layout.per_block else (0, k)
        for o, option in enumerate(options):
            along = o * layout.option_pitch_in + block * layout.block_pitch_in
            across = row * layout.key_pitch_in
            if layout.orientation == "horizontal":
                x, y = layout.x_in + along, layout.y_in + across
            else:
                x, y = layout.x_in + across, layout.y_in + along
            bubbles.append(Bubble(name, key, option.code, round(x, 4), round(y, 4), w_in, h_in))
    return tuple(bubbles)
