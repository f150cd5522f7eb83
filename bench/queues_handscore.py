"""Handscoring at season scale (BENCHMARKS.md, "Work queues at season scale"), on PostgreSQL.

    python bench/queues.py --handscore [--responses 500000] [--scorers 100] [--seconds 60]
                                       [--agreement-reads 1000000] [--postgres URL]

Builds, in a database of its own (dropped after): a 1-4 prompt with 10 % second reads and
5 % validity papers, ``--responses`` live responses and 2,000 validity papers, and
``--scorers`` waived scorers; a second prompt with ``--agreement-reads`` submitted reads
(first reads and 10 % second reads), all bulk-built in SQL. Then serves the app with
waitress (8 threads as ``scanscore serve``, a process of its own) and runs the scorers as
threads, each with its own HTTP session: log in, then ``POST /api/handscore/next`` and
``POST /api/handscore/reads/<id>`` in a loop, first at a person's pace (2-6 s between
taking a response and submitting it), then without pauses (saturation). Prints p50, p95
and p99 of next and submit, reads per second, the violations found in the database
afterwards (a response read twice by one scorer, a second read by the first reader, a
validity read counted live: each must be 0), and the agreement report's time over the
agreement prompt's reads (median of 3).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from statistics import median

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import scratch_database  # noqa: E402

from handscore.catalog import save_prompt  # noqa: E402
from handscore.monitoring import agreement_report  # noqa: E402
from station.db import session_scope  # noqa: E402

LIVE = {"id": "BENCH-LIVE", "title": "Benchmark: live scoring",
        "traits": [{"name": "score", "min": 1, "max": 4}],
        "second_read_rate": 10, "validity_rate": 5}
AGREE = {"id": "BENCH-AGREE", "title": "Benchmark: agreement report",
         "traits": [{"name": "score", "min": 1, "max": 4}]}
VALIDITY_PAPERS = 2_000
PASSWORD = "bench-password"
CHEAP_HASH = "pbkdf2:sha256:1000"




def build(url: str, responses: int, scorers: int, agreement_reads: int) -> None:
    """Prompts, scorers and the bulk data, in SQL (generate_series)."""
    os.environ["SCANSCORE_PASSWORD_HASH"] = CHEAP_HASH
    from station.accounts import create_user  # the hash method is read when hashing

    with session_scope(url) as session:
        for prompt in (LIVE, AGREE):
            save_prompt(session, "bench", prompt)
        ids = [create_user(session, "bench", f"scorer{i:03d}", PASSWORD, "scorer").id
               for i in range(scorers)]
        for prompt in (LIVE, AGREE):
            session.execute(text(
                "INSERT INTO hs_qualification (scorer_id, prompt_id, status, reason, updated_at)"
                " SELECT unnest(CAST(:ids AS int[])), :p, 'waived', 'bench', now()"),
                {"ids": ids, "p": prompt["id"]})
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("""
            INSERT INTO hs_response (prompt_id, kind, external_id, text, image_keys, need,
                                     created_at)
            SELECT 'BENCH-LIVE', 'live', 'L' || g, 'response ' || g, '[]', 1, now()
            FROM generate_series(1, :n) g"""), {"n": responses})
        c.execute(text("""
            INSERT INTO hs_response (prompt_id, kind, external_id, text, image_keys,
                                     true_scores, need, created_at)
            SELECT 'BENCH-LIVE', 'validity', 'V' || g, 'paper ' || g, '[]',
                   jsonb_build_object('score', 1 + g % 4), 0, now()
            FROM generate_series(1, :n) g"""), {"n": VALIDITY_PAPERS})
        _agreement_reads(c, ids, agreement_reads)
        c.execute(text("ANALYZE"))
    engine.dispose()


def _agreement_reads(c, scorer_ids: list[int], reads: int) -> None:
    """``reads`` submitted reads on BENCH-AGREE: every response a first read, one in eleven a
    second read by another scorer that agrees within a point most of the time."""
    pairs = reads // 11
    singles = reads - 2 * pairs
    c.execute(text("""
        INSERT INTO hs_response (prompt_id, kind, external_id, text, image_keys, need,
                                 created_at)
        SELECT 'BENCH-AGREE', 'live', 'A' || g, 'r', '[]', 0, now()
        FROM generate_series(1, :n) g"""), {"n": singles + pairs})
    c.execute(text("""
        CREATE TEMP TABLE bench_first AS
        SELECT r.id AS response_id, (CAST(:ids AS int[]))[1 + (r.id % :k)] AS scorer_id,
               1 + floor(random() * 4)::int AS score, row_number() OVER (ORDER BY r.id) AS n
        FROM hs_response r WHERE r.prompt_id = 'BENCH-AGREE'"""),
              {"ids": scorer_ids, "k": len(scorer_ids)})
    c.execute(text("""
        INSERT INTO hs_read (response_id, prompt_id, scorer_id, kind, slot, status, claimed_at,
                             submitted_at, scores, seconds)
        SELECT response_id, 'BENCH-AGREE', scorer_id, 'first', 1, 'submitted',
               now() - (n % 30) * interval '1 day' - interval '90 seconds',
               now() - (n % 30) * interval '1 day', jsonb_build_object('score', score), 90
        FROM bench_first"""))
    c.execute(text("""
        INSERT INTO hs_read (response_id, prompt_id, scorer_id, kind, slot, status, claimed_at,
                             submitted_at, scores, seconds)
        SELECT response_id, 'BENCH-AGREE', (CAST(:ids AS int[]))[1 + ((response_id + 1) % :k)],
               'second', 2, 'submitted', now() - interval '80 seconds', now(),
               jsonb_build_object('score', least(4, greatest(1, score + (CASE
                   WHEN random() < 0.6 THEN 0 WHEN random() < 0.5 THEN 1 ELSE -1 END)))), 80
        FROM bench_first WHERE n <= :pairs"""),
              {"ids": scorer_ids, "k": len(scorer_ids), "pairs": pairs})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(url: str, work: Path):
    """The app under waitress, as ``scanscore serve`` runs it (8 threads), on the bench
    database, until the block ends; waitress's connection limit raised from its 100 so that
    every scorer keeps a connection open."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SCANSCORE_VAR": str(work),
           "SCANSCORE_IMAGE_STORE": str(work / "images"), "SECRET_KEY": "bench"}
    work.mkdir(parents=True, exist_ok=True)
    log = (work / "server.log").open("wb")
    serve = ("import waitress; from app import create_app; waitress.serve(create_app(), "
             f"host='127.0.0.1', port={port}, threads=8, connection_limit=1000)")
    process = subprocess.Popen([sys.executable, "-c", serve], env=env, cwd=ROOT,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server stopped: see {work / 'server.log'}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not open its port in 180 s") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


class Scorer:
    """One scorer's HTTP session (keep-alive connection, session cookie, CSRF token)."""

    def __init__(self, port: int, username: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Content-Type": "application/json"}
        _, token = self.call("GET", "/api/session")
        self.headers["X-CSRF-Token"] = token["csrf_token"]
        status, body = self.call("POST", "/api/session",
                                 {"username": username, "password": PASSWORD})
        assert status == 200, body
        self.headers["X-CSRF-Token"] = body["csrf_token"]

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        self.connection.request(method, path, json.dumps(body) if body is not None else None,
                                self.headers)
        response = self.connection.getresponse()
        data = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.headers["Cookie"] = cookie.split(";", 1)[0]
        return response.status, (json.loads(data) if data else {})


def run_scorers(port: int, scorers: int, seconds: float, think: tuple[float, float]
                ) -> dict[str, list[float]]:
    """Scorers taking and submitting reads for ``seconds``; latencies in ms."""
    found: dict[str, list[float]] = {"next": [], "submit": [], "errors": []}
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    sessions = [Scorer(port, f"scorer{i:03d}") for i in range(scorers)]

    def work(scorer: Scorer, seed: int) -> None:
        rng = random.Random(seed)
        if think[1]:  # people arrive over a read's time, not all in one millisecond
            time.sleep(rng.uniform(0, think[1]))
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            status, claim = scorer.call("POST", "/api/handscore/next", {"prompt": LIVE["id"]})
            t1 = time.perf_counter()
            if status == 204:
                return  # nothing waits
            if status != 200:
                with lock:
                    found["errors"].append(status)
                continue
            if think[1]:
                time.sleep(rng.uniform(*think))
            t2 = time.perf_counter()
            status, _ = scorer.call("POST", f"/api/handscore/reads/{claim['read']}",
                                    {"scores": {"score": rng.randint(1, 4)}})
            t3 = time.perf_counter()
            with lock:
                found["next"].append((t1 - t0) * 1000)
                found["submit"].append((t3 - t2) * 1000)
                if status != 200:
                    found["errors"].append(status)

    threads = [threading.Thread(target=work, args=(s, i)) for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


def violations(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as c:
        found = {
            "read twice by one scorer": c.scalar(text(
                "SELECT count(*) FROM (SELECT 1 FROM hs_read GROUP BY response_id, scorer_id "
                "HAVING count(*) > 1) t")),
            "second read by the first reader": c.scalar(text(
                "SELECT count(*) FROM hs_read a JOIN hs_read b ON a.response_id = b.response_id"
                " WHERE a.slot = 1 AND b.slot = 2 AND a.scorer_id = b.scorer_id")),
            "validity read counted live": c.scalar(text(
                "SELECT count(*) FROM hs_read r JOIN hs_response s ON s.id = r.response_id "
                "WHERE (r.kind = 'validity') <> (s.kind = 'validity') "
                "OR (r.kind = 'validity' AND r.slot IS NOT NULL) "
                "OR (s.kind = 'validity' AND s.final_scores IS NOT NULL)")),
        }
        found["validity share of reads, %"] = c.scalar(text(
            "SELECT round(100.0 * avg((kind = 'validity')::int), 2) FROM hs_read "
            "WHERE prompt_id = 'BENCH-LIVE'"))
        found["second reads"] = c.scalar(text(
            "SELECT count(*) FROM hs_read WHERE prompt_id = 'BENCH-LIVE' AND slot = 2"))
    engine.dispose()
    return found


def report(title: str, found: dict[str, list[float]], seconds: float) -> None:
    print(f"\n{title}")
    for step in ("next", "submit"):
        values = found[step]
        print(f"  {step:<7} p50 {percentile(values, 50):6.1f} ms   p95 "
              f"{percentile(values, 95):6.1f} ms   p99 {percentile(values, 99):6.1f} ms")
    statuses = ", ".join(f"{n} x {status}" for status, n in Counter(found["errors"]).items())
    print(f"  reads submitted {len(found['submit'])} in {seconds:.0f} s: "
          f"{len(found['submit']) / seconds:.1f} reads/s; errors {len(found['errors'])}"
          f"{f' ({statuses})' if statuses else ''}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="handscoring queue benchmark")
    parser.add_argument("--responses", type=int, default=500_000)
    parser.add_argument("--scorers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each run")
    parser.add_argument("--agreement-reads", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=os.environ.get(
        "SCANSCORE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_handscore_{uuid.uuid4().hex[:6]}"
    with scratch_database(args.postgres, "bench_handscore") as url:
        started = time.perf_counter()
        build(url, args.responses, args.scorers, args.agreement_reads)
        print(f"built {args.responses:,} responses, {VALIDITY_PAPERS:,} validity papers, "
              f"{args.scorers} scorers, {args.agreement_reads:,} agreement reads in "
              f"{time.perf_counter() - started:.0f} s")
        with server(url, work) as port:
            paced = run_scorers(port, args.scorers, args.seconds, (2.0, 6.0))
            report(f"{args.scorers} scorers at a person's pace (2-6 s a read)", paced,
                   args.seconds)
            saturated = run_scorers(port, args.scorers, args.seconds / 2, (0.0, 0.0))
            report(f"{args.scorers} scorers without pauses (saturation)", saturated,
                   args.seconds / 2)
        print("\nviolations (each must be 0):")
        for name, count in violations(url).items():
            print(f"  {name}: {count}")
        times = []
        for _ in range(3):
            started = time.perf_counter()
            with session_scope(url) as session:
                rows = agreement_report(session, AGREE["id"], "prompt")["prompts"]
            times.append(time.perf_counter() - started)
        row = rows[0]
        print(f"\nagreement report over {row['reads']:,} reads ({row['n']:,} pairs): "
              f"median {median(times):.2f} s of 3 (target <= 5 s); qwk {row['qwk']:.3f}, "
              f"exact {row['exact']:.3f}")
        by_scorer = time.perf_counter()
        with session_scope(url) as session:
            agreement_report(session, AGREE["id"], "scorer")
        print(f"  grouped by scorer: {time.perf_counter() - by_scorer:.2f} s")


if __name__ == "__main__":
    main()
