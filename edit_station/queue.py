"""The edit queue: documents taken in from capture, their items kept in step
with the rules, and atomic claims.

:func:`take_batch` (the job run when capture announces a batch assembled)
takes each document of the batch through :mod:`capture.documents`; a document
seen before with the same pages and conditions is left alone, so the job can
run any number of times. :func:`recheck` is the post-edit step: the rules run
on the read values with the corrections applied; a new finding gets an item, a
waiting item whose finding is gone is cleared, and a document with nothing
waiting is released.

Claims: :func:`claim_next` takes the first waiting item, oldest batch first,
then by document (a batch's loose pages first: their lithocodes complete
documents), in one statement: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
on SQLite the statement runs under the database's single write lock, in a
transaction of its own. A claim lasts ``SCANSCORE_EDIT_CLAIM_SECONDS``
(default 10 minutes); an expired claim is free for anyone.
"""

from __future__ import annotations

import logging

from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.orm import Session

from capture.documents import (
    BatchContents,
    CaptureDocument,
    DocumentGone,
    LoosePage,
    batch_documents,
    batch_is_assembled,
    capture_document,
)
from capture.formset import known_forms
from edit_station.models import (
    WAITING,
    DocumentStatus,
    EditCorrection,
    EditDocument,
    EditItem,
    ItemStatus,
)
from edit_station.rules import Condition, Finding, check_document, finding_value, rule_of
from edit_station.values import clip_facts, current_values, snapshot
from station.config import current_settings
from station.models import utcnow

log = logging.getLogger(__name__)

LITHOCODE_RULE = "lithocode_unreadable"


def take_batch(session: Session, batch_id: int) -> int:
    """Take the documents of an assembled batch into edit; returns the items
    now waiting in the batch. A batch not yet assembled is left for later."""
    if not batch_is_assembled(session, batch_id):
        log.info("batch %s is not assembled yet: not taken into edit", batch_id)
        return 0
    contents = batch_documents(session, batch_id)
    for doc in contents.documents:
        take_document(session, doc)
    _take_loose_pages(session, contents)
    waiting = session.scalar(text("SELECT count(*) FROM edit_item WHERE batch_id = :b AND "
                                  "status IN ('open', 'second_key', 'supervisor')"),
                             {"b": batch_id})
    log.info("batch %s taken into edit: %s items waiting", batch_id, waiting)
    return waiting


def take_document(session: Session, doc: CaptureDocument) -> EditDocument | None:
    """Take one document (again): a new document, or one whose pages or
    conditions changed, gets a fresh snapshot and its items rechecked."""
    edoc = session.get(EditDocument, doc.id, with_for_update=True)
    conditions = [{"code": c.code, "detail": c.detail} for c in doc.conditions]
    if not doc.pages:
        if edoc is not None:
            _withdraw(session, edoc.document_id, None)
        return edoc
    if edoc is not None and edoc.fingerprint == doc.fingerprint \
            and edoc.conditions == conditions:
        return edoc
    if edoc is None:
        edoc = EditDocument(document_id=doc.id, batch_id=doc.batch.id)
        session.add(edoc)
    elif edoc.fingerprint != doc.fingerprint:
        _withdraw(session, doc.id, doc.fingerprint)
    edoc.lithocode, edoc.form_id, edoc.school_code = doc.lithocode, doc.form_id, \
        doc.batch.school_code
    edoc.fingerprint, edoc.read_values, edoc.conditions = doc.fingerprint, snapshot(doc), \
        conditions
    edoc.status, edoc.released_at = DocumentStatus.OPEN, None
    session.flush()
    recheck(session, edoc, doc)
    return edoc


def with_corrections(session: Session, query) -> tuple[list, list[EditCorrection]]:
    """The first row of ``query`` (a select of rows ending with the
    document) with the corrections of the document's current reading, in
    order, fetched in the same round trip (an outer join)."""
    rows = session.execute(query.outerjoin(EditCorrection, and_(
        EditCorrection.document_id == EditDocument.document_id,
        EditCorrection.fingerprint == EditDocument.fingerprint))
        .add_columns(EditCorrection).order_by(EditCorrection.id)).all()
    if not rows:
        return [], []
    return list(rows[0][:-1]), [r[-1] for r in rows if r[-1] is not None]


