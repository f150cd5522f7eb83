"""``scanscore test add FILE``, ``scanscore score file RESPONSES.csv --test T`` and
``scanscore preid import FILE``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scoring.definitions import load_test
from scoring.errors import ScoringError
from scoring.files import read_response_file, write_scores
from scoring.preid import import_preid, read_preid_file
from scoring.scorer import score
from scoring.store import add_test
from station.db import session_scope


@click.group("test")
def test_group() -> None:
    """Test definitions (docs/scoring.md)."""


@test_group.command("add")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def add_definition(path: Path) -> None:
    """Validate a test definition and load it."""
    try:
        definition = load_test(path)
        with session_scope() as session:
            added = add_test(session, definition)
    except ScoringError as exc:
        raise click.ClickException(str(exc)) from None
    what = "loaded" if added else "already loaded, unchanged"
    click.echo(f"test {definition.id} version {definition.version} ({definition.subject}, "
               f"grade {definition.grade}, {len(definition.items)} items, form "
               f"{definition.form}): {what}")


@click.group("score")
def score_group() -> None:
    """Scores (docs/scoring.md)."""


@score_group.command("file")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--test", "test", required=True,
              help="A test definition file, or a shipped test's id.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the scores here (CSV); default: standard output.")
def score_file(path: Path, test: str, out: Path | None) -> None:
    """Score a response file (CSV) without the database."""
    try:
        definition = load_test(test)
        responses = read_response_file(definition, path)
    except ScoringError as exc:
        raise click.ClickException(str(exc)) from None
    scores = score(definition, responses.responses, polytomous=responses.polytomous,
                   condition=responses.condition)
    if out is None:
        write_scores(definition, responses.students, scores, sys.stdout)
        return
    with out.open("w", encoding="utf-8") as f:
        write_scores(definition, responses.students, scores, f)
    click.echo(f"{len(responses.students)} students scored: {int(scores.reported.sum())} "
               f"reported, {int((~scores.counted).sum())} excluded from summaries → {out}",
               err=True)


@click.group("preid")
def preid_group() -> None:
    """Pre-ID files (docs/pre-id.md)."""


@preid_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def preid_import(path: Path) -> None:
    """Import a district's pre-ID file (CSV or fixed width), all or nothing."""
    try:
        records = read_preid_file(path)
    except ScoringError as exc:
        raise click.ClickException(str(exc)) from None
    with session_scope() as session:
        count = import_preid(session, records)
    click.echo(f"{path}: {len(records)} students: {count.added} new, {count.updated} updated, "
               f"{count.unchanged} unchanged ({sum(r.non_tester for r in records)} known "
               "non-testers)")
