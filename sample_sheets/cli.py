"""``forms``: list, show and print the form definitions.

A click group; further commands (e.g. ``deck``) attach with ``@forms.command()``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import numpy as np
from PIL import Image

from sample_sheets.errors import FormDefinitionError
from sample_sheets.geometry import form_geometry
from sample_sheets.loader import load_form, load_forms
from sample_sheets.model import Form
from sample_sheets.render import lithocodes, render_page, render_pdf

TIFF_THRESHOLD = 180
"""Gray level below which a pixel prints black in a bitonal (Group 4) TIFF:
keeps the light bubble outlines and letters."""


def get_form(ref: str) -> Form:
    """A form by id or file path, or a click error naming what is wrong."""
    try:
        return load_form(ref)
    except FormDefinitionError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("forms")
def forms() -> None:
    """Form definitions: list them, show their geometry, print them."""


@forms.command("list")
def list_forms() -> None:
    """The shipped forms: id, title, pages, form code."""
    try:
        shipped = load_forms()
    except FormDefinitionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{'id':<20} {'code':>5} {'pages':>5}  title")
    for form in shipped.values():
        click.echo(f"{form.id:<20} {form.form_code:>5} {len(form.pages):>5}  {form.title}")


@forms.command("show")
@click.argument("form_ref", metavar="FORM")
@click.option("--json", "as_json", is_flag=True, help="The full geometry as JSON.")
def show(form_ref: str, as_json: bool) -> None:
    """FORM (an id or a definition file): its pages and fields, or its geometry as JSON."""
    form = get_form(form_ref)
    if as_json:
        click.echo(json.dumps(form_geometry(form), indent=1))
        return
    pages = f"{len(form.pages)} page{'s' if len(form.pages) != 1 else ''}"
    click.echo(f"{form.id}: {form.title} (form code {form.form_code}, {pages})")
    for page in form.pages:
        litho = "lithocode" if page.lithocode else "no lithocode"
        click.echo(f"  page {page.number}: {len(page.bubbles)} bubbles, {litho}")
        for f in page.fields:
            size = f"{len(f.keys)} × {len(f.options)}" if f.bubbles else f"{len(f.areas)} area(s)"
            click.echo(f"    {f.name:<20} {f.kind:<8} {size:<10} {f.label}")


@forms.command("render")
@click.argument("form_ref", metavar="FORM")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the files (created if missing).")
@click.option("--dpi", type=click.IntRange(72, 1200), default=300, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["pdf", "png", "tif"]), default="pdf",
              show_default=True, help="tif: bitonal, CCITT Group 4.")
@click.option("--lithocode", "serial", type=click.IntRange(0), default=None,
              help="First serial to print (check digit added); +1 per copy.")
@click.option("--copies", type=click.IntRange(1, 10000), default=1, show_default=True)
def render(form_ref: str, out_dir: Path, dpi: int, fmt: str, serial: int | None,
           copies: int) -> None:
    """Print FORM: a PDF of all copies, or one image per copy and page named
    <form>_<lithocode>_p<page>.<ext> ("blank" for no lithocode)."""
    form = get_form(form_ref)
    codes = lithocodes(form, serial, copies)
    if copies > 1 and codes[0] is None:
        raise click.UsageError("--copies needs --lithocode (and a form that prints one): "
                               "blank copies are all the same file")
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "pdf":
        name = "-".join(dict.fromkeys([codes[0] or "blank", codes[-1] or "blank"]))
        path = out_dir / f"{form.id}_{name}.pdf"
        render_pdf(form, path, serial, copies)
        click.echo(f"wrote {path} ({copies} × {len(form.pages)} pages)")
        return
    with click.progressbar(codes, label="rendering", file=sys.stderr) as bar:
        for code in bar:
            for page in form.pages:
                path = out_dir / f"{form.id}_{code or 'blank'}_p{page.number}.{fmt}"
                write_image(render_page(form, page.number, dpi, code), path, dpi)
                click.echo(f"wrote {path}")


def write_image(image: np.ndarray, path: Path, dpi: int) -> None:
    """PNG gray, or TIFF bitonal with Group 4 compression, at ``dpi``."""
    pil = Image.fromarray(image)
    if path.suffix == ".tif":
        pil = pil.point(lambda v: 255 if v >= TIFF_THRESHOLD else 0, mode="1")
        pil.save(path, compression="group4", dpi=(dpi, dpi))
    else:
        pil.save(path, dpi=(dpi, dpi))


@click.command("deck")
@click.argument("form_ref", metavar="FORM")
@click.option("--count", type=click.IntRange(1), required=True, help="Documents to generate.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the page files and truth.json (created if missing).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--effects", type=click.Choice(["none", "typical", "harsh", "worst"]),
              default="typical",
              show_default=True, help="Scan effects (docs/decks.md).")
@click.option("--coverage", is_flag=True,
              help="A scanning center's test deck: every position, blanks and doubles "
                   "(raises --count to what coverage needs).")
@click.option("--format", "fmt", type=click.Choice(["png", "jpg", "tif"]), default="png",
              show_default=True,
              help="tif: bitonal, Group 4 (bitonal pages are .tif in any format).")
@click.option("--dpi", type=click.IntRange(100, 600), default=300, show_default=True)
@click.option("--batch", is_flag=True,
              help="A scanner-ready batch: a header sheet declaring the documents first "
                   "(0000_header.<ext>), then the documents' pages in feeding order; "
                   "`scanscore ingest DIR` takes it as one batch.")
def deck(form_ref: str, count: int, out_dir: Path, seed: int, effects: str, coverage: bool,
         fmt: str, dpi: int, batch: bool) -> None:
    """Generate a test deck of FORM: filled-in, scanned documents with their
    truth (docs/decks.md). Writes D0001_01.png, … and truth.json into --out."""
    from sample_sheets.deck import generate_deck, write_deck

    generated = generate_deck(get_form(form_ref), count, seed=seed, effects=effects,
                              coverage=coverage, dpi=dpi, image_format=fmt)
    header = batch_header(generated.count, seed, effects, fmt, dpi) if batch else None
    with click.progressbar(length=generated.count, label="generating", file=sys.stderr) as bar:
        truth = write_deck(generated, out_dir, progress=lambda pages: bar.update(1),
                           header=header)
    pages = sum(len(d["pages"]) for d in json.loads(truth.read_text())["documents"])
    click.echo(f"wrote {'a header sheet and ' if header else ''}{generated.count} documents "
               f"({pages} pages) of {generated.form.id} to {out_dir}, truth in {truth}")


def batch_header(count: int, seed: int, effects: str, fmt: str, dpi: int):
    """The header sheet of a generated batch of ``count`` documents: the first
    header form, school and batch serial from ``seed``, its first grade."""
    from sample_sheets.deck import header_document, is_header_form

    headers = sorted((f for f in load_forms().values() if is_header_form(f)),
                     key=lambda f: f.id)
    if not headers:
        raise click.UsageError("--batch needs a header sheet form (one printing a batch_code)")
    form = headers[0]
    grade = form.fields["grade"].option_codes[0]
    return header_document(form, school=str(seed % 10_000), grade=grade, count=count,
                           serial=seed + 1, seed=seed, effects=effects, dpi=dpi,
                           image_format=fmt)
