"""The processing reports from capture's tables: header reconciliation and exceptions."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from capture.models import Batch, CaptureException, Document
from reports.charts import distribution_svg
from reports.tables import Table


def header_reconciliation(session: Session) -> Table:
    """Every batch: the header's declared count against the documents found, mismatches
    (and batches whose header gave no count) first, then by batch."""
    found = (select(Document.batch_id, func.count().label("n"))
             .group_by(Document.batch_id).subquery())
    rows = session.execute(
        select(Batch.id, Batch.batch_code, Batch.district_code, Batch.school_code,
               Batch.grade, Batch.declared_count, func.coalesce(found.c.n, 0))
        .outerjoin(found, found.c.batch_id == Batch.id)).all()
    out = []
    for batch_id, code, district, school, grade, declared, n in rows:
        verdict = ("no count" if declared is None else
                   "matches" if declared == n else "mismatch")
        out.append((batch_id, code or "", district, school, grade, declared, n,
                    None if declared is None else n - declared, verdict))
    out.sort(key=lambda r: (r[-1] == "matches", r[0]))
    return Table("batches", "Header reconciliation",
                 ("batch", "batch code", "district", "school", "grade", "declared",
                  "documents found", "difference", "verdict"), tuple(out))


def header_chart(table: Table) -> str:
    differences = np.array([r[7] for r in table.rows if r[7] is not None], float)
    return distribution_svg(differences, "Documents found minus declared, per batch",
                            "difference (documents)", {"match": 0.0})


def exceptions(session: Session, now: datetime) -> Table:
    """Capture exceptions by batch, code and state: how many, the oldest open one's age
    and the mean time to resolve (hours)."""
    rows = session.execute(select(CaptureException.batch_id, CaptureException.code,
                                  CaptureException.state, CaptureException.created_at,
                                  CaptureException.resolved_at)).all()
    groups: dict[tuple, list] = {}
    for batch_id, code, state, created, resolved in rows:
        groups.setdefault((batch_id, code, state), []).append((created, resolved))
    out = []
    for (batch_id, code, state), times in groups.items():
        ages = [_hours(now - _aware(c, now)) for c, r in times if r is None]
        waits = [_hours(_aware(r, now) - _aware(c, now)) for c, r in times if r is not None]
        out.append(("" if batch_id is None else batch_id, code, state, len(times),
                    max(ages) if ages else None,
                    sum(waits) / len(waits) if waits else None))
    out.sort(key=lambda r: (r[2] != "open", str(r[0]), r[1]))
    return Table("exceptions", "Capture exceptions by batch, code and state",
                 ("batch", "code", "state", "exceptions", "oldest open (hours)",
                  "mean time to resolve (hours)"), tuple(out))


def exceptions_chart(table: Table) -> str:
    ages = np.array([r[4] for r in table.rows if r[4] is not None], float)
    return distribution_svg(ages, "Open exceptions: age of the oldest per batch and code",
                            "hours", {})


def _aware(moment: datetime, like: datetime) -> datetime:
    """SQLite gives naive UTC datetimes back; compare them as ``like`` is."""
    return moment.replace(tzinfo=like.tzinfo) if moment.tzinfo is None else moment


def _hours(delta) -> float:
    return delta.total_seconds() / 3600
