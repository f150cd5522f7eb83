import ast
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job

from app import create_app
from station import cli as station_cli
from station import queue as station_queue
from station.db import session_scope
from station.errors import QueueUnavailable
from station.queue import enqueue, job_id_for, queue_worker
from tests.station.station_test_jobs import (
    always_fail,
    do_group,
    do_work,
    fail_first_time,
    runs,
    works,
)

ROOT = Path(__file__).resolve().parents[2]
"""The checkout: the worker imports the test jobs as ``tests.station.station_test_jobs``."""
SCANSCORE = str(Path(sys.executable).with_name("scanscore"))


def counts(db_url, tag):
    with session_scope(db_url) as session:
        return runs(session, tag), works(session, tag)


# --- in process ----------------------------------------------------------------------

def test_without_redis_jobs_run_at_once(app, db_url):
    with app.app_context():
        job_id = enqueue(do_work, "page-1")
        assert job_id == job_id_for(do_work, ("page-1",), "scanscore")
        enqueue(do_work, "page-1")
    assert counts(db_url, "page-1") == (2, 1)  # ran twice, the work was done once


def test_in_process_jobs_are_retried(app, db_url):
    with app.app_context():
        enqueue(fail_first_time, "page-2")
    assert counts(db_url, "page-2") == (2, 1)


def test_in_process_job_that_keeps_failing_is_logged_not_raised(app, db_url, caplog):
    with app.app_context():
        job_id = enqueue(always_fail, "page-3")
    assert counts(db_url, "page-3") == (4, 0)
    assert f"job {job_id} failed 4 times; giving up" in caplog.text


def test_job_ids_are_deterministic_and_distinct():
    assert job_id_for(do_work, (1, 2), "q") == job_id_for(do_work, (1, 2), "q")
    assert job_id_for(do_work, (1, 2), "q") != job_id_for(do_work, (2, 1), "q")
    assert job_id_for(do_work, (1,), "q") != job_id_for(do_work, (1,), "other")
    assert job_id_for(do_work, (1,), "q").startswith("tests_station_station_test_jobs_do_work-")


# --- RQ over Redis -------------------------------------------------------------------

def work_burst(redis_url, queue_name):
    queue_worker(queue_name, redis_url).work(burst=True)


def test_job_enqueued_twice_while_waiting_is_done_once(redis_app, worker_env, db_url,
                                                       redis_url, queue_name):
    with redis_app.app_context():
        first = enqueue(do_work, "page-10")
        second = enqueue(do_work, "page-10")
        enqueue(do_work, "page-11")
    assert first == second
    assert Queue(queue_name, connection=Redis.from_url(redis_url)).count == 2
    assert counts(db_url, "page-10") == (0, 0)  # nothing runs before a worker takes it
    work_burst(redis_url, queue_name)
    assert counts(db_url, "page-10") == (1, 1)
    assert counts(db_url, "page-11") == (1, 1)


def test_finished_job_can_be_enqueued_again(redis_app, worker_env, db_url, redis_url,
                                            queue_name):
    with redis_app.app_context():
        enqueue(do_work, "page-12")
        work_burst(redis_url, queue_name)
        enqueue(do_work, "page-12")
        work_burst(redis_url, queue_name)
    assert counts(db_url, "page-12") == (2, 1)


def test_failed_job_is_retried_by_the_worker(redis_app, worker_env, db_url, redis_url,
                                             queue_name):
    with redis_app.app_context():
        enqueue(fail_first_time, "page-13")
    work_burst(redis_url, queue_name)
    assert counts(db_url, "page-13") == (2, 1)


def test_a_group_is_one_job_of_its_ids(redis_app, worker_env, db_url, redis_url, queue_name):
    with redis_app.app_context():
        first = enqueue(do_group, ["page-40", "page-41", "page-42"])
        assert enqueue(do_group, ["page-40", "page-41", "page-42"]) == first
        other = enqueue(do_group, ["page-42", "page-41"])
    assert first != other
    assert Queue(queue_name, connection=Redis.from_url(redis_url)).count == 2
    work_burst(redis_url, queue_name)
    job = Job.fetch(first, connection=Redis.from_url(redis_url))
    assert (job.get_status(), job.return_value()) == (
        "finished", ["done page-40", "done page-41", "done page-42"])
    assert [counts(db_url, f"page-4{n}") for n in range(3)] == [(1, 1), (2, 1), (2, 1)]


def test_the_worker_is_rqs_own_simple_worker():
    """Upgrade-proof: RQ's SimpleWorker itself, no subclass, and nothing of
    RQ's private API (``._name``) called by the code that runs the queue."""
    assert type(queue_worker("q", "redis://127.0.0.1:6379/0")) is SimpleWorker
    for module in (station_queue, station_cli):
        tree = ast.parse(Path(module.__file__).read_text())
        private = [f"{ast.unparse(node)} (line {node.lineno})" for node in ast.walk(tree)
                   if isinstance(node, ast.Attribute) and node.attr.startswith("_")
                   and not node.attr.startswith("__")]
        assert private == [], module.__name__
        assert [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)] == []


def test_worker_command_works_the_queue(redis_app, worker_env, db_url, queue_name):
    with redis_app.app_context():
        enqueue(do_work, "page-20")
        enqueue(do_work, "page-21")
    env = {**worker_env, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([SCANSCORE, "worker", "--burst"], env=env,
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert f"worker on queue {queue_name}" in result.stdout
    assert counts(db_url, "page-20") == (1, 1)
    assert counts(db_url, "page-21") == (1, 1)


def test_redis_that_does_not_answer_loses_nothing(app_config, db_url, redis_url, queue_name,
                                                  worker_env):
    down = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0",
                       "SCANSCORE_QUEUE": queue_name})
    with down.app_context(), pytest.raises(QueueUnavailable) as caught:
        enqueue(do_work, "page-30")
    assert str(caught.value).startswith("Redis at redis://127.0.0.1:1/0 does not answer:")
    assert counts(db_url, "page-30") == (0, 0)
    up = create_app({**app_config, "REDIS_URL": redis_url, "SCANSCORE_QUEUE": queue_name})
    with up.app_context():
        enqueue(do_work, "page-30")  # the caller enqueues again when Redis is back
    work_burst(redis_url, queue_name)
    assert counts(db_url, "page-30") == (1, 1)
