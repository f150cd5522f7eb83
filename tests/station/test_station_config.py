import os
import stat
from datetime import timedelta

import pytest

from station import migrate
from station.config import current_settings, load_settings
from station.db import dispose_engine, session_scope
from station.errors import BadSetting
from station.models import AuditEntry


def test_defaults_keep_everything_under_var(workstation):
    settings = load_settings()
    var = workstation / "var"
    assert settings.database_url == f"sqlite:///{var / 'scanscore.db'}"
    assert settings.redis_url is None
    assert settings.image_store == var / "images"
    assert settings.queue_name == "scanscore"
    assert settings.session_lifetime == timedelta(hours=8)


def test_generated_secret_key_is_kept_private_and_reused(workstation):
    first = load_settings().secret_key
    key_file = workstation / "var" / "secret_key"
    assert len(first) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_settings().secret_key == first
    assert [p.name for p in key_file.parent.iterdir()] == ["secret_key"]


def test_environment_and_overrides(workstation, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/scanscore")
    monkeypatch.setenv("REDIS_URL", "redis://queue.example:6379/1")
    monkeypatch.setenv("SCANSCORE_IMAGE_STORE", "/srv/images")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("PERMANENT_SESSION_LIFETIME", "600")
    settings = load_settings({"REDIS_URL": "", "TESTING": True})
    assert settings.database_url == "postgresql://db.example/scanscore"
    assert settings.redis_url is None  # empty counts as unset
    assert str(settings.image_store) == "/srv/images"
    assert settings.secret_key == "from-env"
    assert settings.session_lifetime == timedelta(minutes=10)
    assert not (workstation / "var" / "secret_key").exists()


def test_var_folder_database_and_key_are_private_under_a_permissive_umask(workstation):
    old = os.umask(0o022)
    try:
        settings = load_settings()
        migrate.upgrade(settings.database_url)
        with session_scope(settings.database_url) as session:
            session.query(AuditEntry).count()  # opens the WAL while the database is in use
            var = workstation / "var"
            files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in var.iterdir()}
    finally:
        os.umask(old)
        dispose_engine(settings.database_url)
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert files["scanscore.db"] == 0o600 and files["secret_key"] == 0o600
    assert {files[name] for name in files if name.startswith("scanscore.db-")} == {0o600}


def test_security_settings_and_their_bad_values(workstation, monkeypatch):
    settings = load_settings()
    assert settings.session_cookie_secure is True and settings.proxies == 0
    assert settings.login_throttle.per_account == 5
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "off")
    monkeypatch.setenv("SCANSCORE_LOGIN_LOCKOUT", "30")
    settings = load_settings()
    assert settings.session_cookie_secure is False
    assert settings.login_throttle.lockout == timedelta(seconds=30)
    for name, value, says in (
        ("SESSION_COOKIE_SECURE", "maybe", "use true or false"),
        ("SCANSCORE_PROXIES", "two", "use a whole number"),
        ("SCANSCORE_LOGIN_FAILURES_PER_ACCOUNT", "-1", "use a number of 0 or more"),
    ):
        with pytest.raises(BadSetting, match=f"{name} is '{value}': {says}"):
            load_settings({name: value})
def test_a_job_loads_the_settings_once_and_again_when_the_environment_changes(
        workstation, monkeypatch):
    monkeypatch.setenv("SCANSCORE_QUEUE", "first")
    first = current_settings()
    (first.var_dir / "secret_key").unlink()  # not read again while the environment is the same
    assert current_settings() is first
    monkeypatch.setenv("SCANSCORE_QUEUE", "second")
    second = current_settings()
    assert second.queue_name == "second" and second.secret_key != first.secret_key
