"""``scanscore report``: the reports on the command line, written to a file or stdout."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reports import mark_discrimination as md
from reports.changes import load_changes
from reports.edi import DEFAULT_ALPHA
from reports.errors import ReportInputError
from reports.pages import standalone_html
from reports.tables import FORMATS, to_csv


@click.group("report")
def report() -> None:
    """Reports: mark discrimination (erasure analysis) and the processing reports."""


@report.command("mark-discrimination")
@click.option("--changes", "changes_file", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="Changed-answer rows (.npz, reports.changes.save_changes).")
@click.option("--test", default=None, help="One test (default: every test).")
@click.option("--sd", default=md.DEFAULT_SD, show_default=True, type=float,
              help="The multiple of the statistic's SD that flags a group.")
@click.option("--statistic", type=click.Choice(md.STATISTICS), default="changes",
              show_default=True)
@click.option("--alpha", default=DEFAULT_ALPHA, show_default=True, type=float,
              help="The EDI's one-sided significance level.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json",
              show_default=True)
@click.option("--table", type=click.Choice(("groups", "state", "responses")),
              default="groups", show_default=True, help="Which table a CSV holds.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here (default: stdout; a PDF needs --out).")
def mark_discrimination_command(changes_file: Path, test: str | None, sd: float,
                                statistic: str, alpha: float, fmt: str, table: str,
                                out: Path | None) -> None:
    """Groups whose changed answers exceed the state's for the same grade and test."""
    try:
        result = md.mark_discrimination(load_changes(changes_file), test=test, sd=sd,
                                        statistic=statistic, alpha=alpha)
    except ReportInputError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "pdf":
        if out is None:
            raise click.UsageError("--format pdf needs --out FILE")
        out.write_bytes(md.to_pdf_bytes(result))
        return
    text = {"json": lambda: json.dumps(md.report_json(result), indent=2),
            "csv": lambda: to_csv(next(t for t in md.tables(result) if t.name == table)),
            "html": lambda: standalone_html(result)}[fmt]()
    if out is None:
        click.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
