"""CSV input of the psychometrics command line, checked cell by cell.

- Response matrix: a header of item names, one row per person (or per response pattern,
  with a frequency column), scores as integers; an empty cell is an omit. With a key, the
  cells are the options chosen (A, B, ...; empty for an omit).
- Item parameters (also anchors): a column ``item`` and either ``b`` or thresholds
  ``d1``, ``d2``, ...; optional ``a`` (default 1) and ``c`` (default 0).
- Key: columns ``item`` and ``key``. Conversion: columns ``raw`` and ``scale``.

Every error names the file, the line (the header is line 1) and the column.
"""

from __future__ import annotations

import csv
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from scoring.psychometrics.errors import PsychometricsError
from scoring.psychometrics.irt import ItemBank
from scoring.psychometrics.stats import OMIT

FREQUENCY_COLUMNS = ("freq", "frequency", "count")
"""Header names (any case) taken as the frequency column when none is named."""
MAX_ITEM_SCORE = 100


@dataclass(frozen=True)
class ResponseFile:
    items: tuple[str, ...]
    responses: np.ndarray
    weights: np.ndarray | None
    choices: np.ndarray | None = None
    key: np.ndarray | None = None
    booklets: np.ndarray | None = None


def _rows(path: str | Path) -> tuple[list[str], list[list[str]]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = [row for row in csv.reader(handle)]
    except OSError as exc:
        raise PsychometricsError("unreadable file", f"{path}: {exc.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise PsychometricsError("bad file", f"{path}: not a CSV text file ({exc})") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise PsychometricsError("empty file", f"{path}: empty, a header line is needed")
    header = [cell.strip() for cell in rows[0]]
    body = [row for row in rows[1:] if any(cell.strip() for cell in row)]
    if not body:
        raise PsychometricsError("empty file", f"{path}: a header but no data rows")
    _check_header(path, header)
    for line, row in enumerate(rows[1:], start=2):
        if any(cell.strip() for cell in row) and len(row) != len(header):
            raise PsychometricsError("bad row", f"{path}, line {line}: {len(row)} cells, the "
                                     f"header has {len(header)}")
    return header, body


def _check_header(path, header: list[str]) -> None:
    seen = set()
    for col, name in enumerate(header, start=1):
        if not name:
            raise PsychometricsError("bad header", f"{path}: column {col} has no name")
        if name in seen:
            raise PsychometricsError("bad header", f"{path}: column {name!r} appears twice")
        seen.add(name)


def _lines(path: str | Path) -> list[int]:
    """File line of each data row (blank lines skipped), for messages."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [line for line, row in enumerate(csv.reader(handle), start=1)
                if line > 1 and any(cell.strip() for cell in row)]


def _bad_cell(path, cells: np.ndarray, bad: np.ndarray, header: Sequence[str],
              what: str) -> PsychometricsError:
    row, col = np.argwhere(bad)[0]
    line = _lines(path)[row]
    return PsychometricsError("bad cell", f"{path}, line {line}, column {header[col]!r}: "
                              f"{str(cells[row, col])!r} {what}")


def _integers(path, cells: np.ndarray, header) -> tuple[np.ndarray, np.ndarray]:
    """Cells as integers (-1 where empty) and the empty mask; a cell that is not a whole
    number is named."""
    stripped = np.char.strip(cells)
    blank = stripped == ""
    digits = np.char.isdigit(np.char.lstrip(stripped, "-")) & ~blank
    bad = ~blank & ~digits
    if bad.any():
        raise _bad_cell(path, cells, bad, header, "is not a whole-number score")
    return np.where(blank, "-1", stripped).astype(np.int64), blank


def _checked_scores(path, values, blank, header, max_score, shown) -> np.ndarray:
    """``values`` as int8 scores (empty cells as :data:`OMIT`) after the range checks;
    ``shown`` is what a message quotes of each cell."""
    checks = [(~blank & (values < 0), "is negative"),
              (values > MAX_ITEM_SCORE, f"is above {MAX_ITEM_SCORE}")]
    if max_score is not None:
        checks.append((values > max_score, f"is outside 0..{max_score} (use --model pcm "
                       "for items scored above 1)"))
    for bad, what in checks:
        if bad.any():
            raise _bad_cell(path, shown, bad, header, what)
    return np.where(blank, OMIT, values).astype(np.int8)


def _plain_integers(path, width: int) -> np.ndarray | None:
    """The data lines by numpy's C parser when every cell is a plain integer (the fast
    path for big files), else None: the checked path then names what is wrong."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.int16,
                                comments=None, ndmin=2, encoding="utf-8-sig")
    except (ValueError, OverflowError, OSError, UnicodeDecodeError):
        return None
    return values if values.shape[0] and values.shape[1] == width else None


