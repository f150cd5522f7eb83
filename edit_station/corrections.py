"""What an editor or supervisor does with an item: key a value, skip, ask for
help, send the document for rescan, accept (supervisors).

A keyed value becomes corrections (one per key it sets, beside the original
reading: who, when, rule, key, value before and after), then the document is
checked again (:func:`edit_station.queue.recheck`). Items of a rule with
``double_key`` are keyed twice, blind: the first keying waits for a second
editor; the same value commits, another goes to the supervisor, who keys the
final value. Every change is audited.

Refusals raise :class:`Refused` with a ``kind`` the views turn into a status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from capture.documents import DocumentGone, document_fingerprint, key_lithocode, request_rescan
from capture.formset import known_forms
from edit_station.models import WAITING, EditCorrection, EditDocument, EditItem, ItemStatus
from edit_station.queue import recheck, release, with_corrections, withdraw_document
from edit_station.rules import BadValue, check_lithocode, keyed_changes, rule_of
from edit_station.values import current_values
from station import audit
from station.models import User, utcnow
from station.roles import ADMIN, SUPERVISOR

ACTIONS = ("skip", "help", "rescan", "accept")
SUPERVISORS = (SUPERVISOR, ADMIN)


class Refused(Exception):
    """An action refused: ``kind`` is bad_input, forbidden, not_found or
    conflict; ``field`` names the input at fault, if one."""

    def __init__(self, kind: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.kind, self.message, self.field = kind, message, field


@dataclass(frozen=True)
class Outcome:
    """What an action did: the item's and the document's status after it."""

    item_id: int
    item_status: str
    document_id: int | None
    document_status: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.item_id, "status": self.item_status,
                "document_id": self.document_id, "document_status": self.document_status}


def act(session: Session, item_id: int, user: User, body: dict[str, Any]) -> Outcome:
    """Apply ``{"value": ...}`` or ``{"action": ..., "reason": ...}`` to an
    item the user holds (supervisors: an item in their queue, or any item to
    accept). Nothing is stored when it is refused."""
    item, edoc, corrections = lock_item(session, item_id)
    _check_may_act(session, item, user, body)
    if "value" in body:
        _key(session, item, edoc, corrections, user, body["value"])
    else:
        _action(session, item, edoc, user, str(body.get("action", "")),
                str(body.get("reason", "")).strip())
    return _outcome(session, item, edoc)


def lock_item(session: Session, item_id: int
              ) -> tuple[EditItem, EditDocument | None, list[EditCorrection]]:
    """The item and its document, locked for this transaction, with the
    document's corrections, in one query (SQLite: the write lock is taken
    first, so that what is read stays true until the commit)."""
    if session.get_bind().dialect.name == "sqlite":
        session.commit()
        session.execute(text("UPDATE edit_item SET id = id WHERE id = :id"), {"id": item_id})
    row, corrections = with_corrections(session, select(EditItem, EditDocument).join(
        EditDocument, EditDocument.document_id == EditItem.document_id)
        .where(EditItem.id == item_id).with_for_update(of=(EditItem, EditDocument))
        .execution_options(populate_existing=True))
    if row:
        return row[0], row[1], corrections
    item = session.get(EditItem, item_id, with_for_update=True, populate_existing=True)
    if item is None:
        raise Refused("not_found", f"edit item {item_id} does not exist")
    return item, None, []


def _check_may_act(session: Session, item: EditItem, user: User, body: dict) -> None:
    if item.status not in WAITING:
        raise Refused("conflict", f"item {item.id} is {item.status} already: take the next")
    supervisor = user.role in SUPERVISORS
    if item.claimed_by != user.id and not (supervisor and (
            item.status == ItemStatus.SUPERVISOR or body.get("action") == "accept")):
        expires = item.claim_expires_at
        live = item.claimed_by is not None and expires is not None \
            and (expires if expires.tzinfo else expires.replace(tzinfo=UTC)) > utcnow()
        raise Refused("conflict", f"item {item.id} is held by another editor now: take the "
                      "next" if live else f"item {item.id} is not claimed by you: claim "
                      "items with POST /api/edit/next")
    if item.document_id is not None and \
            document_fingerprint(session, item.document_id) != item.fingerprint:
        raise Refused("conflict", f"document {item.lithocode} was rescanned or changed in "
                      "capture since this item was made: it no longer applies; take the next")
    if "value" not in body and body.get("action") not in ACTIONS:
        raise Refused("bad_input", "send {\"value\": ...} or {\"action\": one of "
                      f"{', '.join(ACTIONS)}}}", "action")


def _action(session: Session, item: EditItem, edoc: EditDocument | None, user: User,
            action: str, reason: str) -> None:
    if action == "skip":
        item.skipped_by = user.id
        release(item)
    elif action == "help":
        item.status = ItemStatus.SUPERVISOR
        release(item)
        audit.record(session, user, "edit.item.help", f"edit_item:{item.id}",
                     None, {"reason": reason})
    elif action == "rescan":
        _rescan(session, item, user, reason)
    else:
        _accept(session, item, edoc, user, reason)


def _rescan(session: Session, item: EditItem, user: User, reason: str) -> None:
    if item.document_id is None:
        raise Refused("bad_input", "this page belongs to no document yet: key its lithocode "
                      "or ask the supervisor", "action")
    try:
        request_rescan(session, item.document_id, reason or f"edit item {item.id} "
                       f"({item.rule})", user)
    except DocumentGone as exc:
        raise Refused("conflict", str(exc)) from None
    withdraw_document(session, item.document_id)
    session.refresh(item)


def _accept(session: Session, item: EditItem, edoc: EditDocument | None, user: User,
            reason: str) -> None:
    if user.role not in SUPERVISORS:
        raise Refused("forbidden", "only a supervisor accepts a default as it is", "action")
    if not reason:
        raise Refused("bad_input", "say why the default is accepted (reason)", "reason")
    item.status, item.resolved_by, item.resolved_at = ItemStatus.ACCEPTED, user.username, \
        utcnow()
    release(item)
    audit.record(session, user, "edit.item.accept", f"edit_item:{item.id}",
                 {"status": "waiting", "value": item.value},
                 {"status": "accepted", "reason": reason})
    if edoc is not None:
        recheck(session, edoc)


def _key(session: Session, item: EditItem, edoc: EditDocument | None,
         corrections: list[EditCorrection], user: User, value: Any) -> None:
    if not isinstance(value, str) or len(value) > 200:
        raise Refused("bad_input", "value must be text (at most 200 characters)", "value")
    if item.document_id is None:
        _key_lithocode(session, item, user, value)
        return
    form = known_forms()[item.form_id]
    rule = rule_of(form, item.rule)
    try:
        changes = keyed_changes(form, rule, item.field, item.key, value)
    except BadValue as exc:
        raise Refused("bad_input", exc.message, exc.field) from None
    keyed = value.strip().upper()
    if item.double_key and item.status != ItemStatus.SUPERVISOR:
        _double_key(session, item, edoc, corrections, user, keyed, changes)
        return
    _correct(session, item, edoc, corrections, user, changes, None)


def _double_key(session: Session, item: EditItem, edoc: EditDocument,
                corrections: list[EditCorrection], user: User, keyed: str,
                changes: dict) -> None:
    """First keying waits; the second commits on agreement, else goes to the supervisor."""
    if item.status == ItemStatus.OPEN:
        item.status, item.first_value, item.first_by = ItemStatus.SECOND_KEY, keyed, user.id
        release(item)
        audit.record(session, user, "edit.item.first_key", f"edit_item:{item.id}")
        return
    if item.first_by == user.id:
        raise Refused("conflict", "you keyed this item first: a second editor keys it")
    form = known_forms()[item.form_id]
    first = keyed_changes(form, rule_of(form, item.rule), item.field, item.key,
                          item.first_value or "")
    if first == changes:
        first_user = session.get(User, item.first_by)
        _correct(session, item, edoc, corrections,
                 first_user.username if first_user else "?", changes, user.username)
        return
    item.status, item.second_value = ItemStatus.SUPERVISOR, keyed
    release(item)
    audit.record(session, user, "edit.item.keyings_disagree", f"edit_item:{item.id}")


def _correct(session: Session, item: EditItem, edoc: EditDocument,
             corrections: list[EditCorrection], actor: User | str, changes: dict,
             verified_by: str | None) -> None:
    """Store the corrections of ``changes`` ((field, key) → value) after the
    document's ``corrections``, resolve the item, and check the document again."""
    made = list(corrections)
    values = current_values(edoc.read_values, [(c.field, c.key, c.value_after) for c in made])
    name = actor if isinstance(actor, str) else actor.username
    before, after = {}, {}
    for (field, key), new in changes.items():
        old = values.get(field, {}).get(key)
        old_value = old.value if old else ""
        made.append(EditCorrection(document_id=edoc.document_id, batch_id=edoc.batch_id,
                                   item_id=item.id, fingerprint=edoc.fingerprint,
                                   rule=item.rule, field=field, key=key,
                                   value_before=old_value, value_after=new, actor=name,
                                   verified_by=verified_by))
        session.add(made[-1])
        before[f"{field}.{key}"], after[f"{field}.{key}"] = old_value, new
    item.status, item.resolved_by, item.resolved_at = ItemStatus.DONE, name, utcnow()
    release(item)
    audit.record(session, actor, "edit.correction", f"document:{edoc.document_id}",
                 before, {**after, "rule": item.rule, "item": item.id,
                          **({"verified_by": verified_by} if verified_by else {})})
    recheck(session, edoc, corrections=made)


