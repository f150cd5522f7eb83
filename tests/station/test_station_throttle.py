"""Login throttling: per account and per address, counted in the database, audited."""

import json
import logging
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select

from app import create_app
from station.db import session_scope
from station.models import AuditEntry

REPO = Path(__file__).resolve().parents[2]


def _api_login(client, username, password, **headers):
    token = client.get("/api/session", headers=headers).get_json()["csrf_token"]
    return client.post("/api/session", json={"username": username, "password": password},
                       headers={"X-CSRF-Token": token, **headers})


def _page_login(client, username, password):
    token = client.get("/api/session").get_json()["csrf_token"]
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def test_wrong_passwords_hold_the_account_back_even_with_the_right_one(app, client, make_user,
                                                                       caplog):
    user = make_user("admin")
    statuses = [_api_login(client, user.username, f"guess-{i}").status_code for i in range(5)]
    assert statuses == [401] * 5
    with caplog.at_level(logging.WARNING):
        held = _api_login(client, user.username, user.password)
    assert re.search(rf"login refused \(held back (59|60) s\) for user '{user.username}' "
                     r"from 127\.0\.0\.1", caplog.text)
    assert held.status_code == 429
    assert held.headers["Retry-After"] in ("59", "60")
    assert "try again in" in held.get_json()["detail"]
    page = _page_login(client, user.username, user.password)
    assert page.status_code == 429
    assert b"Too many failed logins for this account or from this address" in page.data
    assert client.get("/api/session").get_json()["user"] is None
    with app.app_context(), session_scope() as session:
        refused = session.scalars(select(AuditEntry.after).where(
            AuditEntry.action == "session.login_refused")).all()
    assert [entry["outcome"] for entry in refused] == ["wrong credentials"] * 5


def test_the_hold_ends_doubles_and_a_success_clears_it(app_config, make_user):
    app = create_app({**app_config, "SCANSCORE_LOGIN_FAILURES_PER_ACCOUNT": 2,
                      "SCANSCORE_LOGIN_LOCKOUT": 1.0})
    client = app.test_client()
    user = make_user("editor")
    for i in range(2):
        _api_login(client, user.username, f"guess-{i}")
    assert _api_login(client, user.username, user.password).status_code == 429
    time.sleep(1.1)
    assert _api_login(client, user.username, "guess-3").status_code == 401
    time.sleep(1.1)  # the third failure holds for 2 s
    assert _api_login(client, user.username, user.password).status_code == 429
    time.sleep(1.0)
    assert _api_login(client, user.username, user.password).status_code == 200
    client.delete("/api/session", headers={
        "X-CSRF-Token": client.get("/api/session").get_json()["csrf_token"]})
    assert _api_login(client, user.username, "guess-4").status_code == 401  # count cleared


def test_one_address_guessing_many_accounts_is_held_back(app_config, make_user):
    app = create_app({**app_config, "SCANSCORE_LOGIN_FAILURES_PER_ADDRESS": 3,
                      "SCANSCORE_PROXIES": 1})
    client = app.test_client()
    user = make_user("operator")
    attacker = {"X-Forwarded-For": "203.0.113.9"}
    for name in ("root", "admin", "nobody"):
        assert _api_login(client, name, "password1", **attacker).status_code == 401
    assert _api_login(client, user.username, user.password, **attacker).status_code == 429
    colleague = {"X-Forwarded-For": "198.51.100.4"}
    assert _api_login(client, user.username, user.password, **colleague).status_code == 200


GUESS_IN_ANOTHER_PROCESS = """
import json, sys
from app import create_app
config = json.loads(sys.argv[1])
client = create_app(config).test_client()
for i in range(5):
    token = client.get("/api/session").get_json()["csrf_token"]
    response = client.post("/api/session", json={"username": sys.argv[2], "password": f"g{i}"},
                           headers={"X-CSRF-Token": token})
    print(response.status_code)
"""


def test_the_count_holds_across_processes(app, app_config, make_user):
    user = make_user("scorer")
    other = subprocess.run(
        [sys.executable, "-c", GUESS_IN_ANOTHER_PROCESS, json.dumps(app_config), user.username],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert other.returncode == 0, other.stderr
    assert other.stdout.split() == ["401"] * 5
    assert _api_login(app.test_client(), user.username, user.password).status_code == 429


def test_attempts_are_audited_and_logged_without_the_password(app, client, make_user, caplog):
    user = make_user("supervisor")
    with caplog.at_level(logging.INFO):
        _page_login(client, user.username, "the-wrong-secret")
        _page_login(client, "nobody", "another-wrong-secret")
        _page_login(client, user.username, user.password)
    with app.app_context(), session_scope() as session:
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.action.like("session.%")).order_by(AuditEntry.id)).all()
        seen = [(e.actor, e.action, e.target, e.after) for e in entries]
        everything = repr([(e.actor, e.target, e.before, e.after)
                           for e in session.scalars(select(AuditEntry))])
    refused = {"outcome": "wrong credentials", "address": "127.0.0.1"}
    assert seen == [
        ("anonymous", "session.login_refused", f"user:{user.id}",
         {**refused, "username": user.username}),
        ("anonymous", "session.login_refused", "username:nobody",
         {**refused, "username": "nobody"}),
        (user.username, "session.login", f"user:{user.id}", {"address": "127.0.0.1"}),
    ]
    assert "wrong-secret" not in everything and user.password not in everything
    assert "wrong-secret" not in caplog.text and user.password not in caplog.text
    assert f"login refused (wrong credentials) for user '{user.username}' from 127.0.0.1" \
        in caplog.text


def test_a_burst_of_simultaneous_guesses_gets_no_more_tries(app_config, make_user):
    app = create_app({**app_config, "SCANSCORE_LOGIN_FAILURES_PER_ACCOUNT": 3})
    user = make_user("admin")

    def guess(i):
        return _api_login(app.test_client(), user.username, f"guess-{i}").status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(guess, range(12)))
    assert statuses == [401] * 3 + [429] * 9
