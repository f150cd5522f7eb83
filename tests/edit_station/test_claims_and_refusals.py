"""Claims under concurrency, double keying that disagrees, refused input (each a
clear message and nothing stored), and who may use the station; on SQLite and
PostgreSQL, with the defect batch read for real."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from capture.exception_records import open_exception
from capture.exceptions import resolve
from capture.models import CaptureException, Page
from edit_station.models import EditCorrection, EditItem
from edit_station.queue import claim_next
from station.db import session_scope
from station.models import AuditEntry, utcnow
from tests.edit_station.conftest import claim, database, submit


def stored(app) -> tuple[int, int, int]:
    """Corrections, audit entries and resolved items: what a refusal must not change."""
    with database(app) as session:
        return (session.scalar(select(func.count()).select_from(EditCorrection)),
                session.scalar(select(func.count()).select_from(AuditEntry)),
                session.scalar(select(func.count()).select_from(EditItem).where(
                    EditItem.status.not_in(("open", "second_key", "supervisor")))))


def first_item(app, **where) -> EditItem:
    with database(app) as session:
        query = select(EditItem).where(EditItem.status == "open")
        for name, value in where.items():
            query = query.where(getattr(EditItem, name) == value)
        return session.scalars(query.order_by(EditItem.id)).first()


def hold(app, item_id: int, user_id: int) -> None:
    """Give ``item_id``'s claim to ``user_id`` (as a claim would)."""
    with database(app) as session:
        session.execute(update(EditItem).where(EditItem.id == item_id).values(
            claimed_by=user_id, claimed_at=utcnow(),
            claim_expires_at=utcnow() + timedelta(minutes=10)))


