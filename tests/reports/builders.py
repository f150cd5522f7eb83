"""Changed-answer rows built by hand: groups given as per-student change counts."""

from __future__ import annotations

import numpy as np

from reports.changes import (
    CHANGE_NONE,
    RIGHT_TO_WRONG,
    UNKNOWN,
    WRONG_TO_RIGHT,
    WRONG_TO_WRONG,
    GroupKey,
    TestChanges,
)

ITEMS = 20


def students(n: int, with_changes: int = 0, wr: int = 0, rw: int = 0,
             ww: int = 0) -> list[list[int]]:
    """``n`` students' codes: the changes (wr, then rw, then ww) dealt in turn to the first
    ``with_changes`` students."""
    rows = [[CHANGE_NONE] * ITEMS for _ in range(n)]
    codes = [WRONG_TO_RIGHT] * wr + [RIGHT_TO_WRONG] * rw + [WRONG_TO_WRONG] * ww
    used = [0] * n
    for k, code in enumerate(codes):
        s = k % with_changes
        rows[s][used[s]] = code
        used[s] += 1
    return rows


def changed_answers(test: str, groups: dict[GroupKey, list[list[int]]],
                 bitonal: dict[GroupKey, int] | None = None) -> TestChanges:
    """One test's rows; students of ``bitonal`` groups added with unknown codes."""
    keys = tuple(sorted(set(groups) | set(bitonal or {})))
    rows, group, known = [], [], []
    for g, key in enumerate(keys):
        for codes in groups.get(key, []):
            rows.append(codes)
            group.append(g)
            known.append(True)
        for _ in range((bitonal or {}).get(key, 0)):
            rows.append([UNKNOWN] * ITEMS)
            group.append(g)
            known.append(False)
    changes = np.array(rows, np.int8)
    scores = ((np.arange(len(rows))[:, None] + np.arange(ITEMS)) % 3 > 0).astype(np.int8)
    scores[changes == WRONG_TO_RIGHT] = 1
    scores[(changes == RIGHT_TO_WRONG) | (changes == WRONG_TO_WRONG)] = 0
    final = np.where(scores == 1, "A", "B").astype("<U1")
    original = np.where(changes == WRONG_TO_RIGHT, "C",
                        np.where(changes == RIGHT_TO_WRONG, "A",
                                 np.where(changes > 0, "D", ""))).astype("<U1")
    return TestChanges(test, tuple(f"{test}{i + 1}" for i in range(ITEMS)), keys,
                       np.array(group), changes, scores, np.array(known),
                       np.array([f"{test[0]}{k:07d}" for k in range(len(rows))]), final,
                       original, difficulties=np.linspace(-1.5, 1.5, ITEMS))
