"""The report pages (SPEC §9): HTML with charts, ``?format=csv&table=…`` and
``?format=pdf`` downloads of the same tables. Supervisors and administrators only.

Mark discrimination reads the changed-answer rows at ``<SCANSCORE_VAR>/reports/changes.npz``
(:func:`reports.changes.save_changes`) until the scoring engine's tables are on main.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for

from reports import mark_discrimination as md
from reports.changes import load_changes
from reports.edi import DEFAULT_ALPHA
from reports.errors import ReportInputError
from reports.pages import MARK_DISCRIMINATION_TITLE, mark_discrimination_context
from reports.tables import to_csv
from station.config import current_settings
from station.errors import ApiError
from station.guard import require_role
from station.nav import add_nav_item
from station.roles import ADMIN, SUPERVISOR

bp = Blueprint("reports", __name__, template_folder="templates")
add_nav_item(bp, "Mark discrimination", "reports.mark_discrimination",
             "Erasure analysis: groups whose changed answers stand out.")

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
        name = request.args.get("table", "groups")
        table = next((t for t in md.tables(report) if t.name == name), None)
        if table is None:
            raise ReportInputError("table", f"unknown table {name!r}")
        return _download(to_csv(table), "text/csv", f"mark-discrimination-{name}.csv")
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
