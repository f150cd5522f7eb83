"""The vectorised scorer: an item-response matrix in, every student's scores out.

Responses are an ``int8`` array ``(students, items)`` in the definition's item order: an
option's index into :attr:`TestDefinition.options`, :data:`OMIT` or :data:`MULTIPLE`. The
erasure facts are a second such array (:data:`NOT_CHANGED` where no earlier answer was
erased, else the erased answer's index) and a boolean per student that is False when the
pages were scanned bitonal (no erasure information: changed-answer codes :data:`UNKNOWN`).
Work goes in blocks of students, each a few numpy operations over the whole block.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from scoring.definitions import TestDefinition

OMIT = -1
MULTIPLE = -2
NOT_CHANGED = -1
_SHIFT = 2  # responses + 2: 0 multiple, 1 omit, 2.. the options

CHANGE_NONE, WRONG_TO_RIGHT, RIGHT_TO_WRONG, WRONG_TO_WRONG, RIGHT_TO_RIGHT = 0, 1, 2, 3, 4
UNKNOWN = -1
CHANGE_NAMES = {CHANGE_NONE: "", WRONG_TO_RIGHT: "WR", RIGHT_TO_WRONG: "RW",
                WRONG_TO_WRONG: "WW", RIGHT_TO_RIGHT: "RR", UNKNOWN: "?"}
"""Changed-answer codes. Right→right happens on an item with several keys."""

_CHANGE_OF = np.array([WRONG_TO_WRONG, WRONG_TO_RIGHT, RIGHT_TO_WRONG, RIGHT_TO_RIGHT], np.int8)
"""Indexed by ``2 * original_right + final_right``."""

NO_CONDITION = -1
BLOCK = 1 << 16
HALF_UP_TOLERANCE = 1e-9
"""Added before flooring ``x + 0.5``: an interpolated x.5 that floating point left at
x.4999999999 still rounds up."""


@dataclass(frozen=True)
class Scores:
    """Scores of ``n`` students; arrays indexed by student (and item or cluster).

    ``scale`` and ``level`` are computed for everyone; ``reported`` says whether they are
    reported (the condition code decides), ``counted`` whether the student is in summaries.
    """

    item_scores: np.ndarray      # (n, items) int8 points
    raw: np.ndarray              # (n,) float64: item points + weighted polytomous points
    cluster_points: np.ndarray   # (n, clusters) float32
    cluster_percent: np.ndarray  # (n, clusters) float32, 0–100
    scale: np.ndarray            # (n,) int32, half-up rounded
    level: np.ndarray            # (n,) int8 index into definition.levels
    changes: np.ndarray          # (n, items) int8 changed-answer codes
    omits: np.ndarray            # (n,) int16
    multiples: np.ndarray        # (n,) int16
    condition: np.ndarray        # (n,) int8 index into condition_codes(definition), -1 none
    reported: np.ndarray         # (n,) bool
    counted: np.ndarray          # (n,) bool


def condition_codes(definition: TestDefinition) -> tuple[str, ...]:
    """The definition's condition codes in a fixed order: the ``condition`` array's index."""
    return tuple(sorted(definition.conditions))


def score_table(definition: TestDefinition) -> tuple[np.ndarray, np.ndarray]:
    """``(points, right)`` each ``(items, 2 + options)``, indexed by response + 2: the points
    a response earns, and whether it is a key (for changed-answer codes)."""
    options = definition.options
    right = np.zeros((len(definition.items), _SHIFT + len(options)), bool)
    points = np.zeros(right.shape, np.int8)
    for i, item in enumerate(definition.items):
        for answer in item.answers:
            right[i, _SHIFT + options.index(answer)] = True
        if item.status == "everyone":
            points[i, :] = item.points
        elif item.status == "scored":
            points[i, right[i]] = item.points
    return points, right


def scale_scores(definition: TestDefinition, raw: np.ndarray) -> np.ndarray:
    """Raw → scale: linear interpolation between the table's points, clamped to the lowest
    and highest obtainable scale scores, rounded half up (not Python's half-to-even)."""
    table = np.array(definition.scale_table)
    scale = np.interp(raw, table[:, 0], table[:, 1])
    np.clip(scale, definition.lowest_scale, definition.highest_scale, out=scale)
    return np.floor(scale + 0.5 + HALF_UP_TOLERANCE).astype(np.int32)


def performance_levels(definition: TestDefinition, scale: np.ndarray) -> np.ndarray:
    """The level of each scale score: the highest level whose cut it is at or above."""
    cuts = np.array([cut for _, cut in definition.levels])
    return (np.searchsorted(cuts, scale, side="right") - 1).astype(np.int8)


def score(definition: TestDefinition, responses: np.ndarray, *,
          original: np.ndarray | None = None, erasure_known: np.ndarray | None = None,
          polytomous: np.ndarray | None = None, condition: np.ndarray | None = None,
          timings: dict[str, float] | None = None) -> Scores:
    """Score every student. ``polytomous`` is ``(n, len(definition.polytomous))`` points
    (NaN: no score yet, counts 0); ``condition`` is ``(n,)`` int8 (see :class:`Scores`).
    ``timings``, when given, receives the seconds of each step."""
    n, n_items = responses.shape
    if n_items != len(definition.items):
        raise ValueError(f"responses have {n_items} items, the test {len(definition.items)}")
    clock = _Clock(timings)
    points, right = score_table(definition)
    offsets = (np.arange(n_items, dtype=np.int16) * points.shape[1] + _SHIFT)
    members = _cluster_matrix(definition)
    out = _empty(n, n_items, len(definition.clusters))
    for block in _blocks(n):
        index = responses[block].astype(np.int16) + offsets
        out.item_scores[block] = points.ravel()[index]
        out.omits[block] = (responses[block] == OMIT).sum(axis=1)
        out.multiples[block] = (responses[block] == MULTIPLE).sum(axis=1)
        out.raw[block] = out.item_scores[block].sum(axis=1, dtype=np.int32)
        out.cluster_points[block] = out.item_scores[block].astype(np.float32) @ members
    clock.lap("item scores, raw, clusters")
    if original is not None:
        for block in _blocks(n):
            _changes(right.ravel(), offsets, responses[block], original[block],
                     out.changes[block])
    if erasure_known is not None:
        out.changes[~erasure_known] = UNKNOWN
    clock.lap("changed-answer codes")
    if polytomous is not None:
        weights = np.array([p.weight for p in definition.polytomous])
        out.raw[:] += np.nan_to_num(polytomous, nan=0.0) @ weights
    cluster_max = members.T @ np.array([i.points * (i.status != "dropped")
                                        for i in definition.items], np.float32)
    np.divide(out.cluster_points * 100, cluster_max, out=out.cluster_percent,
              where=cluster_max > 0)
    clock.lap("writing, cluster percent")
    out.scale[:] = scale_scores(definition, out.raw)
    out.level[:] = performance_levels(definition, out.scale)
    clock.lap("scale, levels")
    _conditions(definition, out, condition, polytomous)
    clock.lap("conditions")
    return out


class _Clock:
    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings, self.last = timings, time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[step] = self.timings.get(step, 0.0) + now - self.last
        self.last = now


def _blocks(n: int) -> Iterator[slice]:
    for start in range(0, n, BLOCK):
        yield slice(start, min(n, start + BLOCK))


def _changes(right: np.ndarray, offsets: np.ndarray, responses: np.ndarray,
             original: np.ndarray, out: np.ndarray) -> None:
    """Codes where an earlier answer was erased (a few per cent of the cells: only those are
    looked at); ``out`` is all CHANGE_NONE on entry."""
    rows, cols = np.nonzero(original != NOT_CHANGED)
    was = original[rows, cols].astype(np.int16) + offsets[cols]
    now = responses[rows, cols].astype(np.int16) + offsets[cols]
    code = _CHANGE_OF[2 * right[was].view(np.int8) + right[now].view(np.int8)]
    out[rows, cols] = np.where(was != now, code, np.int8(CHANGE_NONE))


def _conditions(definition: TestDefinition, out: Scores, condition: np.ndarray | None,
                polytomous: np.ndarray | None) -> None:
    codes = condition_codes(definition)
    if condition is not None:
        out.condition[:] = condition
    if definition.no_answers_condition is not None:
        blank = (out.omits == out.item_scores.shape[1]) & (out.condition == NO_CONDITION)
        if polytomous is not None:
            blank &= np.all(np.isnan(polytomous) | (polytomous == 0), axis=1)
        out.condition[blank] = codes.index(definition.no_answers_condition)
    conditions = [definition.conditions[c] for c in codes]
    report = np.array([c.report_score for c in conditions] + [True])
    count = np.array([c.in_summaries for c in conditions] + [True])
    out.reported[:] = report[out.condition]  # -1 (no condition) is the last entry
    out.counted[:] = count[out.condition]


def _cluster_matrix(definition: TestDefinition) -> np.ndarray:
    keys = {item.key: i for i, item in enumerate(definition.items)}
    members = np.zeros((len(definition.items), len(definition.clusters)), np.float32)
    for c, items in enumerate(definition.clusters.values()):
        members[[keys[k] for k in items], c] = 1
    return members


def _empty(n: int, n_items: int, n_clusters: int) -> Scores:
    return Scores(
        item_scores=np.empty((n, n_items), np.int8), raw=np.empty(n),
        cluster_points=np.empty((n, n_clusters), np.float32),
        cluster_percent=np.zeros((n, n_clusters), np.float32),
        scale=np.empty(n, np.int32), level=np.empty(n, np.int8),
        changes=np.zeros((n, n_items), np.int8), omits=np.empty(n, np.int16),
        multiples=np.empty(n, np.int16), condition=np.full(n, NO_CONDITION, np.int8),
        reported=np.empty(n, bool), counted=np.empty(n, bool))
