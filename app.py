"""ScanScore's application factory and command line. Thin: it wires the areas together.

To add an area: register its blueprint in :data:`BLUEPRINTS`, its commands in
:data:`COMMANDS`, its part of the demo in :data:`DEMO_STEPS`, and its model module in
``migrations/env.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import click
from flask import Flask, url_for

import capture.cli
import capture.demo
import capture.views
import edit_station.demo
import edit_station.jobs
import edit_station.views
import handscore.cli
import handscore.demo
import handscore.views
import omr.cli
import reports.cli
import reports.views
import sample_sheets.cli
import sample_sheets.demo
import scoring.cli
import scoring.psychometrics.cli
from station import admin, auth, events, migrate, web
from station.cli import audit, db, users, worker
from station.config import load_settings
from station.db import redact
from station.demo import create_demo_accounts
from station.errors import StationError
from station.logs import setup_logging

BLUEPRINTS = (
    web.bp,
    auth.bp,
    admin.bp,
    capture.views.bp,
    edit_station.views.bp,
    handscore.views.bp,
    reports.views.bp,
)
"""Every area's blueprint; the station's first, so its templates (``base.html``) are found."""

events.listen(events.BATCH_ASSEMBLED, edit_station.jobs.queue_batch)

def demo_forms() -> None:
    """The demo's printed forms and test deck, under ``var/demo``."""
    sample_sheets.demo.write_demo_forms(load_settings().var_dir / "demo")


DEMO_STEPS: tuple[Callable[[], None], ...] = (
    create_demo_accounts,
    demo_forms,
    capture.demo.run_demo,
    edit_station.demo.run_demo,
    handscore.demo.run_demo,
)
"""What ``scanscore demo`` does before serving, in order. Each step runs inside an app
context (it may use ``station.db.db_session()`` and must commit), is idempotent, and prints
what it did."""


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The web app. ``config`` overrides the environment (keys as in
    :mod:`station.config`, plus Flask's own such as ``TESTING``).

    Raises ``DatabaseUnreachable`` or ``DatabaseNotMigrated`` (with a message saying what to
    do) when the database is not ready.
    """
    settings = load_settings(config)
    migrate.check_database(settings.database_url)
    app = Flask(__name__, static_folder=None)
    app.config.update(config or {})
    web.init_app(app, settings)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def run_server(app: Flask, host: str, port: int) -> None:
    """Serve ``app`` with waitress (a production WSGI server, 8 threads) until Ctrl-C."""
    import waitress

    with app.test_request_context():
        click.echo(f"ScanScore at http://{host}:{port}{url_for('auth.login')}  (Ctrl-C stops)")
    if app.config["SESSION_COOKIE_SECURE"]:
        click.echo("session cookies are Secure: browsers send them over HTTPS only, so serve "
                   "through an HTTPS reverse proxy (README, docs/security.md)")
    try:
        waitress.serve(app, host=host, port=port, threads=8, ident="ScanScore",
                       max_request_body_size=app.config["MAX_CONTENT_LENGTH"])
    except OSError as exc:
        raise click.ClickException(f"cannot serve on {host}:{port}: {exc}") from exc


class ScanScoreGroup(click.Group):
    """Turns a :class:`StationError` into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StationError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=ScanScoreGroup)
def cli() -> None:
    """ScanScore: processing center for paper answer documents."""
    setup_logging()


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web app."""
    run_server(create_app(), host, port)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--serve/--no-serve", "serve_app", default=True, help="Serve the app when ready.")
def demo(host: str, port: int, serve_app: bool) -> None:
    """Migrate, fill the database with demonstration data, and serve the app."""
    url = load_settings().database_url
    migrate.upgrade(url)
    click.echo(f"database at {redact(url)} is migrated")
    app = create_app({"SESSION_COOKIE_SECURE": False})  # served on plain HTTP, this machine only
    with app.app_context():
        for step in DEMO_STEPS:
            step()
    if serve_app:
        run_server(app, host, port)


COMMANDS = (
    db,
    users,
    audit,
    worker,
    sample_sheets.cli.forms,
    sample_sheets.cli.deck,
    omr.cli.read_command,
    capture.cli.ingest_command,
    capture.cli.watch_command,
    capture.cli.requeue_command,
    handscore.cli.handscore,
    scoring.psychometrics.cli.psychometrics,
    scoring.cli.test_group,
    scoring.cli.score_group,
    scoring.cli.preid_group,
    reports.cli.report,
)
"""Every area's commands (click commands or groups)."""

for command in COMMANDS:
    cli.add_command(command)
