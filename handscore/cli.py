"""``scanscore handscore``: prompts, manifest imports and the agreement report."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click

from handscore.catalog import load_prompt, save_prompt
from handscore.clips import clip_batch
from handscore.errors import HandscoreError
from handscore.manifest import read_manifest, store_rows
from handscore.monitoring import GROUPINGS, agreement_report
from station.cli import cli_actor
from station.config import current_settings
from station.db import session_scope
from station.images import image_store
from station.migrate import check_database

TABLE_COLUMNS = ("n", "exact", "adjacent", "kappa", "qwk", "pearson", "smd", "reads",
                 "reads_per_hour")


@click.group("handscore")
def handscore() -> None:
    """Handscoring: prompts and rubrics, responses, reader agreement."""


def _database_ready() -> None:
    """Checked by each command (not the group, so that --help works on any database)."""
    check_database(current_settings().database_url)


@handscore.group("prompt")
def prompt_group() -> None:
    """Prompts and their rubrics."""


@prompt_group.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Change the prompt of the same id.")
def prompt_add(file: Path, replace: bool) -> None:
    """Add the prompt defined in FILE (JSON, see docs/handscore.md)."""
    _database_ready()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{file}: not JSON: {exc}") from exc
    try:
        with session_scope() as session:
            prompt = save_prompt(session, cli_actor(), data, replace)
    except HandscoreError as exc:
        raise click.ClickException(str(exc)) from exc
    traits = ", ".join(f"{t.name} {t.min}-{t.max}" for t in prompt.traits)
    click.echo(f"prompt {prompt.id} ({prompt.title}): {traits}")


@handscore.command("import")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--prompt", "prompt_id", required=True, help="The prompt's id.")
def import_command(manifest: Path, prompt_id: str) -> None:
    """Import the responses of MANIFEST (CSV: id, and text or image); repeating it adds
    nothing."""
    _database_ready()
    store = image_store()
    try:
        with session_scope() as session:
            prompt = load_prompt(session, prompt_id)
            rows = read_manifest(manifest, prompt)
            count = store_rows(session, cli_actor(), prompt, rows, store.put,
                               source=str(manifest))
    except HandscoreError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{manifest}: {count}")


@handscore.command("clip")
@click.argument("batch_ids", nargs=-1, required=True, type=int)
@click.option("--prompt", "prompt_id", required=True, help="The prompt's id (with a source).")
def clip_command(batch_ids: tuple[int, ...], prompt_id: str) -> None:
    """Cut the responses of the complete writing documents of BATCH_IDS (capture's batch
    numbers) into the image store; documents clipped before are skipped."""
    _database_ready()
    store = image_store()
    try:
        with session_scope() as session:
            prompt = load_prompt(session, prompt_id)
            for batch_id in batch_ids:
                added = clip_batch(session, cli_actor(), prompt, batch_id, store)
                click.echo(f"batch {batch_id}: {added} responses clipped")
    except HandscoreError as exc:
        raise click.ClickException(str(exc)) from exc


@handscore.command("agreement")
@click.option("--prompt", "prompt_id", help="One prompt (default: every prompt).")
@click.option("--by", type=click.Choice(GROUPINGS), default="prompt", show_default=True)
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")),
              default="table", show_default=True)
def agreement_command(prompt_id: str | None, by: str, fmt: str) -> None:
    """Reader agreement: exact and adjacent agreement, kappa, quadratic weighted kappa,
    Pearson r and SMD on second reads; reads and reads per hour."""
    _database_ready()
    try:
        with session_scope() as session:
            report = agreement_report(session, prompt_id, by)
    except HandscoreError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
        return
    keys = ["prompt", "trait", *([by] if by != "prompt" else []), *TABLE_COLUMNS]
    rows = [[_cell(row.get(k)) for k in keys] for row in report["prompts"]]
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(keys)
        writer.writerows(rows)
        return
    widths = [max([len(k), *(len(r[i]) for r in rows)]) for i, k in enumerate(keys)]
    for line in [keys, *rows]:
        click.echo("  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)
