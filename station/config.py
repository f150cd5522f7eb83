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

NAMES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SCANSCORE_IMAGE_STORE",
    "SECRET_KEY",
    "SCANSCORE_VAR",
    "SCANSCORE_QUEUE",
    "PERMANENT_SESSION_LIFETIME",
    "SCANSCORE_PASSWORD_HASH",
    "MAX_CONTENT_LENGTH",
)
DEFAULT_SESSION_LIFETIME = timedelta(hours=8)
DEFAULT_MAX_CONTENT_LENGTH = 256 * 2**20
"""Bytes: a scanner's batch file of 400 gray JPEG letter pages at 300 dpi (~250 MB); a
G4 batch of the same pages is a tenth of it. Bigger batches go through a hot folder."""


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
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """The settings from the environment, overridden by ``overrides``.

    Creates the var folder, and the secret key file when no key is given.
    """
    values: dict[str, Any] = {name: os.environ.get(name) for name in NAMES}
    values.update({k: v for k, v in (overrides or {}).items() if k in NAMES})
    values = {k: (None if v in ("", None) else v) for k, v in values.items()}
    var_dir = Path(values["SCANSCORE_VAR"] or "var").absolute()
    var_dir.mkdir(parents=True, exist_ok=True)
    return Settings(
        database_url=values["DATABASE_URL"] or f"sqlite:///{var_dir / 'scanscore.db'}",
        redis_url=values["REDIS_URL"],
        image_store=Path(values["SCANSCORE_IMAGE_STORE"] or var_dir / "images").absolute(),
        secret_key=values["SECRET_KEY"] or _stored_secret(var_dir / "secret_key"),
        var_dir=var_dir,
        queue_name=values["SCANSCORE_QUEUE"] or "scanscore",
        session_lifetime=_lifetime(values["PERMANENT_SESSION_LIFETIME"]),
        password_hash_method=values["SCANSCORE_PASSWORD_HASH"] or "scrypt",
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


def _lifetime(value: timedelta | int | str | None) -> timedelta:
    if value is None:
        return DEFAULT_SESSION_LIFETIME
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=float(value))


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
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
