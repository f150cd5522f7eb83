"""The session: who is logged in on this request, starting and ending sessions.

The session cookie is signed and lives until the browser closes; a session idle for longer
than ``PERMANENT_SESSION_LIFETIME`` ends, checked here at each request against the signed time
of its last use (Flask's own age check of the signature, which cannot tell an expired session
from none, is relaxed to :data:`SIGNATURE_MAX_AGE` by :class:`IdleSessionInterface`).
The user is read from the database at each request, so a changed role or a deactivated
account takes effect at once.

Both the role guard (:mod:`station.guard`) and the login pages (:mod:`station.auth`) stand on
this module; it imports neither.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, flash, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.wrappers import Request

from station import audit, csrf
from station.config import current_settings
from station.db import db_session
from station.models import User

log = logging.getLogger(__name__)

SIGNATURE_MAX_AGE = 30 * 24 * 3600


class IdleSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose idle expiry is left to :func:`current_user`."""

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
    uid = session.get("uid")
    if uid is None:
        return None
    now = time.time()
    if now - session.get("seen", 0) > current_settings().session_lifetime.total_seconds():
        log.info("session of user %s expired", uid)
        _end_session()
        g.session_expired = True
        flash("Your session expired: log in again.", "warning")
        return None
    user = db_session().get(User, uid)
    if user is None or not user.active:
        _end_session()
        return None
    session["seen"] = now
    return user


def login_user(user: User) -> None:
    """Start a new session for ``user`` (a fresh session and CSRF token, against fixation)."""
    session.clear()
    session["uid"] = user.id
    session["seen"] = time.time()
    csrf.rotate()
    g.user = user
    audit.record(db_session(), user, "session.login", f"user:{user.id}")
    db_session().commit()
    log.info("user %s (%s) logged in", user.id, user.role)


def logout_user() -> None:
    user = current_user()
    if user is not None:
        audit.record(db_session(), user, "session.logout", f"user:{user.id}")
        db_session().commit()
        log.info("user %s logged out", user.id)
    _end_session()


def _end_session() -> None:
    session.clear()
    csrf.rotate()
    g.user = None
