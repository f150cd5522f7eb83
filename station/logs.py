"""Logging for the server, the workers and the CLI.

Log what happened to which batch, page, document or job, by id. Never log a student's
name or other identity: ids only.
"""

from __future__ import annotations

import logging
import os

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(level: str | None = None) -> None:
    """Log to stderr at ``level`` (default ``$SCANSCORE_LOG_LEVEL`` or INFO), once."""
    root = logging.getLogger()
    if any(getattr(h, "scanscore", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.scanscore = True
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("SCANSCORE_LOG_LEVEL", "INFO"))
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
