"""The job queue: one way to enqueue work, RQ over Redis or in process.

``enqueue(fn, *ids)`` puts ``fn(*ids)`` on the RQ queue (``SCANSCORE_QUEUE``, default
``scanscore``) when ``REDIS_URL`` is set, and runs it at once in this process otherwise, with
the same retries (up to :data:`RETRIES` more attempts, then the failure is logged).

Job functions are plain importable functions taking ids (ints or strings), never objects,
and they open their own session (``station.db.session_scope``). **A job must be idempotent**:
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
import time
from collections.abc import Callable
from functools import cache
from urllib.parse import urlsplit, urlunsplit

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, Retry, SimpleWorker
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.timeouts import JobTimeoutException
from rq.utils import now
from rq.worker import WorkerStatus

from station.config import Settings, current_settings
from station.errors import QueueUnavailable

log = logging.getLogger(__name__)

RETRIES = 3
RESULT_TTL_SECONDS = 3600
HEARTBEAT_EVERY_SECONDS = 10
"""How often a busy worker renews its own key in Redis (it lives for RQ's
worker TTL, 420 s, plus a minute)."""
JobId = int | str
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


def redact_redis_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (
        f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def unavailable(url: str, exc: Exception) -> QueueUnavailable:
    return QueueUnavailable(f"Redis at {redact_redis_url(url)} does not answer: {exc}")


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


def runs_together(many: Callable[[list[tuple[JobId, ...]]], list[object]], up_to: int
                  ) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Let a worker run waiting jobs of the decorated function several at a time:
    ``many`` gets their argument tuples, in queue order, and returns each job's
    result. Each stays an RQ job of its own (started, finished, retried alone);
    the worker takes up to ``up_to`` of them only when they are already waiting,
    so that the work they share (a transaction, say) is done once for all."""
    def mark(fn: Callable[..., object]) -> Callable[..., object]:
        fn.runs_together = (many, up_to)  # type: ignore[attr-defined]
        return fn
    return mark


def _together(job: Job) -> tuple[Callable[[list[tuple]], list[object]], int] | None:
    try:
        return getattr(job.func, "runs_together", None)
    except Exception:  # noqa: BLE001 - an unimportable function fails as RQ fails it
        return None


class StationWorker(SimpleWorker):
    """RQ's SimpleWorker (jobs run in the worker's own process, one after
    another, so that what a job loads once serves every later job) with fewer
    Redis round trips per job, and jobs marked :func:`runs_together` taken
    several at a time.

    RQ renews the worker's key three times around every job, three commands
    each; here the renewals outside a job's own bookkeeping come at most every
    HEARTBEAT_EVERY_SECONDS, and the worker's state is written only when it
    changes. A job's own heartbeats, its started-registry entry (by which an
    abandoned job is found and retried) and everything else stay RQ's: a job
    taken with others is started, finished or failed like one taken alone, and
    a worker killed midway leaves all of them started, to be retried.
    """

    _last_beat = float("-inf")

    def heartbeat(self, timeout: int | None = None, pipeline=None) -> None:
        now = time.monotonic()
        if pipeline is not None or timeout is not None \
                or now - self._last_beat >= HEARTBEAT_EVERY_SECONDS:
            super().heartbeat(timeout, pipeline)
            self._last_beat = now

    def set_state(self, state: str, pipeline=None) -> None:
        if pipeline is not None or state != self.get_state():
            super().set_state(state, pipeline)

    def execute_job(self, job: Job, queue: Queue) -> None:
        together = _together(job)
        if together is None:
            return super().execute_job(job, queue)
        many, up_to = together
        group, other = self._waiting_like(job, queue, up_to)
        if len(group) == 1:
            super().execute_job(job, queue)
        else:
            self._perform_together(group, queue, many)
            self.set_state(WorkerStatus.IDLE)
        if other is not None:
            self.execute_job(*other)

    def _waiting_like(self, job: Job, queue: Queue, up_to: int
                      ) -> tuple[list[Job], tuple[Job, Queue] | None]:
        """``job`` and the jobs of its function waiting right behind it (up to
        ``up_to`` in all), taken off the queue as RQ takes one; and the first
        job of another function taken on the way, if any (it runs next)."""
        group = [job]
        while len(group) < up_to:
            taken = self.queue_class.dequeue_any([queue], None, connection=self.connection,
                                                 job_class=self.job_class,
                                                 serializer=self.serializer)
            if taken is None:
                break
            if taken[0].func_name != job.func_name:
                return group, taken
            group.append(taken[0])
        return group, None

    def _perform_together(self, group: list[Job], queue: Queue,
                          many: Callable[[list[tuple]], list[object]]) -> None:
        """RQ's perform_job for several jobs at once; when the work fails, each
        job is performed alone (RQ's own failure and retry handling)."""
        executions = [self.prepare_execution(job) for job in group]
        for job in group:
            self.prepare_job_execution(job, remove_from_intermediate_queue=len(self.queues) == 1)
            job.started_at = now()
        timeout = sum(job.timeout or self.queue_class.DEFAULT_TIMEOUT for job in group)
        try:
            with self.death_penalty_class(timeout, JobTimeoutException, job_id=group[0].id):
                results = many([tuple(job.args) for job in group])
        except Exception:  # noqa: BLE001 - each job then runs alone, failing as it must
            log.exception("%d jobs failed together; each runs alone", len(group))
            for job, execution in zip(group, executions, strict=True):
                self.perform_job(job, queue, execution)
            return
        for job, execution, result in zip(group, executions, results, strict=True):
            self._finalize_success(job, queue, execution, result)
