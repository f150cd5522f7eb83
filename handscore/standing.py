"""A scorer's standing on a prompt (:class:`QualificationStatus`), read and changed; a
standing without live work ends the scorer's open live claims.

Every change is audited: by the supervisor who made it, or by ``system`` when a rule did
(passing the qualifying sets, failing them, a hold threshold crossed).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from handscore.models import (
    LIVE_READS,
    LIVE_STANDINGS,
    Qualification,
    QualificationStatus,
    Read,
    ReadKind,
    ReadStatus,
    Response,
)
from station import audit
from station.models import User, utcnow


def standing(session: Session, scorer_id: int, prompt_id: str) -> QualificationStatus:
    """The scorer's standing on the prompt; TRAINING when nothing was recorded."""
    status = session.scalar(select(Qualification.status).where(
        Qualification.scorer_id == scorer_id, Qualification.prompt_id == prompt_id))
    return QualificationStatus(status or QualificationStatus.TRAINING)


def release_live_claims(session: Session, scorer_id: int, prompt_id: str) -> None:
    """End the scorer's open claims on live work and validity papers (a scorer put on hold
    submits nothing more): the reads become expired, the responses free."""
    session.execute(
        update(Read).where(Read.scorer_id == scorer_id, Read.prompt_id == prompt_id,
                           Read.status == ReadStatus.CLAIMED,
                           Read.kind.in_([*LIVE_READS, ReadKind.VALIDITY]))
        .values(status=ReadStatus.EXPIRED).execution_options(synchronize_session=False))
    session.execute(
        update(Response).where(Response.claimed_by == scorer_id,
                               Response.prompt_id == prompt_id)
        .values(claimed_by=None, claim_expires=None)
        .execution_options(synchronize_session=False))


def set_standing(session: Session, actor: User | str, scorer_id: int, prompt_id: str,
                 status: QualificationStatus, reason: str) -> None:
    """Record the scorer's new standing and why, in the audit log too."""
    row = session.scalar(select(Qualification).where(
        Qualification.scorer_id == scorer_id, Qualification.prompt_id == prompt_id))
    before = row.status if row is not None else QualificationStatus.TRAINING
    if row is None:
        row = Qualification(scorer_id=scorer_id, prompt_id=prompt_id)
        session.add(row)
    row.status, row.reason, row.updated_at = status, reason, utcnow()
    if status not in LIVE_STANDINGS:
        release_live_claims(session, scorer_id, prompt_id)
    audit.record(session, actor, "handscore.standing", f"user:{scorer_id}",
                 before={"prompt": prompt_id, "status": str(before)},
                 after={"prompt": prompt_id, "status": str(status), "reason": reason})
    session.flush()