def _header(path) -> list[str] | None:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            first = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return [cell.strip() for cell in first] if first else None


def _read_plain(path, freq_column, max_score) -> ResponseFile | None:
    header = _header(path)
    values = None if header is None else _plain_integers(path, len(header))
    if values is None:
        return None
    _check_header(path, header)
    freq_index = _frequency_index(path, header, freq_column)
    weights = None
    if freq_index is not None:
        name = header[freq_index]
        column, header, values = _split_column(header, values, freq_index)
        negative = column < 0
        if negative.any():
            row = int(np.argmax(negative))
            raise PsychometricsError("bad frequency", f"{path}, line {_lines(path)[row]}, "
                                     f"column {name!r}: frequency '{column[row]}' is "
                                     "negative")
        weights = column.astype(np.float64)
    blank = np.zeros(values.shape, dtype=bool)
    scores = _checked_scores(path, values, blank, header, max_score, values)
    return ResponseFile(tuple(header), scores, weights)


def read_responses(path: str | Path, freq_column: str | None = None,
                   max_score: int | None = None, key: dict[str, str] | None = None,
                   booklet_column: str | None = None) -> ResponseFile:
    """The response matrix (int8, empty cells as :data:`OMIT`). ``max_score`` caps every
    item (1 for Rasch); with ``key``, cells are options and are scored against it;
    ``booklet_column`` names a column of booklet (form) ids."""
    if key is None and booklet_column is None:
        plain = _read_plain(path, freq_column, max_score)
        if plain is not None:
            return plain
    header, body = _rows(path)
    cells = np.array(body, dtype=str)
    booklets = None
    if booklet_column is not None:
        if booklet_column not in header:
            raise PsychometricsError("no column", f"{path}: no column {booklet_column!r}")
        booklets, header, cells = _split_column(header, cells, header.index(booklet_column))
        booklets = np.char.strip(booklets)
    freq_index = _frequency_index(path, header, freq_column)
    weights = None
    if freq_index is not None:
        weights = _frequencies(path, cells[:, freq_index], header[freq_index])
        header, cells = _split_column(header, cells, freq_index)[1:]
    if key is not None:
        return replace(_keyed(path, header, cells, weights, key), booklets=booklets)
    values, blank = _integers(path, cells, header)
    scores = _checked_scores(path, values, blank, header, max_score, cells)
    return ResponseFile(tuple(header), scores, weights, booklets=booklets)


def _split_column(header, cells, index):
    """The column at ``index``, and the header and cells without it."""
    return cells[:, index], header[:index] + header[index + 1:], np.delete(cells, index, 1)


def _frequency_index(path, header, freq_column) -> int | None:
    if freq_column is not None:
        if freq_column not in header:
            raise PsychometricsError("no column", f"{path}: no column {freq_column!r}")
        return header.index(freq_column)
    found = [i for i, name in enumerate(header) if name.lower() in FREQUENCY_COLUMNS]
    return found[0] if found else None


def _frequencies(path, column: np.ndarray, name: str) -> np.ndarray:
    lines = None
    out = np.empty(column.size)
    for row, text in enumerate(column.tolist()):
        try:
            value = float(text)
        except ValueError:
            value = np.nan
        if not np.isfinite(value) or value < 0:
            lines = lines or _lines(path)
            why = "is negative" if value < 0 else "is not a number"
            raise PsychometricsError("bad frequency", f"{path}, line {lines[row]}, column "
                                     f"{name!r}: frequency {text!r} {why}")
        out[row] = value
    return out


def _keyed(path, header, cells, weights, key) -> ResponseFile:
    missing = [item for item in header if item not in key]
    if missing:
        raise PsychometricsError("no key", f"{path}: item {missing[0]!r} has no key")
    letters = np.char.upper(np.char.strip(cells))
    valid = (letters == "") | (np.char.str_len(letters) == 1) & np.char.isalpha(letters)
    if not valid.all():
        raise _bad_cell(path, cells, ~valid, header, "is not an option letter (A-Z) or empty")
    codes = np.where(letters == "", 0, np.vectorize(ord, otypes=[np.int64])(
        np.where(letters == "", "@", letters)) - 64).astype(np.int8)
    keyed = np.array([ord(key[item].upper()) - 64 for item in header], dtype=np.int8)
    scored = np.where(codes == 0, OMIT, (codes == keyed).astype(np.int8)).astype(np.int8)
    return ResponseFile(tuple(header), scored, weights, codes, keyed)


