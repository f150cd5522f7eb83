"""Configuration from the environment, with embedded defaults for one workstation.

==========================  ==============================================================
name                        meaning and default
==========================  ==============================================================
``DATABASE_URL``            SQLAlchemy URL; default a SQLite file ``<var>/scanscore.db``
``REDIS_URL``               Redis for the job queue; default none: jobs run in process
``SCANSCORE_IMAGE_STORE``   folder of the image store; default ``<var>/images``
``SECRET_KEY``              signs sessions; default generated once into ``<var>/secret_key``
``SCANSCORE_VAR``           the folder of local state; default ``./var``
``SCANSCORE_QUEUE``         the RQ queue name; default ``scanscore``
``PERMANENT_SESSION_LIFETIME``  idle time before a session expires, seconds; default 8 hours
``SCANSCORE_PASSWORD_HASH`` werkzeug hashing method for new passwords; default ``scrypt``
``SESSION_COOKIE_SECURE``   send the session cookie over HTTPS only; default on (the
                            embedded demo, served on plain HTTP, turns it off)
``SCANSCORE_PROXIES``       reverse proxies in front of the app whose ``X-Forwarded-For``
                            and ``-Proto`` headers are believed; default 0
``SCANSCORE_LOGIN_FAILURES_PER_ACCOUNT``  failed logins of one account before it is held
                            back; default 5
``SCANSCORE_LOGIN_FAILURES_PER_ADDRESS``  failed logins from one address before it is held
                            back; default 20
``SCANSCORE_LOGIN_LOCKOUT`` seconds of the first hold; each further failure doubles it;
                            default 60
``SCANSCORE_LOGIN_LOCKOUT_MAX``  the longest hold, seconds; default 900
``SCANSCORE_EDIT_CLAIM_SECONDS``  how long an editor holds a claimed edit item; default 600
``MAX_CONTENT_LENGTH``      largest upload request, and largest scanner file taken from a
                            folder, bytes; default 256 MiB (docs/security.md)
==========================  ==============================================================

The same names are the keys of the mapping given to ``create_app(config)``, which wins over
the environment; an empty value counts as unset.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context

from station.errors import BadSetting

NAMES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SCANSCORE_IMAGE_STORE",
    "SECRET_KEY",
    "SCANSCORE_VAR",
    "SCANSCORE_QUEUE",
    "PERMANENT_SESSION_LIFETIME",
    "SCANSCORE_PASSWORD_HASH",
    "SESSION_COOKIE_SECURE",
    "SCANSCORE_PROXIES",
    "SCANSCORE_LOGIN_FAILURES_PER_ACCOUNT",
    "SCANSCORE_LOGIN_FAILURES_PER_ADDRESS",
    "SCANSCORE_LOGIN_LOCKOUT",
    "SCANSCORE_LOGIN_LOCKOUT_MAX",
    "SCANSCORE_EDIT_CLAIM_SECONDS",
    "MAX_CONTENT_LENGTH",
)
DEFAULT_SESSION_LIFETIME = timedelta(hours=8)
DEFAULT_EDIT_CLAIM = timedelta(minutes=10)
DEFAULT_MAX_CONTENT_LENGTH = 256 * 2**20
"""Bytes: a scanner's batch file of 400 gray JPEG letter pages at 300 dpi (~250 MB); a
G4 batch of the same pages is a tenth of it. Bigger batches go through a hot folder."""
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


@dataclass(frozen=True)
class LoginThrottle:
    """When failed logins hold an account or an address back (see :mod:`station.throttle`):
    after ``per_account`` (``per_address``) failures, ``lockout``, doubled by each further
    failure up to ``max_lockout``."""

    per_account: int = 5
    per_address: int = 20
    lockout: timedelta = timedelta(seconds=60)
    max_lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    image_store: Path
    secret_key: str
    var_dir: Path
    queue_name: str
    session_lifetime: timedelta
    password_hash_method: str
    session_cookie_secure: bool = True
    proxies: int = 0
    login_throttle: LoginThrottle = LoginThrottle()
    edit_claim: timedelta = DEFAULT_EDIT_CLAIM
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """The settings from the environment, overridden by ``overrides``.

    Creates the var folder (mode 0700: it holds the key, the database and the images of
    students' answers), and the secret key file (0600) when no key is given.
    """
    values: dict[str, Any] = {name: os.environ.get(name) for name in NAMES}
    values.update({k: v for k, v in (overrides or {}).items() if k in NAMES})
    values = {k: (None if v in ("", None) else v) for k, v in values.items()}
    var_dir = Path(values["SCANSCORE_VAR"] or "var").absolute()
    var_dir.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    return Settings(
        database_url=values["DATABASE_URL"] or f"sqlite:///{var_dir / 'scanscore.db'}",
        redis_url=values["REDIS_URL"],
        image_store=Path(values["SCANSCORE_IMAGE_STORE"] or var_dir / "images").absolute(),
        secret_key=values["SECRET_KEY"] or _stored_secret(var_dir / "secret_key"),
        var_dir=var_dir,
        queue_name=values["SCANSCORE_QUEUE"] or "scanscore",
        session_lifetime=_seconds(values["PERMANENT_SESSION_LIFETIME"], DEFAULT_SESSION_LIFETIME),
        password_hash_method=values["SCANSCORE_PASSWORD_HASH"] or "scrypt",
        session_cookie_secure=_flag(values["SESSION_COOKIE_SECURE"], "SESSION_COOKIE_SECURE"),
        proxies=_count(values["SCANSCORE_PROXIES"], "SCANSCORE_PROXIES", 0),
        login_throttle=_login_throttle(values),
        edit_claim=_seconds(values["SCANSCORE_EDIT_CLAIM_SECONDS"], DEFAULT_EDIT_CLAIM),
        max_content_length=_byte_count(values["MAX_CONTENT_LENGTH"]),
    )


def current_settings() -> Settings:
    """The running app's settings inside an app context; the environment's otherwise
    (a worker, a job, the CLI), loaded once per process and environment: a job
    asks often, and loading makes the var folder and reads the secret file."""
    if has_app_context():
        return current_app.extensions["scanscore"]
    return _environment_settings(os.getcwd(), tuple(os.environ.get(name) for name in NAMES))


@lru_cache(maxsize=8)
def _environment_settings(cwd: str, environment: tuple[str | None, ...]) -> Settings:
    """The settings of these values of :data:`NAMES` in the folder ``cwd`` (the
    default var folder is relative): loaded again only when either changes (a
    test, a benchmark run)."""
    return load_settings(dict(zip(NAMES, environment, strict=True)))


def _seconds(value: timedelta | int | str | None, default: timedelta) -> timedelta:
    if value is None:
        return default
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=float(value))


def _flag(value: bool | str | None, name: str, default: bool = True) -> bool:
    if value is None or isinstance(value, bool):
        return default if value is None else value
    words = {"1": True, "true": True, "yes": True, "on": True,
             "0": False, "false": False, "no": False, "off": False}
    if value.strip().lower() not in words:
        raise BadSetting(f"{name} is {value!r}: use true or false")
    return words[value.strip().lower()]


def _count(value: int | str | None, name: str, default: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadSetting(f"{name} is {value!r}: use a whole number") from None
    if number < 0:
        raise BadSetting(f"{name} is {value!r}: use a number of 0 or more")
    return number


def _login_throttle(values: Mapping[str, Any]) -> LoginThrottle:
    default = LoginThrottle()
    return LoginThrottle(
        per_account=_count(values["SCANSCORE_LOGIN_FAILURES_PER_ACCOUNT"],
                           "SCANSCORE_LOGIN_FAILURES_PER_ACCOUNT", default.per_account),
        per_address=_count(values["SCANSCORE_LOGIN_FAILURES_PER_ADDRESS"],
                           "SCANSCORE_LOGIN_FAILURES_PER_ADDRESS", default.per_address),
        lockout=_seconds(values["SCANSCORE_LOGIN_LOCKOUT"], default.lockout),
        max_lockout=_seconds(values["SCANSCORE_LOGIN_LOCKOUT_MAX"], default.max_lockout),
    )


def _byte_count(value: int | str | None) -> int:
    if value is None:
        return DEFAULT_MAX_CONTENT_LENGTH
    try:
        count = int(value)
    except ValueError:
        raise ValueError(f"MAX_CONTENT_LENGTH must be a number of bytes, not {value!r}") from None
    if count <= 0:
        raise ValueError(f"MAX_CONTENT_LENGTH must be a positive number of bytes, not {count}")
    return count


def _stored_secret(path: Path) -> str:
    """The key kept in ``path``; a new one is linked there atomically (mode 0600) when
    missing, so that processes starting together agree on one key."""
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
