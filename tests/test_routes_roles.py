"""Every route of the app against every role and an anonymous visitor, with and without a
CSRF token. Routes come from ``app.url_map``, so the routes of every area are checked as
soon as its blueprint is registered; each must declare its roles (``station.guard``).

URL parameters get dummy values (``1`` for ints, 64 hex digits for names containing hash,
sha, key or digest, ``x`` otherwise): the guard runs before any lookup, so a refusal does not
depend on rows existing, and a 404 or 422 counts as "let past the guard". A view that raises
on such a request is a failure too (it should answer 404 or 422).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from station.guard import access_of
from station.roles import ROLES

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
PARAMETER = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
HASH_LIKE = re.compile(r"hash|sha|key|digest")


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    url: str

    @property
    def api(self) -> bool:
        return self.url.startswith("/api/")


def dummy(converter: str | None, args: str | None, name: str) -> object:
    if converter == "int":
        return 1
    if converter == "float":
        return 1.0
    if converter == "uuid":
        return "00000000-0000-0000-0000-000000000001"
    if converter == "any":
        return args.split(",")[0].strip().strip("'\"")
    return "0" * 64 if HASH_LIKE.search(name) else "x"


def routes(app) -> list[Route]:
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        values = {m["name"]: dummy(m["converter"], m["args"], m["name"])
                  for m in PARAMETER.finditer(rule.rule)}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = adapter.build(rule.endpoint, values, method=method)
            found.append(Route(rule.endpoint, method, url))
    return found


def test_every_route_declares_who_may_use_it(app):
    undeclared = sorted({r.endpoint for r in routes(app) if access_of(app, r.endpoint) is None})
    assert not undeclared, f"routes without require_role or public: {undeclared}"


def call(client, route: Route, token: str | None):
    kwargs: dict[str, object] = {}
    if route.method in UNSAFE:
        if route.api:
            kwargs = {"json": {}, "headers": {"X-CSRF-Token": token} if token else {}}
        else:
            kwargs = {"data": {"csrf_token": token} if token else {}}
    try:
        return client.open(route.url, method=route.method, **kwargs)
    except Exception as exc:  # a crash is reported as a finding, not an error of the test
        return exc


def verdict(response, route: Route, role: str | None, allowed: bool, token: bool) -> str | None:
    """None when the response is what the declaration says, else what went wrong."""
    if isinstance(response, Exception):
        return f"raised {type(response).__name__}: {response}"
    status = response.status_code
    to_login = status == 302 and response.location.startswith("/login?next=")  # the guard
    if not allowed:
        if role is None:
            expected_ok = status == 401 if route.api else to_login
            return None if expected_ok else f"anonymous got {status}, expected refusal"
        return None if status == 403 else f"got {status}, expected 403"
    if route.method in UNSAFE and not token:
        return None if status == 400 else f"no CSRF token got {status}, expected 400"
    if status in (401, 403) or to_login:
        return f"got {status}, expected to pass the guard"
    if status >= 500:
        return f"got {status}"
    return None


@pytest.fixture
def clients(app, login):
    """A function giving a client logged in as a new user of ``role`` (anonymous for None),
    and its CSRF token; new each time, since a request may change its user or session."""

    def fresh(role: str | None):
        client = app.test_client()
        if role is not None:
            login(client, role)
        return client, client.get("/api/session").get_json()["csrf_token"]

    return fresh


def test_every_route_allows_and_refuses_each_role_as_declared(app, clients):
    failures = []
    checked = 0
    for route in routes(app):
        access = access_of(app, route.endpoint)
        if access is None:
            continue  # reported by test_every_route_declares_who_may_use_it
        for role in (None, *ROLES):
            allowed = access.public or role in access.roles
            tokens = (True, False) if route.method in UNSAFE else (True,)
            for with_token in tokens:
                client, token = clients(role)
                response = call(client, route, token if with_token else None)
                problem = verdict(response, route, role, allowed, with_token)
                checked += 1
                if problem:
                    failures.append(f"{route.method} {route.url} as {role or 'anonymous'}"
                                    f"{'' if with_token else ' without CSRF token'}: {problem}")
    assert checked > 0
    assert not failures, "\n".join(failures)


def test_a_route_without_declaration_is_refused(app, clients):
    app.add_url_rule("/undeclared", "undeclared", lambda: "secret")
    client, _ = clients("admin")
    response = client.get("/undeclared")
    assert response.status_code == 500 and b"secret" not in response.data
