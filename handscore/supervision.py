"""A supervisor's actions on scorers and reads: waive qualification, release, retrain or
dismiss a scorer, send their reads since a time back for rescoring, and backread.

Every action is audited. Backreads follow the prompt's backread rate per scorer and day: the
next backread is a read of today's scorer furthest behind that share.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from handscore.errors import Code, HandscoreError
from handscore.models import Backread, Need, QualificationStatus, Read, ReadKind, ReadStatus
from handscore.prompts import Prompt
from handscore.reads import settle_response
from handscore.rules import check_marks
from handscore.standing import set_standing
from station import audit
from station.models import User

ACTIONS = ("waive", "release", "retrain", "dismiss", "rescore")
STANDING_OF_ACTION = {"waive": QualificationStatus.WAIVED,
                      "release": QualificationStatus.QUALIFIED,
                      "retrain": QualificationStatus.TRAINING,
                      "dismiss": QualificationStatus.DISMISSED}
LIVE_SLOTS = (Need.FIRST, Need.SECOND)


def act_on_scorer(session: Session, supervisor: User, scorer: User, prompt: Prompt,
                  action: str, reason: str, since: datetime | None = None) -> int:
    """Do ``action`` (one of :data:`ACTIONS`) for ``scorer`` on ``prompt``; returns the
    number of reads sent back (rescore, retrain), else 0."""
    if action not in ACTIONS:
        raise HandscoreError(Code.BAD_INPUT, f"action {action!r} is not one of "
                                             f"{', '.join(ACTIONS)}")
    if action == "rescore":
        if since is None:
            raise HandscoreError(Code.BAD_INPUT, 'rescore needs "since" (an ISO time)')
        return rescore_since(session, supervisor, scorer, prompt, since, reason)
    voided = 0
    if action == "retrain":
        voided = _void(session, scorer.id, prompt.id,
                       Read.kind.in_([ReadKind.TRAINING, ReadKind.QUALIFYING]))
    set_standing(session, supervisor, scorer.id, prompt.id, STANDING_OF_ACTION[action],
                 reason or action)
    return voided


def _void(session: Session, scorer_id: int, prompt_id: str, *where) -> int:
    return session.execute(
        update(Read).where(Read.scorer_id == scorer_id, Read.prompt_id == prompt_id,
                           Read.status == ReadStatus.SUBMITTED, *where)
        .values(status=ReadStatus.VOIDED)
        .execution_options(synchronize_session=False)).rowcount


def rescore_since(session: Session, supervisor: User, scorer: User, prompt: Prompt,
                  since: datetime, reason: str) -> int:
    """Void the scorer's live first and second reads submitted since ``since``; their
    responses wait for those reads again, from other scorers."""
    where = (Read.scorer_id == scorer.id, Read.prompt_id == prompt.id,
             Read.status == ReadStatus.SUBMITTED, Read.slot.in_(LIVE_SLOTS),
             Read.submitted_at >= since)
    response_ids = list(session.scalars(select(Read.response_id).where(*where)))
    _void(session, scorer.id, prompt.id, *where[3:])
    for response_id in response_ids:
        settle_response(session, prompt, response_id, release_claim=False)
    audit.record(session, supervisor, "handscore.rescore", f"user:{scorer.id}",
                 after={"prompt": prompt.id, "since": since.isoformat(),
                        "reads": len(response_ids), "reason": reason})
    return len(response_ids)


def next_backread(session: Session, prompt: Prompt, supervisor: User, day_start: datetime
                  ) -> Read | None:
    """A live read submitted since ``day_start`` by the scorer furthest below the backread
    share of the day, not yet backread; None when every scorer has their share."""
    counts = session.execute(
        select(Read.scorer_id, func.count(Read.id), func.count(Backread.id))
        .outerjoin(Backread, Backread.read_id == Read.id)
        .where(Read.prompt_id == prompt.id, Read.slot.in_(LIVE_SLOTS),
               Read.status == ReadStatus.SUBMITTED, Read.submitted_at >= day_start,
               Read.scorer_id != supervisor.id)
        .group_by(Read.scorer_id)).all()
    behind = sorted(((math.ceil(reads * prompt.backread_rate / 100) - done, scorer_id)
                     for scorer_id, reads, done in counts), reverse=True)
    if not behind or behind[0][0] <= 0:
        return None
    return session.scalar(
        select(Read).outerjoin(Backread, Backread.read_id == Read.id)
        .where(Read.prompt_id == prompt.id, Read.scorer_id == behind[0][1],
               Read.slot.in_(LIVE_SLOTS), Read.status == ReadStatus.SUBMITTED,
               Read.submitted_at >= day_start, Backread.id.is_(None))
        .order_by(Read.id.desc()).limit(1))


def record_backread(session: Session, prompt: Prompt, supervisor: User, read_id: int,
                    values: dict) -> Backread:
    """The supervisor's backread of a live read: ``{"agree": true}``, or an override
    ``{"scores": …}`` / ``{"condition": …}`` with ``"reason"``; an override changes the
    response's final score, the read stays as it was."""
    read = session.get(Read, read_id)
    if read is None or read.prompt_id != prompt.id or read.slot not in LIVE_SLOTS \
            or read.status != ReadStatus.SUBMITTED:
        raise HandscoreError(Code.NOT_FOUND, f"no submitted live read {read_id} on prompt "
                                             f"{prompt.id}")
    if session.scalar(select(Backread.id).where(Backread.read_id == read_id)) is not None:
        raise HandscoreError(Code.CONFLICT, f"read {read_id} is backread already")
    if values.get("agree") is True:
        backread = Backread(read_id=read_id, supervisor_id=supervisor.id)
    else:
        reason = values.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise HandscoreError(Code.BAD_INPUT, 'an override needs a "reason"')
        try:
            marks = check_marks(prompt, values.get("scores"), values.get("condition"))
        except ValueError as exc:
            raise HandscoreError(Code.BAD_INPUT, str(exc)) from exc
        backread = Backread(read_id=read_id, supervisor_id=supervisor.id, overrides=True,
                            scores=marks.scores, condition=marks.condition,
                            reason=reason.strip())
    session.add(backread)
    session.flush()
    if backread.overrides:
        settle_response(session, prompt, read.response_id, release_claim=False)
        audit.record(session, supervisor, "handscore.override", f"read:{read_id}",
                     before={"scores": read.scores, "condition": read.condition},
                     after={"scores": backread.scores, "condition": backread.condition,
                            "reason": backread.reason})
    return backread
