"""Sessions are kept on the server: a cookie saved before logout, a password change,
deactivation or an admin's "end sessions" opens nothing afterwards."""

import hashlib

from sqlalchemy import select

from station.db import session_scope
from station.models import AuditEntry, User, UserSession

COOKIE = "scanscore_session"


def _saved_cookie(client):
    return client.get_cookie(COOKIE).value


def _replay(app, cookie):
    """A new browser presenting a copy of ``cookie``: who it is logged in as."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief, thief.get("/api/session").get_json()["user"]


def test_a_cookie_saved_before_logout_is_refused_after_it(app, client, login, csrf_headers):
    user = login(client, "operator")
    cookie = _saved_cookie(client)
    assert _replay(app, cookie)[1]["username"] == user.username  # the copy works while open
    client.post("/logout", headers=csrf_headers(client))
    thief, who = _replay(app, cookie)
    assert who is None
    assert thief.get("/").status_code == 302


def test_a_password_change_ends_the_old_sessions(app, client, login, make_user, csrf_headers):
    user = login(client, "editor")
    cookie = _saved_cookie(client)
    admin = app.test_client()
    login(admin, "admin")
    response = admin.patch(f"/api/users/{user.id}", json={"password": "a-new-password"},
                           headers=csrf_headers(admin))
    assert response.status_code == 200
    assert _replay(app, cookie)[1] is None
    assert client.get("/").status_code == 302
    token = client.get("/api/session").get_json()["csrf_token"]
    again = client.post("/api/session", json={"username": user.username,
                                              "password": "a-new-password"},
                        headers={"X-CSRF-Token": token})
    assert again.status_code == 200


def test_deactivation_ends_sessions_for_good(app, client, login, csrf_headers):
    user = login(client, "scorer")
    cookie = _saved_cookie(client)
    admin = app.test_client()
    login(admin, "admin")
    for active in (False, True):
        assert admin.patch(f"/api/users/{user.id}", json={"active": active},
                           headers=csrf_headers(admin)).status_code == 200
    assert _replay(app, cookie)[1] is None  # reactivating does not revive the old cookie


def test_an_admin_ends_every_session_of_a_user(app, login, make_user, csrf_headers):
    user = make_user("operator")
    browsers = [app.test_client() for _ in range(2)]
    for browser in browsers:
        login(browser, user)
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/admin/users")
    assert b"2 open" in page.data and b"End sessions" in page.data
    listed = admin.get(f"/api/users/{user.id}/sessions").get_json()["sessions"]
    assert [s["address"] for s in listed] == ["127.0.0.1", "127.0.0.1"]
    assert set(listed[0]) == {"id", "started_at", "last_seen_at", "address"}
    response = admin.delete(f"/api/users/{user.id}/sessions", headers=csrf_headers(admin))
    assert response.status_code == 200 and response.get_json() == {"ended": 2}
    assert [b.get("/api/session").get_json()["user"] for b in browsers] == [None, None]
    with app.app_context(), session_scope() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "session.end_all")).one()
        assert entry.target == f"user:{user.id}" and entry.after == {"ended": 2}
    login(browsers[0], user)
    response = admin.post(f"/admin/users/{user.id}/sessions/end", headers=csrf_headers(admin),
                          follow_redirects=True)
    assert f"1 session(s) of {user.username} ended.".encode() in response.data
    assert browsers[0].get("/api/session").get_json()["user"] is None


def test_the_database_keeps_only_the_tokens_hash(app, client, login):
    user = login(client, "supervisor")
    serializer = app.session_interface.get_signing_serializer(app)
    token = serializer.loads(_saved_cookie(client))["sid"]
    with app.app_context(), session_scope() as session:
        row = session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert row.ended_at is None and session.get(User, user.id).username == user.username
