"""A scorer's standing on a prompt (:class:`QualificationStatus`), read and changed.

Every change is audited: by the supervisor who made it, or by ``system`` when a rule did
(passing the qualifying sets, failing them, a hold threshold crossed).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handscore.models import Qualification, QualificationStatus
from station import audit
from station.models import User, utcnow


def standing(session: Session, scorer_id: int, prompt_id: str) -> QualificationStatus:
    """The scorer's standing on the prompt; TRAINING when nothing was recorded."""
    status = session.scalar(select(Qualification.status).where(
        Qualification.scorer_id == scorer_id, Qualification.prompt_id == prompt_id))
    return QualificationStatus(status or QualificationStatus.TRAINING)


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
    audit.record(session, actor, "handscore.standing", f"user:{scorer_id}",
                 before={"prompt": prompt_id, "status": str(before)},
                 after={"prompt": prompt_id, "status": str(status), "reason": reason})
    session.flush()
