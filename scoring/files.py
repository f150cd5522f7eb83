"""Response files for ``scanscore score file``: CSV in, CSV of scores out (no database).

Input columns: ``student`` (any id), one column per item key of the test (the option
letter, empty for an omit, ``*`` for multiple marks), optionally ``condition`` (a condition
code) and one column per polytomous item (its points; empty: none yet). Output: ``student``,
:data:`scoring.results.SUMMARY_COLUMNS`, then each cluster's points.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from scoring.definitions import TestDefinition
from scoring.errors import ResponseError
from scoring.records import encode_condition, encode_value
from scoring.results import SUMMARY_COLUMNS, score_record
from scoring.scorer import NO_CONDITION, Scores


@dataclass(frozen=True)
class ResponseFile:
    students: list[str]
    responses: np.ndarray
    polytomous: np.ndarray
    condition: np.ndarray


def read_response_file(definition: TestDefinition, path: Path) -> ResponseFile:
    """All rows of ``path``, or a :class:`ResponseError` naming the line and column."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        keys = [item.key for item in definition.items]
        missing = [c for c in ["student", *keys] if c not in header]
        if missing:
            raise ResponseError("missing_columns", f"{path}: line 1: missing columns "
                                f"{missing[:10]}")
        students, rows, points, conditions = [], [], [], []
        for line, row in enumerate(reader, start=2):
            where = f"{path}: line {line}"
            students.append(row["student"])
            rows.append([encode_value(definition, i, row[k].strip(), where)
                         for i, k in enumerate(keys)])
            points.append([_points(row.get(p.name) or "", p.max_points, f"{where}: {p.name}")
                           for p in definition.polytomous])
            conditions.append(encode_condition(definition, (row.get("condition") or "")
                                               .strip(), where))
    n = len(students)
    return ResponseFile(students, np.array(rows, np.int8).reshape(n, len(keys)),
                        np.array(points, float).reshape(n, len(definition.polytomous)),
                        np.array(conditions or [NO_CONDITION], np.int8)[:n])


def _points(text: str, max_points: int, where: str) -> float:
    if not text.strip():
        return float("nan")
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= max_points:
        raise ResponseError("bad_points", f"{where}: {text!r} is not a score 0–{max_points}")
    return value


def write_scores(definition: TestDefinition, students: list[str], scores: Scores,
                 out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", *SUMMARY_COLUMNS, *definition.clusters])
    for i, student in enumerate(students):
        record = score_record(definition, scores, i)
        writer.writerow([student, *("" if record[c] is None else record[c]
                                    for c in SUMMARY_COLUMNS),
                         *(f"{v['points']:g}" for v in record["clusters"].values())])
