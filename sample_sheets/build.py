"""From a schema-valid form document (the parsed YAML) to the typed model.

Expands the compact notations (key counts and ranges, option ranges, layout
rules, write-in boxes) and records, for every field, where in the file it came
from, so that the semantic checks can name the place of a problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sample_sheets import style
from sample_sheets.codes import PAGE_ID_STRIP, standard_registration
from sample_sheets.errors import FormDefinitionError
from sample_sheets.model import (
    Area,
    Barcode,
    Box,
    Field,
    Form,
    Layout,
    Lithocode,
    MarkThresholds,
    Option,
    Page,
    Printed,
    expand_layout,
)

LETTER_IN = (8.5, 11.0)
DEFAULT_MARGIN_IN = 0.6
"""Band along every edge, where the registration marks, the page-id strip and
the lithocode sit; bubbles, write-in boxes and areas stay inside it."""
DEFAULT_BUBBLE_IN = (0.17, 0.12)
DEFAULT_PITCH_IN = {"horizontal": (0.22, 0.2), "vertical": (0.17, 0.2)}
"""(option pitch, key pitch) by orientation when a layout does not give them."""
WRITE_IN_H_IN = 0.26
WRITE_IN_GAP_IN = 0.05
"""Paper between a grid's write-in boxes and its first row of bubbles."""
FOOTER_AT_IN = (0.8, 0.52)
"""Footer's top-left corner: from the left edge and from the bottom edge."""
FOOTER_PT = 6.5
_NUMBERS = re.compile(r"(\d+)-(\d+)")
_LETTERS = re.compile(r"([A-Z])-([A-Z])")


@dataclass
class Places:
    """Where things came from in the file: ``fields`` by field name, ``pages``
    by page number (``pages[i]``)."""

    fields: dict[str, str] = field(default_factory=dict)
    pages: dict[int, str] = field(default_factory=dict)


