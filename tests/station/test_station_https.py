"""HTTPS: the session cookie's flags, and what the app says to browsers behind a proxy."""

import pytest

from app import create_app


@pytest.mark.parametrize("config, secure", [({}, True), ({"SESSION_COOKIE_SECURE": False},
                                                          False)])
def test_the_session_cookie_is_secure_outside_the_demo(app_config, config, secure):
    client = create_app({**app_config, **config}).test_client()
    cookie = client.get("/api/session").headers["Set-Cookie"]  # the CSRF token starts it
    assert cookie.startswith("scanscore_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) is secure


def test_behind_an_https_proxy_the_app_asks_browsers_to_keep_to_https(app_config):
    client = create_app({**app_config, "SCANSCORE_PROXIES": 1}).test_client()
    plain = client.get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    secure = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
