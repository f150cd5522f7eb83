"""Login and logout: pages (``/login``, ``/logout``) and the API (``/api/session``).
What a session is and how it ends is :mod:`station.sessions`; how failed logins hold an
account or an address back is :mod:`station.throttle`. Every attempt is audited (the
username and the address, never the password)."""

from __future__ import annotations

import logging
import math
from urllib.parse import urlsplit

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from station import audit, csrf, throttle
from station.accounts import USERNAME_LENGTH, authenticate, user_json
from station.config import current_settings
from station.db import db_session
from station.errors import bad_input, error_response
from station.guard import public
from station.models import User, utcnow
from station.sessions import current_user, login_user, logout_user

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

WRONG_CREDENTIALS = "Unknown user or wrong password."
ANONYMOUS = "anonymous"
"""The audit log's actor of a login attempt that failed (nobody proved who they are)."""


class LoginRefused(Exception):
    """A login attempt refused: ``status`` 401 (wrong credentials) or 429 (held back for
    ``retry_after`` seconds); ``message`` is for the login page, ``error`` and ``detail``
    for the API."""

    def __init__(self, status: int, error: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.retry_after = retry_after
        self.detail = message if retry_after is not None else None


def attempt_login(username: str, password: str) -> User:
    """Log ``username`` in, unless failed logins hold the account or this address back or
    the password is wrong (:class:`LoginRefused`, counted, audited and logged)."""
    db = db_session()
    address = request.remote_addr
    policy = current_settings().login_throttle
    until = throttle.reserve(db, policy, username, address)
    if until is not None:
        wait = math.ceil((until - utcnow()).total_seconds())
        log.warning("login refused (held back %d s) for user %r from %s", wait,
                    username[:USERNAME_LENGTH], address)
        raise LoginRefused(429, "too many failed logins",
                           "Too many failed logins for this account or from this address: "
                           f"try again in {wait} s.", wait)
    user = authenticate(db, username, password)
    if user is None:
        _refused(username, address, "wrong credentials")
        raise LoginRefused(401, "unknown user or wrong password", WRONG_CREDENTIALS)
    throttle.forgive(db, policy, username, address)
    login_user(user)
    return user


def _refused(username: str, address: str | None, outcome: str) -> None:
    """Audit and log an attempt whose password was checked and refused. (Attempts held back
    are only logged: they cost no password check, and a flood of them must not flood the
    audit log.)"""
    db = db_session()
    name = username[:USERNAME_LENGTH]
    user_id = db.scalar(select(User.id).where(User.username == username))
    target = f"user:{user_id}" if user_id is not None else f"username:{name}"
    audit.record(db, ANONYMOUS, "session.login_refused", target,
                 after={"username": name, "address": address, "outcome": outcome})
    db.commit()
    log.warning("login refused (%s) for user %r from %s", outcome, name, address)


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
        try:
            attempt_login(username, password)
        except LoginRefused as exc:
            error, status = exc.message, exc.status
        else:
            return redirect(_safe_next(next_url) or url_for("station.home"))
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
    try:
        user = attempt_login(body["username"].strip(), body["password"])
    except LoginRefused as exc:
        response = error_response(exc.status, exc.error, exc.detail)
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return jsonify(user=user_json(user), csrf_token=csrf.csrf_token())


@bp.delete("/api/session")
@public
def api_logout() -> Response:
    logout_user()
    return jsonify(user=None, csrf_token=csrf.csrf_token())