def corrections_of(session: Session, edoc: EditDocument) -> list[EditCorrection]:
    """The corrections of the document's current reading, in order."""
    return list(session.scalars(select(EditCorrection).where(
        EditCorrection.document_id == edoc.document_id,
        EditCorrection.fingerprint == edoc.fingerprint).order_by(EditCorrection.id)))


def recheck(session: Session, edoc: EditDocument, doc: CaptureDocument | None = None,
            corrections: list[EditCorrection] | None = None) -> list[Finding]:
    """Post-edit: run every rule on the document's values now; open items
    for new findings, clear those whose finding is gone, release the
    document when nothing waits. Returns the findings. ``doc``: the captured
    document, read through the door only when a new item needs its clip;
    ``corrections``: the document's, when the caller has them."""
    form = known_forms()[edoc.form_id]
    if corrections is None:
        corrections = corrections_of(session, edoc)
    values = current_values(edoc.read_values, [(c.field, c.key, c.value_after)
                                               for c in corrections])
    items = session.scalars(select(EditItem).where(
        EditItem.document_id == edoc.document_id,
        EditItem.fingerprint == edoc.fingerprint)).all()
    settled = {(i.rule, i.field, i.key): i.value for i in items
               if i.status == ItemStatus.ACCEPTED}
    settled |= {(i.rule, i.field, i.key): finding_value(form, rule_of(form, i.rule), i.field,
                                                        i.key, values)
                for i in items if i.status == ItemStatus.DONE}
    findings = check_document(form, values, [Condition(c["code"], c["detail"])
                                             for c in edoc.conditions], settled)
    waiting = {i.finding: i for i in items if i.status in WAITING}
    wanted = {_finding_key(edoc.document_id, f): f for f in findings}
    for key, item in waiting.items():
        if key not in wanted:
            item.status, item.resolved_at, item.claimed_by = ItemStatus.CLEARED, utcnow(), None
    for key, finding in wanted.items():
        if key not in waiting:
            doc = doc or capture_document(session, edoc.document_id)
            session.add(_item(form, edoc, doc, key, finding))
    if not wanted and edoc.status == DocumentStatus.OPEN:
        edoc.status, edoc.released_at = DocumentStatus.RELEASED, utcnow()
    session.flush()
    return findings


def _finding_key(document_id: int, f: Finding) -> str:
    return f"{document_id}:{f.rule}:{f.field or ''}:{f.key or ''}"


def _item(form, edoc: EditDocument, doc: CaptureDocument, key: str, f: Finding) -> EditItem:
    rule = rule_of(form, f.rule)
    fields = list(rule.fields) if rule.when == "date_out_of_range" else \
        [f.field] if f.field else []
    return EditItem(finding=key, batch_id=edoc.batch_id, document_id=edoc.document_id,
                    lithocode=edoc.lithocode, form_id=edoc.form_id, rule=f.rule,
                    field=f.field, key=f.key, value=f.value[:200], problem=f.problem[:500],
                    resolution=rule.resolution, double_key=rule.double_key,
                    clip=clip_facts(doc, fields, f.key),
                    fingerprint=edoc.fingerprint)


def _take_loose_pages(session: Session, contents: BatchContents) -> None:
    """An item for each loose page whose form has the lithocode rule (key the
    eye-readable digits); the items of pages no longer loose are cleared."""
    forms = known_forms()
    keys = {f"page{lp.page.page_id}:{LITHOCODE_RULE}": lp for lp in contents.loose_pages}
    waiting = {i.finding: i for i in session.scalars(select(EditItem).where(
        EditItem.batch_id == contents.batch.id, EditItem.document_id.is_(None),
        EditItem.status.in_(WAITING)))}
    for key, item in waiting.items():
        if key not in keys:
            item.status, item.resolved_at = ItemStatus.CLEARED, utcnow()
            release(item)
    for key, lp in keys.items():
        rules = {r["id"] for r in forms[lp.form_id].edit_rules}
        if key not in waiting and LITHOCODE_RULE in rules:
            session.add(_loose_item(forms[lp.form_id], contents.batch.id, key, lp))
    session.flush()


