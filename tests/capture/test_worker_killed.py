"""A real RQ worker (``scanscore worker`` in a subprocess) SIGKILLed while it
reads a group of pages: the group's job is retried and every page's record is
written once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis
from rq.job import Job
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select

from app import create_app
from capture.demo import BatchSpec, write_batch
from capture.intake import ingest_files, paths_key, scanner_files
from capture.models import Batch, Page, PageRead
from station.db import session_scope

SCANSCORE = str(Path(sys.executable).parent / "scanscore")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small_batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scans") / "small"
    return write_batch(folder, BatchSpec("answer_folder", 2, seed=21, first_lithocode=700,
                                         effects="none"))


@pytest.fixture
def worker_env(monkeypatch, app_config, redis_url, queue_name):
    env = {"DATABASE_URL": app_config["DATABASE_URL"], "REDIS_URL": redis_url,
           "SCANSCORE_QUEUE": queue_name, "SCANSCORE_VAR": app_config["SCANSCORE_VAR"],
           "SCANSCORE_IMAGE_STORE": app_config["SCANSCORE_IMAGE_STORE"]}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return {**os.environ, **env}


def first_started(registry: StartedJobRegistry, timeout: float = 120) -> str:
    """The id of the first job a worker has started (status "started")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for job_id in registry.get_job_ids(cleanup=False):
            if Job.fetch(job_id, connection=registry.connection).get_status() == "started":
                return job_id
        time.sleep(0.01)
    raise TimeoutError("no job started")


def test_killed_group_job_is_retried_and_each_page_is_read_once(app_config, redis_url, queue_name,
                                                       worker_env, small_batch):
    app = create_app({**app_config, "REDIS_URL": redis_url, "SCANSCORE_QUEUE": queue_name})
    files = scanner_files([small_batch.folder])
    with app.app_context():
        ingest_files(files, paths_key([small_batch.folder]))
    worker = subprocess.Popen([SCANSCORE, "worker"], env=worker_env, cwd=ROOT,
                              start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    registry = StartedJobRegistry(queue_name, connection=Redis.from_url(redis_url))
    try:
        killed = first_started(registry)
        time.sleep(0.08)  # into the reads of the group (8 pages, ~20 ms each)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    assert killed in registry.get_job_ids(cleanup=False), "the killed job is left started"
    job = Job.fetch(killed, connection=registry.connection)
    assert len(job.args[0]) == 8, "a group of pages is one job"
    registry.cleanup(timestamp=time.time() + 3600)  # RQ's abandoned-job check, run now
    result = subprocess.run([SCANSCORE, "worker", "--burst"], env=worker_env, cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    with session_scope(app_config["DATABASE_URL"]) as session:
        assert session.scalar(select(func.count()).select_from(Page)) == len(files)
        assert session.scalar(select(func.count()).select_from(PageRead)) == len(files)
        assert session.scalar(select(func.count()).where(Page.status == "received")) == 0
        batch = session.scalars(select(Batch)).one()
        assert (batch.status, batch.count_status) == ("closed", "ok")
    assert Job.fetch(killed, connection=registry.connection).get_status() == "finished"
