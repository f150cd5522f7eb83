"""Administration: accounts (admin) and the audit log (admin, supervisor), as pages and
as API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from station.accounts import AccountError, create_user, update_user, user_json
from station.db import db_session
from station.errors import ApiError, bad_input
from station.guard import require_role
from station.inputs import BIG_ROW_ID_MAX, row_id
from station.models import AuditEntry, User
from station.nav import add_nav_item
from station.roles import ADMIN, ROLES, SUPERVISOR
from station.sessions import current_user

bp = Blueprint("admin", __name__)
add_nav_item(bp, "Users", "admin.users", "Accounts and their roles.")
add_nav_item(bp, "Audit log", "admin.audit", "Who changed what, and when.")

AUDIT_PAGE_SIZE = 100


def _users() -> list[User]:
    return list(db_session().scalars(select(User).order_by(User.username)))


def _user_or_404(user_id: int) -> User:
    user = db_session().get(User, user_id)
    if user is None:
        raise ApiError(404, "not found", f"no user {user_id}")
    return user


@bp.get("/admin/users")
@require_role(ADMIN)
def users() -> str:
    return render_template("station/users.html", users=_users(), roles=ROLES)


@bp.post("/admin/users")
@require_role(ADMIN)
def users_create() -> Response | tuple[str, int]:
    form = request.form
    try:
        user = create_user(db_session(), current_user(), form.get("username", "").strip(),
                           form.get("password", ""), form.get("role", ""))
    except AccountError as exc:
        db_session().rollback()
        page = render_template("station/users.html", users=_users(), roles=ROLES,
                               error=str(exc), form=form)
        return page, 422
    db_session().commit()
    flash(f"User {user.username} added as {user.role}.", "info")
    return redirect(url_for("admin.users"))


@bp.post("/admin/users/<int:user_id>")
@require_role(ADMIN)
def users_update(user_id: int) -> Response:
    user = _user_or_404(user_id)
    form = request.form
    active = "on" in form.getlist("active") if "active" in form else None
    try:
        update_user(db_session(), current_user(), user, role=form.get("role") or None,
                    active=active, password=form.get("password") or None)
    except AccountError as exc:
        db_session().rollback()
        flash(f"{user.username}: {exc}", "error")
    else:
        db_session().commit()
        flash(f"User {user.username} saved.", "info")
    return redirect(url_for("admin.users"))


@bp.get("/api/users")
@require_role(ADMIN)
def api_users() -> Response:
    return jsonify(users=[user_json(u) for u in _users()])


@bp.post("/api/users")
@require_role(ADMIN)
def api_users_create() -> tuple[Response, int]:
    """Add a user: ``{"username": ..., "password": ..., "role": ...}``."""
    body = _json_object()
    try:
        user = create_user(db_session(), current_user(), str(body.get("username", "")),
                           str(body.get("password", "")), str(body.get("role", "")))
    except AccountError as exc:
        raise bad_input(str(exc)) from exc
    db_session().commit()
    return jsonify(user_json(user)), 201


@bp.patch("/api/users/<int:user_id>")
@require_role(ADMIN)
def api_users_update(user_id: int) -> Response:
    """Change ``role``, ``active`` or ``password`` of a user (any of them)."""
    body = _json_object()
    user = _user_or_404(user_id)
    active = body.get("active")
    if active is not None and not isinstance(active, bool):
        raise bad_input({"active": "true or false"})
    if not all(isinstance(body.get(k), str | None) for k in ("role", "password")):
        raise bad_input({"role": "a role name", "password": "a string"})
    try:
        update_user(db_session(), current_user(), user, role=body.get("role"),
                    active=active, password=body.get("password"))
    except AccountError as exc:
        raise bad_input(str(exc)) from exc
    db_session().commit()
    return jsonify(user_json(user))


def _json_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_input("send a JSON object")
    return body


def _audit_entries(args: dict[str, str]) -> list[AuditEntry]:
    """The newest entries matching the ``actor``, ``action`` and ``target`` filters, older
    than the id ``before`` when given."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_PAGE_SIZE)
    for name in ("actor", "action", "target"):
        if args.get(name):
            query = query.where(getattr(AuditEntry, name) == args[name])
    before = row_id(args.get("before"), "before", BIG_ROW_ID_MAX)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    return list(db_session().scalars(query))


def _entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id, "at": entry.at.isoformat(), "actor": entry.actor,
        "action": entry.action, "target": entry.target,
        "before": entry.before, "after": entry.after,
    }


@bp.get("/admin/audit")
@require_role(ADMIN, SUPERVISOR)
def audit() -> str:
    entries = _audit_entries(request.args.to_dict())
    return render_template("station/audit.html", entries=entries, args=request.args,
                           page_size=AUDIT_PAGE_SIZE)


@bp.get("/api/audit")
@require_role(ADMIN, SUPERVISOR)
def api_audit() -> Response:
    """The newest 100 entries; filter with ``actor``, ``action``, ``target``; page with
    ``before`` = the smallest id seen."""
    entries = _audit_entries(request.args.to_dict())
    return jsonify(entries=[_entry_json(e) for e in entries])
