"""What a report page shows, as a context for ``reports/_report.html``: the page, the
standalone HTML file of the command line and the PDF show the same tables."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from reports import mark_discrimination as md
from reports.tables import cell

TEMPLATES = Path(__file__).parent / "templates"
MARK_DISCRIMINATION_TITLE = "Mark discrimination (erasure analysis)"


def mark_discrimination_context(report: md.Report) -> dict:
    charts = [(f"{s.test}, grade {s.grade}: groups against the state", md.chart(report, s))
              for s in report.state]
    return {"title": MARK_DISCRIMINATION_TITLE, "lines": md.summary_lines(report),
            "charts": charts, "tables": md.tables(report), "cell": cell}


def standalone_html(report: md.Report) -> str:
    """The report as one HTML file, charts inline (``--format html``)."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES),
                              autoescape=select_autoescape(["html"]))
    return environment.get_template("reports/standalone.html").render(
        **mark_discrimination_context(report), csv_url=None)