def _key_lithocode(session: Session, item: EditItem, user: User, value: str) -> None:
    form = known_forms()[item.form_id]
    litho = next((p.lithocode for p in form.pages if p.lithocode), None)
    try:
        code = check_lithocode(value, litho.digits if litho else 8)
        key_lithocode(session, item.page_id, code, user)
    except BadValue as exc:
        raise Refused("bad_input", exc.message, exc.field) from None
    except ValueError as exc:
        raise Refused("bad_input", str(exc), "value") from None
    except DocumentGone as exc:
        raise Refused("conflict", str(exc)) from None
    item.status, item.resolved_by, item.resolved_at = ItemStatus.DONE, user.username, utcnow()
    item.lithocode = code
    release(item)


def accept_document(session: Session, document_id: int, user: User, reason: str) -> int:
    """A supervisor accepts every remaining default of a document (with a
    reason, audited); it is released. Returns the items accepted."""
    if user.role not in SUPERVISORS:
        raise Refused("forbidden", "only a supervisor accepts a document's defaults")
    if not reason.strip():
        raise Refused("bad_input", "say why the defaults are accepted (reason)", "reason")
    edoc = session.get(EditDocument, document_id, with_for_update=True)
    if edoc is None:
        raise Refused("not_found", f"document {document_id} is not in the edit station")
    ids = list(session.scalars(select(EditItem.id).where(
        EditItem.document_id == document_id, EditItem.status.in_(WAITING))))
    session.execute(update(EditItem).where(EditItem.id.in_(ids)).values(
        status=ItemStatus.ACCEPTED, resolved_by=user.username, resolved_at=utcnow(),
        claimed_by=None, claim_expires_at=None))
    audit.record(session, user, "edit.document.accept", f"document:{document_id}",
                 {"status": edoc.status, "items": ids}, {"reason": reason.strip()})
    recheck(session, edoc)
    return len(ids)


def _outcome(session: Session, item: EditItem, edoc: EditDocument | None) -> Outcome:
    """What the action left: the item's status and its document's."""
    session.flush()
    return Outcome(item.id, item.status, item.document_id, edoc.status if edoc else None)
