"""Generated batches, as a scanner would leave them in a folder, for the demo,
the tests and the pipeline benchmark; and the demo's capture step.

A batch folder holds the header sheet's file first (``0000_header.<ext>``),
then the documents' pages in feeding order (shuffled when asked), each a file
named so that name order is feeding order.

The demo's day has what a real day brings (:func:`demo_specs`,
:func:`write_demo_problems`): a header whose count disagrees, a page fed
before any header, an unreadable (torn) file, a lithocode found in two
batches, and a multigrid last name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import click
import numpy as np

from capture.formset import known_forms
from capture.intake import ingest_files, scanner_files
from capture.reconcile import HEADER_FIELDS, header_form_ids
from sample_sheets.deck import PageScan, generate_deck, header_document
from sample_sheets.model import Form
from station.config import current_settings


@dataclass(frozen=True)
class BatchSpec:
    """One batch to generate: ``count`` documents of ``form_id``; the header
    declares ``declared`` documents (default: ``count``)."""

    form_id: str
    count: int
    seed: int
    first_lithocode: int
    effects: str = "typical"
    image_format: str = "jpg"
    shuffle: bool = False
    declared: int | None = None
    plan: dict[str, dict[str, list[str]]] | None = field(default=None, hash=False)
    """Values to give keys, as a coverage plan: field → key → the value of each first
    document in turn ("" blank, "*" a multiple mark): ``{"last_name": {"2": ["*"]}}``
    double-grids column 2 of the first document's last name."""


@dataclass
class BatchTruth:
    """What was written: the header's truth and each document's lithocode and pages."""

    folder: Path
    header: dict
    documents: list[dict] = field(default_factory=list)

    @property
    def lithocodes(self) -> list[str]:
        return [d["lithocode"] for d in self.documents]


def header_form(forms: dict[str, Form]) -> Form:
    return forms[min(header_form_ids(forms))]


def write_batch(folder: Path, spec: BatchSpec, forms: dict[str, Form] | None = None
                ) -> BatchTruth:
    """Write a header sheet declaring the batch's count and the documents'
    pages into ``folder``; also writes ``truth.json`` (not a scan file)."""
    forms = forms or known_forms()
    header = write_header(folder, spec, forms)
    deck = generate_deck(forms[spec.form_id], spec.count, seed=spec.seed, effects=spec.effects,
                         first_lithocode=spec.first_lithocode, image_format=spec.image_format)
    if spec.plan:
        deck = replace(deck, plan=spec.plan)
    pages = [(doc.truth, page) for doc in deck.documents() for page in doc.pages]
    order = np.random.default_rng([spec.seed, 7]).permutation(len(pages)) if spec.shuffle \
        else range(len(pages))
    truth = BatchTruth(folder, header.truth)
    for position, index in enumerate(order, 1):
        _doc, page = pages[index]
        (folder / f"{position:04d}.{spec.image_format}").write_bytes(page.data())
    truth.documents = list({d["lithocode"]: d for d, _ in pages}.values())
    (folder / "truth.json").write_text(json.dumps(
        {"header": truth.header, "documents": truth.documents}, indent=1))
    return truth


def write_header(folder: Path, spec: BatchSpec, forms: dict[str, Form]) -> PageScan:
    """Write the batch's header sheet, declaring ``spec.declared`` (default
    ``spec.count``) documents, as ``0000_header.<ext>`` in ``folder`` (created).
    The batch's serial, school and grade follow from its seed."""
    form = header_form(forms)
    grades = form.fields[HEADER_FIELDS["grade"]].option_codes
    doc = header_document(form, school=str(spec.seed), grade=grades[spec.seed % len(grades)],
                          count=spec.count if spec.declared is None else spec.declared,
                          serial=spec.seed, seed=spec.seed, effects=spec.effects,
                          image_format=spec.image_format)
    page = doc.pages[0]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"0000_header.{spec.image_format}").write_bytes(page.data())
    return page


def demo_specs(forms: dict[str, Form]) -> list[BatchSpec]:
    """One batch of every document form, typical effects, pages in feeding order
    except the answer folder's (slit and shuffled); with a day's problems: the
    answer folder's header declares one document more than it holds, the
    end-of-course sheets' first student double-grids a letter of the last
    name, and one more batch holds a document printed with the lithocode of
    the answer folder batch's first."""
    headers = header_form_ids(forms)
    specs = []
    for n, form_id in enumerate(sorted(set(forms) - headers)):
        count = 3 if len(forms[form_id].pages) > 2 else 4
        specs.append(BatchSpec(form_id, count, seed=100 + n, first_lithocode=1000 * (n + 1),
                               shuffle=n == 0, declared=count + 1 if n == 0 else None,
                               plan=MULTIGRID_NAME if form_id == MULTIGRID_FORM else None))
    first = specs[0]
    specs.append(BatchSpec(first.form_id, 1, seed=150, first_lithocode=first.first_lithocode))
    return specs


MULTIGRID_FORM = "eoc_answer_sheet"
MULTIGRID_NAME = {"last_name": {"2": ["*"]}}
"""The demo's multigrid: the second letter of a last name marked twice."""


def write_demo_problems(out: Path, forms: dict[str, Form]) -> dict[str, Any]:
    """The demo's files that are wrong on their own, beside its batches: a page
    fed before any header (first in the feed) and a torn JPEG (half a file)
    in the first batch. Returns what was written (file names)."""
    early = out / "batch00-fed-before-header" / "0001.jpg"
    torn = out / "batch01-torn" / "0500_torn.jpg"
    if not early.exists() or not torn.exists():
        deck = generate_deck(forms["demographic_intake"], 1, seed=190, first_lithocode=9000,
                             image_format="jpg")
        page = next(deck.documents()).pages[0].data()
        for path, data in ((early, page), (torn, page[: len(page) // 2])):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return {"fed_before_header": early.name, "torn": torn.name}


def run_demo(out_dir: Path | None = None) -> None:
    """``scanscore demo``'s capture step: generate a few batches of every form
    (typical effects), ingest them as one scanner feed and read them. Idempotent:
    a second run finds every page received."""
    out = Path(out_dir or current_settings().var_dir / "demo" / "scans")
    forms = known_forms()
    specs = demo_specs(forms)
    for n, spec in enumerate(specs, 1):
        folder = out / f"batch{n:02d}-{spec.form_id}"
        if not (folder / "truth.json").exists():
            click.echo(f"generating batch {n}: {spec.count} documents of {spec.form_id}")
            write_batch(folder, spec, forms)
    write_demo_problems(out, forms)
    files = scanner_files([out])
    with click.progressbar(length=len(files), label="ingesting demo scans") as bar:
        total = ingest_files(files, "demo", on_file=lambda _p, _c: bar.update(1))
    click.echo(f"demo scans ingested: {total}; the operator's dashboard is at /capture")
