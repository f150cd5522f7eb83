"""Pipeline benchmark (BENCHMARKS.md, "Pipeline"): a batch of ≥ 2,000 pages
through intake → queue → read → records, against PostgreSQL and Redis with
real RQ worker processes.

Prints: the pure read time (omr alone, one process, same pages; measured just
before and just after the 1-worker run, as the machine's speed drifts); the pipeline
with 1 and with 2 workers (pages/s, speed-up, overhead over the pure read),
and the workers alone on a batch queued before they start (speed-up); the
2-worker time both targets together allow (a speed-up of 1.7 over a lone worker
held to 25 % overhead) against the times measured; the crash test (workers
SIGKILLed at random moments 10 times during a batch: pages lost / duplicated /
unread after the batch); and the same batch fed twice (new rows the second time).

    python bench/pipeline.py [--documents 500] [--repeat 3]

Workers are `scanscore worker` processes, as a center runs them.

Each run gets its own database (created on the PostgreSQL server of
``--postgres``, dropped after), image store and queue.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from statistics import median

from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from capture.demo import BatchSpec, write_batch, write_header  # noqa: E402
from capture.formset import known_forms  # noqa: E402
from capture.intake import ingest_files, scanner_files  # noqa: E402
from capture.models import Batch, Document, Page, PageRead  # noqa: E402
from capture.progress import row_counts  # noqa: E402
from capture.reading import requeue_unread  # noqa: E402
from omr import read_file  # noqa: E402
from station import migrate  # noqa: E402
from station.db import dispose_engine, session_scope  # noqa: E402

CHUNK = 20
"""Documents generated per task (in parallel processes)."""
KILLS = 10


def generate(folder: Path, form_id: str, documents: int, seed: int = 2026) -> list[Path]:
    """The benchmark batch (header + documents, typical effects, JPEG), made once
    (chunk by chunk, in parallel processes)."""
    folder.mkdir(parents=True, exist_ok=True)
    chunks = [(folder, form_id, c, min(CHUNK, documents - c * CHUNK), seed)
              for c in range((documents + CHUNK - 1) // CHUNK)
              if not (folder / f".chunk{c:03d}").exists()]
    if chunks:
        with ProcessPoolExecutor(os.cpu_count()) as pool:
            list(pool.map(_write_chunk, *zip(*chunks, strict=True)))
    if not (folder / "0000_header.jpg").exists():
        write_header(folder, BatchSpec(form_id, documents, seed, 1), known_forms())
    return scanner_files([folder])


def _write_chunk(folder: Path, form_id: str, chunk: int, count: int, seed: int) -> None:
    from sample_sheets.deck import generate_deck

    deck = generate_deck(known_forms()[form_id], count, seed=seed + 1 + chunk,
                         effects="typical", first_lithocode=1 + chunk * CHUNK, image_format="jpg")
    for d, doc in enumerate(deck.documents()):
        for p, page in enumerate(doc.pages, 1):
            (folder / f"d{chunk:03d}_{d:02d}_{p}.jpg").write_bytes(page.data())
    (folder / f".chunk{chunk:03d}").touch()


def pure_read_seconds(files: list[Path]) -> float:
    """Reading every page with omr alone, in this process (templates warmed first)."""
    forms = known_forms()
    read_file(files[1], forms)
    start = time.perf_counter()
    for path in files:
        read_file(path, forms)
    return time.perf_counter() - start


# --- one pipeline run -------------------------------------------------------------------


@contextmanager
def station(postgres: str, redis: str, work: Path, tag: str):
    """Environment of one run: a new database, image store and queue."""
    name = f"bench_pipeline_{tag}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = re.sub(r"/[^/]*$", f"/{name}", postgres)
    env = {"DATABASE_URL": url, "REDIS_URL": redis, "SCANSCORE_QUEUE": name,
           "SCANSCORE_IMAGE_STORE": str(work / name / "images"),
           "SCANSCORE_VAR": str(work / name / "var")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        migrate.upgrade(url)
        yield env
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
        dispose_engine(url)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(work / name, ignore_errors=True)
        _delete_queue(redis, name)


def _delete_queue(redis: str, name: str) -> None:
    from redis import Redis

    connection = Redis.from_url(redis)
    for key in connection.scan_iter(f"*{name}*"):
        connection.delete(key)


class Workers:
    """``scanscore worker`` processes, each in its own process group (SIGKILL
    takes the worker and anything it started)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env, self.procs = {**os.environ, **env}, []

    def start(self, n: int = 1) -> None:
        command = [str(Path(sys.executable).parent / "scanscore"), "worker"]
        for _ in range(n):
            self.procs.append(subprocess.Popen(command, env=self.env, cwd=ROOT,
                                               start_new_session=True, stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL))

    def kill_one(self, rng: random.Random) -> None:
        proc = rng.choice([p for p in self.procs if p.poll() is None])
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        self.procs.remove(proc)
        self.start()

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            proc.wait(timeout=30)