def test_twenty_editors_claiming_at_once_never_share_an_item(ingested, app):
    claimed: list[int | None] = []
    start = threading.Barrier(20)

    def editor(user_id: int) -> None:
        with app.app_context(), session_scope() as session:
            start.wait()
            item = claim_next(session, user_id)
            claimed.append(item.id if item else None)

    threads = [threading.Thread(target=editor, args=(1000 + n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert None not in claimed and len(set(claimed)) == 20
    with database(app) as session:
        owners = dict(session.execute(select(EditItem.id, EditItem.claimed_by).where(
            EditItem.id.in_(claimed))).all())
    assert sorted(owners.values()) == list(range(1000, 1020))


def test_expired_claim_returns_and_the_first_holder_is_refused(ingested, app, login,
                                                               csrf_headers):
    first, second = app.test_client(), app.test_client()
    login(first, "editor")
    login(second, "editor")
    headers = csrf_headers(first)
    item = claim(first, headers)
    with database(app) as session:
        session.execute(update(EditItem).where(EditItem.id == item["id"]).values(
            claim_expires_at=utcnow() - timedelta(seconds=1)))
    taken = claim(second, csrf_headers(second))
    assert taken["id"] == item["id"]
    before = stored(app)
    answer = submit(first, headers, item["id"], {"value": item["value"]}, status=409)
    assert "held by another editor" in answer["error"]
    assert stored(app) == before


def test_double_keying_that_disagrees_goes_to_the_supervisor(ingested, app, login,
                                                             csrf_headers):
    item = first_item(app, rule="ssid_multiple")
    clients = {}
    for role in ("editor", "editor", "supervisor"):
        c = app.test_client()
        user = login(c, role)
        clients.setdefault(role, []).append((c, csrf_headers(c), user))
    (a, a_h, a_user), (b, b_h, b_user) = clients["editor"]
    sup, sup_h, _ = clients["supervisor"][0]
    hold(app, item.id, a_user.id)
    assert submit(a, a_h, item.id, {"value": "4"})["status"] == "second_key"
    hold(app, item.id, b_user.id)
    shown = b.get(f"/api/edit/items/{item.id}").get_json()
    assert "keyings" not in shown and shown["second_keying"]
    assert submit(b, b_h, item.id, {"value": "7"})["status"] == "supervisor"
    with database(app) as session:
        assert session.scalar(select(func.count()).select_from(EditCorrection)) == 0
    taken = claim(sup, sup_h, queue="supervisor")
    assert taken["id"] == item.id and taken["keyings"] == ["4", "7"]
    assert submit(sup, sup_h, item.id, {"value": "7"})["status"] == "done"
    with database(app) as session:
        [fix] = session.scalars(select(EditCorrection)).all()
        assert (fix.field, fix.key, fix.value_before, fix.value_after) == ("ssid", "3", "*", "7")


def test_bad_input_is_refused_with_a_clear_message_and_nothing_stored(ingested, app, login,
                                                                      csrf_headers):
    c = app.test_client()
    user = login(c, "editor")
    headers = csrf_headers(c)
    cases = [
        (dict(rule="birth_date_range"), "0A3001", "not a date: key digits only"),
        (dict(rule="item_multiple"), "Z", "has no option 'Z'"),
        (dict(rule="name_multiple"), "AB", "too long for FIRST NAME, position 2"),
        (dict(rule="ssid_length"), "12345678901", "too long for STUDENT ID"),
        (dict(rule="lithocode_unreadable"), "71000099", "check digit"),
        (dict(rule="page_missing"), "3", "this item takes no value"),
    ]
    for where, value, message in cases:
        item = first_item(app, **where)
        hold(app, item.id, user.id)
        before = stored(app)
        answer = submit(c, headers, item.id, {"value": value}, status=400)
        assert message in answer["error"], (where, answer)
        assert stored(app) == before
    item = first_item(app, rule="item_multiple")
    hold(app, item.id, user.id)
    for bad_headers, status in (({}, 400), ({"X-CSRF-Token": "forged"}, 400)):
        response = c.post(f"/api/edit/items/{item.id}", json={"value": "A"}, headers=bad_headers)
        assert response.status_code == status
        assert "CSRF" in response.get_json()["error"]
    submit(c, headers, item.id, {"action": "explode"}, status=400)
    assert submit(c, headers, 999999, {"value": "A"}, status=404)["error"]
    assert stored(app)[0] == 0


def test_a_stale_item_is_refused_after_its_document_is_rescanned(ingested, app, login,
                                                                 csrf_headers):
    c = app.test_client()
    user = login(c, "editor")
    headers = csrf_headers(c)
    item = first_item(app, rule="name_multiple")
    hold(app, item.id, user.id)
    with database(app) as session:
        page_id = session.scalar(select(Page.id).where(Page.document_id == item.document_id,
                                                       Page.page_number == 2))
        open_exception(session, "edit_rescan", "smudged", page_id=page_id)
        session.flush()
        exception_id = session.scalar(select(CaptureException.id).where(
            CaptureException.page_id == page_id))
        resolve(session, exception_id, "rescan", "operator")
    before = stored(app)
    answer = submit(c, headers, item.id, {"value": "A"}, status=409)
    assert "rescanned" in answer["error"] or "withdrawn" in answer["error"]
    assert stored(app) == before


def test_rescan_withdraws_the_documents_items_and_reaches_the_operator(ingested, app, login,
                                                                       csrf_headers):
    c = app.test_client()
    user = login(c, "editor")
    item = first_item(app, rule="name_gap")
    hold(app, item.id, user.id)
    submit(c, csrf_headers(c), item.id, {"action": "rescan", "reason": "page 1 smudged"})
    with database(app) as session:
        statuses = set(session.scalars(select(EditItem.status).where(
            EditItem.document_id == item.document_id)))
        assert statuses == {"withdrawn"}
        reasons = session.scalars(select(CaptureException.reason).where(
            CaptureException.code == "edit_rescan")).all()
        assert len(reasons) == 4 and all("page 1 smudged" in r for r in reasons)


def test_only_editors_supervisors_and_admins_use_the_station(app, login, csrf_headers):
    for role, status in (("operator", 403), ("scorer", 403), ("editor", 200),
                         ("supervisor", 200), ("admin", 200)):
        c = app.test_client()
        login(c, role)
        assert c.get("/edit").status_code == status, role
        assert c.post("/api/edit/next", json={}, headers=csrf_headers(c)).status_code in (
            (403,) if status == 403 else (204,)), role
    anonymous = app.test_client()
    response = anonymous.get("/edit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert anonymous.get("/api/edit/queue").status_code == 401
    editor = app.test_client()
    login(editor, "editor")
    assert editor.get("/edit/supervisor").status_code == 403
