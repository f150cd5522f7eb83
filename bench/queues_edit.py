"""The edit queue at season scale (BENCHMARKS.md, "Work queues at season scale"):
``python bench/queues.py --edit [--documents 1000000 --items 200000 --editors 50]``.

Builds a PostgreSQL database of its own (dropped after) holding 1,000,000
captured documents in batches of 40 (one read page each), all of them taken
into the edit station (read values of the answer folder's every key), and
200,000 open items (two multiple marks on each of the first 100,000 documents):
bulk ``INSERT … SELECT generate_series`` statements, not the ORM per row.
Serves the app with the real server (``scanscore serve``: waitress, 8 threads)
and runs editors as threads, each logged in with its own HTTP session (each
starts after its own first think time, not all at one instant), each claiming
(``POST /api/edit/next``) and submitting a value (``POST /api/edit/items/<id>``)
with a think time of 1–3 s between actions; then a second run without think
time (saturation).

Prints: the time to build the data; per run, claims and submits, their p50 /
p95 / p99 (ms, measured by the client: the whole HTTP request), items per
second, and double claims (an item handed to a second editor: must be 0).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from statistics import quantiles

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import scratch_database  # noqa: E402

from capture.formset import known_forms  # noqa: E402
from station.accounts import create_user  # noqa: E402
from station.db import dispose_engine, session_scope  # noqa: E402

PER_BATCH = 40
FORM = "answer_folder"
ITEM_KEYS = ("5", "6")
"""The reading items marked twice on each document with open items."""
PASSWORD = "bench-editor-password"
FAST_HASH = "pbkdf2:sha256:1000"


CLEAN = {("birth_day", "1"): "1", ("birth_day", "2"): "5", ("birth_year", "1"): "0",
         ("birth_year", "2"): "5"}
"""Keys whose first option would break a rule (a day 00 is no date)."""


def read_values(form, multiple: tuple[str, ...]) -> str:
    """The read_values JSON of an answer folder with every key read (the
    first option, or CLEAN's), ``multiple`` reading items marked twice."""
    fields = {}
    for f in form.fields.values():
        if f.bubbles:
            fields[f.name] = {k: ["*" if f.name == "reading" and k in multiple else
                                  CLEAN.get((f.name, k), f.option_codes[0]), [], None]
                              for k in f.keys}
    keys = {f.name: f.page for f in form.fields.values() if f.bubbles}
    return json.dumps({"fields": fields, "keys": keys,
                       "pages": {"1": {"page_id": 0, "sha256": "", "rotated": False}}})


def clip_json(form, key: str) -> str:
    """An item's clip facts: the reading item's bubbles at 300 dpi."""
    bubbles = [b for b in form.fields["reading"].bubbles if b.key == key]
    boxes = [[round((b.x_in - b.w_in / 2) * 300), round((b.y_in - b.h_in / 2) * 300),
              round(b.w_in * 300), round(b.h_in * 300)] for b in bubbles]
    return json.dumps({"page": 2, "page_id": 0, "sha256": "0" * 64, "rotated": False,
                       "box": boxes[0], "write_in": [],
                       "bubbles": [{"key": key, "option": b.option, "box": box, "level": 12}
                                   for b, box in zip(bubbles, boxes, strict=True)]})


FINGERPRINT = ("left(encode(sha256(convert_to((:batches + d)::text || ':' || "
               "encode(sha256(('d' || d)::text::bytea), 'hex'), 'UTF8')), 'hex'), 16)")
"""capture.documents' fingerprint of document ``d``'s one page, in SQL."""


def build(url: str, documents: int, items: int) -> float:
    """Fill the database; returns the seconds it took."""
    form = known_forms()[FORM]
    batches = -(-documents // PER_BATCH)
    open_docs = items // len(ITEM_KEYS)
    resolution = next(r["resolution"] for r in form.edit_rules if r["id"] == "item_multiple")
    p = {"batches": batches, "documents": documents, "open_docs": open_docs,
         "per_batch": PER_BATCH, "open_json": read_values(form, ITEM_KEYS),
         "clean_json": read_values(form, ()), "resolution": resolution}
    statements = [
        "INSERT INTO feed (id, key, source, sequenced, ended, created_at) "
        "VALUES (1, 'bench', 'ingest', :batches + :documents, true, now())",
        "INSERT INTO page (id, image_sha256, feed_id, seq, source_name, source_frame, status, "
        "form_id, page_number, rotated, received_at) SELECT b, encode(sha256(('h' || b)::text"
        "::bytea), 'hex'), 1, b, 'bench', 0, 'read', 'school_header', 1, false, now() "
        "FROM generate_series(1, :batches) b",
        "INSERT INTO batch (id, header_page_id, batch_code, district_code, school_code, grade, "
        "administration, declared_count, status, documents_found, count_status, created_at, "
        "closed_at) SELECT b, b, 'B' || b, '0101', lpad((b % 500)::text, 4, '0'), '5', 'SP', "
        ":per_batch, 'closed', :per_batch, 'ok', now() - (:batches - b) * interval '1 second', "
        "now() FROM generate_series(1, :batches) b",
        "UPDATE page SET batch_id = id",
        "INSERT INTO document (id, batch_id, lithocode, form_id, pages_expected, status) "
        "SELECT d, (d - 1) / :per_batch + 1, lpad(d::text, 8, '0'), 'answer_folder', 4, "
        "'complete' FROM generate_series(1, :documents) d",
        "INSERT INTO page (id, image_sha256, feed_id, seq, source_name, source_frame, status, "
        "batch_id, document_id, form_id, page_number, lithocode, rotated, received_at) "
        "SELECT :batches + d, encode(sha256(('d' || d)::text::bytea), 'hex'), 1, :batches + d,"
        " 'bench', 0, 'read', (d - 1) / :per_batch + 1, d, 'answer_folder', 1, "
        "lpad(d::text, 8, '0'), false, now() FROM generate_series(1, :documents) d",
        "INSERT INTO edit_document (document_id, batch_id, lithocode, form_id, school_code, "
        "fingerprint, read_values, conditions, status, taken_at, released_at) "
        "SELECT d, (d - 1) / :per_batch + 1, lpad(d::text, 8, '0'), 'answer_folder', "
        f"lpad((((d - 1) / :per_batch + 1) % 500)::text, 4, '0'), {FINGERPRINT}, "
        "CASE WHEN d <= :open_docs THEN CAST(:open_json AS jsonb) "
        "ELSE CAST(:clean_json AS jsonb) END, '[]', "
        "CASE WHEN d <= :open_docs THEN 'open' ELSE 'released' END, now(), "
        "CASE WHEN d <= :open_docs THEN NULL ELSE now() END "
        "FROM generate_series(1, :documents) d",
    ]
    items_sql = (
            "INSERT INTO edit_item (finding, batch_id, document_id, lithocode, form_id, rule, "
            "field, key, value, problem, resolution, double_key, clip, fingerprint, status, "
            "created_at) SELECT d || ':item_multiple:reading:' || :key, "
            "(d - 1) / :per_batch + 1, d, lpad(d::text, 8, '0'), 'answer_folder', "
            "'item_multiple', 'reading', :key, '*', 'TEST 1, item ' || :key || "
            f"' has more than one mark', :resolution, false, CAST(:clip AS jsonb), {FINGERPRINT},"
            " 'open', now() FROM generate_series(1, :open_docs) d")
    steps = [(sql, {}) for sql in statements] + [
        (items_sql, {"key": key, "clip": clip_json(form, key)}) for key in ITEM_KEYS]
    started = time.perf_counter()
    engine = create_engine(url)
    with engine.begin() as c:
        for sql, extra in steps:
            c.execute(text(sql), {**p, **extra})
        for table in ("feed", "page", "batch", "document"):
            c.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))
        c.execute(text("CHECKPOINT"))  # the build's WAL written out before editors start
    engine.dispose()
    return time.perf_counter() - started




