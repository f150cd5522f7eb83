import stat
from datetime import timedelta

from station.config import current_settings, load_settings


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


def test_a_job_loads_the_settings_once_and_again_when_the_environment_changes(
        workstation, monkeypatch):
    monkeypatch.setenv("SCANSCORE_QUEUE", "first")
    first = current_settings()
    (first.var_dir / "secret_key").unlink()  # not read again while the environment is the same
    assert current_settings() is first
    monkeypatch.setenv("SCANSCORE_QUEUE", "second")
    second = current_settings()
    assert second.queue_name == "second" and second.secret_key != first.secret_key
