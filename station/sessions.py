"""The session: who is logged in on this request, starting and ending sessions.

A login is a row of ``user_sessions``; the signed cookie carries the session's random token,
and each request finds its row by the token's SHA-256. Logout, a password change,
deactivation and an admin's "end sessions" end the row, so a copy of the cookie taken
before opens nothing afterwards. A session idle for longer than
``PERMANENT_SESSION_LIFETIME`` ends at its next request (the time of last use is kept in the
row, written at most every :data:`SEEN_RESOLUTION`). The user is read from the database at
each request, so a changed role takes effect at once.

Both the role guard (:mod:`station.guard`) and the login pages (:mod:`station.auth`) stand on
this module; it imports neither.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import Flask, flash, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.wrappers import Request

from station import audit, csrf
from station.config import current_settings
from station.db import db_session
from station.models import SessionEnd, User, UserSession, as_utc, utcnow

log = logging.getLogger(__name__)

SIGNATURE_MAX_AGE = 30 * 24 * 3600
"""Seconds a cookie's signature is accepted; the session's own row decides before that."""
SEEN_RESOLUTION = timedelta(minutes=1)
"""How stale a session's recorded last use may get before a request writes it again."""
TOKEN_KEY = "sid"


class IdleSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose expiry is left to the session's row (:func:`current_user`)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            return self.session_class(serializer.loads(value, max_age=SIGNATURE_MAX_AGE))
        except BadSignature:
            return self.session_class()


def current_user() -> User | None:
    """The logged-in user of this request, or None (not logged in, expired, deactivated)."""
    if "user" not in g:
        g.user = _load_user()
    return g.user


def session_expired() -> bool:
    """Whether this request came with a session that had expired."""
    return g.get("session_expired", False)


def _load_user() -> User | None:
    token = session.get(TOKEN_KEY)
    if token is None:
        return None
    db = db_session()
    row = db.scalars(select(UserSession).where(
        UserSession.token_hash == _token_hash(token), UserSession.ended_at.is_(None))).first()
    if row is None:
        _forget_cookie()
        return None
    now = utcnow()
    lifetime = current_settings().session_lifetime
    if now - as_utc(row.last_seen_at) > lifetime:
        log.info("session of user %s expired", row.user_id)
        _end_row(db, row, SessionEnd.IDLE)
        g.session_expired = True
        flash("Your session expired: log in again.", "warning")
        return None
    user = db.get(User, row.user_id)
    if not user.active:
        _end_row(db, row, SessionEnd.DEACTIVATED)
        return None
    if now - as_utc(row.last_seen_at) > min(SEEN_RESOLUTION, lifetime / 4):
        row.last_seen_at = now
        db.commit()
    return user


def login_user(user: User) -> None:
    """Start a new session for ``user`` (a fresh token and CSRF token, against fixation);
    a session this browser had is ended."""
    db = db_session()
    if TOKEN_KEY in session:
        db.execute(_ending(SessionEnd.REPLACED)
                   .where(UserSession.token_hash == _token_hash(session[TOKEN_KEY])))
    token = secrets.token_urlsafe(32)
    db.add(UserSession(token_hash=_token_hash(token), user_id=user.id,
                       address=request.remote_addr))
    session.clear()
    session[TOKEN_KEY] = token
    csrf.rotate()
    g.user = user
    audit.record(db, user, "session.login", f"user:{user.id}",
                 after={"address": request.remote_addr})
    db.commit()
    log.info("user %s (%s) logged in from %s", user.id, user.role, request.remote_addr)


def logout_user() -> None:
    """End this browser's session (its row too: the cookie opens nothing afterwards)."""
    user = current_user()
    if user is not None:
        db = db_session()
        db.execute(_ending(SessionEnd.LOGOUT)
                   .where(UserSession.token_hash == _token_hash(session[TOKEN_KEY])))
        audit.record(db, user, "session.logout", f"user:{user.id}")
        db.commit()
        log.info("user %s logged out", user.id)
    _forget_cookie()


def end_sessions(db: Session, user: User, reason: SessionEnd) -> int:
    """End every open session of ``user`` (in ``db``'s transaction); how many were open."""
    result = db.execute(_ending(reason).where(UserSession.user_id == user.id))
    if result.rowcount:
        log.info("%d session(s) of user %s ended: %s", result.rowcount, user.id, reason)
    return result.rowcount


def _open():
    """The condition of an open session: ended by no one, used within the idle lifetime."""
    since = utcnow() - current_settings().session_lifetime
    return (UserSession.ended_at.is_(None)) & (UserSession.last_seen_at >= since)


def open_session_counts(db: Session) -> dict[int, int]:
    """Open sessions per user id."""
    rows = db.execute(select(UserSession.user_id, func.count()).where(_open())
                      .group_by(UserSession.user_id))
    return {user_id: count for user_id, count in rows}


def open_sessions(db: Session, user: User) -> list[UserSession]:
    """The user's open sessions, the newest first."""
    return list(db.scalars(select(UserSession).where(_open(), UserSession.user_id == user.id)
                           .order_by(UserSession.started_at.desc())))


def session_json(row: UserSession) -> dict[str, object]:
    """A session as the API shows it (never its token)."""
    return {"id": row.id, "started_at": as_utc(row.started_at).isoformat(),
            "last_seen_at": as_utc(row.last_seen_at).isoformat(), "address": row.address}


def _ending(reason: SessionEnd):
    """An UPDATE ending the open sessions it is narrowed to."""
    return (update(UserSession).where(UserSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
            .execution_options(synchronize_session=False))


def _end_row(db: Session, row: UserSession, reason: SessionEnd) -> None:
    db.execute(_ending(reason).where(UserSession.id == row.id))
    db.commit()
    _forget_cookie()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _forget_cookie() -> None:
    session.clear()
    csrf.rotate()
    g.user = None
