"""Alembic's entry point: the database URL comes from ``scanscore db`` (or the station's
settings), the target is the metadata of every area's models."""

from __future__ import annotations

import importlib

from alembic import context

from station.config import load_settings
from station.db import Base, get_engine

MODEL_MODULES = (
    "station.models",
    "capture.models",
    "edit_station.models",
    "handscore.models",
    "scoring.models",
)
"""The modules that define tables; an area adds its own when it adds a model."""

for module in MODEL_MODULES:
    importlib.import_module(module)

url = context.config.get_main_option("sqlalchemy.url") or load_settings().database_url
options = {"target_metadata": Base.metadata, "render_as_batch": True, "compare_type": True}

if context.is_offline_mode():
    context.configure(url=url, literal_binds=True, **options)
    with context.begin_transaction():
        context.run_migrations()
else:
    with get_engine(url).connect() as connection:
        # SQLite alters a table by copying it (batch mode): the rows referring to it
        # would fail their foreign keys midway, so they are off while migrating
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
