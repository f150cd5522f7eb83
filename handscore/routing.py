"""Who reads what next: ``next_read`` claims one read for a scorer, atomically.

The order for a scorer on a prompt: the claim they already hold (a reload shows it again);
then, when qualified (or waived), a validity paper at the prompt's validity rate (a random
draw per request), else a live second read, else a live first read; when still in training,
the training sets, then the qualifying sets. Supervisors and admins get the resolution reads
first. A held, failed or dismissed scorer gets nothing.

A live claim is one statement, ``UPDATE hs_response SET claimed_by … WHERE id = (SELECT …
LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id``: on PostgreSQL concurrent scorers skip each
other's rows; on SQLite the statement is the transaction's first write and so holds the
database's write lock from the choice to the commit. Unique keys on ``hs_read`` (one read
per response and scorer, one per slot) make a double read impossible even so. A claim left
``claim_minutes`` returns to the pool: the next claim of the response marks it expired.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Integer,
    Update,
    bindparam,
    cast,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from handscore.models import (
    LIVE_STANDINGS,
    Need,
    QualificationStatus,
    Read,
    ReadKind,
    ReadStatus,
    Response,
    ResponseKind,
)
from handscore.prompts import Prompt
from handscore.standing import standing
from station.models import User
from station.roles import ADMIN, SUPERVISOR

INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
KIND_OF_NEED = {Need.FIRST: ReadKind.FIRST, Need.SECOND: ReadKind.SECOND,
                Need.RESOLUTION: ReadKind.RESOLUTION}


def next_read(session: Session, prompt: Prompt, scorer: User, now: datetime) -> Read | None:
    """The read ``scorer`` works on next on ``prompt``, claimed; None when nothing waits."""
    held = _held_claim(session, prompt, scorer, now)
    if held is not None:
        return held
    if scorer.role in (SUPERVISOR, ADMIN):
        read = _claim_live(session, prompt, scorer, now, (Need.RESOLUTION, Need.RESOLUTION))
        if read is not None:
            return read
    status = standing(session, scorer.id, prompt.id)
    if status in LIVE_STANDINGS:
        return _live_work(session, prompt, scorer, now)
    if status == QualificationStatus.TRAINING:
        return (_claim_paper(session, prompt, scorer, ResponseKind.TRAINING, now)
                or _claim_paper(session, prompt, scorer, ResponseKind.QUALIFYING, now))
    return None


def _live_work(session: Session, prompt: Prompt, scorer: User, now: datetime) -> Read | None:
    if secrets.randbelow(10_000) < prompt.validity_rate * 100:
        read = _claim_paper(session, prompt, scorer, ResponseKind.VALIDITY, now)
        if read is not None:
            return read
    return _claim_live(session, prompt, scorer, now, (Need.SECOND, Need.FIRST))


def _held_claim(session: Session, prompt: Prompt, scorer: User, now: datetime) -> Read | None:
    """The scorer's open claim on the prompt, its expiry pushed back; None when none."""
    read = session.scalar(select(Read).where(
        Read.scorer_id == scorer.id, Read.prompt_id == prompt.id,
        Read.status == ReadStatus.CLAIMED).limit(1))
    if read is not None and read.slot is not None:
        session.execute(
            update(Response).where(Response.id == read.response_id,
                                   Response.claimed_by == scorer.id)
            .values(claim_expires=now + timedelta(minutes=prompt.claim_minutes))
            .execution_options(synchronize_session=False))
    return read


def not_read_by(scorer_id: int | BindParameter[int], response: type[Response] = Response
                ) -> ColumnElement[bool]:
    """Responses ``scorer_id`` has no read of (voided training reads aside)."""
    return ~exists().where(
        Read.response_id == response.id, Read.scorer_id == scorer_id,
        or_(Read.status != ReadStatus.VOIDED,
            Read.kind.in_([ReadKind.FIRST, ReadKind.SECOND, ReadKind.RESOLUTION,
                           ReadKind.VALIDITY])))


def _claim_statement() -> Update:
    """The one statement of a live claim, built once: the first response waiting for the
    read ``need_1``, else for ``need_2`` (COALESCE evaluates the second choice only when
    the first finds none); parameters ``prompt``, ``need_1``, ``need_2``, ``now``,
    ``scorer``, ``expires``. Returns the response's id and need."""
    scorer = bindparam("scorer", type_=Integer)

    def choice(need: str) -> ColumnElement[int]:
        waiting = aliased(Response)  # its own FROM: not correlated with the UPDATE's table
        return (
            select(waiting.id)
            .where(waiting.prompt_id == bindparam("prompt"), waiting.need == bindparam(need),
                   or_(waiting.claim_expires.is_(None), waiting.claim_expires < bindparam("now")),
                   not_read_by(scorer, waiting))
            .order_by(waiting.id).limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery())

    return (update(Response).where(Response.id == func.coalesce(choice("need_1"),
                                                                choice("need_2")))
            .values(claimed_by=scorer, claim_expires=bindparam("expires"))
            .returning(Response.id, Response.need)
            .execution_options(synchronize_session=False))


CLAIM = _claim_statement()
EXPIRE_CLAIM = update(Read).where(
    Read.response_id == bindparam("response"), Read.slot == bindparam("slot_of"),
    Read.status == ReadStatus.CLAIMED).values(status=ReadStatus.EXPIRED) \
    .execution_options(synchronize_session=False)


def _claim_live(session: Session, prompt: Prompt, scorer: User, now: datetime,
                needs: tuple[Need, Need]) -> Read | None:
    """Claim a response waiting for ``needs[0]``, else one waiting for ``needs[1]``."""
    claimed = session.execute(CLAIM, {
        "prompt": prompt.id, "need_1": int(needs[0]), "need_2": int(needs[1]), "now": now,
        "scorer": scorer.id, "expires": now + timedelta(minutes=prompt.claim_minutes)}).first()
    if claimed is None:
        return None
    response_id, need = claimed
    session.execute(EXPIRE_CLAIM, {"response": response_id, "slot_of": need})
    read = Read(response_id=response_id, prompt_id=prompt.id, scorer_id=scorer.id,
                kind=KIND_OF_NEED[Need(need)], slot=need, claimed_at=now)
    session.add(read)
    session.flush()
    return read


def _claim_paper(session: Session, prompt: Prompt, scorer: User, kind: ResponseKind,
                 now: datetime) -> Read | None:
    """A paper of known scores (validity, training, qualifying) the scorer has not read:
    training and qualifying in set order, validity in an order of the scorer's own. A
    concurrent request of the same scorer that took the same paper makes this one None
    (ON CONFLICT DO NOTHING on the read-once key)."""
    query = (select(Response.id)
             .where(Response.prompt_id == prompt.id, Response.kind == kind,
                    not_read_by(scorer.id)).limit(1))
    if kind == ResponseKind.VALIDITY:
        spread = cast(Response.id, BigInteger) * 7919 + scorer.id * 104729  # no int overflow
        query = query.order_by(spread % 1_000_003)
    else:
        query = query.order_by(Response.set_name, Response.id)
    response_id = session.scalar(query)
    if response_id is None:
        return None
    insert = INSERTS[session.get_bind().dialect.name]
    read_id = session.scalar(
        insert(Read).values(response_id=response_id, prompt_id=prompt.id,
                            scorer_id=scorer.id, kind=ReadKind(kind.value),
                            status=ReadStatus.CLAIMED, claimed_at=now)
        .on_conflict_do_nothing().returning(Read.id))
    return None if read_id is None else session.get(Read, read_id)
