"""The reader-agreement report: the database's reads gathered into arrays (counted in SQL,
so that a million reads cost a few grouped queries), the figures from
:mod:`handscore.agreement`.

One row per prompt and trait, and per scorer or day when grouped so: ``n``, ``exact``,
``adjacent``, ``non_adjacent``, ``kappa``, ``qwk``, ``pearson``, ``mean_a``, ``mean_b``,
``smd`` and ``matrix`` of the second-read pairs (rows the first read — or, per scorer, the
scorer's read — columns the other); ``reads`` and ``reads_per_hour`` (live first and second
reads over the seconds spent on them); ``distribution`` (share of each score point);
``validity`` (``n``, ``exact``, ``by_true_point``). Per scorer, ``distribution_all`` is
everyone's and ``smd_all`` the standardized difference of the scorer's mean from everyone's.
Reads with a condition code are counted in ``reads`` but not in the score statistics.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from handscore import agreement
from handscore.catalog import load_prompt
from handscore.models import Need, Read, ReadKind, ReadStatus, Response
from handscore.models import Prompt as PromptRow
from handscore.prompts import Prompt, Trait
from station.models import User

GROUPINGS = ("prompt", "scorer", "day")


def agreement_report(session: Session, prompt_id: str | None = None, by: str = "prompt"
                     ) -> dict[str, Any]:
    """The report of one prompt (or every prompt) grouped ``by`` prompt, scorer or day."""
    ids = [prompt_id] if prompt_id else list(session.scalars(
        select(PromptRow.id).order_by(PromptRow.id)))
    names = dict(session.execute(select(User.id, User.username)).all())
    rows = []
    for pid in ids:
        prompt = load_prompt(session, pid)
        for trait in prompt.traits:
            rows.extend(_trait_rows(session, prompt, trait, by, names))
    return {"by": by, "prompts": rows}


def _score(trait: Trait, table=Read):
    return table.scores[trait.name].as_integer()


def _day(column):
    """The UTC day of a time (a date on PostgreSQL, 'YYYY-MM-DD' on SQLite)."""
    return func.date(column)


def _keys(by: str, scorers: np.ndarray, days: np.ndarray) -> np.ndarray:
    if by == "scorer":
        return scorers
    if by == "day":
        return days
    return np.zeros(len(scorers), dtype=np.int64)


def _trait_rows(session: Session, prompt: Prompt, trait: Trait, by: str,
                names: dict[int, str]) -> list[dict[str, Any]]:
    lo, hi = trait.min, trait.max
    pairs = _pairs(session, prompt, trait)
    reads = _read_counts(session, prompt, trait)
    validity = _validity(session, prompt, trait)
    if by == "scorer":  # each pair counts for both its readers, their own read first
        f, s, day, a, b = pairs
        pairs = (np.concatenate([f, s]), None, np.concatenate([day, day]),
                 np.concatenate([a, b]), np.concatenate([b, a]))
    pair_keys = _keys(by, pairs[0], pairs[2])
    read_keys = _keys(by, reads["scorer"], reads["day"])
    valid_keys = _keys(by, validity["scorer"], validity["day"])
    everyone_key = np.zeros(1 if by == "prompt" else 0, dtype=np.int64)  # a row even if unread
    groups = np.unique(np.concatenate([pair_keys, read_keys, valid_keys, everyone_key]))
    n_groups = max(len(groups), 1)
    index = lambda keys: np.searchsorted(groups, keys)  # noqa: E731
    matrices = agreement.score_matrices(index(pair_keys), pairs[3], pairs[4], lo, hi, n_groups)
    k = hi - lo + 1
    points = reads["score"]
    counted = points >= lo  # condition codes have no score (NULL read as lo - 1)
    dist = np.bincount(index(read_keys)[counted] * k + points[counted] - lo,
                       weights=reads["n"][counted], minlength=n_groups * k).reshape(n_groups, k)
    read_n = np.bincount(index(read_keys), weights=reads["n"], minlength=n_groups)
    seconds = np.bincount(index(read_keys), weights=reads["seconds"], minlength=n_groups)
    valid = agreement.score_matrices(index(valid_keys), validity["given"], validity["true"],
                                     lo, hi, n_groups)
    everyone = dist.sum(axis=0)
    rows = []
    for g in range(len(groups)):
        row: dict[str, Any] = {"prompt": prompt.id, "trait": trait.name, "scale": [lo, hi]}
        if by == "scorer":
            row["scorer"] = names.get(int(groups[g]), str(groups[g]))
        elif by == "day":
            row["day"] = str(np.datetime64(int(groups[g]), "D"))
        row.update(agreement.summary(matrices[g], lo))
        row.update(_productivity(read_n[g], seconds[g], dist[g]))
        row["validity"] = _validity_json(valid[g], lo)
        if by == "scorer":
            row["distribution_all"] = _shares(everyone)
            row["smd_all"] = _smd_against(dist[g], everyone, lo)
        rows.append(row)
    return rows


def _productivity(reads: float, seconds: float, dist: np.ndarray) -> dict[str, Any]:
    return {"reads": int(reads),
            "reads_per_hour": round(reads / (seconds / 3600), 1) if seconds > 0 else None,
            "distribution": _shares(dist)}


def _shares(counts: np.ndarray) -> list[float | None]:
    return [None if np.isnan(v) else round(float(v), 6) for v in agreement.shares(counts)]


def _smd_against(mine: np.ndarray, everyone: np.ndarray, lo: int) -> float | None:
    """(mean of the scorer's reads - everyone's mean) / everyone's SD."""
    points = lo + np.arange(len(mine))
    if mine.sum() == 0 or everyone.sum() == 0:
        return None
    mean_all = everyone @ points / everyone.sum()
    sd_all = np.sqrt(everyone @ (points - mean_all) ** 2 / everyone.sum())
    if sd_all == 0:
        return None
    return round(float((mine @ points / mine.sum() - mean_all) / sd_all), 6)


