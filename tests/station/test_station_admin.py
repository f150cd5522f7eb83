from sqlalchemy import select

from station.db import session_scope
from station.models import AuditEntry, User


def _audit(app, action):
    with app.app_context(), session_scope() as session:
        return session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_admin_adds_a_user_on_the_page(app, client, login, csrf_headers):
    admin = login(client, "admin")
    token = csrf_headers(client)["X-CSRF-Token"]
    response = client.post("/admin/users", data={
        "username": "reader7", "role": "scorer", "password": "long-enough", "csrf_token": token})
    assert response.status_code == 302
    page = client.get("/admin/users")
    assert b"User reader7 added as scorer." in page.data
    entry = _audit(app, "user.create")[-1]
    assert entry.actor == admin.username
    assert entry.after == {"username": "reader7", "role": "scorer", "active": True}
    assert "long-enough" not in str(entry.after)


def test_bad_user_on_the_page_says_why(client, login, csrf_headers):
    login(client, "admin")
    token = csrf_headers(client)["X-CSRF-Token"]
    response = client.post("/admin/users", data={
        "username": "x", "role": "scorer", "password": "short", "csrf_token": token})
    assert response.status_code == 422
    assert b"a password has at least 8 characters" in response.data


def test_admin_changes_a_user_by_api(app, client, login, csrf_headers, make_user):
    login(client, "admin")
    headers = csrf_headers(client)
    created = client.post("/api/users", headers=headers, json={
        "username": "ed", "password": "long-enough", "role": "editor"})
    assert created.status_code == 201
    user_id = created.get_json()["id"]
    changed = client.patch(f"/api/users/{user_id}", headers=headers,
                           json={"role": "supervisor", "active": False})
    assert changed.status_code == 200
    assert changed.get_json()["role"] == "supervisor" and not changed.get_json()["active"]
    entry = _audit(app, "user.update")[-1]
    assert entry.before == {"role": "editor", "active": True}
    assert entry.after == {"role": "supervisor", "active": False}
    assert client.patch("/api/users/999999", headers=headers, json={}).status_code == 404
    duplicate = client.post("/api/users", headers=headers, json={
        "username": "ed", "password": "long-enough", "role": "editor"})
    assert duplicate.status_code == 422
    assert duplicate.get_json() == {"error": "bad input", "detail": "user 'ed' exists already"}
    assert client.patch(f"/api/users/{user_id}", headers=headers,
                        json={"active": "yes"}).status_code == 422


def test_the_last_active_admin_stays(app, client, login, csrf_headers):
    admin = login(client, "admin")
    headers = csrf_headers(client)
    response = client.patch(f"/api/users/{admin.id}", headers=headers, json={"active": False})
    assert response.status_code == 422
    assert response.get_json()["detail"] == "at least one active admin must remain"
    with app.app_context(), session_scope() as session:
        assert session.get(User, admin.id).active


def test_supervisor_reads_the_audit_log_but_not_the_users(client, login, csrf_headers):
    user = login(client, "supervisor")
    assert client.get("/api/users").status_code == 403
    entries = client.get("/api/audit", query_string={"action": "session.login"}).get_json()
    assert [e["target"] for e in entries["entries"]] == [f"user:{user.id}"]
    page = client.get("/admin/audit")
    assert page.status_code == 200 and b"session.login" in page.data
    assert client.get("/api/audit?before=x").status_code == 422


def test_home_page_lists_what_the_role_may_open(client, login):
    login(client, "admin")
    home = client.get("/").data
    assert b"Administrator home" in home and b"Users" in home and b"Audit log" in home
    other = client.application.test_client()
    login(other, "scorer")
    home = other.get("/").data
    assert b"Scorer home" in home and b"Audit log" not in home