@contextmanager
def server(url: str, port: int, work: Path):
    env = {**os.environ, "DATABASE_URL": url, "SCANSCORE_VAR": str(work),
           "SECRET_KEY": "bench-edit", "SCANSCORE_PASSWORD_HASH": FAST_HASH,
           "SCANSCORE_LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    log = (work / "server.log").open("w")
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "scanscore"), "serve", "--port",
                                str(port)], env=env, stdout=log, stderr=log)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/login")
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


class Editor:
    """One editor's HTTP session (a kept-alive connection and its cookie)."""

    def __init__(self, port: int, username: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.csrf = self._session()
        form = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                       "csrf_token": self.csrf})
        status, _ = self.request("POST", "/login", form,
                                 "application/x-www-form-urlencoded")
        if status != 302:
            raise RuntimeError(f"login of {username} failed ({status})")
        self.csrf = self._session()

    def _session(self) -> str:
        return json.loads(self.request("GET", "/api/session")[1])["csrf_token"]

    def request(self, method: str, path: str, body: str | None = None,
                content_type: str = "application/json") -> tuple[int, bytes]:
        headers = {"Cookie": self.cookie, "X-CSRF-Token": getattr(self, "csrf", "") or "",
                   "Content-Type": content_type, "Accept": "application/json"}
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        data = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data


