"""The ground every area of ScanScore stands on.

Configuration (:mod:`station.config`), the database (:mod:`station.db`, models in
:mod:`station.models`), accounts and roles (:mod:`station.accounts`, :mod:`station.guard`,
:mod:`station.auth`), CSRF protection (:mod:`station.csrf`), the audit log
(:mod:`station.audit`), the image store (:mod:`station.images`), the job queue
(:mod:`station.queue`), logging (:mod:`station.logs`), the base page template and the JSON
errors of the API (:mod:`station.web`, :mod:`station.errors`).

``station`` imports no area: areas import it.
"""
