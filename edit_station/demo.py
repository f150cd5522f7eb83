"""The edit station's part of ``scanscore demo``: every assembled batch taken
into edit (the job normally runs when capture announces a batch; taking one
again changes nothing), and what waits for the editors."""

from __future__ import annotations

import click

from capture.documents import batch_ids
from edit_station.queue import take_batch
from edit_station.supervision import queue_depth
from station.db import db_session


def run_demo() -> None:
    session = db_session()
    for batch_id in batch_ids(session):
        take_batch(session, batch_id)
    session.commit()
    depth = queue_depth(session)
    waiting = sum(row["waiting"] for row in depth)
    rules = sorted({row["rule"] for row in depth})
    click.echo(f"edit queue: {waiting} items waiting in {len({r['batch_id'] for r in depth})} "
               f"batches ({', '.join(rules) or 'none'}); log in as editor / editor-demo "
               "and open /edit")
