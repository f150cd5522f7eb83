"""The test-deck generator: filled-in, scanned-looking answer documents with their ground
truth, for test decks, the demo and every accuracy benchmark.

It stands apart from the production form model (``sample_sheets.model``, ``loader``,
``render``), which the reader and the areas use alone: nothing outside tests, benchmarks,
demos and the ``deck`` command imports this package.

    from sample_sheets.deck import generate_deck, write_deck
    deck = generate_deck(load_form("answer_folder"), count=25, seed=7, effects="harsh")
    write_deck(deck, "out/")

Modules: ``generate`` (plans and draws documents), ``marks`` (pencil marks and erasures),
``handwriting`` (printed letters and written responses), ``labels`` (pre-ID labels),
``students`` (mock students), ``responses`` (response plans and coverage), ``effects``
(the scanner model).
"""

from sample_sheets.deck.generate import (
    Deck,
    DocumentScan,
    PageScan,
    generate_deck,
    header_document,
    is_header_form,
    write_deck,
)

__all__ = ["Deck", "DocumentScan", "PageScan", "generate_deck", "header_document",
           "is_header_form", "write_deck"]
