"""The station's part of the web app: settings, hooks, the base template, the home page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from station import csrf, db, errors, guard
from station.config import Settings
from station.guard import require_role
from station.inputs import ROW_ID_MAX
from station.nav import nav_items
from station.roles import ROLE_TITLES, ROLES
from station.sessions import IdleSessionInterface, current_user

bp = Blueprint(
    "station", __name__, template_folder="templates", static_folder="static",
    static_url_path="/static/station",
)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask, settings: Settings) -> None:
    """Configure ``app`` from ``settings`` and install the hooks every request passes:
    the role guard, then the CSRF check."""
    app.extensions["scanscore"] = settings
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="scanscore_session",
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=settings.session_lifetime,
        MAX_CONTENT_LENGTH=settings.max_content_length,
    )
    app.url_map.converters["int"] = RowIdConverter
    app.session_interface = IdleSessionInterface()
    db.init_app(app)
    errors.init_app(app)
    app.before_request(guard.enforce)
    app.before_request(csrf.protect)
    app.after_request(_security_headers)
    app.context_processor(_template_globals)


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in every route: a row id, 0 to ROW_ID_MAX. A larger number is a
    404 (no such row) rather than an overflow in the database."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's
        kwargs.setdefault("max", ROW_ID_MAX)
        super().__init__(map, *args, **kwargs)


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _template_globals() -> dict[str, object]:
    user = current_user()
    return {
        "current_user": user,
        "role_title": ROLE_TITLES.get(user.role, "") if user else "",
        "nav": nav_items(user.role if user else None),
        "csrf_token": csrf.csrf_token,
        "csrf_field": csrf.csrf_field,
    }


@bp.get("/")
@require_role(*ROLES)
def home() -> str:
    """The role's home page: the areas its role may open."""
    user = current_user()
    return render_template("station/home.html", title=f"{ROLE_TITLES[user.role]} home")