def read_key(path: str | Path) -> dict[str, str]:
    header, body = _rows(path)
    _require(path, header, ("item", "key"))
    out = {}
    for line, row in zip(_lines(path), body, strict=True):
        record = dict(zip(header, row, strict=True))
        letter = record["key"].strip().upper()
        if len(letter) != 1 or not letter.isalpha():
            raise PsychometricsError("bad key", f"{path}, line {line}, column 'key': "
                                     f"{record['key']!r} is not an option letter")
        out[record["item"].strip()] = letter
    return out


def _require(path, header, columns) -> None:
    for name in columns:
        if name not in header:
            raise PsychometricsError("no column", f"{path}: no column {name!r} (columns: "
                                     f"{', '.join(header)})")


def read_item_parameters(path: str | Path, D: float = 1.0) -> ItemBank:
    """An item-parameter file as an :class:`ItemBank` with scaling constant ``D``."""
    header, body = _rows(path)
    _require(path, header, ("item",))
    steps = sorted((c for c in header if c[:1] == "d" and c[1:].isdigit()),
                   key=lambda c: int(c[1:]))
    if "b" not in header and not steps:
        raise PsychometricsError("no column", f"{path}: needs a column 'b' or threshold "
                                 "columns 'd1', 'd2', ...")
    names, a, c, thresholds = [], [], [], []
    for line, row in zip(_lines(path), body, strict=True):
        record = dict(zip(header, (cell.strip() for cell in row), strict=True))
        name = record["item"]
        if not name or name in names:
            raise PsychometricsError("bad item", f"{path}, line {line}, column 'item': "
                                     f"{name!r} is {'empty' if not name else 'repeated'}")
        names.append(name)
        number = _number_reader(path, line)
        a.append(number(record, "a", 1.0))
        c.append(number(record, "c", 0.0))
        values = [number(record, s, None) for s in steps] if steps else []
        values = [v for v in values if v is not None] or [number(record, "b", None)]
        if values[0] is None:
            raise PsychometricsError("bad cell", f"{path}, line {line}: item {name!r} has no "
                                     "difficulty or thresholds")
        thresholds.append(values)
        if a[-1] <= 0 or not 0 <= c[-1] < 1:
            raise PsychometricsError("bad cell", f"{path}, line {line}: item {name!r} needs "
                                     "a > 0 and 0 <= c < 1")
    width = max(len(t) for t in thresholds)
    table = np.full((len(names), width), np.nan)
    for i, t in enumerate(thresholds):
        table[i, :len(t)] = t
    return ItemBank(tuple(names), np.array(a), np.array(c), table, D)


def _number_reader(path, line):
    def number(record: dict[str, str], column: str, default):
        text = record.get(column, "")
        if text == "":
            return default
        try:
            value = float(text)
        except ValueError:
            value = np.nan
        if not np.isfinite(value):
            raise PsychometricsError("bad cell", f"{path}, line {line}, column {column!r}: "
                                     f"{text!r} is not a number")
        return value
    return number


def check_known_items(path: str | Path, bank: ItemBank, known: Sequence[str],
                      what: str) -> None:
    """Every item of the parameter file ``path`` must be one of ``known`` (the items of
    ``what``); the first that is not is named with its line."""
    known = set(known)
    for line, name in zip(_lines(path), bank.items, strict=True):
        if name not in known:
            raise PsychometricsError("unknown item", f"{path}, line {line}, column 'item': "
                                     f"{name!r} is not in {what}")


def read_conversion(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Raw-to-scale table: (raw, scale) columns as arrays."""
    header, body = _rows(path)
    _require(path, header, ("raw", "scale"))
    raw, scale = [], []
    for line, row in zip(_lines(path), body, strict=True):
        record = dict(zip(header, (cell.strip() for cell in row), strict=True))
        number = _number_reader(path, line)
        raw.append(number(record, "raw", None))
        scale.append(number(record, "scale", None))
        if raw[-1] is None or scale[-1] is None:
            raise PsychometricsError("bad cell", f"{path}, line {line}: raw and scale are "
                                     "both needed")
    return np.array(raw), np.array(scale)
