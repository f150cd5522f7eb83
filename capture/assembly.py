"""Pages into documents by lithocode, and the edit conditions found on the way.

Pure: :func:`plan_batch` takes the facts of a batch's read pages (in scanner
order) and the page count of each form, and returns the documents and the
conditions. Condition codes, for the edit station:

====================  ==========================================================
code                  meaning
====================  ==========================================================
missing_page          a page of the document's form is not in the batch
duplicate_lithocode   one page number found more than once under a lithocode in
                      the batch (a sheet scanned twice, or two documents printed
                      with one lithocode), or the lithocode also in another batch
lithocode_mismatch    a page whose lithocode differs from the pages scanned with
                      it (its neighbours' document lacks its page number), or
                      pages of different forms under one lithocode
lithocode_unread      a page whose lithocode could not be read (key it from the
                      eye-readable digits); it joins no document until keyed
batch_code_reused     the batch's header carries a batch code another batch was
                      opened under (a header sheet fed twice, or two batches
                      printed with one code); on both batches
====================  ==========================================================

A lithocode whose page numbers are found more than once stands for as many
documents as its most repeated page (two documents printed with one
lithocode are two documents for the header's count).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PageFacts:
    """What assembly needs of one read page."""

    id: int
    form_id: str
    page_number: int
    lithocode: str | None


@dataclass(frozen=True)
class Condition:
    """An edit condition on a document (by lithocode), a page, or both."""

    code: str
    detail: str
    lithocode: str | None = None
    page_id: int | None = None


@dataclass
class DocumentPlan:
    form_id: str
    pages_expected: int
    page_ids: list[int] = field(default_factory=list)
    numbers: Counter = field(default_factory=Counter)
    forms: set[str] = field(default_factory=set)

    def missing(self) -> list[int]:
        return [n for n in range(1, self.pages_expected + 1) if not self.numbers[n]]

    def copies(self) -> int:
        """How many paper documents carry this lithocode: the most times one
        of its page numbers was found."""
        return max(self.numbers.values(), default=1)


@dataclass(frozen=True)
class Plan:
    documents: dict[str, DocumentPlan]
    conditions: list[Condition]

    def documents_found(self) -> int:
        """Paper documents found, for the header's count (:meth:`DocumentPlan.copies`)."""
        return sum(doc.copies() for doc in self.documents.values())


def plan_batch(pages: list[PageFacts], page_counts: dict[str, int]) -> Plan:
    """Documents and conditions of a batch's read document pages (headers and
    exception pages left out), given in scanner order; ``page_counts`` is
    the number of pages of each form."""
    documents = _group(pages, page_counts)
    conditions = [c for litho, doc in documents.items() for c in _document_conditions(litho, doc)]
    conditions += _neighbour_conditions(pages, documents)
    return Plan(documents, conditions)


def _group(pages: list[PageFacts], page_counts: dict[str, int]) -> dict[str, DocumentPlan]:
    by_litho: dict[str, list[PageFacts]] = defaultdict(list)
    for page in pages:
        if page.lithocode:
            by_litho[page.lithocode].append(page)
    documents = {}
    for litho, members in by_litho.items():
        form_id = Counter(p.form_id for p in members).most_common(1)[0][0]
        doc = DocumentPlan(form_id, page_counts.get(form_id, 1))
        for p in members:
            doc.page_ids.append(p.id)
            doc.numbers[p.page_number] += 1
            doc.forms.add(p.form_id)
        documents[litho] = doc
    return documents


def _document_conditions(litho: str, doc: DocumentPlan) -> list[Condition]:
    conditions = []
    missing = doc.missing()
    if missing:
        listed = ", ".join(map(str, missing))
        conditions.append(Condition("missing_page", f"page {listed} of {doc.pages_expected} "
                                                    "not found", litho))
    if len(doc.forms) > 1:
        conditions.append(Condition("lithocode_mismatch", "pages of forms "
                                    f"{' and '.join(sorted(doc.forms))} carry this lithocode",
                                    litho))
    for number, times in sorted(doc.numbers.items()):
        if times > 1:
            conditions.append(Condition("duplicate_lithocode", f"page {number} found {times} "
                                        "times under this lithocode", litho))
    return conditions


def _neighbour_conditions(pages: list[PageFacts], documents: dict[str, DocumentPlan]
                          ) -> list[Condition]:
    """Pages whose lithocode is unread or disagrees with the pages scanned around them."""
    conditions = []
    for i, page in enumerate(pages):
        around = _neighbour_document(pages, i, documents)
        if page.lithocode is None:
            hint = f"; the pages around it are document {around}" if around else ""
            conditions.append(Condition("lithocode_unread", f"page {page.page_number} of "
                                        f"{page.form_id}: lithocode not read{hint}",
                                        None, page.id))
        elif (around and around != page.lithocode and documents[page.lithocode].missing()):
            conditions.append(Condition(
                "lithocode_mismatch", f"lithocode {page.lithocode} differs from the pages "
                f"scanned with it ({around}, which lacks page {page.page_number})",
                page.lithocode, page.id))
    return conditions


def _neighbour_document(pages: list[PageFacts], i: int, documents: dict[str, DocumentPlan]
                        ) -> str | None:
    """The lithocode of the pages just before and after page ``i`` when they
    agree and their document lacks page ``i``'s page number, else None."""
    around = {p.lithocode for p in (pages[i - 1] if i else None,
                                    pages[i + 1] if i + 1 < len(pages) else None) if p}
    if len(around) != 1 or None in around:
        return None
    litho = around.pop()
    return litho if pages[i].page_number in documents[litho].missing() else None
