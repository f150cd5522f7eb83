"""Login throttling: failed logins hold an account, and an address, back for a while.

Failures are counted in the database (``login_failures``), one row per key
(``account:<username>``, ``address:<ip>``), so every process of the station sees the same
counts. Once a key has ``limit`` failures (:class:`station.config.LoginThrottle`), no login
under it is tried until ``lockout`` after its last failure, doubled by each further failure
up to ``max_lockout``: 5 failures hold an account 1 minute, the 6th 2 minutes, and so on to
15. An attempt during the hold is refused without checking the password and does not extend
the hold. Unknown usernames are counted like real ones, so the hold does not tell which
names exist.

An attempt is counted as a failure *before* its password is checked (:func:`reserve`, one
committed transaction whose row locks order simultaneous attempts), so a burst of
simultaneous requests gets no more tries than one after the other; a success then takes
its count back (:func:`forgive`): its account's count is cleared, its address's lowered by
one. A key's failures are forgotten :data:`FORGET_AFTER` its last one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from station.accounts import USERNAME_LENGTH
from station.config import LoginThrottle
from station.models import LoginFailures, as_utc, utcnow

FORGET_AFTER = timedelta(days=1)
"""A key's failures are forgotten this long after its last one."""


def account_key(username: str) -> str:
    """Longer names than an account can have are counted under their first characters."""
    return f"account:{username[:USERNAME_LENGTH]}"


def address_key(address: str | None) -> str:
    return f"address:{address or 'unknown'}"


def hold_length(failures: int, limit: int, policy: LoginThrottle) -> timedelta | None:
    """How long ``failures`` hold a key back, or None below the ``limit``."""
    if failures < limit:
        return None
    return min(policy.lockout * 2 ** min(failures - limit, 30), policy.max_lockout)


def reserve(db: Session, policy: LoginThrottle, username: str,
            address: str | None) -> datetime | None:
    """Count this attempt as a failure of its account and its address, and commit; or, when
    either is held back now, count nothing and answer when the hold ends."""
    now = utcnow()
    for key, limit in ((account_key(username), policy.per_account),
                       (address_key(address), policy.per_address)):
        failures = _count_one_more(db, key, now)
        if failures is None:
            until = db.scalar(select(LoginFailures.held_until).where(LoginFailures.key == key))
            db.rollback()
            return as_utc(until)
        length = hold_length(failures, limit, policy)
        if length is not None:
            db.execute(update(LoginFailures).where(LoginFailures.key == key)
                       .values(held_until=now + length))
    db.commit()
    return None


def forgive(db: Session, policy: LoginThrottle, username: str, address: str | None) -> None:
    """Take back a reserved attempt that succeeded: the account's count is cleared, the
    address's lowered by one (and its hold lifted when that brings it under the limit)."""
    db.execute(delete(LoginFailures).where(LoginFailures.key == account_key(username)))
    lowered = LoginFailures.failures - 1
    db.execute(update(LoginFailures)
               .where(LoginFailures.key == address_key(address), LoginFailures.failures > 0)
               .values(failures=lowered,
                       held_until=case((lowered < policy.per_address, None),
                                       else_=LoginFailures.held_until)))


def _count_one_more(db: Session, key: str, now: datetime) -> int | None:
    """The key's failures with this one, or None when the key is held back (nothing is
    counted then). The UPDATE locks the row until the commit, so a simultaneous attempt
    waits and then sees this one's count and hold."""
    not_held = or_(LoginFailures.held_until.is_(None), LoginFailures.held_until <= now)
    counted = (
        update(LoginFailures).where(LoginFailures.key == key, not_held)
        .values(failures=case((LoginFailures.last_failure_at < now - FORGET_AFTER, 1),
                              else_=LoginFailures.failures + 1),
                last_failure_at=now)
        .returning(LoginFailures.failures)
        .execution_options(synchronize_session=False)
    )
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[
        db.get_bind().dialect.name]
    first = (insert(LoginFailures).values(key=key, failures=1, last_failure_at=now)
             .on_conflict_do_nothing().returning(LoginFailures.failures))
    for statement in (counted, first, counted):  # the row may appear between the first two
        failures = db.scalar(statement)
        if failures is not None:
            return failures
    return None
