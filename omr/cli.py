"""``scanscore read``: read image files and print one mark record per page as
JSON lines (schema in docs/omr.md)."""

from __future__ import annotations

import json
import multiprocessing
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import click

from omr.levels import TemplateCache
from omr.read import ReadOptions, read_file
from omr.record import MarkRecord
from sample_sheets.loader import load_form, load_forms
from sample_sheets.model import Form


@dataclass
class Reader:
    """What one process reads with: the forms, the page's form when given,
    the decode options and the blank-page templates it builds as it goes."""

    forms: dict[str, Form]
    form: Form | None
    options: ReadOptions
    templates: TemplateCache = field(default_factory=TemplateCache)

    @classmethod
    def load(cls, form_ref: str | None, options: ReadOptions) -> Reader:
        """The known forms, and the one named by ``form_ref`` (an id or a file path)."""
        forms = load_forms()
        if form_ref is None:
            return cls(forms, None, options)
        form = forms.get(form_ref) or load_form(form_ref)
        return cls({**forms, form.id: form}, form, options)

    def read(self, path: str) -> list[MarkRecord]:
        """The file's records; an unexpected error is the file's exception
        record, so that one bad file never stops a batch."""
        try:
            return read_file(path, self.forms, self.form, self.options,
                             templates=self.templates)
        except Exception as exc:  # noqa: BLE001 - reported in the record, the batch goes on
            return [MarkRecord.refused(path, 0, exc)]


def _serve(form_ref: str | None, options: ReadOptions, todo, done) -> None:
    """A worker process: reads (index, path) from ``todo`` until None, puts
    (index, records) on ``done``; its Reader lives as long as the process."""
    reader = Reader.load(form_ref, options)
    for index, path in iter(todo.get, None):
        done.put((index, reader.read(path)))


def _records(paths: tuple[str, ...], reader: Reader, form_ref: str | None,
             workers: int) -> Iterator[list[MarkRecord]]:
    """Records per file, in the order given, read by ``workers`` processes."""
    if workers <= 1:
        yield from map(reader.read, paths)
        return
    context = multiprocessing.get_context("spawn")
    todo, done = context.Queue(), context.Queue()
    procs = [context.Process(target=_serve, args=(form_ref, reader.options, todo, done),
                             daemon=True) for _ in range(workers)]
    for proc in procs:
        proc.start()
    for item in enumerate(paths):
        todo.put(item)
    for _ in procs:
        todo.put(None)
    waiting: dict[int, list[MarkRecord]] = {}
    for index in range(len(paths)):
        while index not in waiting:
            got, records = done.get()
            waiting[got] = records
        yield waiting.pop(index)
    for proc in procs:
        proc.join()


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
    try:
        reader = Reader.load(form_ref, ReadOptions(reduce=int(reduce)))
    except (KeyError, OSError, ValueError) as exc:
        raise click.ClickException(f"cannot load forms: {exc}") from None
    exceptions = pages = 0
    with click.progressbar(_records(images, reader, form_ref, workers), length=len(images),
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