def _loose_item(form, batch_id: int, key: str, lp: LoosePage) -> EditItem:
    rule = rule_of(form, LITHOCODE_RULE)
    page = lp.page
    detail = "; ".join(c.detail for c in lp.conditions) or "lithocode not read"
    clip = {"page": page.page_number, "page_id": page.page_id, "sha256": page.image_sha256,
            "rotated": page.rotated, "box": list(page.record.eye_readable or ()) or None,
            "bubbles": [], "write_in": []}
    return EditItem(finding=key, batch_id=batch_id, document_id=None, page_id=page.page_id,
                    lithocode=None, form_id=form.id, rule=rule.id, field=None, key=None,
                    value="", problem=f"the lithocode could not be read: {detail}"[:500],
                    resolution=rule.resolution, clip=clip, fingerprint=page.image_sha256[:32])


def _withdraw(session: Session, document_id: int, keep_fingerprint: str | None) -> int:
    """Withdraw the waiting items of a document (those of another reading
    than ``keep_fingerprint``); returns how many."""
    query = update(EditItem).where(EditItem.document_id == document_id,
                                   EditItem.status.in_(WAITING))
    if keep_fingerprint is not None:
        query = query.where(EditItem.fingerprint != keep_fingerprint)
    result = session.execute(query.values(status=ItemStatus.WITHDRAWN, resolved_at=utcnow(),
                                          claimed_by=None, claim_expires_at=None))
    return result.rowcount


def withdraw_document(session: Session, document_id: int) -> int:
    """A document sent for rescan: its waiting items are withdrawn."""
    edoc = session.get(EditDocument, document_id, with_for_update=True)
    if edoc is not None:
        edoc.status = DocumentStatus.RESCAN
    return _withdraw(session, document_id, None)


# --- claims ------------------------------------------------------------------------------

_EDITORS_QUEUE = text("edit_item.status IN ('open', 'second_key')")
_SUPERVISOR_QUEUE = text("edit_item.status = 'supervisor'")
"""The statuses each queue claims from, as literals: the claim's partial index
(``ix_edit_item_next``) serves only a query whose statuses the planner sees."""


def claim_next(session: Session, user_id: int, holding: list[int] | None = None,
               supervisor: bool = False, resume: bool = False) -> EditItem | None:
    """Claim the next item for ``user_id`` (the caller commits); returns it,
    or None when nothing waits. ``resume``: a live claim the user holds and
    the screen does not show (``holding``: the ids it shows) comes first, so a
    reloaded screen gets its items back. ``supervisor``: the supervisor's
    queue (help asked, keyings that disagree)."""
    if session.get_bind().dialect.name == "sqlite":
        session.commit()  # the claim's transaction starts with its write: under the lock
    now = utcnow()
    until = now + current_settings().edit_claim
    if resume:
        held = session.scalars(update(EditItem).where(EditItem.id == select(EditItem.id).where(
            EditItem.claimed_by == user_id, EditItem.claim_expires_at > now,
            EditItem.status.in_(WAITING), EditItem.id.not_in(holding or [-1]))
            .order_by(EditItem.id).limit(1).scalar_subquery())
            .values(claim_expires_at=until).returning(EditItem)).first()
        if held is not None:
            return held
    free = or_(EditItem.claimed_by.is_(None), EditItem.claim_expires_at < now)
    first = (select(EditItem.id).where(
        _SUPERVISOR_QUEUE if supervisor else _EDITORS_QUEUE, free,
        or_(EditItem.first_by.is_(None), EditItem.first_by != user_id),
        or_(EditItem.skipped_by.is_(None), EditItem.skipped_by != user_id))
        .order_by(EditItem.batch_id, EditItem.document_id.nulls_first(), EditItem.id)
        .limit(1).with_for_update(skip_locked=True).scalar_subquery())
    return session.scalars(update(EditItem).where(EditItem.id == first, free)
                           .values(claimed_by=user_id, claimed_at=now, claim_expires_at=until)
                           .returning(EditItem), execution_options={"synchronize_session":
                                                                    False}).first()


def release(item: EditItem) -> None:
    item.claimed_by = item.claimed_at = item.claim_expires_at = None


def document_of(session: Session, document_id: int) -> EditDocument:
    edoc = session.get(EditDocument, document_id)
    if edoc is None:
        raise DocumentGone(f"document {document_id} is not in the edit station")
    return edoc
