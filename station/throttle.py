"""Login throttling: failed logins hold an account, and an address, back for a while.

Failures are counted in the database (``login_failures``), one row per key
(``account:<username>``, ``address:<ip>``), so every process of the station sees the same
counts. Once a key has ``limit`` failures (:class:`station.config.LoginThrottle`), no login
under it is tried until ``lockout`` after its last failure, doubled by each further failure
up to ``max_lockout``: 5 failures hold an account 1 minute, the 6th 2 minutes, and so on to
15. An attempt during the hold is refused without checking the password and does not extend
the hold. A successful login clears its account's count; an address's count is forgotten a
day after its last failure. Unknown usernames are counted like real ones, so the hold does
not tell which names exist.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from station.config import LoginThrottle
from station.models import LoginFailures, as_utc, utcnow

FORGET_AFTER = timedelta(days=1)
"""A key's failures are forgotten this long after its last one."""
USERNAME_KEY_LENGTH = 64
"""Longer names cannot be accounts (``station.accounts.USERNAME``): counted under their
first 64 characters."""


def account_key(username: str) -> str:
    return f"account:{username[:USERNAME_KEY_LENGTH]}"


def address_key(address: str | None) -> str:
    return f"address:{address or 'unknown'}"


def hold(failures: int, last_failure_at: datetime, limit: int,
         policy: LoginThrottle) -> datetime | None:
    """Until when a key with ``failures`` is held back, or None when it is not."""
    if failures < limit:
        return None
    delay = min(policy.lockout * 2 ** min(failures - limit, 30), policy.max_lockout)
    return as_utc(last_failure_at) + delay


def held_until(db: Session, policy: LoginThrottle, username: str,
               address: str | None) -> datetime | None:
    """The end of the longest hold on this account or this address, if one holds now."""
    limits = {account_key(username): policy.per_account,
              address_key(address): policy.per_address}
    rows = db.scalars(select(LoginFailures).where(LoginFailures.key.in_(limits)))
    now = utcnow()
    ends = [end for row in rows
            if (end := hold(row.failures, row.last_failure_at, limits[row.key], policy))
            and end > now]
    return max(ends, default=None)


def count_failure(db: Session, username: str, address: str | None) -> None:
    """Add one failure to the account and to the address (one statement each, atomic
    across processes)."""
    now = utcnow()
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[
        db.get_bind().dialect.name]
    for key in (account_key(username), address_key(address)):
        statement = insert(LoginFailures).values(key=key, failures=1, last_failure_at=now)
        db.execute(statement.on_conflict_do_update(
            index_elements=[LoginFailures.key],
            set_={"failures": case((LoginFailures.last_failure_at < now - FORGET_AFTER, 1),
                                   else_=LoginFailures.failures + 1),
                  "last_failure_at": now}))


def clear_account(db: Session, username: str) -> None:
    """Forget the account's failures (after a successful login)."""
    db.execute(delete(LoginFailures).where(LoginFailures.key == account_key(username)))
