import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import create_app
from station.db import session_scope
from station.models import AuditEntry


def test_login_leads_to_the_roles_home_page(client, make_user):
    user = make_user("operator")
    page = client.get("/login")
    assert page.status_code == 200 and b"Log in" in page.data
    token = client.get("/api/session").get_json()["csrf_token"]
    response = client.post("/login", data={
        "username": user.username, "password": user.password, "csrf_token": token})
    assert response.status_code == 302 and response.location == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert b"Operator home" in home.data and user.username.encode() in home.data


@pytest.mark.parametrize("who", ["wrong password", "unknown user"])
def test_wrong_credentials_are_refused_alike(client, make_user, who):
    user = make_user("editor")
    username = user.username if who == "wrong password" else "nobody"
    token = client.get("/api/session").get_json()["csrf_token"]
    response = client.post("/login", data={
        "username": username, "password": "not-the-password", "csrf_token": token})
    assert response.status_code == 401
    assert b"Unknown user or wrong password." in response.data
    assert client.get("/").status_code == 302
    assert client.get("/api/session").get_json()["user"] is None


def test_inactive_user_cannot_log_in(client, make_user):
    user = make_user("editor", active=False)
    token = client.get("/api/session").get_json()["csrf_token"]
    response = client.post("/login", data={
        "username": user.username, "password": user.password, "csrf_token": token})
    assert response.status_code == 401


def test_pages_send_anonymous_visitors_to_login_and_back(client, make_user):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.location == "/login?next=/admin/users"
    admin = make_user("admin")
    token = client.get("/api/session").get_json()["csrf_token"]
    response = client.post("/login", data={
        "username": admin.username, "password": admin.password, "csrf_token": token,
        "next": "/admin/users"})
    assert response.location == "/admin/users"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(client, make_user, target):
    user = make_user("scorer")
    token = client.get("/api/session").get_json()["csrf_token"]
    response = client.post("/login", data={
        "username": user.username, "password": user.password, "csrf_token": token,
        "next": target})
    assert response.location == "/"


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("editor")
    client.get("/login")
    response = client.post("/login", data={"username": user.username,
                                           "password": user.password})
    assert response.status_code == 400
    assert b"CSRF" in response.data
    assert client.get("/api/session").get_json()["user"] is None


def test_logout_ends_the_session(client, login, csrf_headers):
    login(client, "editor")
    assert client.post("/logout").status_code == 400  # no token
    assert client.get("/").status_code == 200
    response = client.post("/logout", headers=csrf_headers(client))
    assert response.status_code == 302 and response.location == "/login"
    assert client.get("/").status_code == 302


def test_login_and_logout_are_audited(app, client, login, csrf_headers):
    user = login(client, "supervisor")
    client.post("/logout", headers=csrf_headers(client))
    with app.app_context(), session_scope() as session:
        actions = session.scalars(select(AuditEntry.action).where(
            AuditEntry.target == f"user:{user.id}").order_by(AuditEntry.id)).all()
    assert actions == ["user.create", "session.login", "session.logout"]


def test_deactivated_user_is_logged_out_at_the_next_request(app, client, login):
    user = login(client, "editor")
    assert client.get("/").status_code == 200
    with app.app_context(), session_scope() as session:
        from station.models import User
        session.get(User, user.id).active = False
    assert client.get("/").status_code == 302


def test_idle_session_expires(app_config, make_user):
    app = create_app({**app_config, "PERMANENT_SESSION_LIFETIME": timedelta(seconds=1.5)})
    client = app.test_client()
    user = make_user("editor")
    token = client.get("/api/session").get_json()["csrf_token"]
    client.post("/login", data={"username": user.username, "password": user.password,
                                "csrf_token": token})
    assert client.get("/").status_code == 200
    time.sleep(0.9)
    assert client.get("/").status_code == 200  # activity keeps the session alive
    time.sleep(0.9)
    assert client.get("/").status_code == 200
    time.sleep(1.8)
    api = client.get("/api/users")
    assert api.status_code == 401
    assert "expired" in api.get_json()["detail"]
    client.post("/login", data={"username": user.username, "password": user.password,
                                "csrf_token": client.get("/api/session").get_json()["csrf_token"]})
    time.sleep(1.8)
    response = client.get("/", follow_redirects=True)
    assert b"Your session expired: log in again." in response.data
    assert b'name="password"' in response.data


def test_api_login_whoami_and_logout(client, make_user):
    user = make_user("admin")
    token = client.get("/api/session").get_json()["csrf_token"]
    assert client.post("/api/session", json={"username": user.username,
                                             "password": user.password}).status_code == 400
    response = client.post("/api/session", headers={"X-CSRF-Token": token},
                           json={"username": user.username, "password": user.password})
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["username"] == user.username and body["user"]["role"] == "admin"
    assert body["csrf_token"] != token  # a new token after login
    headers = {"X-CSRF-Token": body["csrf_token"]}
    assert client.get("/api/users").status_code == 200
    assert client.delete("/api/session", headers=headers).get_json()["user"] is None
    assert client.get("/api/users").status_code == 401


def test_api_login_errors(client, make_user):
    user = make_user("admin")
    headers = {"X-CSRF-Token": client.get("/api/session").get_json()["csrf_token"]}
    wrong = client.post("/api/session", headers=headers,
                        json={"username": user.username, "password": "nope-nope"})
    assert wrong.status_code == 401
    assert wrong.get_json() == {"error": "unknown user or wrong password", "detail": None}
    missing = client.post("/api/session", headers=headers, json={"username": user.username})
    assert missing.status_code == 422 and missing.get_json()["error"] == "bad input"


def test_api_errors_are_json(client, login):
    assert client.get("/api/users").get_json()["error"] == "not logged in"
    login(client, "editor")
    forbidden = client.get("/api/users")
    assert forbidden.status_code == 403
    assert forbidden.get_json() == {"error": "forbidden",
                                    "detail": "the editor role may not use this"}
    missing = client.get("/api/no-such-thing")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not found"
    assert client.post("/api/users", json={}).status_code == 403  # the role first
    login(client, "admin")
    refused = client.post("/api/users", json={})
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]


def test_pages_carry_security_headers_and_the_csrf_meta_tag(client, login):
    login(client, "editor")
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert b'<meta name="csrf-token" content="' in response.data
