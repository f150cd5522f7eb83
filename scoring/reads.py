"""A :class:`ScoringDocument` from a document's mark records (the reader's output): the
record scoring gets of a document before, or without, the edit station."""

from __future__ import annotations

from collections.abc import Sequence

from omr.record import MarkRecord
from scoring.records import Demographics, ItemResponse, ScoringDocument, gridded_demographics


def document_from_reads(document_id: int, records: Sequence[MarkRecord],
                        demographics: Demographics | None = None,
                        kind: str = "") -> ScoringDocument:
    """Every field of every page (demographics as gridded, and the pre-ID label's barcode,
    unless given); an answer drawn over an erasure keeps the erased answer
    as its original. A page read ``bitonal`` carries no erasure information, so the
    document's changed answers are unknown."""
    fields: dict[str, dict[str, ItemResponse]] = {}
    for record in records:
        for name, keys in record.fields.items():
            fields.setdefault(name, {}).update(
                {key: ItemResponse(read.value, read.changed[0] if read.changed else None)
                 for key, read in keys.items()})
    first = records[0]
    if demographics is None:
        values = {name: {k: r.value for k, r in keys.items()} for name, keys in fields.items()}
        label = next((r.barcodes["label"].text for r in records if "label" in r.barcodes), "")
        demographics = gridded_demographics(values, preid=label)
    return ScoringDocument(
        document_id, first.lithocode or "", first.form or "", fields, demographics,
        erasure_known=not any("bitonal" in r.flags for r in records), kind=kind)
