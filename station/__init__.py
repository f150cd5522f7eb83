"""The ground every area of ScanScore stands on.

- configuration: :mod:`station.config` (environment, embedded defaults);
- database: :mod:`station.db` (``Base``, engines, sessions), :mod:`station.migrate`
  (Alembic), the station's tables in :mod:`station.models`;
- accounts and access: :mod:`station.roles`, :mod:`station.accounts`, :mod:`station.auth`
  (login, sessions), :mod:`station.guard` (``require_role``, ``public``),
  :mod:`station.csrf`;
- :mod:`station.audit` (the append-only audit log), :mod:`station.images` (the image store),
  :mod:`station.queue` (``enqueue``), :mod:`station.logs`;
- the web: :mod:`station.web` (hooks, base template, home page), :mod:`station.nav`,
  :mod:`station.errors` (messages and JSON errors), :mod:`station.admin` (users, audit
  log pages);
- the command line: :mod:`station.cli` (``db``, ``users``, ``worker``), :mod:`station.demo`.

``station`` imports no area: areas import it.
"""
