"""Submitting a read, and what follows from it: the response's next need and final score, a
scorer's qualification from their qualifying sets, and the automatic holds.

Every read is kept (who, when, scores or condition, seconds from claim to submission). A
validity, training or qualifying read never touches a live response. A backread override
(:func:`backread`) stands in for the read it overrides in the final score; the read itself
stays as submitted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from handscore.errors import Code, HandscoreError
from handscore.models import (
    Backread,
    Need,
    QualificationStatus,
    Read,
    ReadKind,
    ReadStatus,
    Response,
    ResponseKind,
)
from handscore.prompts import Prompt
from handscore.quality import (
    non_adjacent_hold,
    qualification_outcome,
    set_passed,
    smd_hold,
    validity_hold,
)
from handscore.rules import Marks, check_marks, final_score, next_need
from handscore.standing import set_standing, standing
from station.audit import SYSTEM
from station.models import User


def marks_of(scores: dict[str, int] | None, condition: str | None) -> Marks:
    return Marks(scores=scores, condition=condition)


def true_marks(response: Response) -> Marks:
    return Marks(scores=response.true_scores, condition=response.true_condition)


def submit_read(session: Session, prompt: Prompt, scorer: User, read_id: int, values: dict,
                now: datetime) -> Read:
    """Record the scores (``{"scores": {trait: n}}``) or condition (``{"condition": c}``)
    of the scorer's claimed read; errors (nothing stored) for another's read, a read already
    submitted or no longer claimed, and values the rubric refuses."""
    read = session.get(Read, read_id)
    if read is None or read.prompt_id != prompt.id:
        raise HandscoreError(Code.NOT_FOUND, f"no read {read_id} on prompt {prompt.id}")
    if read.scorer_id != scorer.id:
        raise HandscoreError(Code.NOT_YOURS, f"read {read_id} is another scorer's")
    if read.status != ReadStatus.CLAIMED:
        raise HandscoreError(Code.CONFLICT, f"read {read_id} is {read.status} already")
    try:
        marks = check_marks(prompt, values.get("scores"), values.get("condition"))
    except ValueError as exc:
        raise HandscoreError(Code.BAD_INPUT, str(exc)) from exc
    seconds = max((now - _aware(read.claimed_at, now)).total_seconds(), 0.0)
    taken = session.execute(
        update(Read).where(Read.id == read_id, Read.status == ReadStatus.CLAIMED)
        .values(status=ReadStatus.SUBMITTED, submitted_at=now, scores=marks.scores,
                condition=marks.condition, seconds=seconds)
        .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise HandscoreError(Code.CONFLICT, f"read {read_id}: the claim expired and went "
                                            "to another scorer; ask for the next response")
    for name, value in (("status", ReadStatus.SUBMITTED), ("submitted_at", now),
                        ("scores", marks.scores), ("condition", marks.condition),
                        ("seconds", seconds)):
        set_committed_value(read, name, value)  # as written, without reading it back
    if read.slot is not None:
        settle_response(session, prompt, read.response_id)
    after_quality_read(session, prompt, read)
    return read


def _aware(stamp: datetime, like: datetime) -> datetime:
    """SQLite gives back naive UTC times; make them comparable with ``like``."""
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=like.tzinfo)


def live_marks(session: Session, response_id: int) -> dict[int, Marks]:
    """The submitted, not voided live reads of a response by slot, overrides applied."""
    rows = session.execute(
        select(Read.slot, Read.scores, Read.condition, Backread.scores, Backread.condition,
               Backread.overrides)
        .outerjoin(Backread, Backread.read_id == Read.id)
        .where(Read.response_id == response_id, Read.status == ReadStatus.SUBMITTED,
               Read.slot.is_not(None))).all()
    return {slot: marks_of(bs, bc) if over else marks_of(s, c)
            for slot, s, c, bs, bc, over in rows}


def settle_response(session: Session, prompt: Prompt, response_id: int,
                    release_claim: bool = True) -> None:
    """Set the response's need and final score from its reads; free its claim when the
    read just submitted held it (not after an override or a rescore, which leave another
    scorer's claim alone)."""
    by_slot = live_marks(session, response_id)
    first, second = by_slot.get(Need.FIRST), by_slot.get(Need.SECOND)
    resolution = by_slot.get(Need.RESOLUTION)
    need = next_need(prompt, response_id, first, second, resolution)
    final = final_score(prompt, first, second, resolution) if need == Need.NONE else None
    session.execute(
        update(Response).where(Response.id == response_id)
        .values(need=int(need), final_scores=final.scores if final else None,
                final_condition=final.condition if final else None,
                **({"claimed_by": None, "claim_expires": None} if release_claim else {}))
        .execution_options(synchronize_session=False))


def after_quality_read(session: Session, prompt: Prompt, read: Read) -> None:
    """Qualification after a qualifying read; the hold rules after a validity or second
    read (for both readers of the pair); the SMD rule after one live read in
    ``smd_window`` (chosen by read id: on average once per window of a scorer's reads, without
    counting them at every submission)."""
    if read.slot in (Need.FIRST, Need.SECOND) and read.id % prompt.hold.smd_window == 0:
        _hold_if(session, prompt, read.scorer_id, smd_hold(
            prompt, live_reads(session, prompt, read.scorer_id), score_moments(session, prompt)))
    if read.kind == ReadKind.QUALIFYING:
        _judge_qualification(session, prompt, read.scorer_id)
    elif read.kind == ReadKind.VALIDITY:
        _hold_if(session, prompt, read.scorer_id,
                 validity_hold(prompt, validity_pairs(session, prompt, read.scorer_id)))
    elif read.kind == ReadKind.SECOND:
        first_reader = session.scalar(select(Read.scorer_id).where(
            Read.response_id == read.response_id, Read.slot == Need.FIRST,
            Read.status == ReadStatus.SUBMITTED))
        for scorer_id in (read.scorer_id, first_reader):
            _hold_if(session, prompt, scorer_id,
                     non_adjacent_hold(prompt, second_read_pairs(session, prompt, scorer_id)))


def _hold_if(session: Session, prompt: Prompt, scorer_id: int, reason: str | None) -> None:
    if reason and standing(session, scorer_id, prompt.id) == QualificationStatus.QUALIFIED:
        set_standing(session, SYSTEM, scorer_id, prompt.id, QualificationStatus.HELD, reason)


def validity_pairs(session: Session, prompt: Prompt, scorer_id: int,
                   limit: int | None = None) -> list[tuple[Marks, Marks]]:
    """The scorer's validity reads (given, true), oldest first, the last ``limit``."""
    limit = limit or prompt.hold.validity_window
    rows = session.execute(
        select(Read.scores, Read.condition, Response.true_scores, Response.true_condition)
        .join(Response, Response.id == Read.response_id)
        .where(Read.scorer_id == scorer_id, Read.prompt_id == prompt.id,
               Read.kind == ReadKind.VALIDITY, Read.status == ReadStatus.SUBMITTED)
        .order_by(Read.submitted_at.desc(), Read.id.desc()).limit(limit)).all()
    return [(marks_of(s, c), marks_of(ts, tc)) for s, c, ts, tc in reversed(rows)]


def live_reads(session: Session, prompt: Prompt, scorer_id: int) -> list[Marks]:
    """The scorer's last ``smd_window`` submitted first and second reads, oldest first."""
    rows = session.execute(
        select(Read.scores, Read.condition)
        .where(Read.scorer_id == scorer_id, Read.prompt_id == prompt.id,
               Read.status == ReadStatus.SUBMITTED,
               Read.kind.in_([ReadKind.FIRST, ReadKind.SECOND]))
        .order_by(Read.submitted_at.desc()).limit(prompt.hold.smd_window)).all()
    return [marks_of(s, c) for s, c in reversed(rows)]


def score_moments(session: Session, prompt: Prompt) -> dict[str, tuple[float, float]]:
    """Trait → (mean, population SD) of every submitted live first and second read."""
    columns = []
    for trait in prompt.traits:
        score = Read.scores[trait.name].as_float()
        columns += [func.avg(score), func.avg(score * score)]
    row = session.execute(
        select(*columns).where(Read.prompt_id == prompt.id, Read.status == ReadStatus.SUBMITTED,
                               Read.kind.in_([ReadKind.FIRST, ReadKind.SECOND]))).one()
    moments = {}
    for i, trait in enumerate(prompt.traits):
        mean, square = row[2 * i], row[2 * i + 1]
        if mean is not None:
            moments[trait.name] = (float(mean), max(float(square) - float(mean) ** 2, 0.0) ** 0.5)
    return moments


def second_read_pairs(session: Session, prompt: Prompt, scorer_id: int
                      ) -> list[tuple[Marks, Marks]]:
    """The last second-read pairs the scorer is part of (theirs, the other's), oldest
    first."""
    mine, other = aliased(Read), aliased(Read)
    rows = session.execute(
        select(mine.scores, mine.condition, other.scores, other.condition)
        .join(other, (other.response_id == mine.response_id) & (other.id != mine.id))
        .where(mine.scorer_id == scorer_id, mine.prompt_id == prompt.id,
               mine.slot.in_([Need.FIRST, Need.SECOND]),
               other.slot.in_([Need.FIRST, Need.SECOND]),
               mine.status == ReadStatus.SUBMITTED, other.status == ReadStatus.SUBMITTED)
        .order_by(other.submitted_at.desc()).limit(prompt.hold.non_adjacent_window)).all()
    return [(marks_of(a, b), marks_of(c, d)) for a, b, c, d in reversed(rows)]


def _judge_qualification(session: Session, prompt: Prompt, scorer_id: int) -> None:
    """Qualify or fail the scorer once their qualifying sets decide it."""
    sets = _set_sizes(session, prompt)
    rows = session.execute(
        select(Response.set_name, Read.scores, Read.condition, Response.true_scores,
               Response.true_condition)
        .join(Response, Response.id == Read.response_id)
        .where(Read.scorer_id == scorer_id, Read.prompt_id == prompt.id,
               Read.kind == ReadKind.QUALIFYING, Read.status == ReadStatus.SUBMITTED)).all()
    pairs: dict[str, list[tuple[Marks, Marks]]] = {}
    for set_name, s, c, ts, tc in rows:
        pairs.setdefault(set_name, []).append((marks_of(s, c), marks_of(ts, tc)))
    finished = [name for name, size in sets.items() if len(pairs.get(name, ())) == size]
    passed = [set_passed(prompt, pairs[name]) for name in finished]
    outcome = qualification_outcome(prompt, passed, len(sets))
    if outcome is None:
        return
    status = QualificationStatus.QUALIFIED if outcome else QualificationStatus.FAILED
    set_standing(session, SYSTEM, scorer_id, prompt.id, status,
                 f"passed {sum(passed)} of {len(finished)} qualifying sets finished "
                 f"({len(sets)} in all)")


def _set_sizes(session: Session, prompt: Prompt) -> dict[str, int]:
    return dict(session.execute(
        select(Response.set_name, func.count())
        .where(Response.prompt_id == prompt.id, Response.kind == ResponseKind.QUALIFYING)
        .group_by(Response.set_name)).all())
