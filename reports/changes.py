"""The changed-answer rows every erasure analysis reads: one :class:`TestChanges` per test,
arrays over its students (the scoring engine's changed-answer codes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reports.errors import ReportInputError

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


KEY_FIELDS = ("county", "district", "school", "grade", "group")
ARRAYS = ("group", "changes", "scores", "erasure_known", "lithocode", "final", "original")


def save_changes(path: Path, tests: Sequence[TestChanges]) -> None:
    """Write ``tests`` to one ``.npz`` file (the layout :func:`load_changes` reads)."""
    arrays: dict[str, np.ndarray] = {"tests": np.array([t.test for t in tests])}
    for k, t in enumerate(tests):
        arrays |= {f"{k}/items": np.array(t.items),
                   f"{k}/groups": np.array([[getattr(g, f) for f in KEY_FIELDS]
                                            for g in t.groups]).reshape(-1, len(KEY_FIELDS)),
                   **{f"{k}/{name}": getattr(t, name) for name in ARRAYS}}
        if t.difficulties is not None:
            arrays[f"{k}/difficulties"] = t.difficulties
    np.savez_compressed(path, **arrays)


def load_changes(path: Path) -> list[TestChanges]:
    """The tests of a file written by :func:`save_changes`; :class:`ReportInputError`
    naming the file when it is not one."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return [_test_of(data, k, str(name)) for k, name in enumerate(data["tests"])]
    except (OSError, KeyError, ValueError) as exc:
        raise ReportInputError("changes_file", f"{path} is not a changed-answer rows file "
                               f"(.npz written by reports.changes.save_changes): {exc}"
                               ) from exc


def _test_of(data, k: int, name: str) -> TestChanges:
    groups = tuple(GroupKey(*map(str, row)) for row in data[f"{k}/groups"])
    return TestChanges(name, tuple(map(str, data[f"{k}/items"])), groups,
                       **{a: data[f"{k}/{a}"] for a in ARRAYS},
                       difficulties=data.get(f"{k}/difficulties"))
