"""CSRF protection: every state-changing request carries the session's token.

Forms send it as the hidden field ``csrf_token`` (``{{ csrf_field() }}`` in a template);
scripts and ``fetch()`` send it in the ``X-CSRF-Token`` header (pages carry it in
``<meta name="csrf-token">``; the API gives it at ``GET /api/session``). A request without
the right token is refused with 400 before its view runs.
"""

from __future__ import annotations

import hmac
import secrets

from flask import request, session
from markupsafe import Markup, escape

from station.errors import ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_KEY = "csrf"
HEADER = "X-CSRF-Token"
FIELD = "csrf_token"


def csrf_token() -> str:
    """The session's token, made on first use."""
    if SESSION_KEY not in session:
        session[SESSION_KEY] = secrets.token_urlsafe(32)
    return session[SESSION_KEY]


def csrf_field() -> Markup:
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(csrf_token())}">')


def rotate() -> None:
    """A new token (at login and logout)."""
    session[SESSION_KEY] = secrets.token_urlsafe(32)


def protect() -> None:
    """The ``before_request`` hook: refuse a state-changing request without the token."""
    if request.method in SAFE_METHODS or request.endpoint is None:
        return
    sent = request.headers.get(HEADER) or request.form.get(FIELD)
    expected = session.get(SESSION_KEY)
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise ApiError(400, "CSRF token missing or invalid",
                       f"send the session's token in the {HEADER} header or the "
                       f"{FIELD} form field; reload the page to get a new one")
