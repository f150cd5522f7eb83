"""The demo's forms step: every shipped form printed blank, and a test deck."""

from __future__ import annotations

from pathlib import Path

import click

from sample_sheets.deck import generate_deck, write_deck
from sample_sheets.loader import load_forms
from sample_sheets.render import render_pdf

DEMO_DECK_FORM = "answer_folder"
DEMO_DECK_COUNT = 5


def write_demo_forms(out_dir: Path) -> None:
    """Print every shipped form as a PDF into ``out_dir/forms`` and write a deck of
    answer folders (typical scan effects, with truth) into ``out_dir/deck``.
    Idempotent: what exists is kept."""
    forms = load_forms()
    pdf_dir = out_dir / "forms"
    pdf_dir.mkdir(parents=True, exist_ok=True)
    for form_id, form in sorted(forms.items()):
        path = pdf_dir / f"{form_id}.pdf"
        if not path.exists():
            render_pdf(form, path, lithocode=1)
    click.echo(f"blank forms printed: {len(forms)} PDFs in {pdf_dir}")
    deck_dir = out_dir / "deck"
    if not (deck_dir / "truth.json").exists():
        deck = generate_deck(forms[DEMO_DECK_FORM], DEMO_DECK_COUNT, seed=1, effects="typical",
                             first_lithocode=900_000)
        write_deck(deck, deck_dir)
    click.echo(f"test deck: {DEMO_DECK_COUNT} {DEMO_DECK_FORM} documents with truth.json "
               f"in {deck_dir}")
