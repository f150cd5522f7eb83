"""``scanscore ingest`` and ``scanscore watch``: scanner files in from the command line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from sqlalchemy import select

from capture.intake import IntakeCount, ingest_files, paths_key, scanner_files
from capture.models import Batch, Feed, Page
from capture.progress import batch_rows
from capture.reading import STALE_AFTER, requeue_unread
from capture.watch import HotFolder, watch
from station.config import current_settings
from station.db import session_scope
from station.migrate import check_database


def _summary(feed_key: str) -> None:
    """Print the batches of a feed and where their pages stand."""
    with session_scope() as session:
        feed_id = session.scalar(select(Feed.id).where(Feed.key == feed_key))
        ids = list(session.scalars(select(Page.batch_id).distinct().where(
            Page.feed_id == feed_id, Page.batch_id.is_not(None))))
        rows = batch_rows(session, ids)
    for row in reversed(rows):
        count = {"ok": "count ok", "mismatch": "COUNT MISMATCH", None: "counting"}
        click.echo(f"batch {row['id']}: school {row['school_code'] or '?'} grade "
                   f"{row['grade'] or '?'}: {row['pages']} pages, {row['pages_read']} read, "
                   f"{row['pages_waiting']} waiting, {row['pages_exception']} exceptions; "
                   f"{row['documents_complete']} documents complete of "
                   f"{row['declared_count'] if row['declared_count'] is not None else '?'} "
                   f"declared ({count.get(row['count_status'], row['count_status'])})")


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--feed", "feed_key", help="Feed (scanner stream) name; default: from the paths, "
                                         "so that repeating a command continues it.")
@click.option("--batch", "batch_id", type=int, help="Put every page into this batch (rescans).")
def ingest_command(paths: tuple[Path, ...], feed_key: str | None, batch_id: int | None) -> None:
    """Take scanner files (multi-page TIFF, PNG, JPEG, PDF) or folders of them, in
    name order, as one feed: header sheets open batches, pages are stored once
    and read on the queue."""
    check_database(current_settings().database_url)
    if batch_id is not None:
        with session_scope() as session:
            if session.get(Batch, batch_id) is None:
                raise click.BadParameter(f"no batch {batch_id}", param_hint="--batch")
    files = scanner_files(paths)
    key = feed_key or paths_key(paths)
    with click.progressbar(length=len(files), label="ingesting", show_pos=True) as bar:
        total = ingest_files(files, key, batch_id=batch_id,
                             on_file=lambda _path, _count: bar.update(1))
    click.echo(f"ingested {total}")
    if current_settings().redis_url:
        click.echo("pages are read by the workers (scanscore worker); progress at /capture")
    _summary(key)


@click.command("watch")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--done", type=click.Path(file_okay=False, path_type=Path),
              help="Where taken files go (default: DIRECTORY/done).")
@click.option("--settle", type=float, default=2.0, show_default=True,
              help="Seconds a file must be left unchanged before it is taken.")
@click.option("--interval", type=float, default=1.0, show_default=True,
              help="Seconds between looks at the folder.")
@click.option("--once", is_flag=True, help="Take what is finished now, then stop.")
def watch_command(directory: Path, done: Path | None, settle: float, interval: float,
                  once: bool) -> None:
    """Watch a scanner's output folder (hot folder): take each file once the
    scanner has finished writing it, then move it to the done folder."""
    check_database(current_settings().database_url)
    folder = HotFolder(directory, done or directory / "done", settle)

    def report(path: Path, count: IntakeCount) -> None:
        click.echo(f"{path.name}: {count}")

    click.echo(f"watching {directory} (done: {folder.done}); Ctrl-C stops")
    try:
        watch(folder, interval, once, report)
    except KeyboardInterrupt:
        click.echo("stopped")


@click.command("requeue")
@click.option("--older-than", type=float, default=STALE_AFTER.total_seconds(), show_default=True,
              help="Seconds since a page was received.")
def requeue_command(older_than: float) -> None:
    """Enqueue again the reads of pages still unread after --older-than seconds
    (their job was lost with a worker); reading twice is harmless."""
    check_database(current_settings().database_url)
    with session_scope() as session:
        count = requeue_unread(session, timedelta(seconds=older_than))
    click.echo(f"{count} unread pages enqueued again")
