"""The edit station's screens and JSON API (SPEC §6; docs/api.md, "Edit station").

Pages: ``/edit`` (the editor's screen), ``/edit/supervisor`` (queue depth,
rates, the corrections log, batch release, the supervisor's queue),
``/edit/completeness`` (schools missing demographics). Editors, supervisors
and administrators use the station; the supervisor's pages are theirs and
the administrators'. The screens use the API below, as scripts do.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from sqlalchemy.orm import Session

from capture.documents import DocumentGone, page_view
from capture.formset import known_forms
from edit_station import completeness, supervision
from edit_station.clean import clean_document
from edit_station.clips import clip_png
from edit_station.corrections import SUPERVISORS, Refused, accept_document, act
from edit_station.items import item_json
from edit_station.models import EditItem
from edit_station.queue import claim_next
from station.auth import current_user
from station.db import db_session
from station.errors import ApiError
from station.guard import require_role
from station.nav import add_nav_item
from station.roles import ADMIN, EDITOR, SUPERVISOR

bp = Blueprint("edit_station", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/edit")
add_nav_item(bp, "Edit", "edit_station.editor", "Resolve what the machine could not read.")
add_nav_item(bp, "Edit supervisor", "edit_station.supervisor",
             "Queue depth, editors' rates, corrections, batch release.")
add_nav_item(bp, "Completeness", "edit_station.completeness_page",
             "Schools whose documents miss demographics.")

STATION = (EDITOR, SUPERVISOR, ADMIN)
STATUS_OF = {"bad_input": 400, "forbidden": 403, "not_found": 404, "conflict": 409}
"""The HTTP status of each kind of refusal."""


def _refusals(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer a refused action with its status and ``{"error", "detail"}``;
    the session is rolled back, so nothing of it is stored."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except Refused as exc:
            db_session().rollback()
            raise ApiError(STATUS_OF[exc.kind], exc.message, {"field": exc.field}) from None
        except DocumentGone as exc:
            db_session().rollback()
            raise ApiError(404, str(exc)) from None
    return wrapped


def _supervisor() -> bool:
    return current_user().role in SUPERVISORS


def _item(session: Session, item_id: int) -> EditItem:
    item = session.get(EditItem, item_id)
    if item is None:
        raise ApiError(404, f"edit item {item_id} does not exist")
    return item


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ApiError(400, "send a JSON object", {"field": None})
    return body


# --- pages ------------------------------------------------------------------------------

@bp.get("/edit")
@require_role(*STATION)
def editor() -> str:
    return render_template("edit_station/editor.html", title="Edit")


@bp.get("/edit/supervisor")
@require_role(SUPERVISOR, ADMIN)
def supervisor() -> str:
    session = db_session()
    args = request.args
    return render_template(
        "edit_station/supervisor.html", title="Edit supervisor",
        depth=supervision.queue_depth(session, _int(args.get("batch")), args.get("rule")),
        rates=supervision.editor_rates(session), batches=supervision.batches(session),
        log=supervision.corrections(session, _int(args.get("batch")), args.get("rule"),
                                    args.get("actor"), limit=200),
        filters={k: args.get(k, "") for k in ("batch", "rule", "actor")})


@bp.get("/edit/completeness")
@require_role(SUPERVISOR, ADMIN)
def completeness_page() -> str:
    fields = _fields()
    return render_template("edit_station/completeness.html", title="Completeness",
                           gaps=completeness.school_gaps(db_session(), fields), fields=fields,
                           tolerance=completeness.TOLERANCE,
                           min_documents=completeness.MIN_DOCUMENTS)


@bp.get("/edit/completeness.csv")
@require_role(SUPERVISOR, ADMIN)
def completeness_csv() -> Response:
    rows = [g.to_json() for g in completeness.school_gaps(db_session(), _fields())]
    return _csv(rows, ["school_code", "documents", "field", "missing", "percent"],
                "completeness.csv")


@bp.get("/edit/corrections.csv")
@require_role(SUPERVISOR, ADMIN)
def corrections_csv() -> Response:
    rows = _corrections(limit=None)
    return _csv(rows, ["id", "at", "batch_id", "document_id", "item_id", "rule", "field",
                       "key", "before", "after", "actor", "verified_by"], "corrections.csv")


@bp.get("/edit/items/<int:item_id>/clip.png")
@require_role(*STATION)
def clip(item_id: int) -> Response:
    """The item's clip: its keys' bubbles with their levels, the write-in boxes."""
    item = _item(db_session(), item_id)
    data = clip_png(item.clip, known_forms()[item.form_id].thresholds)
    if data is None:
        raise ApiError(404, "this item has no clip (the page image cannot be shown)")
    return _png(data)


@bp.get("/edit/items/<int:item_id>/page.png")
@require_role(*STATION)
def page_image(item_id: int) -> Response:
    """The whole page the item is on, upright."""
    item = _item(db_session(), item_id)
    data = page_view(item.clip["sha256"], item.clip.get("rotated", False)) \
        if item.clip.get("sha256") else None
    if data is None:
        raise ApiError(404, "the page image cannot be shown")
    return _png(data)


# --- API --------------------------------------------------------------------------------

@bp.post("/api/edit/next")
@require_role(*STATION)
def api_next() -> Response | tuple[str, int]:
    """Claim the next item: ``{"holding": [ids on screen], "resume": true,
    "queue": "supervisor"}`` (all optional); 204 when nothing waits."""
    body = _json_body()
    holding = body.get("holding", [])
    if not isinstance(holding, list) or not all(isinstance(i, int) for i in holding):
        raise ApiError(400, "holding must be a list of item ids", {"field": "holding"})
    supervisor_queue = body.get("queue") == "supervisor"
    if supervisor_queue and not _supervisor():
        raise ApiError(403, "the supervisor's queue is for supervisors", {"field": "queue"})
    user_id, supervisor = current_user().id, _supervisor()
    session = db_session()
    item = claim_next(session, user_id, holding, supervisor_queue, body.get("resume") is True)
    shown = item_json(session, item, supervisor) if item is not None else None
    session.commit()
    return jsonify(shown) if shown else ("", 204)


@bp.get("/api/edit/items/<int:item_id>")
@require_role(*STATION)
def api_item(item_id: int) -> Response:
    session = db_session()
    return jsonify(item_json(session, _item(session, item_id), _supervisor()))


@bp.post("/api/edit/items/<int:item_id>")
@require_role(*STATION)
@_refusals
def api_act(item_id: int) -> Response:
    """``{"value": "..."}`` or ``{"action": "skip" | "help" | "rescan" | "accept",
    "reason": "..."}``."""
    session = db_session()
    outcome = act(session, item_id, current_user(), _json_body())
    session.commit()
    return jsonify(outcome.to_json())


@bp.post("/api/edit/items/<int:item_id>/reassign")
@require_role(SUPERVISOR, ADMIN)
@_refusals
def api_reassign(item_id: int) -> Response:
    """``{"user": "username"}``: the item is claimed for that editor."""
    session = db_session()
    supervision.reassign(session, item_id, str(_json_body().get("user", "")), current_user())
    session.commit()
    return jsonify(ok=True)


@bp.get("/api/edit/queue")
@require_role(*STATION)
def api_queue() -> Response:
    """Waiting items by batch and rule (``?batch=&rule=``)."""
    session = db_session()
    return jsonify(queue=supervision.queue_depth(session, _int(request.args.get("batch")),
                                                 request.args.get("rule")),
                   batches=supervision.batches(session))


@bp.get("/api/edit/documents/<int:document_id>")
@require_role(*STATION)
@_refusals
def api_document(document_id: int) -> Response:
    """The clean document record (edit_station.clean)."""
    return jsonify(clean_document(db_session(), document_id).to_json())


@bp.post("/api/edit/documents/<int:document_id>/accept")
@require_role(SUPERVISOR, ADMIN)
@_refusals
def api_accept_document(document_id: int) -> Response:
    """``{"reason": "..."}``: accept every remaining default; the document is released."""
    session = db_session()
    n = accept_document(session, document_id, current_user(),
                        str(_json_body().get("reason", "")))
    session.commit()
    return jsonify(accepted=n, document=clean_document(session, document_id).to_json())


@bp.post("/api/edit/batches/<int:batch_id>/release")
@require_role(SUPERVISOR, ADMIN)
@_refusals
def api_release_batch(batch_id: int) -> Response:
    session = db_session()
    supervision.release_batch(session, batch_id, current_user())
    session.commit()
    return jsonify(ok=True, batch_id=batch_id)


@bp.get("/api/edit/corrections")
@require_role(SUPERVISOR, ADMIN)
def api_corrections() -> Response:
    """The corrections log (``?batch=&rule=&actor=&since=`` ISO time), newest first."""
    return jsonify(corrections=_corrections(limit=supervision.LOG_ROWS_AT_MOST))


@bp.get("/api/edit/rates")
@require_role(SUPERVISOR, ADMIN)
def api_rates() -> Response:
    return jsonify(editors=supervision.editor_rates(db_session()))


@bp.get("/api/edit/completeness")
@require_role(SUPERVISOR, ADMIN)
def api_completeness() -> Response:
    """Schools missing demographics (``?fields=ethnicity,gender``)."""
    return jsonify(schools=[g.to_json() for g in completeness.school_gaps(db_session(),
                                                                          _fields())])


# --- helpers ----------------------------------------------------------------------------

def _int(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, f"{value!r} is not a number", {"field": "batch"}) from None


def _fields() -> tuple[str, ...]:
    named = request.args.get("fields", "")
    return tuple(f for f in named.split(",") if f) or completeness.DEFAULT_FIELDS


def _corrections(limit: int | None) -> list[dict[str, Any]]:
    args = request.args
    since = None
    if args.get("since"):
        try:
            since = datetime.fromisoformat(args["since"])
        except ValueError:
            raise ApiError(400, "since must be an ISO date or time", {"field": "since"}) \
                from None
    return supervision.corrections(db_session(), _int(args.get("batch")), args.get("rule"),
                                   args.get("actor"), since, limit)


def _csv(rows: list[dict[str, Any]], columns: list[str], name: str) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


def _png(data: bytes) -> Response:
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
