"""The report pages (SPEC §9): HTML with charts, ``?format=csv&table=…`` and
``?format=pdf`` downloads of the same tables. Supervisors and administrators only.

Mark discrimination reads the changed-answer rows at ``<SCANSCORE_VAR>/reports/changes.npz``
(:func:`reports.changes.save_changes`) until the scoring engine's tables are on main.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, render_template, request, url_for

from reports import mark_discrimination as md
from reports import processing
from reports.changes import load_changes
from reports.edi import DEFAULT_ALPHA
from reports.errors import ReportInputError
from reports.pages import MARK_DISCRIMINATION_TITLE, mark_discrimination_context
from reports.reading import read_only
from reports.tables import Table, cell, to_csv, to_pdf
from station.config import current_settings
from station.errors import ApiError
from station.guard import require_role
from station.nav import add_nav_item
from station.roles import ADMIN, SUPERVISOR

bp = Blueprint("reports", __name__, template_folder="templates")
add_nav_item(bp, "Mark discrimination", "reports.mark_discrimination",
             "Erasure analysis: groups whose changed answers stand out.")
add_nav_item(bp, "Header reconciliation", "reports.header_reconciliation",
             "Every batch's declared count against the documents found.")
add_nav_item(bp, "Exceptions report", "reports.exceptions",
             "Open and resolved capture exceptions by batch, code and age.")

READERS = (SUPERVISOR, ADMIN)
PAGE_FORMATS = ("html", "csv", "pdf")


def changes_path():
    return current_settings().var_dir / "reports" / "changes.npz"


def _number(name: str, default: float) -> float:
    text = request.args.get(name, "")
    try:
        return float(text) if text else default
    except ValueError:
        raise ReportInputError(name, f"{name} must be a number, not {text!r}") from None


def _format() -> str:
    fmt = request.args.get("format", "html")
    if fmt not in PAGE_FORMATS:
        raise ReportInputError("format", f"unknown format {fmt!r}: use one of "
                               + ", ".join(PAGE_FORMATS))
    return fmt


def _csv(tables: tuple[Table, ...], stem: str) -> Response:
    name = request.args.get("table", tables[0].name)
    table = next((t for t in tables if t.name == name), None)
    if table is None:
        raise ReportInputError("table", f"unknown table {name!r}: use one of "
                               + ", ".join(t.name for t in tables))
    return _download(to_csv(table), "text/csv", f"{stem}-{name}.csv")


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/reports/mark-discrimination")
@require_role(*READERS)
def mark_discrimination() -> Response | str:
    try:
        return _mark_discrimination()
    except ReportInputError as exc:
        raise ApiError(400, "bad report options", str(exc)) from None


def _mark_discrimination() -> Response | str:
    fmt = _format()
    options = {"test": request.args.get("test") or None,
               "sd": _number("sd", md.DEFAULT_SD),
               "statistic": request.args.get("statistic", "changes"),
               "alpha": _number("alpha", DEFAULT_ALPHA)}
    page = {"title": MARK_DISCRIMINATION_TITLE, "options": options,
            "form": "reports/_mark_discrimination_form.html", "statistics": md.STATISTICS}
    path = changes_path()
    if not path.exists():
        return render_template("reports/report.html", **page, tests=[],
                               missing="No changed-answer rows yet: scoring writes them "
                                       f"({path}).")
    tests = load_changes(path)
    report = md.mark_discrimination(tests, **options)
    if fmt == "csv":
        return _csv(md.tables(report), "mark-discrimination")
    if fmt == "pdf":
        return _download(md.to_pdf_bytes(report), "application/pdf",
                         "mark-discrimination.pdf")
    args = {k: v for k, v in request.args.items() if k not in ("format", "table")}
    return render_template(
        "reports/report.html", **(page | mark_discrimination_context(report)),
        tests=sorted({t.test for t in tests}),
        pdf_url=url_for("reports.mark_discrimination", **args, format="pdf"),
        csv_url=lambda name: url_for("reports.mark_discrimination", **args, format="csv",
                                     table=name))


def _table_report(endpoint: str, title: str, table: Table, chart: str) -> Response | str:
    """A one-table report as the page (with its chart), ``?format=csv`` or ``?format=pdf``."""
    try:
        fmt = _format()
        if fmt == "csv":
            return _csv((table,), endpoint.replace("_", "-"))
    except ReportInputError as exc:
        raise ApiError(400, "bad report options", str(exc)) from None
    if fmt == "pdf":
        return _download(to_pdf(title, [], (table,)), "application/pdf",
                         f"{endpoint.replace('_', '-')}.pdf")
    return render_template(
        "reports/report.html", title=title, lines=[], charts=[(table.title, chart)],
        tables=(table,), cell=cell, pdf_url=url_for(f"reports.{endpoint}", format="pdf"),
        csv_url=lambda name: url_for(f"reports.{endpoint}", format="csv", table=name))


@bp.get("/reports/header-reconciliation")
@require_role(*READERS)
def header_reconciliation() -> Response | str:
    with read_only() as session:
        table = processing.header_reconciliation(session)
    return _table_report("header_reconciliation", "Header reconciliation", table,
                         processing.header_chart(table))


@bp.get("/reports/exceptions")
@require_role(*READERS)
def exceptions() -> Response | str:
    with read_only() as session:
        table = processing.exceptions(session, datetime.now(UTC))
    return _table_report("exceptions", "Capture exceptions", table,
                         processing.exceptions_chart(table))