def _validity_json(matrix: np.ndarray, lo: int) -> dict[str, Any]:
    by_point = agreement.by_true_point(matrix)
    exact = agreement.exact(matrix)
    return {"n": int(matrix.sum()), "exact": None if np.isnan(exact) else round(float(exact), 6),
            "by_true_point": {str(lo + i): None if np.isnan(v) else round(float(v), 6)
                              for i, v in enumerate(by_point)}}


def _day_numbers(values: list) -> np.ndarray:
    return np.array(values, dtype="datetime64[D]").astype(np.int64)


def _pairs(session: Session, prompt: Prompt, trait: Trait) -> tuple[np.ndarray, ...]:
    """(first scorer, second scorer, day of the second read, first score, second score)
    of every response with both reads scored (no condition code)."""
    first, second = aliased(Read), aliased(Read)
    rows = session.execute(
        select(first.scorer_id, second.scorer_id, _day(second.submitted_at),
               _score(trait, first), _score(trait, second))
        .join(second, second.response_id == first.response_id)
        .where(first.prompt_id == prompt.id, first.slot == Need.FIRST,
               second.slot == Need.SECOND, first.status == ReadStatus.SUBMITTED,
               second.status == ReadStatus.SUBMITTED, first.condition.is_(None),
               second.condition.is_(None))).all()
    columns = list(zip(*rows, strict=True)) if rows else [[]] * 5
    return (np.array(columns[0], dtype=np.int64), np.array(columns[1], dtype=np.int64),
            _day_numbers(list(columns[2])), np.array(columns[3], dtype=np.int64),
            np.array(columns[4], dtype=np.int64))


def _read_counts(session: Session, prompt: Prompt, trait: Trait) -> dict[str, np.ndarray]:
    """Live first and second reads counted by scorer, day and score point (no score:
    ``lo - 1``), with the seconds spent."""
    score = func.coalesce(_score(trait), trait.min - 1)
    day = _day(Read.submitted_at)
    rows = session.execute(
        select(Read.scorer_id, day, score, func.count(), func.sum(Read.seconds))
        .where(Read.prompt_id == prompt.id, Read.kind.in_([ReadKind.FIRST, ReadKind.SECOND]),
               Read.status == ReadStatus.SUBMITTED)
        .group_by(Read.scorer_id, day, score)).all()
    scorer, days, points, n, seconds = (list(c) for c in zip(*rows, strict=True)) if rows \
        else ([], [], [], [], [])
    return {"scorer": np.array(scorer, dtype=np.int64), "day": _day_numbers(days),
            "score": np.array(points, dtype=np.int64), "n": np.array(n, dtype=np.float64),
            "seconds": np.array([s or 0.0 for s in seconds], dtype=np.float64)}


def _validity(session: Session, prompt: Prompt, trait: Trait) -> dict[str, np.ndarray]:
    """Validity reads scored (no condition code on either side) as arrays."""
    rows = session.execute(
        select(Read.scorer_id, _day(Read.submitted_at), _score(trait),
               Response.true_scores[trait.name].as_integer())
        .join(Response, Response.id == Read.response_id)
        .where(Read.prompt_id == prompt.id, Read.kind == ReadKind.VALIDITY,
               Read.status == ReadStatus.SUBMITTED, Read.condition.is_(None),
               Response.true_condition.is_(None))).all()
    scorer, days, given, true = (list(c) for c in zip(*rows, strict=True)) if rows \
        else ([], [], [], [])
    return {"scorer": np.array(scorer, dtype=np.int64), "day": _day_numbers(days),
            "given": np.array(given, dtype=np.int64), "true": np.array(true, dtype=np.int64)}
