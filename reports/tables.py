"""A report's tables and the files made of them: CSV and PDF (the HTML page renders the same
:class:`Table`, so the CSV has the rows the page shows)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

FORMATS = ("csv", "json", "html", "pdf")


@dataclass(frozen=True)
class Table:
    """``name`` is the table's id in URLs (``?table=``); ``rows`` hold cells already in the
    form a person reads (numbers rounded)."""

    name: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple, ...]


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.headers)
    writer.writerows([cell(v) for v in row] for row in table.rows)
    return out.getvalue()


def to_pdf(title: str, lines: Sequence[str], tables: Sequence[Table]) -> bytes:
    """A landscape letter PDF: the title, the summary ``lines``, then each table."""
    styles = getSampleStyleSheet()
    story = [Paragraph(title, styles["Title"])]
    story += [Paragraph(line, styles["Normal"]) for line in lines]
    for table in tables:
        story += [Spacer(1, 12), Paragraph(table.title, styles["Heading2"])]
        data = [list(table.headers)] + [[cell(v) for v in row] for row in table.rows]
        pdf_table = PdfTable(data, repeatRows=1)
        pdf_table.setStyle(TableStyle([
            ("FONTSIZE", (0, 0), (-1, -1), 7),
            ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
        story.append(pdf_table)
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=landscape(letter), title=title).build(story)
    return out.getvalue()
