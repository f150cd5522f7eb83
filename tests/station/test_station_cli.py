import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

import app as app_module
from app import cli
from station.config import NAMES
from station.db import session_scope
from station.models import User

SCANSCORE = str(Path(sys.executable).with_name("scanscore"))


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def scanscore(*args, cwd, env=None):
    environment = {k: v for k, v in os.environ.items() if k not in NAMES}
    return subprocess.run([SCANSCORE, *args], cwd=cwd, env={**environment, **(env or {})},
                          capture_output=True, text=True, timeout=120)


def test_db_upgrade_works_from_any_folder(tmp_path):
    result = scanscore("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "scanscore.db").is_file()
    assert f"database at sqlite:///{tmp_path}/var/scanscore.db is at" in result.stdout
    again = scanscore("db", "upgrade", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout == result.stdout


def test_unreachable_database_is_one_clear_line(tmp_path):
    result = scanscore("serve", cwd=tmp_path,
                       env={"DATABASE_URL": "postgresql://u:pw@127.0.0.1:1/scanscore"})
    assert result.returncode != 0
    assert result.stderr.startswith(
        "Error: cannot reach the database at postgresql+psycopg://u:***@127.0.0.1:1/scanscore")
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_refuses_an_unmigrated_database(workstation):
    result = run("serve")
    assert result.exit_code == 1
    assert "Error: database is not migrated: run `scanscore db upgrade`" in result.output


def test_users_add_and_list(workstation):
    assert run("db", "upgrade").exit_code == 0
    added = run("users", "add", "maria", "--role", "supervisor",
                input="a-long-password\na-long-password\n")
    assert added.exit_code == 0, added.output
    assert "added user maria (supervisor)" in added.output
    assert "maria\tsupervisor" in run("users", "list").output
    with session_scope(f"sqlite:///{workstation}/var/scanscore.db") as session:
        assert session.scalar(select(User.role).where(User.username == "maria")) == "supervisor"
    again = run("users", "add", "maria", "--role", "editor", "--password", "another-password")
    assert again.exit_code == 1 and "user 'maria' exists already" in again.output
    short = run("users", "add", "li", "--role", "editor", "--password", "short")
    assert short.exit_code == 1 and "at least 8 characters" in short.output


def test_users_add_refuses_an_unknown_role(workstation):
    result = run("users", "add", "x", "--role", "janitor", "--password", "long-enough")
    assert result.exit_code == 2 and "janitor" in result.output


def test_demo_creates_one_account_per_role(workstation):
    first = run("demo", "--no-serve")
    assert first.exit_code == 0, first.output
    for role in ("operator", "editor", "scorer", "supervisor", "admin"):
        assert f"{role} / {role}-demo" in first.output
    second = run("demo", "--no-serve")
    assert second.exit_code == 0 and "existed already" in second.output


def test_worker_needs_redis(workstation):
    result = run("worker", "--burst")
    assert result.exit_code == 1 and "REDIS_URL is not set" in result.output


def test_worker_says_when_redis_does_not_answer(workstation, monkeypatch):
    assert run("db", "upgrade").exit_code == 0
    monkeypatch.setenv("REDIS_URL", "redis://:pw@127.0.0.1:1/0")
    result = run("worker", "--burst")
    assert result.exit_code == 1
    assert "Error: Redis at redis://:***@127.0.0.1:1/0 does not answer" in result.output


def test_the_cookie_is_secure_when_served_except_in_the_demo(workstation, monkeypatch):
    served = []
    monkeypatch.setattr(app_module, "run_server", lambda app, host, port: served.append(app))
    monkeypatch.setattr(app_module, "DEMO_STEPS", ())  # the demo's data is not the point
    assert run("demo").exit_code == 0
    assert run("serve").exit_code == 0
    assert [app.config["SESSION_COOKIE_SECURE"] for app in served] == [False, True]