class Builder:
    """Builds one form; raises FormDefinitionError naming ``source`` and the place."""

    def __init__(self, doc: dict, source: str):
        self.doc, self.source = doc, source
        self.places = Places()
        self.width_in, self.height_in = doc.get("page_size", LETTER_IN)
        bubble = doc.get("bubble", {})
        self.bubble_in = (bubble.get("w", DEFAULT_BUBBLE_IN[0]),
                          bubble.get("h", DEFAULT_BUBBLE_IN[1]))

    def fail(self, place: str, problem: str) -> FormDefinitionError:
        return FormDefinitionError(self.source, place, problem)

    def form(self) -> Form:
        doc = self.doc
        litho = self.lithocode(doc["lithocode"]) if "lithocode" in doc else None
        pages = tuple(self.page(p, i, litho) for i, p in enumerate(doc["pages"]))
        return Form(doc["id"], doc["title"], doc["form_code"], pages, self.thresholds(),
                    tuple(doc.get("edit_rules", ())), self.source)

    def thresholds(self) -> MarkThresholds:
        marks = dict(self.doc.get("marks", {}))
        try:
            return MarkThresholds.preset(marks.pop("preset", "normal"), **marks)
        except ValueError as exc:
            raise self.fail("marks", str(exc)) from None

    def lithocode(self, spec: dict) -> Lithocode:
        if "check" not in spec:
            raise self.fail("lithocode", "the lithocode has no check digit rule: add "
                            "`check: mod10` (its last digit is the mod-10 check digit)")
        litho = Lithocode(box(spec["box"]), box(spec["eye_readable"]),
                          spec.get("symbology", "itf"), spec.get("digits", 8), spec["check"],
                          spec.get("module_in", 0.02))
        if litho.symbology == "itf" and litho.digits % 2:
            raise self.fail("lithocode", f"an Interleaved 2 of 5 lithocode has an even number "
                            f"of digits, not {litho.digits}")
        return litho

    def page(self, spec: dict, index: int, litho: Lithocode | None) -> Page:
        place = f"pages[{index}]"
        number = spec["page"]
        if number != index + 1:
            raise self.fail(place, f"page {number} is out of order: pages are numbered 1, 2, … "
                            f"in the order listed (expected {index + 1})")
        self.places.pages[number] = place
        fields = tuple(self.field(f, number, f"{place}.fields[{k}] ({f['name']})")
                       for k, f in enumerate(spec.get("fields", ())))
        barcodes = tuple(Barcode(b["name"], box(b["box"]), b.get("symbology", "code128"),
                                 b.get("content", ""), b.get("module_in", 0.015))
                         for b in spec.get("barcodes", ()))
        printed = tuple(self.printed(p, f"{place}.print[{k}]")
                        for k, p in enumerate([*spec.get("print", ()), *self.footer(number)]))
        return Page(number, self.width_in, self.height_in,
                    standard_registration(self.width_in, self.height_in), PAGE_ID_STRIP, fields,
                    litho if spec.get("lithocode", True) else None, barcodes, printed)

    def footer(self, number: int) -> list[dict]:
        """The form's footer line for page ``number`` (a `print:` text), if it has one."""
        if "footer" not in self.doc:
            return []
        text = f"{self.doc['footer']}  ·  Page {number} of {len(self.doc['pages'])}"
        at = [FOOTER_AT_IN[0], self.height_in - FOOTER_AT_IN[1]]
        return [{"text": text, "at": at, "size": FOOTER_PT, "gray": 60}]

    def field(self, spec: dict, page: int, place: str) -> Field:
        name, kind = spec["name"], spec["kind"]
        if name in self.places.fields:
            raise self.fail(place, f"duplicate field name {name!r}: first defined at "
                            f"{self.places.fields[name]}")
        self.places.fields[name] = place
        common = {"label": spec.get("label", ""), "required": spec.get("required", False)}
        if kind == "response":
            areas = tuple(Area(a.get("page", page), box(a["box"]), a.get("lines", 0))
                          for a in spec["areas"])
            return Field(name, kind, page, areas=areas, **common)
        if kind == "label":
            return Field(name, kind, page, areas=(Area(page, box(spec["area"])),), **common)
        return self.bubble_field(spec, page, place, common)

    def bubble_field(self, spec: dict, page: int, place: str, common: dict) -> Field:
        name, kind = spec["name"], spec["kind"]
        keys, key_labels = self.keys(spec.get("keys", ["1"]), place)
        options = self.options(spec["options"], place)
        selection = spec.get("selection", "single")
        if selection == "multiple" and len(options) != 1:
            raise self.fail(place, "a multiple-selection field prints one box per key: give "
                            "it exactly one option (e.g. `options: [\"Y\"]`)")
        layout = self.layout(spec["layout"])
        bubbles = expand_layout(name, page, keys, options, layout, *self.bubble_in)
        write_in = self.write_in(spec, layout, bubbles, len(options), place)
        return Field(name, kind, page, keys=keys, key_labels=key_labels, options=options,
                     selection=selection, layout=layout, bubbles=bubbles, write_in=write_in,
                     **common)

    def keys(self, spec, place: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if isinstance(spec, int):
            keys: list = [str(i) for i in range(1, spec + 1)]
        elif isinstance(spec, str):
            keys = [str(i) for i in self.number_range(spec, place, "keys")]
        else:
            keys = [k if isinstance(k, str) else k["key"] for k in spec]
        labels = () if isinstance(spec, int | str) or all(isinstance(k, str) for k in spec) \
            else tuple(k if isinstance(k, str) else k.get("label", k["key"]) for k in spec)
        duplicates(keys, self.fail, place, "key")
        return tuple(keys), labels

    def options(self, spec, place: str) -> tuple[Option, ...]:
        if isinstance(spec, list):
            options = [Option(o) if isinstance(o, str) else Option(o["code"], o.get("label", ""))
                       for o in spec]
        elif _NUMBERS.fullmatch(spec):
            options = [Option(str(i)) for i in self.number_range(spec, place, "options")]
        elif letters := _LETTERS.fullmatch(spec):
            first, last = (ord(c) for c in letters.groups())
            if first > last:
                raise self.fail(place, f"options range {spec!r} runs backwards")
            options = [Option(chr(c)) for c in range(first, last + 1)]
        else:
            options = [Option(c) for c in spec]
        duplicates([o.code for o in options], self.fail, place, "option")
        return tuple(options)

    def number_range(self, spec: str, place: str, what: str) -> range:
        match = _NUMBERS.fullmatch(spec)
        first, last = int(match[1]), int(match[2])
        if first > last or last > 999:
            raise self.fail(place, f"{what} range {spec!r} must run upwards and stay below 1000")
        return range(first, last + 1)

    def layout(self, spec: dict) -> Layout:
        orientation = spec["orientation"]
        option_pitch, key_pitch = DEFAULT_PITCH_IN[orientation]
        return Layout(spec["at"][0], spec["at"][1], orientation,
                      spec.get("option_pitch", option_pitch), spec.get("key_pitch", key_pitch),
                      spec.get("per_block"), spec.get("block_pitch", 0.0))

    def write_in(self, spec: dict, layout: Layout, bubbles, n_options: int, place: str
                 ) -> tuple[Box, ...]:
        """Grids: one box per column above its first bubble (``write_in: false`` for none)."""
        if not spec.get("write_in", spec["kind"] == "grid"):
            return ()
        if layout.orientation != "vertical":
            raise self.fail(place, "write-in boxes go above the columns of a vertical layout")
        pitch = layout.key_pitch_in
        return tuple(Box(round(b.x_in - pitch / 2, 4),
                         round(b.y_in - b.h_in / 2 - WRITE_IN_GAP_IN - WRITE_IN_H_IN, 4),
                         pitch, WRITE_IN_H_IN) for b in bubbles[::n_options])

    def printed(self, spec: dict, place: str) -> Printed:
        """A `print:` entry: text (top-left ``at``, width ``w`` or its own), box,
        band, or a horizontal or vertical line."""
        style_args = {k: spec[k] for k in ("gray", "line_in") if k in spec}
        if "text" in spec:
            size, bold, text = spec.get("size", 8.0), spec.get("bold", False), spec["text"]
            w = spec.get("w") or max(style.text_width_in(t, size, bold) for t in text.split("\n"))
            return Printed("text", Box(*spec["at"], w, style.text_height_in(text, size)), text,
                           size, bold, spec.get("align", "left"), **style_args)
        if "band" in spec:
            return Printed("band", box(spec["band"]),
                           **{"gray": style.BAND_GRAY, **style_args})
        if "box" in spec:
            return Printed("box", box(spec["box"]), **style_args)
        x0, y0, x1, y1 = spec["line"]
        if (x0 != x1 and y0 != y1) or x1 < x0 or y1 < y0:
            raise self.fail(place, "a line runs left to right or top to bottom: "
                            "[x0, y0, x1, y0] or [x0, y0, x0, y1]")
        return Printed("line", Box(x0, y0, x1 - x0, y1 - y0), **style_args)


def duplicates(values: list[str], fail, place: str, what: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise fail(place, f"duplicate {what} {v!r}")
        seen.add(v)


def box(values: list[float]) -> Box:
    return Box(*(float(v) for v in values))


