"""Login, logout and the session: pages (``/login``, ``/logout``) and the API
(``/api/session``).

The session cookie is signed and lives until the browser closes; a session idle for longer
than ``PERMANENT_SESSION_LIFETIME`` ends, checked here at each request against the signed time
of its last use (Flask's own age check of the signature, which cannot tell an expired session
from none, is relaxed to :data:`SIGNATURE_MAX_AGE` by :class:`IdleSessionInterface`).
The user is read from the database at each request, so a changed role or a deactivated
account takes effect at once.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.wrappers import Request, Response

from station import audit, csrf
from station.accounts import authenticate, user_json
from station.config import current_settings
from station.db import db_session
from station.errors import ApiError, bad_input
from station.guard import public
from station.models import User

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

WRONG_CREDENTIALS = "Unknown user or wrong password."
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


def _safe_next(target: str) -> str | None:
    """``target`` when it is a path on this site (never another host)."""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not parts.scheme and not parts.netloc:
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | tuple[str, int] | str:
    next_url = request.values.get("next", "")
    if request.method == "GET":
        if current_user() is not None:
            return redirect(_safe_next(next_url) or url_for("station.home"))
        return render_template("station/login.html", next_url=next_url)
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not username or not password:
        error, status = "Enter your username and password.", 422
    else:
        user = authenticate(db_session(), username, password)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(next_url) or url_for("station.home"))
        log.warning("failed login from %s", request.remote_addr)
        error, status = WRONG_CREDENTIALS, 401
    page = render_template("station/login.html", next_url=next_url, error=error,
                           username=username)
    return page, status


@bp.post("/logout")
@public
def logout() -> Response:
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/api/session")
@public
def api_session() -> Response:
    """The logged-in user (or null) and the CSRF token for state-changing calls."""
    user = current_user()
    return jsonify(user=user_json(user) if user else None, csrf_token=csrf.csrf_token())


@bp.post("/api/session")
@public
def api_login() -> Response:
    """Log in with ``{"username": ..., "password": ...}``; answers the user and the new
    CSRF token."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not all(
        isinstance(body.get(k), str) and body.get(k) for k in ("username", "password")
    ):
        raise bad_input({"username": "required string", "password": "required string"})
    user = authenticate(db_session(), body["username"].strip(), body["password"])
    if user is None:
        log.warning("failed API login from %s", request.remote_addr)
        raise ApiError(401, "unknown user or wrong password")
    login_user(user)
    return jsonify(user=user_json(user), csrf_token=csrf.csrf_token())


@bp.delete("/api/session")
@public
def api_logout() -> Response:
    logout_user()
    return jsonify(user=None, csrf_token=csrf.csrf_token())
