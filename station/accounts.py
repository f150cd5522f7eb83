"""Accounts: create, change and authenticate users. The CLI, the pages and the API all go
through these functions, and each change is written to the audit log. A password change or a
deactivation ends the user's sessions."""

from __future__ import annotations

import re
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from station import audit
from station.config import current_settings
from station.models import SessionEnd, User, utcnow
from station.roles import ADMIN, ROLES
from station.sessions import end_sessions

USERNAME_LENGTH = 64
USERNAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{USERNAME_LENGTH - 1}}}")
MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """A request about an account that cannot be done as asked; the message says why."""


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_settings().password_hash_method)


def create_user(session: Session, actor: User | str, username: str, password: str,
                role: str) -> User:
    """Add an active account; raises :class:`AccountError` on a bad or taken name, an unknown
    role or a short password."""
    if not USERNAME.fullmatch(username):
        raise AccountError(
            "a username is 1-64 letters, digits, dots, dashes or underscores, "
            "starting with a letter or digit"
        )
    _check_role(role)
    _check_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} exists already")
    user = User(username=username, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", f"user:{user.id}",
                 after={"username": username, "role": role, "active": True})
    return user


def update_user(session: Session, actor: User | str, user: User, *, role: str | None = None,
                active: bool | None = None, password: str | None = None) -> User:
    """Change a user's role, active flag or password (the audit log records that the
    password changed, never the password)."""
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    if role is not None:
        _check_role(role)
    if user.role == ADMIN and user.active and (role not in (None, ADMIN) or active is False):
        _check_other_admin(session, user)
    if role is not None and role != user.role:
        before["role"], after["role"] = user.role, role
        user.role = role
    if active is not None and active != user.active:
        before["active"], after["active"] = user.active, active
        user.active = active
        if not active:
            end_sessions(session, user, SessionEnd.DEACTIVATED)
    if password is not None:
        _check_password(password)
        user.password_hash = hash_password(password)
        before["password"], after["password"] = "(old)", "(new)"
        end_sessions(session, user, SessionEnd.PASSWORD_CHANGED)
    if after:
        audit.record(session, actor, "user.update", f"user:{user.id}", before, after)
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None. Unknown names take as long as
    wrong passwords, so that timing does not tell which names exist."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


@cache
def _dummy_hash() -> str:
    return hash_password("not a password of anyone")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")


def _check_other_admin(session: Session, user: User) -> None:
    others = session.scalar(
        select(func.count()).select_from(User)
        .where(User.role == ADMIN, User.active.is_(True), User.id != user.id)
    )
    if not others:
        raise AccountError("at least one active admin must remain")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")


def user_json(user: User) -> dict[str, object]:
    """A user as the API shows it."""
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "active": user.active,
        "created_at": user.created_at.isoformat(),
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
    }
