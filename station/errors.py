"""Errors with a message a person can act on, and the error responses of pages and API.

API routes (paths under ``/api/``) answer errors as JSON ``{"error": ..., "detail": ...}``
(:func:`error_json`) with the matching status; pages render ``station/error.html``.

Domain code (an area's functions, not its views) raises a :class:`DomainError` — one of
:class:`NotFound`, :class:`Conflict`, :class:`Invalid` — and knows nothing of HTTP: the
one mapping of its ``code`` to an HTTP status is :data:`HTTP_STATUS`, applied here for
every view. Callers that are not views (the CLI, a job) catch the same errors by class.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

log = logging.getLogger(__name__)


class StationError(Exception):
    """A failure of the platform (configuration, database, queue) the user must fix."""


class BadSetting(StationError):
    """A setting (environment variable or ``create_app`` key) has a value that means
    nothing; the message names it and says what it takes."""


class DatabaseUnreachable(StationError):
    """The database named by ``DATABASE_URL`` does not answer."""


class DatabaseNotMigrated(StationError):
    """The database is not at the newest migration."""


class QueueUnavailable(StationError):
    """Redis named by ``REDIS_URL`` does not answer; nothing was enqueued."""


class DomainError(Exception):
    """A request the domain refuses: ``error`` in a few words, ``detail`` what to do."""

    code = "invalid"

    def __init__(self, error: str, detail: Any = None) -> None:
        super().__init__(error if detail is None else f"{error}: {detail}")
        self.error = error
        self.detail = detail


class NotFound(DomainError):
    """The record named does not exist."""

    code = "not_found"


class Conflict(DomainError):
    """The record is not in a state that allows the request (resolved already, say)."""

    code = "conflict"


class Invalid(DomainError):
    """The request is not one the record allows (an unknown action, a missing reason)."""

    code = "invalid"


HTTP_STATUS = {NotFound.code: 404, Conflict.code: 409, Invalid.code: 400}
"""The HTTP status of each domain error code: the one mapping."""


class ApiError(Exception):
    """Raise from a view to answer ``status`` with ``{"error": error, "detail": detail}``."""

    def __init__(self, status: int, error: str, detail: Any = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.detail = detail


def bad_input(detail: Any) -> ApiError:
    """The 422 error of a request whose content is wrong; ``detail`` says what and where."""
    return ApiError(422, "bad input", detail)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def error_json(error: str, detail: Any = None) -> dict[str, Any]:
    """The JSON error shape of the API (and of each refused item of a bulk request)."""
    return {"error": error, "detail": detail}


def error_response(status: int, error: str, detail: Any = None) -> Response:
    """A JSON error for the API, an error page otherwise."""
    if is_api_request():
        response = jsonify(error_json(error, detail))
    else:
        response = Response(
            render_template("station/error.html", status=status, error=error, detail=detail)
        )
    response.status_code = status
    return response


def _http_error(exc: HTTPException) -> Response | HTTPException:
    if exc.code is None or exc.code < 400:
        return exc  # routing redirects pass through
    return error_response(exc.code, (exc.name or "error").lower(), exc.description)


def _too_large(exc: RequestEntityTooLarge) -> Response:
    config = current_app.config
    return error_response(413, "upload too large",
                          f"a request may hold at most {config['MAX_CONTENT_LENGTH'] / 2**20:,.0f}"
                          f" MB (MAX_CONTENT_LENGTH) in at most {config['MAX_FORM_PARTS']:,} "
                          f"files; nothing was taken: upload fewer files at a time, or feed "
                          f"large batches through a hot folder")


def _api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.error, exc.detail)


def _domain_error(exc: DomainError) -> Response:
    return error_response(HTTP_STATUS[exc.code], exc.error, exc.detail)


def _queue_unavailable(exc: QueueUnavailable) -> Response:
    log.error("queue unavailable: %s", exc)
    return error_response(503, "queue unavailable", str(exc))


def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, "internal server error", "the error was logged")


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(QueueUnavailable, _queue_unavailable)
    if not app.testing:
        app.register_error_handler(Exception, _unexpected)
