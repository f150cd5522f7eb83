"""The operator's screens and their JSON API (SPEC §4, §10).

Pages: ``/capture`` (batches, live), ``/capture/batches/<id>`` (pages and
documents), ``/capture/exceptions`` (what to do), ``/capture/upload``.
API (same actions, JSON): ``/api/capture/...``, documented in docs/capture.md.
Operators, supervisors and administrators may use them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from capture.batches import reassemble
from capture.exceptions import actions_of, resolve
from capture.intake import IntakeCount, ScannerFile, take_upload
from capture.models import Batch, CaptureException, Document, DocumentCondition, Page
from capture.progress import batch_rows, feed_rows
from capture.renditions import WIDTHS, rendition, stored_original
from station import audit
from station.auth import current_user
from station.db import db_session
from station.errors import ApiError, bad_input
from station.guard import require_role
from station.inputs import fit_columns, row_id
from station.nav import add_nav_item
from station.roles import ADMIN, OPERATOR, SUPERVISOR

bp = Blueprint("capture", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/capture")
add_nav_item(bp, "Batches", "capture.batches", "Scanned batches and their progress, live.")
add_nav_item(bp, "Exceptions", "capture.exceptions", "Pages and batches that need you.")
add_nav_item(bp, "Upload", "capture.upload", "Feed scanned files from this computer.")

STAFF = (OPERATOR, SUPERVISOR, ADMIN)


@bp.get("/capture")
@require_role(*STAFF)
def batches() -> str:
    return render_template("capture/batches.html", title="Batches")


@bp.get("/api/capture/batches")
@require_role(*STAFF)
def api_batches() -> Response:
    """Batches with live counts, and pages not yet in a batch per feed."""
    session = db_session()
    return jsonify(batches=batch_rows(session), feeds=feed_rows(session))


def _batch_detail(batch_id: int) -> dict[str, Any]:
    session = db_session()
    rows = batch_rows(session, [batch_id])
    if not rows:
        raise ApiError(404, "no such batch", f"batch {batch_id} does not exist")
    pages = session.scalars(select(Page).where(Page.batch_id == batch_id)
                            .order_by(Page.feed_id, Page.seq)).all()
    documents = session.scalars(select(Document).where(Document.batch_id == batch_id)
                                .order_by(Document.lithocode)).all()
    conditions = session.scalars(select(DocumentCondition)
                                 .where(DocumentCondition.batch_id == batch_id)).all()
    found: dict[int, int] = {}
    for p in pages:
        if p.document_id and p.status == "read":
            found[p.document_id] = found.get(p.document_id, 0) + 1
    return {
        "batch": rows[0],
        "pages": [_page_json(p) for p in pages],
        "documents": [{"id": d.id, "lithocode": d.lithocode, "form": d.form_id,
                       "pages_expected": d.pages_expected, "pages_found": found.get(d.id, 0),
                       "status": d.status} for d in documents],
        "conditions": [{"document_id": c.document_id, "page_id": c.page_id, "code": c.code,
                        "detail": c.detail} for c in conditions],
    }


def _page_json(p: Page) -> dict[str, Any]:
    return {"id": p.id, "seq": p.seq, "source": p.source_name, "frame": p.source_frame,
            "status": p.status, "form": p.form_id, "page": p.page_number,
            "lithocode": p.lithocode, "rotated": p.rotated, "document_id": p.document_id,
            "batch_id": p.batch_id, "image_sha256": p.image_sha256,
            "thumb": url_for("capture.page_image", page_id=p.id, size="thumb"),
            "image": url_for("capture.page_image", page_id=p.id, size="page")}


@bp.get("/capture/batches/<int:batch_id>")
@require_role(*STAFF)
def batch(batch_id: int) -> str:
    detail = _batch_detail(batch_id)
    return render_template("capture/batch.html", title=f"Batch {batch_id}", **detail)


@bp.get("/api/capture/batches/<int:batch_id>")
@require_role(*STAFF)
def api_batch(batch_id: int) -> Response:
    return jsonify(_batch_detail(batch_id))


def _close(batch_id: int) -> None:
    session = db_session()
    if session.get(Batch, batch_id) is None:
        raise ApiError(404, "no such batch", f"batch {batch_id} does not exist")
    reassemble(session, batch_id)
    audit.record(session, current_user(), "capture.batch.close", f"batch:{batch_id}")
    session.commit()


@bp.post("/capture/batches/<int:batch_id>/close")
@require_role(*STAFF)
def batch_close(batch_id: int) -> Response:
    _close(batch_id)
    return redirect(url_for("capture.batch", batch_id=batch_id))


@bp.post("/api/capture/batches/<int:batch_id>/close")
@require_role(*STAFF)
def api_batch_close(batch_id: int) -> Response:
    """Close a batch now (the hot folder's last batch): assemble and reconcile it."""
    _close(batch_id)
    return jsonify(_batch_detail(batch_id))


@bp.get("/capture/pages/<int:page_id>/<any(thumb, page):size>.png")
@require_role(*STAFF)
def page_image(page_id: int, size: str) -> Response:
    """A page's image, upright, as a thumbnail or a page view (PNG)."""
    page = db_session().get(Page, page_id) or abort(404)
    data = rendition(page.image_sha256, size, page.rotated)
    if data is None:
        abort(404, description="this file is not an image that can be shown")
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.get("/capture/pages/<int:page_id>/original")
@require_role(*STAFF)
def page_original(page_id: int) -> Response:
    """The page's file exactly as received, when it is an image the store wrote."""
    page = db_session().get(Page, page_id) or abort(404)
    original = stored_original(page.image_sha256)
    if original is None:
        abort(404, description=f"page {page_id}'s file is not an image: it is not served")
    data, mimetype = original
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename=page-{page_id}"})


def _exceptions(state: str) -> list[dict[str, Any]]:
    session = db_session()
    rows = session.execute(select(CaptureException, Page).outerjoin(
        Page, Page.id == CaptureException.page_id).where(CaptureException.state == state)
        .order_by(CaptureException.id.desc()).limit(500)).all()
    return [{"id": e.id, "code": e.code, "reason": e.reason, "state": e.state,
             "resolution": e.resolution, "note": e.note, "resolved_by": e.resolved_by,
             "batch_id": e.batch_id if e.batch_id is not None else (p.batch_id if p else None),
             "page": _page_json(p) if p else None,
             "actions": list(actions_of(e))} for e, p in rows]


@bp.get("/capture/exceptions")
@require_role(*STAFF)
def exceptions() -> str:
    state = request.args.get("state", "open")
    open_batches = db_session().scalars(select(Batch.id).order_by(Batch.id.desc()).limit(200))
    return render_template("capture/exceptions.html", title="Exceptions", state=state,
                           exceptions=_exceptions(state), batch_ids=list(open_batches),
                           widths=WIDTHS)


@bp.get("/api/capture/exceptions")
@require_role(*STAFF)
def api_exceptions() -> Response:
    return jsonify(exceptions=_exceptions(request.args.get("state", "open")))


def _resolve(exception_id: int, values: dict[str, Any]) -> None:
    session = db_session()
    note = str(values.get("note", ""))
    fit_columns(CaptureException, note=note)
    resolve(session, exception_id, str(values.get("action", "")), current_user(),
            note=note, batch_id=row_id(values.get("batch_id"), "batch_id"))
    session.commit()


@bp.post("/capture/exceptions/<int:exception_id>")
@require_role(*STAFF)
def exception_resolve(exception_id: int) -> Response:
    _resolve(exception_id, request.form)
    return redirect(url_for("capture.exceptions"))


@bp.post("/api/capture/exceptions/<int:exception_id>/resolve")
@require_role(*STAFF)
def api_exception_resolve(exception_id: int) -> Response:
    """Resolve: ``{"action": "rescan" | "reassign" | "discard" | "accept",
    "note": reason, "batch_id": n}``."""
    _resolve(exception_id, request.get_json(silent=True) or {})
    return jsonify(ok=True)


@bp.get("/capture/upload")
@require_role(*STAFF)
def upload() -> str:
    return render_template("capture/upload.html", title="Upload")


def _take_uploads() -> IntakeCount:
    files = [f for f in request.files.getlist("files") if f.filename]
    if not files:
        raise bad_input({"files": "choose one or more scanned files"})
    batch_id = row_id(request.form.get("batch_id"), "batch_id")
    if batch_id is not None and db_session().get(Batch, batch_id) is None:
        raise bad_input({"batch_id": f"no batch {batch_id}"})
    return take_upload([ScannerFile(f.filename, f.read) for f in files], current_user(),
                       batch_id)


@bp.post("/capture/upload")
@require_role(*STAFF)
def upload_post() -> Response:
    _take_uploads()
    return redirect(url_for("capture.batches"))


@bp.post("/api/capture/uploads")
@require_role(*STAFF)
def api_upload() -> tuple[Response, int]:
    """Multipart ``files``, taken in name order as one feed; ``batch_id`` puts
    every page into that batch (rescans)."""
    total = _take_uploads()
    return jsonify(files=total.files, pages=total.pages, new=total.new,
                   problems=total.problems), 201
