"""Pipeline benchmark (BENCHMARKS.md, "Pipeline"): a batch of ≥ 2,000 pages
through intake → queue → read → records, against PostgreSQL and Redis with
real RQ worker processes.

Prints: the pure read time (omr alone, one process, same pages; measured just
before and just after the 1-worker run, as the machine's speed drifts); the pipeline
with 1 and with 2 workers (pages/s, speed-up, overhead over the pure read),
and the workers alone on a batch queued before they start (speed-up); where a
page's time goes (the pure read's wall and CPU time, the read inside the jobs
with intake alongside and without, the worker's CPU a page); medians with the
lowest, the highest and every run's figure; the
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
from capture.reading import READ_TOGETHER, requeue_unread  # noqa: E402
from omr import read_file  # noqa: E402
from omr.levels import TemplateCache  # noqa: E402
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


def pure_read_seconds(files: list[Path]) -> tuple[float, float]:
    """Reading every page with omr alone, in this process (templates warmed
    first): seconds, and the CPU seconds this process used."""
    forms, templates = known_forms(), TemplateCache()
    read_file(files[1], forms, templates=templates)
    start, cpu = time.perf_counter(), time.process_time()
    for path in files:
        read_file(path, forms, templates=templates)
    return time.perf_counter() - start, time.process_time() - cpu


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

    def cpu_seconds(self) -> float:
        """CPU seconds the running workers have used (user and system, /proc)."""
        ticks = 0
        for proc in self.procs:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

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


def pipeline_run(files: list[Path], n: int, args, work: Path) -> tuple[float, float, float]:
    """Seconds from intake's start to the last record, the seconds of reading
    measured inside the jobs, and the CPU seconds the workers used."""
    with station(args.postgres, args.redis, work, f"w{n}") as env:
        workers = Workers(env)
        workers.start(n)
        try:
            base = warm_up(n, args.form, work)
            cpu = workers.cpu_seconds()
            start, intake_cpu = time.perf_counter(), time.process_time()
            ingest_files(files, "bench")
            intake, intake_cpu = time.perf_counter() - start, time.process_time() - intake_cpu
            end = wait_read(base + len(files), 2, 3600)
            cpu = workers.cpu_seconds() - cpu
            reading = in_jobs_seconds(skip=base)
        finally:
            workers.stop()
    seconds, ms = end - start, 1000 / len(files)
    print(f"  {n} worker(s): {len(files)} pages in {seconds:.1f} s = {len(files) / seconds:.1f} "
          f"pages/s (intake {intake:.1f} s, alongside the workers; reading inside the jobs "
          f"{reading * ms:.1f} ms a page; CPU a page: workers {cpu * ms:.1f} ms, intake "
          f"{intake_cpu * ms:.1f} ms)")
    return seconds, reading, cpu


def in_jobs_seconds(skip: int = 0) -> float:
    """The seconds of reading measured inside the jobs (``read_ms``), the first
    ``skip`` records (the warm-up) left out."""
    with session_scope() as s:
        return s.scalar(select(func.sum(PageRead.read_ms)).where(PageRead.page_id > skip)) / 1000


def queued_run(files: list[Path], n: int, args, work: Path) -> tuple[float, float]:
    """Workers alone: the batch is taken in before they start (as when scanner
    stations feed while the readers are busy elsewhere); pages/s from the first
    record to the last, so that the workers' start-up is left out, and the
    seconds of reading measured inside the jobs."""
    with station(args.postgres, args.redis, work, f"q{n}") as env:
        ingest_files(files, "bench")
        workers = Workers(env)
        workers.start(n)
        try:
            wait_read(len(files), 1, 3600)
            with session_scope() as s:
                first, last = s.execute(select(func.min(PageRead.read_at),
                                               func.max(PageRead.read_at))).one()
            reading = in_jobs_seconds()
        finally:
            workers.stop()
    rate = (len(files) - 1) / (last - first).total_seconds()
    print(f"  {n} worker(s), batch queued first: {rate:.1f} pages/s (reading inside the jobs "
          f"{1000 * reading / len(files):.1f} ms a page, no intake alongside)")
    return rate, reading


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


SUMMARY = (
    ("speed-up", "", "speed-up 2 workers vs 1"),
    ("overhead", "%", "pipeline overhead over the pure read (1 worker)"),
    ("over in-job", "%", "the same over the reading inside the jobs (same run)"),
    ("alone speed-up", "", "speed-up of the workers alone (batch queued first)"),
    ("pure ms", "ms", "pure read, a page"),
    ("pure cpu ms", "ms", "pure read, CPU a page"),
    ("in-job ms", "ms", "read inside the jobs, 1 worker, intake alongside, a page"),
    ("queued in-job ms", "ms", "read inside the jobs, 1 worker, batch queued first, a page"),
    ("worker cpu ms", "ms", "worker CPU a page, 1 worker (read, records, RQ)"),
    ("2 workers ms", "ms", "2 workers, intake alongside, a page"),
)
"""The figures printed as medians, with their unit and label."""


def spread(values: list[float], unit: str) -> str:
    return (f"{median(values):.2f}{unit} ({min(values):.2f}–{max(values):.2f}; "
            f"{', '.join(f'{v:.2f}' for v in values)})")


def timed_run(files: list[Path], args, run: int) -> dict[str, float]:
    """One run of the timed part: the pure read just before and just after the
    1-worker pipeline (paired), the 2-worker pipeline, and the workers alone."""
    print(f"run {run} of {args.repeat} (load {os.getloadavg()[0]:.1f})")
    ms = 1000 / len(files)
    before, cpu_before = pure_read_seconds(files)
    one, reading, worker_cpu = pipeline_run(files, 1, args, args.work)
    after, cpu_after = pure_read_seconds(files)
    pure = (before + after) / 2
    print(f"  pure read (omr alone, 1 process), before and after the 1-worker run: "
          f"{before:.1f} and {after:.1f} s; {len(files) / pure:.1f} pages/s; CPU "
          f"{(cpu_before + cpu_after) / 2 * ms:.1f} ms a page")
    two, _, _ = pipeline_run(files, 2, args, args.work)
    two_alone, _ = queued_run(files, 2, args, args.work)
    one_alone, queued_reading = queued_run(files, 1, args, args.work)
    figures = {"speed-up": one / two, "overhead": 100 * (one / pure - 1),
               "over in-job": 100 * (one / reading - 1), "alone speed-up": two_alone / one_alone,
               "pure ms": pure * ms, "pure cpu ms": (cpu_before + cpu_after) / 2 * ms,
               "in-job ms": reading * ms, "queued in-job ms": queued_reading * ms,
               "worker cpu ms": worker_cpu * ms, "2 workers ms": two * ms}
    print(f"  speed-up {figures['speed-up']:.2f}, overhead {figures['overhead']:.1f} % "
          f"({figures['over in-job']:.1f} % over the reading inside the jobs), "
          f"speed-up of the workers alone {figures['alone speed-up']:.2f}")
    return figures


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
    runs = [timed_run(files, args, run) for run in range(1, args.repeat + 1)]
    figures = {name: [r[name] for r in runs] for name in runs[0]}
    print(f"medians of {args.repeat} runs (lowest–highest); the machine's load (uptime): "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for name, unit, label in SUMMARY:
        print(f"  {label}: {spread(figures[name], unit)}")
    pure_ms, rq_ms = median(figures["pure ms"]), queue_floor(args.redis)
    print(f"  for reference: RQ alone {rq_ms:.1f} ms a job (RQ's SimpleWorker, no-op jobs), "
          f"{rq_ms / READ_TOGETHER:.2f} ms a page in jobs of {READ_TOGETHER} pages, "
          f"{100 * rq_ms / READ_TOGETHER / pure_ms:.0f} % of the pure read")
    limit = 1.25 * pure_ms / 1.7
    print(f"  both targets at once: at ≤ 25 % the 1-worker run takes ≤ {1.25 * pure_ms:.1f} ms a "
          f"page, so a speed-up of 1.7 needs 2 workers at ≤ {limit:.1f} ms a page, intake "
          f"alongside; they took {median(figures['2 workers ms']):.1f}")
    if not args.skip_crash:
        crash_run(files, args, args.work, median(figures["2 workers ms"]) * len(files) / 1000)


if __name__ == "__main__":
    main()
