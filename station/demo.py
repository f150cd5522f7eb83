"""The station's part of ``scanscore demo``: one account per role."""

from __future__ import annotations

import click
from sqlalchemy import select

from station.accounts import create_user
from station.audit import SYSTEM
from station.db import db_session
from station.models import User
from station.roles import ROLES


def demo_password(role: str) -> str:
    return f"{role}-demo"


def create_demo_accounts() -> None:
    """Add the accounts ``operator``, ``editor``, ``scorer``, ``supervisor`` and ``admin``
    (password ``<role>-demo``) where missing, and print them."""
    session = db_session()
    click.echo("demo accounts (username / password):")
    for role in ROLES:
        exists = session.scalar(select(User.id).where(User.username == role)) is not None
        if not exists:
            create_user(session, SYSTEM, role, demo_password(role), role)
        note = "  (existed already; password unchanged)" if exists else ""
        click.echo(f"  {role:<11} {role} / {demo_password(role)}{note}")
    session.commit()
