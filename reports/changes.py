"""The changed-answer rows every erasure analysis reads: one :class:`TestChanges` per test,
arrays over its students (the scoring engine's changed-answer codes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHANGE_NONE, WRONG_TO_RIGHT, RIGHT_TO_WRONG, WRONG_TO_WRONG, RIGHT_TO_RIGHT = 0, 1, 2, 3, 4
UNKNOWN = -1
"""Changed-answer codes, as the scoring engine writes them (``UNKNOWN``: bitonal page)."""

CHANGE_NAMES = {WRONG_TO_RIGHT: "WR", RIGHT_TO_WRONG: "RW", WRONG_TO_WRONG: "WW",
                RIGHT_TO_RIGHT: "RR"}


@dataclass(frozen=True, order=True)
class GroupKey:
    """Where a group sits; ``group`` is the class, or "" for the school × grade group."""

    county: str
    district: str
    school: str
    grade: str
    group: str = ""

    @property
    def label(self) -> str:
        return f"{self.school} grade {self.grade}" + (f" {self.group}" if self.group else "")


@dataclass(frozen=True)
class TestChanges:
    """One test's changed-answer rows: ``n`` students, ``items`` items.

    ``changes`` int8 (n, items): codes above; ``scores`` int8 (n, items) final item scores
    0/1; ``erasure_known`` bool (n,); ``group`` int (n,) index into ``groups``;
    ``lithocode`` str (n,); ``final`` and ``original`` str (n, items) the final and the
    erased answers (only read for students listed, may be empty arrays otherwise);
    ``difficulties`` the items' Rasch difficulties (logits) for the EDI, or None to
    calibrate them from ``scores`` (conditional maximum likelihood).
    """

    test: str
    items: tuple[str, ...]
    groups: tuple[GroupKey, ...]
    group: np.ndarray
    changes: np.ndarray
    scores: np.ndarray
    erasure_known: np.ndarray
    lithocode: np.ndarray
    final: np.ndarray
    original: np.ndarray
    difficulties: np.ndarray | None = None