def counts() -> dict[str, int]:
    with session_scope() as s:
        return {
            "pages": s.scalar(select(func.count()).select_from(Page)),
            "distinct images": s.scalar(select(func.count(func.distinct(Page.image_sha256)))),
            "records": s.scalar(select(func.count()).select_from(PageRead)),
            "unread": s.scalar(select(func.count()).where(Page.status == "received")),
            "documents": s.scalar(select(func.count()).select_from(Document)),
            "batches closed": s.scalar(select(func.count()).where(Batch.status == "closed")),
        }


def progress() -> tuple[int, int]:
    """Records and closed batches, in one light query: polled 4 times a second
    while the workers run, so it must take little from them."""
    with session_scope() as s:
        return s.execute(select(
            select(func.count()).select_from(PageRead).scalar_subquery(),
            select(func.count()).where(Batch.status == "closed").scalar_subquery())).one()


def wait_read(expected: int, batches: int, timeout: float, idle_requeue: float | None = None
              ) -> float:
    """Wait until ``expected`` pages have records and ``batches`` batches are
    closed; returns the time. With ``idle_requeue``, pages still unread when nothing
    has been read for that long are enqueued again (jobs lost with a killed worker)."""
    start = last_change = time.perf_counter()
    last = -1
    while time.perf_counter() - start < timeout:
        records, closed = progress()
        if records >= expected and closed >= batches:
            return time.perf_counter()
        if records != last:
            last, last_change = records, time.perf_counter()
        elif idle_requeue and time.perf_counter() - last_change > idle_requeue:
            with session_scope() as s:
                requeue_unread(s, older_than=timedelta(0))  # logs how many
            last_change = time.perf_counter()
        time.sleep(0.25)
    raise TimeoutError(f"pages not read in {timeout:.0f} s: {counts()}")


def warm_up(workers: int, form_id: str, work: Path) -> int:
    """Feed a small batch of other pages first, so that every worker has loaded
    the forms and their templates; returns its pages."""
    folder = work / f"warmup-{workers}"
    if not (folder / "truth.json").exists():
        write_batch(folder, BatchSpec(form_id, 2 * workers, 99, 900_000), known_forms())
    files = scanner_files([folder])
    ingest_files(files, "warmup")
    wait_read(len(files), 1, 300)
    return len(files)


def pipeline_run(files: list[Path], n: int, args, work: Path) -> tuple[float, float]:
    """Seconds from intake's start to the last record, and the seconds of reading
    measured inside the jobs."""
    with station(args.postgres, args.redis, work, f"w{n}") as env:
        workers = Workers(env)
        workers.start(n)
        try:
            base = warm_up(n, args.form, work)
            start = time.perf_counter()
            ingest_files(files, "bench")
            intake = time.perf_counter() - start
            end = wait_read(base + len(files), 2, 3600)
            with session_scope() as s:
                reading = s.scalar(select(func.sum(PageRead.read_ms))) / 1000
        finally:
            workers.stop()
    seconds = end - start
    print(f"  {n} worker(s): {len(files)} pages in {seconds:.1f} s = {len(files) / seconds:.1f} "
          f"pages/s (intake {intake:.1f} s, alongside the workers; reading inside the jobs "
          f"{reading / len(files) * 1000:.0f} ms a page)")
    return seconds, reading


def queued_run(files: list[Path], n: int, args, work: Path) -> float:
    """Workers alone: the batch is taken in before they start (as when scanner
    stations feed while the readers are busy elsewhere); pages/s from the first
    record to the last, so that the workers' start-up is left out."""
    with station(args.postgres, args.redis, work, f"q{n}") as env:
        ingest_files(files, "bench")
        workers = Workers(env)
        workers.start(n)
        try:
            wait_read(len(files), 1, 3600)
            with session_scope() as s:
                first, last = s.execute(select(func.min(PageRead.read_at),
                                               func.max(PageRead.read_at))).one()
        finally:
            workers.stop()
    rate = (len(files) - 1) / (last - first).total_seconds()
    print(f"  {n} worker(s), batch queued first: {rate:.1f} pages/s")
    return rate


def queue_floor(redis: str, jobs: int = 300) -> float:
    """RQ's own cost per job, ms: the workers' SimpleWorker running no-op jobs."""
    from redis import Redis
    from rq import Queue

    from station.queue import queue_worker

    connection, name = Redis.from_url(redis), f"bench_noop_{uuid.uuid4().hex[:6]}"
    queue = Queue(name, connection=connection)
    for i in range(jobs):
        queue.enqueue("math.sqrt", i, result_ttl=3600)
    start = time.perf_counter()
    queue_worker(name, redis).work(burst=True, logging_level="WARNING")
    per_job = (time.perf_counter() - start) / jobs * 1000
    _delete_queue(redis, name)
    return per_job


