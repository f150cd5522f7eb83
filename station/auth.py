"""Login and logout: pages (``/login``, ``/logout``) and the API (``/api/session``).
What a session is and how it ends is :mod:`station.sessions`."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from station import csrf
from station.accounts import authenticate, user_json
from station.db import db_session
from station.errors import ApiError, bad_input
from station.guard import public
from station.sessions import current_user, login_user, logout_user

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

WRONG_CREDENTIALS = "Unknown user or wrong password."


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
