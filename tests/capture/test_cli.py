"""``scanscore ingest`` and ``scanscore watch`` from the command line."""

from __future__ import annotations

import os
import time

import pytest
from click.testing import CliRunner

from capture.cli import ingest_command, requeue_command, watch_command
from tests.capture.conftest import row_counts


@pytest.fixture
def env(monkeypatch, app_config):
    """The commands read their settings from the environment, as in a shell."""
    for name in ("DATABASE_URL", "SCANSCORE_IMAGE_STORE", "SCANSCORE_VAR"):
        monkeypatch.setenv(name, str(app_config[name]))
    monkeypatch.delenv("REDIS_URL", raising=False)


def test_ingest_twice_reports_and_adds_nothing(env, tmp_path):
    (tmp_path / "a.tif").write_bytes(b"")
    (tmp_path / "b.png").write_bytes(b"text")
    first = CliRunner().invoke(ingest_command, [str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "2 files, 2 pages: 2 new (2 with a problem), 0 already received" in first.output
    before = row_counts()
    second = CliRunner().invoke(ingest_command, [str(tmp_path)])
    assert "2 files, 2 pages: 0 new (0 with a problem), 2 already received" in second.output
    assert row_counts() == before


def test_ingest_refuses_an_unknown_batch(env, tmp_path):
    (tmp_path / "a.tif").write_bytes(b"")
    result = CliRunner().invoke(ingest_command, [str(tmp_path), "--batch", "7"])
    assert result.exit_code == 2 and "no batch 7" in result.output


def test_watch_takes_finished_files_once_and_moves_them(env, tmp_path):
    hot = tmp_path / "hot"
    hot.mkdir()
    (hot / "0001.tif").write_bytes(b"")
    (hot / "0002.tif").write_bytes(b"still being written")
    old = time.time() - 60
    os.utime(hot / "0001.tif", (old, old))
    result = CliRunner().invoke(watch_command, [str(hot), "--once", "--settle", "30"])
    assert result.exit_code == 0, result.output
    assert "0001.tif: 1 files, 1 pages: 1 new" in result.output
    assert sorted(p.name for p in hot.iterdir()) == ["0002.tif", "done"]
    assert [p.name for p in (hot / "done").iterdir()] == ["0001.tif"]
    (hot / "0001.tif").write_bytes(b"")  # the same file fed again
    os.utime(hot / "0001.tif", (old, old))
    CliRunner().invoke(watch_command, [str(hot), "--once", "--settle", "30"])
    assert sorted(p.name for p in (hot / "done").iterdir()) == ["0001.1.tif", "0001.tif"]
    assert row_counts()["page"] == 1


def test_requeue_with_nothing_unread(env):
    result = CliRunner().invoke(requeue_command, ["--older-than", "0"])
    assert result.exit_code == 0 and "0 unread pages enqueued again" in result.output