def crash_run(files: list[Path], args, work: Path, expected_seconds: float) -> None:
    rng = random.Random(args.seed)
    with station(args.postgres, args.redis, work, "crash") as env:
        workers = Workers(env)
        workers.start(2)
        moments = sorted(rng.uniform(0.05, 0.9) * expected_seconds for _ in range(KILLS))

        def killer() -> None:
            t0 = time.perf_counter()
            for moment in moments:
                time.sleep(max(0.0, moment - (time.perf_counter() - t0)))
                workers.kill_one(rng)

        thread = threading.Thread(target=killer)
        try:
            thread.start()
            ingest_files(files, "bench")
            thread.join()
            wait_read(len(files), 1, 3600, idle_requeue=10)
            time.sleep(2)
            result = counts()
            with session_scope() as s:
                before = row_counts(s)
            again = ingest_files(files, "bench")
            with session_scope() as s:
                added = {k: n - before[k] for k, n in row_counts(s).items()}
        finally:
            workers.stop()
    lost = len(files) - result["pages"]
    duplicated = (result["pages"] - result["distinct images"]
                  + result["records"] - result["pages"])
    print(f"  crash test: {KILLS} workers SIGKILLed at {', '.join(f'{m:.1f}' for m in moments)} s")
    print(f"    lost {lost}, duplicated {duplicated}, unread {result['unread']} "
          f"({result['records']} records for {len(files)} pages; {result['documents']} documents)")
    print(f"  fed twice: {again.pages} pages, {again.new} new; new rows per table: "
          f"{added} (total {sum(added.values())})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=500, help="documents in the batch")
    parser.add_argument("--form", default="answer_folder")
    parser.add_argument("--postgres", default=os.environ.get(
        "SCANSCORE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis", default=os.environ.get(
        "SCANSCORE_BENCH_REDIS", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "pipeline")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the timed part (medians are printed)")
    parser.add_argument("--skip-crash", action="store_true")
    args = parser.parse_args()
    files = generate(args.work / f"batch-{args.form}-{args.documents}", args.form, args.documents)
    print(f"batch: {len(files)} pages ({args.documents} documents of {args.form} + header), "
          f"JPEG 300 dpi, typical effects")
    speedups, overheads, in_jobs, alone, pures, twos, twos_alone = [], [], [], [], [], [], []
    for run in range(1, args.repeat + 1):
        print(f"run {run} of {args.repeat}")
        before = pure_read_seconds(files)
        one, reading = pipeline_run(files, 1, args, args.work)
        after = pure_read_seconds(files)
        pure = (before + after) / 2
        print(f"  pure read (omr alone, 1 process), before and after the 1-worker run: "
              f"{before:.1f} and {after:.1f} s; {len(files) / pure:.1f} pages/s")
        two, _ = pipeline_run(files, 2, args, args.work)
        speedups.append(one / two)
        overheads.append(100 * (one / pure - 1))
        in_jobs.append(100 * (one / reading - 1))
        two_alone = queued_run(files, 2, args, args.work)
        alone.append(two_alone / queued_run(files, 1, args, args.work))
        pures.append(pure)
        twos.append(two)
        twos_alone.append(1 / two_alone)
        print(f"  speed-up {speedups[-1]:.2f}, overhead {overheads[-1]:.1f} % "
              f"({in_jobs[-1]:.1f} % over the reading inside the jobs), "
              f"speed-up of the workers alone {alone[-1]:.2f}")
    print(f"medians of {args.repeat} runs:")
    print(f"  speed-up 2 workers vs 1: {median(speedups):.2f}")
    print(f"  pipeline overhead over the pure read (1 worker): {median(overheads):.1f} %")
    print(f"  the same over the reading inside the jobs (same run, same moments): "
          f"{median(in_jobs):.1f} %")
    print(f"  speed-up of the workers alone (batch queued first): {median(alone):.2f}")
    pure_ms, rq_ms = 1000 * median(pures) / len(files), queue_floor(args.redis)
    print(f"  for reference: the pure read {pure_ms:.0f} ms a page; RQ alone {rq_ms:.1f} ms a job "
          f"(RQ's SimpleWorker, no-op jobs), {100 * rq_ms / pure_ms:.0f} % of it")
    limit = 1.25 * pure_ms / 1.7
    print(f"  both targets at once: at ≤ 25 % the 1-worker run takes ≤ {1.25 * pure_ms:.1f} ms a "
          f"page, so a speed-up of 1.7 needs 2 workers at ≤ {limit:.1f} ms a page, intake "
          f"alongside; they took {1000 * median(twos) / len(files):.1f}, the workers alone on the "
          f"batch queued first {1000 * median(twos_alone):.1f}")
    if not args.skip_crash:
        crash_run(files, args, args.work, median(twos))


if __name__ == "__main__":
    main()
