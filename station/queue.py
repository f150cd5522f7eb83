"""The job queue: one way to enqueue work, RQ over Redis or in process.

``enqueue(fn, *ids)`` puts ``fn(*ids)`` on the RQ queue (``SCANSCORE_QUEUE``, default
``scanscore``) when ``REDIS_URL`` is set, and runs it at once in this process otherwise, with
the same retries (up to :data:`RETRIES` more attempts, then the failure is logged).

Job functions are plain importable functions taking ids (ints or strings, or one list of
ids for work done as a group, such as the pages intake took together), never objects, and
they open their own session (``station.db.session_scope``). **A job must be idempotent**:
a job may run again after a crash or a retry, so its result is written once because the
database's unique keys say so. The queue's own de-duplication (a job id derived from the
function and the ids, so that enqueuing the same work while it waits or runs does nothing)
is a courtesy that saves work, not the guarantee. Commit what a job reads before enqueuing.

When Redis does not answer, :class:`QueueUnavailable` is raised and nothing was enqueued:
the caller's state stays as it was (mark nothing "queued" before ``enqueue`` returns), so
the work can be enqueued again when Redis is back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from functools import cache

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, Retry, SimpleWorker
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from station.config import Settings, current_settings
from station.errors import QueueUnavailable
from station.urls import redact_url

log = logging.getLogger(__name__)

RETRIES = 3
RESULT_TTL_SECONDS = 3600
JobId = int | str | list[int]
"""A job's argument: an id, or the ids of a group (a list, one job for all)."""
ACTIVE = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED,
                    JobStatus.SCHEDULED, JobStatus.CREATED})


def job_id_for(fn: Callable[..., object], ids: tuple[JobId, ...], queue_name: str) -> str:
    """The deterministic RQ job id of ``fn(*ids)`` on ``queue_name``."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    digest = hashlib.sha256(json.dumps([queue_name, name, [str(i) for i in ids]]).encode())
    return f"{re.sub(r'[^A-Za-z0-9_-]', '_', name)[-80:]}-{digest.hexdigest()[:32]}"


def enqueue(fn: Callable[..., object], *ids: JobId, job_id: str | None = None) -> str:
    """Run ``fn(*ids)`` as a job; returns the job id."""
    settings = current_settings()
    job_id = job_id or job_id_for(fn, ids, settings.queue_name)
    if settings.redis_url is None:
        _run_in_process(fn, ids, job_id)
    else:
        _enqueue_rq(settings, fn, ids, job_id)
    return job_id


@cache
def redis_connection(url: str) -> Redis:
    """The client of ``url`` (one per process, its pool reused), failing fast
    when Redis does not answer."""
    return Redis.from_url(url, socket_connect_timeout=3, health_check_interval=30)


def unavailable(url: str, exc: Exception) -> QueueUnavailable:
    return QueueUnavailable(f"Redis at {redact_url(url)} does not answer: {exc}")


def queue_worker(queue_name: str, url: str) -> SimpleWorker:
    """RQ's own SimpleWorker on ``queue_name``: jobs run in the worker's
    process, one after another, so that what a job loads once (the forms, the
    reader's page templates, database connections) serves every later job; a
    forked work-horse per job would load it all again. A worker killed mid-job
    leaves its job started: RQ's abandoned-job check, run by the other
    workers, retries it."""
    connection = redis_connection(url)
    return SimpleWorker([Queue(queue_name, connection=connection)], connection=connection)


def _enqueue_rq(settings: Settings, fn: Callable[..., object], ids: tuple[JobId, ...],
                job_id: str) -> None:
    url = settings.redis_url or ""
    queue = Queue(settings.queue_name, connection=redis_connection(url))
    try:
        if _submit(queue, fn, ids, job_id):
            return
        try:
            job = Job.fetch(job_id, connection=queue.connection)
        except NoSuchJobError:
            job = None
        if job is not None and job.get_status() in ACTIVE:
            log.info("job %s is already on queue %s", job_id, queue.name)
            return
        if job is not None:
            job.delete()  # finished or failed long enough ago: run the work again
        if not _submit(queue, fn, ids, job_id):
            log.info("job %s was just enqueued by another process", job_id)
    except (RedisConnectionError, RedisTimeoutError) as exc:
        raise unavailable(url, exc) from exc


def _submit(queue: Queue, fn: Callable[..., object], ids: tuple[JobId, ...],
            job_id: str) -> bool:
    """Enqueue unless a job with this id exists; whether it was enqueued."""
    try:
        queue.enqueue(fn, *ids, job_id=job_id, unique=True, retry=Retry(max=RETRIES),
                      result_ttl=RESULT_TTL_SECONDS)
    except DuplicateJobError:
        return False
    log.debug("job %s enqueued on %s", job_id, queue.name)
    return True


def _run_in_process(fn: Callable[..., object], ids: tuple[JobId, ...], job_id: str) -> None:
    attempts = 1 + RETRIES
    for attempt in range(1, attempts + 1):
        try:
            fn(*ids)
        except Exception:
            log.exception("job %s failed (attempt %d of %d)", job_id, attempt, attempts)
        else:
            log.debug("job %s done in process", job_id)
            return
    log.error("job %s failed %d times; giving up", job_id, attempts)
