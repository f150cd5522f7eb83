"""The ground every area of ScanScore stands on.

- configuration: :mod:`station.config` (environment, embedded defaults);
- database: :mod:`station.db` (``Base``, engines, sessions, ``one_of`` for a status's
  CHECK constraint), :mod:`station.upsert` (``insert_once``: ON CONFLICT DO NOTHING),
  :mod:`station.migrate` (Alembic), the station's tables in :mod:`station.models`;
- accounts and access: :mod:`station.roles`, :mod:`station.accounts`, :mod:`station.auth`
  (login, sessions), :mod:`station.guard` (``require_role``, ``public``),
  :mod:`station.csrf`;
- :mod:`station.audit` (the append-only audit log), :mod:`station.images` (the image store),
  :mod:`station.queue` (``enqueue``, RQ's SimpleWorker), :mod:`station.logs`,
  :mod:`station.urls` (``redact_url``);
- the web: :mod:`station.web` (hooks, base template, home page), :mod:`station.nav`,
  :mod:`station.errors` (domain errors and their one mapping to HTTP, the JSON error shape),
  :mod:`station.admin` (users, audit
  log pages);
- the command line: :mod:`station.cli` (``db``, ``users``, ``worker``), :mod:`station.demo`.

``station`` imports no area: areas import it.
"""
