"""``scanscore read``: read image files and print one mark record per page as
JSON lines (schema in docs/omr.md)."""

from __future__ import annotations

import json
import multiprocessing
import sys
from collections.abc import Iterator

import click

from omr.read import ReadOptions, read_file
from omr.record import MarkRecord
from sample_sheets.model import Form

_worker_state: dict[str, object] = {}


def _load(form_ref: str | None) -> tuple[dict[str, Form], Form | None]:
    """All known forms, and the one named by ``form_ref`` (an id or a file path)."""
    from sample_sheets.loader import load_form, load_forms

    forms = load_forms()
    if form_ref is None:
        return forms, None
    form = forms.get(form_ref) or load_form(form_ref)
    return {**forms, form.id: form}, form


def _init_worker(form_ref: str | None, options: ReadOptions) -> None:
    forms, form = _load(form_ref)
    _worker_state.update(forms=forms, form=form, options=options)


def _read_one(path: str) -> list[MarkRecord]:
    """The file's records; an unexpected error is the file's exception record,
    so that one bad file never stops a batch."""
    s = _worker_state
    try:
        return read_file(path, s["forms"], s["form"], s["options"])
    except Exception as exc:  # noqa: BLE001 - reported in the record, the batch goes on
        return [MarkRecord.refused(path, 0, exc)]


def _records(paths: tuple[str, ...], form_ref: str | None, options: ReadOptions,
             workers: int) -> Iterator[list[MarkRecord]]:
    """Records per file, in the order given, read by ``workers`` processes."""
    if workers <= 1:
        yield from map(_read_one, paths)
        return
    with multiprocessing.get_context("spawn").Pool(
            workers, _init_worker, (form_ref, options)) as pool:
        yield from pool.imap(_read_one, paths, chunksize=4)


@click.command("read")
@click.argument("images", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--form", "form_ref", help="Form id or definition file; default: identify each page.")
@click.option("--out", type=click.File("w"), default="-", help="JSON lines file (default stdout).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes reading in parallel.")
@click.option("--reduce", type=click.Choice(["1", "2"]), default="1", show_default=True,
              help="Decode JPEG at 1/reduce size (faster; see docs/omr.md).")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any page is an exception.")
def read_command(images, form_ref, out, workers, reduce, strict):
    """Read IMAGES (PNG, JPEG, TIFF; multi-page TIFF gives one record per page)
    and print one JSON mark record per page."""
    options = ReadOptions(reduce=int(reduce))
    try:
        _init_worker(form_ref, options)
    except (KeyError, OSError, ValueError) as exc:
        raise click.ClickException(f"cannot load forms: {exc}") from None
    exceptions = pages = 0
    with click.progressbar(_records(images, form_ref, options, workers), length=len(images),
                           label="reading", file=sys.stderr, show_pos=True) as bar:
        for records in bar:
            for record in records:
                pages += 1
                exceptions += record.status != "ok"
                out.write(json.dumps(record.to_json(), separators=(",", ":")) + "\n")
    click.echo(f"read {pages} pages from {len(images)} files: {pages - exceptions} ok, "
               f"{exceptions} exceptions", err=True)
    if strict and exceptions:
        sys.exit(1)
