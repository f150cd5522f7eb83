"""Who may use which route: every view declares its roles, one hook enforces them.

Decorate every view with :func:`require_role` or :func:`public`. The declaration is kept on
the view function; :func:`enforce` (run before every request, before any view code or
database lookup of the view) refuses what the declaration does not allow:

- not logged in: pages redirect to the login page, API routes (``/api/...``) answer 401;
- logged in with another role: 403;
- a route without a declaration: 500, so that a forgotten guard fails closed.

Static files (endpoints ``static`` and ``<blueprint>.static``) are public. ``admin`` is not
implied: list it where the administrator may act.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from werkzeug.wrappers import Response

from station.errors import ApiError, is_api_request
from station.roles import ROLES
from station.sessions import current_user, session_expired

F = TypeVar("F", bound=Callable)

ATTRIBUTE = "scanscore_access"


@dataclass(frozen=True)
class Access:
    """A view's declaration: public, or open to ``roles``."""

    public: bool
    roles: frozenset[str]

    def allows(self, role: str | None) -> bool:
        return self.public or role in self.roles


PUBLIC = Access(public=True, roles=frozenset())


def require_role(*roles: str) -> Callable[[F], F]:
    """Open the view to the logged-in users holding one of ``roles``."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"require_role needs roles among {ROLES}, got {roles}")

    def declare(view: F) -> F:
        setattr(view, ATTRIBUTE, Access(public=False, roles=frozenset(roles)))
        return view

    return declare


def public(view: F) -> F:
    """Open the view to everyone, logged in or not."""
    setattr(view, ATTRIBUTE, PUBLIC)
    return view


def access_of(app: Flask, endpoint: str) -> Access | None:
    """The declaration of ``endpoint``, or None when it has none."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, ATTRIBUTE, None)


def enforce() -> Response | None:
    """The ``before_request`` hook; answers instead of the view when access is refused."""
    if request.endpoint is None:
        return None  # no route matched: routing answers 404/405
    access = access_of(current_app, request.endpoint)
    if access is None:
        current_app.logger.error("route %s declares no roles", request.endpoint)
        abort(500, description="this route declares no roles")
    if access.public:
        return None
    user = current_user()
    if user is None:
        if is_api_request():
            detail = "your session expired" if session_expired() else "log in first"
            raise ApiError(401, "not logged in", f"{detail}: POST /api/session")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if user.role not in access.roles:
        raise ApiError(403, "forbidden", f"the {user.role} role may not use this")
    return None
