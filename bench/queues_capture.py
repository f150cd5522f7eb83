"""Capture's screens at season scale (BENCHMARKS.md, "Work queues at season scale";
issue 12, point 15), on PostgreSQL.

    python bench/queues.py --capture [--batches 20000] [--requests 200] [--keep]

Builds a season in a database of its own: 20,000 batches of 50 pages (a header,
24 two-page end-of-course documents and one blank page), 1,000,000 pages with
their read records, 480,000 documents, their conditions and exceptions (one
blank page per batch, a count mismatch on 1 batch in 20, a quarter of it all
resolved), loaded with COPY. Every page has a read record; the pages of 1 batch
in 100 carry the full mark record of a real read page (30 kB of JSON, read once
from a generated sheet), the others a short one, so the table is a season's
size in rows without 30 GB of JSON; the document view is timed on documents
with full records.

Then times, through the app (Flask's test client, so routing, the role check,
the queries, the JSON or the template all count; no network), each request at
random places of the season, and prints p50 and p95 (target p95 <= 200 ms):
the batches API (newest, searched, paged deep), a batch's page, the exception
queue (page, API paged deep, filtered by code and by batch), the document
view, and finding a document by lithocode. Also prints the build time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median, quantiles

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import scratch_database  # noqa: E402

from capture.demo import BatchSpec, write_batch  # noqa: E402
from capture.formset import known_forms  # noqa: E402
from omr import read_file  # noqa: E402
from station import migrate  # noqa: E402
from station.db import dispose_engine  # noqa: E402

FORM = "eoc_answer_sheet"
HEADER_FORM = "school_header"
DOCUMENTS_PER_BATCH = 24
PAGES_PER_BATCH = 2 * DOCUMENTS_PER_BATCH + 2
"""A header, 24 documents of 2 pages, one blank page."""
BATCHES_PER_FEED = 100
FULL_RECORDS_EVERY = 100
"""One batch in this many has the full mark records of real pages."""
SEASON_START = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
GRADES = ("3", "4", "5", "6", "7", "8", "10", "EC")


def real_records(work: Path) -> dict[str, dict]:
    """The mark records (JSON) of a generated header sheet and of both pages
    of an end-of-course sheet, read by the OMR reader."""
    folder = work / "sheets"
    write_batch(folder, BatchSpec(FORM, 1, seed=7, first_lithocode=1, effects="typical"))
    records = {}
    for path, key in ((folder / "0000_header.jpg", "header"), (folder / "0001.jpg", "1"),
                      (folder / "0002.jpg", "2")):
        [record] = read_file(path, known_forms())
        records[key] = record.to_json()
    return records


class Season:
    """The rows of a season, generated in id order (ids start at 1)."""

    def __init__(self, batches: int, records: dict[str, dict]) -> None:
        """``records``: the full mark records by page (``header``, ``1``, ``2``);
        empty when the season is only timed, not built."""
        self.batches = batches
        self.records = {k: json.dumps(v) for k, v in records.items()}
        self.short = {k: json.dumps({**{f: v[f] for f in ("form", "page", "lithocode", "status",
                                                           "reason", "flags", "size")},
                                     "fields": {}}) for k, v in records.items()}

    @staticmethod
    def page_id(batch: int, position: int) -> int:
        """Page at ``position`` (0 = the header) of batch ``batch`` (1-based)."""
        return (batch - 1) * PAGES_PER_BATCH + position + 1

    @staticmethod
    def document_id(batch: int, n: int) -> int:
        return (batch - 1) * DOCUMENTS_PER_BATCH + n + 1

    @staticmethod
    def lithocode(batch: int, n: int) -> str:
        return f"{(batch - 1) * DOCUMENTS_PER_BATCH + n + 10_000_000:08d}"

    def opened(self, batch: int) -> datetime:
        """Batches spread over a 120-day season, in id order."""
        return SEASON_START + timedelta(minutes=batch * 120 * 24 * 60 / self.batches)

    def mismatch(self, batch: int) -> bool:
        return batch % 20 == 7

    def feeds(self) -> Iterator[tuple]:
        for feed in range(1, self.batches // BATCHES_PER_FEED + 2):
            yield (feed, f"watch:/scans/scanner{feed % 8 + 1}/{feed}", "watch",
                   (feed + 1) * BATCHES_PER_FEED * PAGES_PER_BATCH, True,
                   self.opened(feed * BATCHES_PER_FEED))

    def batch_rows(self) -> Iterator[tuple]:
        for b in range(1, self.batches + 1):
            found = DOCUMENTS_PER_BATCH - 1 if self.mismatch(b) else DOCUMENTS_PER_BATCH
            status = "open" if b > self.batches - 20 else "closed"
            yield (b, self.page_id(b, 0), f"B{b:07d}", "0101", f"{b % 1500 + 100:04d}",
                   GRADES[b % len(GRADES)], "Spring 2027", DOCUMENTS_PER_BATCH, status,
                   found if status == "closed" else None,
                   ("mismatch" if found != DOCUMENTS_PER_BATCH else "ok")
                   if status == "closed" else None, self.opened(b),
                   self.opened(b) + timedelta(minutes=20) if status == "closed" else None)

    def page_rows(self) -> Iterator[tuple]:
        for b in range(1, self.batches + 1):
            feed, first_seq = (b - 1) // BATCHES_PER_FEED + 1, \
                ((b - 1) % BATCHES_PER_FEED) * PAGES_PER_BATCH
            for position in range(PAGES_PER_BATCH):
                page, seq = self.page_id(b, position), first_seq + position
                yield (page, hashlib.sha256(page.to_bytes(8, "big")).hexdigest(), feed, seq,
                       f"{seq:06d}.jpg", *self._page_state(b, position), self.opened(b),
                       0, False)

    def _page_state(self, b: int, position: int) -> tuple:
        """status, batch, document, form, page number and lithocode of a page."""
        if position == 0:
            return "read", b, None, HEADER_FORM, 1, None
        if position == PAGES_PER_BATCH - 1:
            return "exception", b, None, None, None, None
        n, number = divmod(position - 1, 2)
        if self.mismatch(b) and n == DOCUMENTS_PER_BATCH - 1 and number == 1:
            return "rescan", b, None, FORM, 2, self.lithocode(b, n)
        return "read", b, self.document_id(b, n), FORM, number + 1, self.lithocode(b, n)

    def page_read_rows(self) -> Iterator[tuple]:
        for b in range(1, self.batches + 1):
            records = self.records if b % FULL_RECORDS_EVERY == 1 else self.short
            at = self.opened(b) + timedelta(seconds=30)
            for position in range(PAGES_PER_BATCH - 1):
                key = "header" if position == 0 else str((position - 1) % 2 + 1)
                yield (self.page_id(b, position), "ok", "", "[]", 0, records[key], 25.0, at)

    def document_rows(self) -> Iterator[tuple]:
        for b in range(1, self.batches + 1):
            for n in range(DOCUMENTS_PER_BATCH):
                status = "edit" if n == 3 or (self.mismatch(b) and n == 23) else "complete"
                yield (self.document_id(b, n), b, self.lithocode(b, n), FORM, 2, status)

    def condition_rows(self) -> Iterator[tuple]:
        ids = iter(range(1, 10 ** 9))
        for b in range(1, self.batches + 1):
            yield (next(ids), b, self.document_id(b, 3), None, "lithocode_mismatch",
                   "pages of one student under two lithocodes")
            if self.mismatch(b):
                yield (next(ids), b, self.document_id(b, 23), None, "missing_page",
                       "page 2 of 2 not found")

    def exception_rows(self) -> Iterator[tuple]:
        ids = iter(range(1, 10 ** 9))
        for b in range(1, self.batches + 1):
            page = self.page_id(b, PAGES_PER_BATCH - 1)
            resolved = b % 4 == 0
            yield (next(ids), f"page:{page}:blank", page, None, "blank", "the page is blank",
                   "resolved" if resolved else "open", "discard" if resolved else None,
                   "separator sheet" if resolved else "", "operator1" if resolved else None,
                   self.opened(b) + timedelta(hours=1) if resolved else None, self.opened(b))
            if self.mismatch(b):
                yield (next(ids), f"batch:{b}:count_mismatch", None, b, "count_mismatch",
                       f"the header declares {DOCUMENTS_PER_BATCH} documents, "
                       f"{DOCUMENTS_PER_BATCH - 1} found", "open", None, "", None, None,
                       self.opened(b) + timedelta(minutes=20))


COPIES: tuple[tuple[str, str, str], ...] = (
    ("feed", "id, key, source, sequenced, ended, created_at", "feeds"),
    ("batch", "id, header_page_id, batch_code, district_code, school_code, grade, "
              "administration, declared_count, status, documents_found, count_status, "
              "created_at, closed_at", "batch_rows"),
    ("document", "id, batch_id, lithocode, form_id, pages_expected, status", "document_rows"),
    ("page", "id, image_sha256, feed_id, seq, source_name, status, batch_id, document_id, "
             "form_id, page_number, lithocode, received_at, source_frame, rotated", "page_rows"),
    ("page_read", "page_id, status, reason, flags, review_keys, record, read_ms, read_at",
     "page_read_rows"),
    ("document_condition", "id, batch_id, document_id, page_id, code, detail",
     "condition_rows"),
    ("capture_exception", "id, key, page_id, batch_id, code, reason, state, resolution, "
                          "note, resolved_by, resolved_at, created_at", "exception_rows"),
)
"""Tables in load order, their columns, and the Season method giving their rows."""


def build(url: str, season: Season) -> dict[str, float]:
    """COPY the season into the database at ``url``; returns seconds per table.
    Foreign keys are not checked during the load (``session_replication_role``
    = replica: the rows are consistent by construction) and the id sequences
    are moved past the rows."""
    times = {}
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        connection.execute("SET session_replication_role = replica")
        for table, columns, rows in COPIES:
            start = time.perf_counter()
            with connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in getattr(season, rows)():
                    copy.write_row(row)
            times[table] = time.perf_counter() - start
        for table, _columns, _rows in COPIES:
            if table != "page_read":
                connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT max(id) FROM {table}))")
        connection.commit()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as connection:
        start = time.perf_counter()
        connection.execute("VACUUM ANALYZE")
        times["vacuum analyze"] = time.perf_counter() - start
    return times


def operator_client(url: str, work: Path, username: str):
    """A test client of the app on ``url``, logged in as a new operator."""
    from app import create_app
    from station.accounts import create_user
    from station.db import session_scope

    app = create_app({"DATABASE_URL": url, "REDIS_URL": None, "SECRET_KEY": "bench",
                      "SCANSCORE_VAR": str(work / "var"),
                      "SCANSCORE_IMAGE_STORE": str(work / "images"),
                      "SCANSCORE_PASSWORD_HASH": "pbkdf2:sha256:1000"})
    with app.app_context(), session_scope() as session:
        create_user(session, "bench", username, f"{username}-password", "operator")
    client = app.test_client()
    token = client.get("/api/session").get_json()["csrf_token"]
    response = client.post("/login", data={"username": username,
                                           "password": f"{username}-password",
                                           "csrf_token": token})
    assert response.status_code == 302, "the benchmark's operator could not log in"
    return client


def timed(client, paths: Callable[[random.Random], str], requests: int, rng: random.Random
          ) -> tuple[float, float]:
    """p50 and p95 of ``requests`` GETs (ms), each at a path drawn by ``paths``."""
    times = []
    for _ in range(requests):
        path = paths(rng)
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: "
                             f"{response.get_data(as_text=True)[:300]}")
    return median(times), quantiles(times, n=20)[-1]


def scenarios(season: Season) -> dict[str, Callable[[random.Random], str]]:
    b = season.batches

    def any_batch(rng: random.Random) -> int:
        return rng.randint(1, b)

    def full_record_document(rng: random.Random) -> int:
        batch = rng.randrange(1, b + 1, FULL_RECORDS_EVERY)
        return season.document_id(batch, rng.randrange(DOCUMENTS_PER_BATCH))

    return {
        "batches API, newest 50": lambda rng: "/api/capture/batches",
        "batches API, paged deep": lambda rng: f"/api/capture/batches?before={any_batch(rng)}",
        "batches API, search school + grade": lambda rng: (
            f"/api/capture/batches?school_code={rng.randint(100, 1599):04d}"
            f"&grade={rng.choice(GRADES)}"),
        "batches API, search batch code": lambda rng: (
            f"/api/capture/batches?batch_code=B{any_batch(rng):07d}"),
        "batches API, search date + status": lambda rng: (
            f"/api/capture/batches?date={season.opened(any_batch(rng)).date()}&status=closed"),
        "a batch's page (50 pages, 24 documents)": lambda rng: (
            f"/capture/batches/{any_batch(rng)}"),
        "exception queue page (newest 100)": lambda rng: "/capture/exceptions",
        "exception queue API, paged deep": lambda rng: (
            f"/api/capture/exceptions?before={rng.randint(1, b)}"),
        "exception queue API, by code": lambda rng: (
            "/api/capture/exceptions?code=count_mismatch"),
        "exception queue API, by batch": lambda rng: (
            f"/api/capture/exceptions?batch_id={any_batch(rng)}"),
        "document view (2 pages, full records)": lambda rng: (
            f"/capture/documents/{full_record_document(rng)}"),
        "find a document by lithocode": lambda rng: (
            f"/api/capture/documents?lithocode="
            f"{season.lithocode(any_batch(rng), rng.randrange(DOCUMENTS_PER_BATCH))}"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per figure")
    parser.add_argument("--postgres", default=os.environ.get(
        "SCANSCORE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "capture")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="time a season kept before (--keep) at this URL, "
                                           "built with the same --batches, without building")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    season = Season(args.batches, real_records(args.work) if not args.database else {})
    if args.database:
        migrate.upgrade(args.database)
        measure(args.database, season, args)
        return
    with scratch_database(args.postgres, "bench_capture", args.keep) as url:
        start = time.perf_counter()
        times = build(url, season)
        built = time.perf_counter() - start
        print(f"season built: {args.batches:,} batches, {args.batches * PAGES_PER_BATCH:,} "
              f"pages, {args.batches * DOCUMENTS_PER_BATCH:,} documents in {built:.1f} s ("
              + ", ".join(f"{t} {s:.1f} s" for t, s in times.items()) + ")")
        measure(url, season, args)


def measure(url: str, season: Season, args: argparse.Namespace) -> None:
    """Print p50 and p95 of each scenario, as a new operator of the app on ``url``."""
    client = operator_client(url, args.work, f"operator{uuid.uuid4().hex[:6]}")
    rng = random.Random(12)
    print(f"{'request':44} {'p50 ms':>8} {'p95 ms':>8}   (target p95 <= 200 ms; "
          f"{args.requests} requests each; load average {os.getloadavg()[0]:.1f})")
    for name, paths in scenarios(season).items():
        timed(client, paths, 5, rng)  # warm the caches this request uses
        p50, p95 = timed(client, paths, args.requests, rng)
        print(f"{name:44} {p50:8.1f} {p95:8.1f}" + ("" if p95 <= 200 else "   OVER"),
              flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f} (2 cores, shared)")
    dispose_engine(url)


if __name__ == "__main__":
    main()
