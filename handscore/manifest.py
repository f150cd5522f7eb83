"""Responses from a manifest: a CSV file whose header has ``id`` and ``text`` or ``image``.

``image`` is a path relative to the manifest's folder (several files of one response joined
with ``;``; a multi-page TIFF gives one image per page); each page is stored in the image
store as an 8-bit grayscale PNG. Optional columns: ``kind`` (live — the default —, validity,
training, qualifying, anchor), ``set`` (the training or qualifying set), and the true scores
of a paper of known scores, ``true_<trait>`` per trait or ``true_condition``.

Every row is checked before anything is stored: one bad row stores nothing, and the error
lists the rows and what is wrong. A response is keyed by (prompt, id): importing the same
manifest again adds nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
from sqlalchemy import select
from sqlalchemy.orm import Session

from handscore.errors import Code, HandscoreError
from handscore.models import Need, Response, ResponseKind
from handscore.prompts import Prompt
from handscore.rules import ReadInputError, check_marks
from omr.errors import ReadError
from omr.image_io import read_image_file
from station import audit
from station.models import User

KNOWN_PAPERS = (ResponseKind.VALIDITY, ResponseKind.TRAINING, ResponseKind.QUALIFYING,
                ResponseKind.ANCHOR)
MAX_ERRORS_SHOWN = 20
CHUNK = 5_000
"""Ids looked up per query (SQLite allows 32,766 parameters)."""


@dataclass
class Row:
    """One checked manifest row, its images decoded and encoded as PNG."""

    external_id: str
    kind: ResponseKind
    set_name: str | None
    text: str | None
    pngs: list[bytes] = field(default_factory=list)
    true_scores: dict[str, int] | None = None
    true_condition: str | None = None


@dataclass(frozen=True)
class ImportCount:
    added: int
    existing: int

    def __str__(self) -> str:
        return f"{self.added} responses added, {self.existing} there already"


def read_manifest(path: Path, prompt: Prompt) -> list[Row]:
    """The rows of the manifest at ``path``, checked; BAD_INPUT naming every bad row."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            _check_header(path, header, prompt)
            records = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise HandscoreError(Code.BAD_INPUT, f"{path}: cannot read the manifest: {exc}") from exc
    rows, errors, seen = [], [], set()
    for number, record in enumerate(records, start=2):
        try:
            row = _row(path.parent, record, prompt)
            if row.external_id in seen:
                raise ValueError(f"id {row.external_id!r} repeats")
            seen.add(row.external_id)
            rows.append(row)
        except ValueError as exc:
            errors.append(f"line {number}: {exc}")
    if errors:
        shown = "; ".join(errors[:MAX_ERRORS_SHOWN])
        more = f" (and {len(errors) - MAX_ERRORS_SHOWN} more)" if len(errors) > MAX_ERRORS_SHOWN \
            else ""
        raise HandscoreError(Code.BAD_INPUT, f"{path}: nothing imported: {shown}{more}")
    return rows


def _check_header(path: Path, header: list[str], prompt: Prompt) -> None:
    if "id" not in header or not {"text", "image"} & set(header):
        raise HandscoreError(Code.BAD_INPUT, f"{path}: the header needs 'id' and 'text' or "
                                             f"'image' (it has: {', '.join(header) or 'none'})")
    allowed = {"id", "text", "image", "kind", "set", "true_condition",
               *(f"true_{t.name}" for t in prompt.traits)}
    unknown = [h for h in header if h not in allowed]
    if unknown:
        raise HandscoreError(Code.BAD_INPUT, f"{path}: unknown columns {', '.join(unknown)} "
                                             f"(known: {', '.join(sorted(allowed))})")


def _row(folder: Path, record: dict[str, str | None], prompt: Prompt) -> Row:
    value = {k: (v or "").strip() for k, v in record.items() if k is not None}
    if not value.get("id"):
        raise ValueError("no id")
    kind_name = value.get("kind") or ResponseKind.LIVE
    if kind_name not in set(ResponseKind):
        raise ValueError(f"kind {kind_name!r} is not one of {', '.join(ResponseKind)}")
    kind = ResponseKind(kind_name)
    text, image = value.get("text") or None, value.get("image") or None
    if (text is None) == (image is None):
        raise ValueError("give either text or image")
    row = Row(value["id"], kind, value.get("set") or None, text)
    if image is not None:
        row.pngs = [png for part in image.split(";") for png in _pngs(folder, part.strip())]
    if kind in KNOWN_PAPERS:
        _true_scores(row, value, prompt)
    if kind in (ResponseKind.TRAINING, ResponseKind.QUALIFYING) and row.set_name is None:
        raise ValueError(f"a {kind} paper needs its set")
    return row


def _pngs(folder: Path, relative: str) -> list[bytes]:
    path = (folder / relative).resolve()
    if Path(relative).is_absolute() or not path.is_relative_to(folder.resolve()):
        raise ValueError(f"image {relative!r} is outside the manifest's folder")
    if not path.is_file():
        raise ValueError(f"image {relative!r} is missing")
    try:
        pages = read_image_file(path).pages
    except ReadError as exc:
        raise ValueError(f"image {relative!r}: {exc.reason}") from None
    return [cv2.imencode(".png", page)[1].tobytes() for page in pages]


def _true_scores(row: Row, value: dict[str, str], prompt: Prompt) -> None:
    condition = value.get("true_condition") or None
    given = {t.name: value.get(f"true_{t.name}") for t in prompt.traits}
    scores = None
    if condition is None:
        if not all(given.values()):
            raise ValueError(f"a {row.kind} paper needs its true scores "
                             f"({', '.join(f'true_{n}' for n in given)}) or true_condition")
        try:
            scores = {name: int(v) for name, v in given.items()}
        except ValueError:
            raise ValueError(f"true scores must be whole numbers: {given}") from None
    try:
        marks = check_marks(prompt, scores, condition)
    except ReadInputError as exc:
        raise ValueError(f"true score: {exc}") from None
    row.true_scores, row.true_condition = marks.scores, marks.condition


def store_rows(session: Session, actor: User | str, prompt: Prompt, rows: list[Row],
               put_image: Callable[[bytes], str], source: str) -> ImportCount:
    """Add the rows not there yet (by id) with their images; audited as one import."""
    ids = [r.external_id for r in rows]
    existing = {known for start in range(0, len(ids), CHUNK)
                for known in session.scalars(select(Response.external_id).where(
                    Response.prompt_id == prompt.id,
                    Response.external_id.in_(ids[start:start + CHUNK])))}
    new = [r for r in rows if r.external_id not in existing]
    session.add_all(Response(
        prompt_id=prompt.id, kind=r.kind, set_name=r.set_name, external_id=r.external_id,
        text=r.text, image_keys=[put_image(png) for png in r.pngs],
        true_scores=r.true_scores, true_condition=r.true_condition,
        need=Need.FIRST if r.kind == ResponseKind.LIVE else Need.NONE) for r in new)
    count = ImportCount(len(new), len(rows) - len(new))
    if new:
        audit.record(session, actor, "handscore.import", f"prompt:{prompt.id}",
                     after={"source": source, "added": count.added,
                            "existing": count.existing})
    session.flush()
    return count