def run(port: int, usernames: list[str], seconds: float, think: tuple[float, float]
        ) -> dict:
    """Editors claim and submit for ``seconds``; returns the timings and counts."""
    claims: list[float] = []
    submits: list[float] = []
    claimed: list[tuple[int, str]] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def editor(username: str, seed: int) -> None:
        rng = random.Random(seed)
        me = Editor(port, username)
        time.sleep(rng.uniform(*think))  # editors sit down at their own moment, not at once
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            status, data = me.request("POST", "/api/edit/next", "{}")
            t1 = time.perf_counter()
            if status != 200:
                with lock:
                    errors.append(f"claim {status}")
                return
            item = json.loads(data)
            time.sleep(rng.uniform(*think))
            t2 = time.perf_counter()
            status, data = me.request("POST", f"/api/edit/items/{item['id']}",
                                      json.dumps({"value": "A"}))
            t3 = time.perf_counter()
            with lock:
                claims.append(t1 - t0)
                claimed.append((item["id"], username))
                if status == 200:
                    submits.append(t3 - t2)
                else:
                    errors.append(f"submit {status}: {data[:120]!r}")
            time.sleep(rng.uniform(*think))

    started = time.perf_counter()
    threads = [threading.Thread(target=editor, args=(u, n)) for n, u in enumerate(usernames)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    holders: dict[int, set[str]] = {}
    for item_id, username in claimed:
        holders.setdefault(item_id, set()).add(username)
    return {"claims": claims, "submits": submits,
            "double": sum(len(h) - 1 for h in holders.values()),
            "errors": errors, "seconds": elapsed}


def report(title: str, result: dict) -> None:
    def pct(values: list[float]) -> str:
        if len(values) < 2:
            return "n/a"
        q = quantiles(values, n=100, method="inclusive")
        return f"p50 {q[49] * 1000:.1f} / p95 {q[94] * 1000:.1f} / p99 {q[98] * 1000:.1f} ms"

    print(f"{title}: {len(result['claims'])} claims, {len(result['submits'])} submits in "
          f"{result['seconds']:.0f} s = {len(result['submits']) / result['seconds']:.1f} items/s")
    print(f"  claim   {pct(result['claims'])}")
    print(f"  submit  {pct(result['submits'])}")
    print(f"  double claims: {result['double']}; errors: {len(result['errors'])} "
          f"{result['errors'][:3]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the edit queue at season scale")
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--editors", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--saturation-seconds", type=float, default=30)
    parser.add_argument("--port", type=int, default=5716)
    parser.add_argument("--postgres", default=os.environ.get(
        "SCANSCORE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "edit")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    os.environ.update(SCANSCORE_VAR=str(args.work), SCANSCORE_PASSWORD_HASH=FAST_HASH)
    with scratch_database(args.postgres, "bench_edit") as url:
        seconds = build(url, args.documents, args.items)
        print(f"built {args.documents:,} documents, {args.items:,} open items in "
              f"{seconds:.0f} s")
        usernames = [f"bench-editor-{n}" for n in range(args.editors)]
        with session_scope(url) as session:
            for name in usernames:
                create_user(session, "bench", name, PASSWORD, "editor")
        dispose_engine(url)
        with server(url, args.port, args.work) as port:
            report(f"{args.editors} editors, think time 1–3 s",
                   run(port, usernames, args.seconds, (1.0, 3.0)))
            report(f"{args.editors} editors, no think time (saturation)",
                   run(port, usernames, args.saturation_seconds, (0.0, 0.0)))


if __name__ == "__main__":
    main()
