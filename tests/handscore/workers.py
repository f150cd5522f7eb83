"""A scorer's loop for the concurrency tests, importable by a spawned process: take the next
read and submit a random score until nothing waits."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

from handscore.catalog import load_prompt
from handscore.reads import submit_read
from handscore.routing import next_read
from station.db import dispose_engine, session_scope
from station.models import User


def score_until_empty(db_url: str, prompt_id: str, scorer_id: int, seed: int) -> dict:
    """Returns the reads taken by kind, the number of requests and the errors raised."""
    rng = random.Random(seed)
    kinds: Counter[str] = Counter()
    errors: list[str] = []
    requests = 0
    try:
        while True:
            with session_scope(db_url) as session:
                prompt = load_prompt(session, prompt_id)
                scorer = session.get(User, scorer_id)
                read = next_read(session, prompt, scorer, datetime.now(UTC))
                requests += 1
                if read is None:
                    break
                read_id, kind = read.id, read.kind
            trait = prompt.traits[0]
            with session_scope(db_url) as session:
                submit_read(session, prompt, scorer, read_id,
                            {"scores": {trait.name: rng.randint(trait.min, trait.max)}},
                            datetime.now(UTC))
            kinds[kind] += 1
    except Exception as exc:  # reported to the test, which fails on any
        errors.append(f"{type(exc).__name__}: {exc}")
    return {"kinds": dict(kinds), "requests": requests, "errors": errors}


def score_in_process(args: tuple[str, str, int, int]) -> dict:
    """:func:`score_until_empty` in a process of its own (its own engine, closed after)."""
    db_url = args[0]
    try:
        return score_until_empty(*args)
    finally:
        dispose_engine(db_url)
