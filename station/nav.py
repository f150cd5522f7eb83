"""The navigation of the base page: areas add their entries, each user sees the entries
their role may open (read from the endpoint's role declaration)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, current_app

from station.guard import access_of

EXTENSION = "scanscore_nav"


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    description: str = ""


def add_nav_item(blueprint: Blueprint, label: str, endpoint: str, description: str = "") -> None:
    """Show ``endpoint`` (e.g. ``"capture.batches"``) in the navigation of the users whose
    role it allows, and on their home page with ``description``."""
    item = NavItem(label, endpoint, description)
    blueprint.record_once(lambda state: _items(state.app).append(item))


def nav_items(role: str | None) -> list[NavItem]:
    """The entries ``role`` may open, in the order they were added."""
    app = current_app._get_current_object()
    return [
        item for item in _items(app)
        if role is not None and (access := access_of(app, item.endpoint)) is not None
        and not access.public and access.allows(role)
    ]


def _items(app: Flask) -> list[NavItem]:
    return app.extensions.setdefault(EXTENSION, [])
