"""The mark record: what the reader found on one page, in a documented JSON form
(docs/omr.md, "The mark record"). Boxes are image pixels (x, y, w, h) from the
top-left corner of the scan as decoded at full size, for cutting clips.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omr.errors import ReadCode, ReadError

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class KeyRead:
    """One item, grid column, code or task: its decision and evidence.

    ``levels``: option → level 0–15. ``changed``: (original, final) response.
    ``box``: all the key's bubbles; ``bubbles``: option → bubble box;
    ``write_in``: the hand-print box above a grid column, if any.
    """

    value: str
    levels: dict[str, int]
    flags: tuple[str, ...]
    erased: tuple[str, ...]
    changed: tuple[str, str] | None
    reason: str
    box: Box
    bubbles: dict[str, Box]
    write_in: Box | None = None

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "levels": dict(self.levels), "flags": list(self.flags),
                "erased": list(self.erased),
                "changed": {"from": self.changed[0], "to": self.changed[1]}
                if self.changed else None,
                "reason": self.reason, "box": list(self.box),
                "bubbles": {k: list(v) for k, v in self.bubbles.items()},
                "write_in": list(self.write_in) if self.write_in else None}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> KeyRead:
        changed = d.get("changed")
        return cls(d["value"], dict(d["levels"]), tuple(d["flags"]), tuple(d["erased"]),
                   (changed["from"], changed["to"]) if changed else None, d.get("reason", ""),
                   _box(d["box"]), {k: _box(v) for k, v in d.get("bubbles", {}).items()},
                   _box(d["write_in"]) if d.get("write_in") else None)


@dataclass(frozen=True)
class RegistrationQuality:
    """How the page was registered: the largest mark residual (px), skew
    (degrees), scale (px per inch), whether it was fed upside down, the
    page's paper (median) and printed-black gray levels (0–255), and the
    number of marks fitted (2 only when the printed form confirmed the fit)."""

    residual_px: float
    skew_deg: float
    px_per_in: float
    rotated_180: bool
    paper: float
    black: float
    marks: int = 4

    def to_json(self) -> dict[str, Any]:
        return {"residual_px": round(self.residual_px, 2), "skew_deg": round(self.skew_deg, 3),
                "px_per_in": round(self.px_per_in, 2), "rotated_180": self.rotated_180,
                "paper": round(self.paper, 1), "black": round(self.black, 1),
                "marks": self.marks}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> RegistrationQuality:
        return cls(d["residual_px"], d["skew_deg"], d["px_per_in"], d["rotated_180"],
                   d["paper"], d["black"], d.get("marks", 4))


@dataclass(frozen=True)
class BlankLevels:
    """The page's blank bubbles: the median and spread (robust sigma) of their
    unrounded levels (0–15 scale), and ``erasure_at``, the unrounded level from
    which a bubble lighter than a mark is an erasure on this page."""

    level: float
    spread: float
    erasure_at: float

    def to_json(self) -> dict[str, Any]:
        return {"level": round(self.level, 2), "spread": round(self.spread, 3),
                "erasure_at": round(self.erasure_at, 2)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> BlankLevels:
        return cls(d["level"], d["spread"], d["erasure_at"])


@dataclass(frozen=True)
class CodeRead:
    """A barcode's outcome: ``text`` (None when unread), the decoder that read
    it, and the box searched, for clipping."""

    text: str | None
    decoder: str
    box: Box

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "decoder": self.decoder, "box": list(self.box)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> CodeRead:
        return cls(d["text"], d["decoder"], _box(d["box"]))


@dataclass(frozen=True)
class MarkRecord:
    """One page read (or refused). ``frame`` is the page's index in a multi-page
    file (0-based). ``status`` is "ok" or "exception" with a ``reason``.
    ``fields``: field → key → KeyRead. ``barcodes``: "lithocode", "label",
    and the form's named barcodes. ``areas``: response/label field → boxes on
    this page. ``eye_readable``: the lithocode's printed digits, for a clip.
    ``flags``: page-level conditions (e.g. "lithocode unread"). ``code``: on an
    exception, why (a :class:`~omr.errors.ReadCode` value); None on an ok page.
    ``blank``: the page's blank-bubble levels (None on an exception)."""

    image: str
    frame: int = 0
    status: str = "ok"
    reason: str = ""
    form: str | None = None
    page: int | None = None
    lithocode: str | None = None
    size: tuple[int, int] | None = None
    registration: RegistrationQuality | None = None
    fields: dict[str, dict[str, KeyRead]] = field(default_factory=dict)
    barcodes: dict[str, CodeRead] = field(default_factory=dict)
    areas: dict[str, tuple[Box, ...]] = field(default_factory=dict)
    eye_readable: Box | None = None
    flags: tuple[str, ...] = ()
    code: str | None = None
    blank: BlankLevels | None = None

    @classmethod
    def refused(cls, image: str, frame: int, error: BaseException,
                size: tuple[int, int] | None = None) -> MarkRecord:
        """The exception record of a page or file the reader refused: a
        :class:`~omr.errors.ReadError`'s code and reason, or, for any other error
        (a defect), code "reader" and the error's type and message."""
        if isinstance(error, ReadError):
            return cls(image, frame, "exception", error.reason, size=size, code=error.code)
        reason = f"reader error: {type(error).__name__}: {error}"
        return cls(image, frame, "exception", reason, size=size, code=ReadCode.READER)

    def to_json(self) -> dict[str, Any]:
        return {
            "image": self.image, "frame": self.frame, "form": self.form, "page": self.page,
            "lithocode": self.lithocode, "status": self.status, "reason": self.reason,
            "code": self.code,
            "flags": list(self.flags), "size": list(self.size) if self.size else None,
            "registration": self.registration.to_json() if self.registration else None,
            "fields": {f: {k: r.to_json() for k, r in keys.items()}
                       for f, keys in self.fields.items()},
            "barcodes": {n: c.to_json() for n, c in self.barcodes.items()},
            "areas": {n: [list(b) for b in boxes] for n, boxes in self.areas.items()},
            "eye_readable": list(self.eye_readable) if self.eye_readable else None,
            "blank": self.blank.to_json() if self.blank else None,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> MarkRecord:
        reg = d.get("registration")
        return cls(
            d["image"], d.get("frame", 0), d["status"], d.get("reason", ""), d.get("form"),
            d.get("page"), d.get("lithocode"), tuple(d["size"]) if d.get("size") else None,
            RegistrationQuality.from_json(reg) if reg else None,
            {f: {k: KeyRead.from_json(r) for k, r in keys.items()}
             for f, keys in d.get("fields", {}).items()},
            {n: CodeRead.from_json(c) for n, c in d.get("barcodes", {}).items()},
            {n: tuple(_box(b) for b in boxes) for n, boxes in d.get("areas", {}).items()},
            _box(d["eye_readable"]) if d.get("eye_readable") else None,
            tuple(d.get("flags", ())), d.get("code"),
            BlankLevels.from_json(d["blank"]) if d.get("blank") else None)


def _box(values) -> Box:
    x, y, w, h = (int(v) for v in values)
    return x, y, w, h
