"""A student's scores as a record: the JSON form kept in score rows and written to files."""

from __future__ import annotations

from typing import Any

from scoring.definitions import TestDefinition
from scoring.scorer import CHANGE_NAMES, NO_CONDITION, Scores, condition_codes

SUMMARY_COLUMNS = ("raw", "scale", "level", "condition", "reported", "counted", "omits",
                   "multiples", "wrong_to_right", "right_to_wrong", "wrong_to_wrong")


def score_record(definition: TestDefinition, scores: Scores, i: int) -> dict[str, Any]:
    """Student ``i``'s scores. ``scale`` and ``level`` are null when the condition says the
    score is not reported; ``changes`` is null when erasures are unknown (bitonal)."""
    reported = bool(scores.reported[i])
    codes = [CHANGE_NAMES[int(c)] for c in scores.changes[i]]
    unknown = "?" in codes
    condition = int(scores.condition[i])
    return {
        "raw": float(scores.raw[i]),
        "scale": int(scores.scale[i]) if reported else None,
        "level": definition.levels[scores.level[i]][0] if reported else None,
        "condition": None if condition == NO_CONDITION else condition_codes(definition)[condition],
        "reported": reported, "counted": bool(scores.counted[i]),
        "omits": int(scores.omits[i]), "multiples": int(scores.multiples[i]),
        "items": {item.key: int(s) for item, s in zip(definition.items, scores.item_scores[i],
                                                       strict=True)},
        "clusters": {name: {"points": float(scores.cluster_points[i, c]),
                            "percent": round(float(scores.cluster_percent[i, c]), 1)}
                     for c, name in enumerate(definition.clusters)},
        "changes": None if unknown else {item.key: code for item, code
                                         in zip(definition.items, codes, strict=True) if code},
        "wrong_to_right": None if unknown else codes.count("WR"),
        "right_to_wrong": None if unknown else codes.count("RW"),
        "wrong_to_wrong": None if unknown else codes.count("WW"),
    }
