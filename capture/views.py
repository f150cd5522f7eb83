"""The operator's screens and their JSON API (SPEC §4, §10).

Pages: ``/capture`` (batches, live, searched and paged), ``/capture/batches/<id>``
(pages and documents), ``/capture/documents/<id>`` (what was read, drawn over
the pages), ``/capture/feeds/<id>`` (pages not in a batch),
``/capture/exceptions`` (what to do, paged, one or many at a time),
``/capture/upload``. API (same actions, JSON): ``/api/capture/...``,
documented in docs/capture.md. Operators, supervisors and administrators may
use them; editors may also see documents.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from capture.batches import reassemble
from capture.document_view import document_detail
from capture.exceptions import (
    MAX_QUEUE_PAGE,
    PAGE_ACTIONS,
    QUEUE_PAGE,
    QueueFilter,
    actions_of,
    queue_page,
    resolve_many,
)
from capture.intake import ScannerFile
from capture.models import Batch, CaptureException, Document, Feed, Page
from capture.progress import (
    BATCH_PAGE,
    MAX_BATCH_PAGE,
    BatchSearch,
    batch_detail,
    feed_label,
    feed_rows,
    search_batches,
)
from capture.renditions import WIDTHS, rendition, stored_original
from capture.uploads import Upload, take_upload
from station import audit
from station.auth import current_user
from station.db import db_session
from station.errors import ApiError, DomainError
from station.guard import require_role
from station.inputs import fit_columns, row_id
from station.nav import add_nav_item
from station.roles import ADMIN, EDITOR, OPERATOR, SUPERVISOR

bp = Blueprint("capture", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/capture")
add_nav_item(bp, "Batches", "capture.batches", "Scanned batches and their progress, live.")
add_nav_item(bp, "Exceptions", "capture.exceptions", "Pages and batches that need you.")
add_nav_item(bp, "Upload", "capture.upload", "Feed scanned files from this computer.")
add_nav_item(bp, "Documents", "capture.documents",
             "Find a document by lithocode and see what was read.")

STAFF = (OPERATOR, SUPERVISOR, ADMIN)
READERS = (OPERATOR, EDITOR, SUPERVISOR, ADMIN)
"""Who may see a document as read: the staff, and editors."""


def _limit(value: Any, largest: int) -> int | None:
    """How many rows a page of a list may hold (None when not given); a 400
    naming the bound otherwise."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= largest:
        raise ApiError(400, "bad parameter",
                       {"limit": f"a whole number from 1 to {largest}, not {text[:40]!r}"})
    return int(text)


def _batch_id(value: Any) -> int | None:
    return row_id(value, "batch_id")


def _batch_search() -> tuple[BatchSearch, int | None, int]:
    args = request.args
    try:
        day = date.fromisoformat(args["date"]) if args.get("date") else None
    except ValueError:
        raise ApiError(400, "bad parameter", {"date": "a date as YYYY-MM-DD"}) from None
    search = BatchSearch(args.get("batch_code", "").strip() or None,
                         args.get("school_code", "").strip() or None,
                         args.get("grade", "").strip() or None,
                         args.get("status", "").strip() or None, day)
    return (search, row_id(args.get("before"), "before"),
            _limit(args.get("limit"), MAX_BATCH_PAGE) or BATCH_PAGE)


@bp.get("/capture")
@require_role(*STAFF)
def batches() -> str:
    search, before, _ = _batch_search()  # a bad search is refused here, not by the poll
    query = {k: v for k, v in request.args.items() if k != "before" and v}
    return render_template("capture/batches.html", title="Batches", search=search,
                           api=url_for("capture.api_batches", **request.args),
                           query=query, searching=bool(query) or before is not None)


@bp.get("/api/capture/batches")
@require_role(*STAFF)
def api_batches() -> Response:
    """Batches matching the search, newest first, with live counts, the total
    and the next page's cursor; and pages not yet in a batch per feed."""
    session = db_session()
    search, before, limit = _batch_search()
    found = search_batches(session, search, before, limit)
    return jsonify(batches=found.rows, total=found.total, next_before=found.next_before,
                   feeds=feed_rows(session))


def _batch_detail(batch_id: int) -> dict[str, Any]:
    detail = batch_detail(db_session(), batch_id)
    if detail is None:
        raise ApiError(404, "no such batch", f"batch {batch_id} does not exist")
    return {**detail, "pages": [{**_page_json(page), "position": position,
                                 "in_document": in_document}
                                for page, position, in_document in detail["pages"]]}


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
@require_role(*READERS)
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


def _queue() -> tuple[QueueFilter, dict[str, Any]]:
    """The exception queue's page asked for by the request's query."""
    args = request.args
    where = QueueFilter(args.get("state", "open"), args.get("code") or None,
                        _batch_id(args.get("batch_id")))
    found = queue_page(db_session(), where, row_id(args.get("before"), "before"),
                       _limit(args.get("limit"), MAX_QUEUE_PAGE) or QUEUE_PAGE)
    return where, {
        "exceptions": [_exception_json(e, p) for e, p in found.rows], "total": found.total,
        "codes": found.codes, "next_before": found.next_before}


def _exception_json(e, p: Page | None) -> dict[str, Any]:
    return {"id": e.id, "code": e.code, "reason": e.reason, "state": e.state,
            "resolution": e.resolution, "note": e.note, "resolved_by": e.resolved_by,
            "batch_id": e.batch_id if e.batch_id is not None else (p.batch_id if p else None),
            "page": _page_json(p) if p else None,
            "actions": list(actions_of(e))}


@bp.get("/capture/exceptions")
@require_role(*STAFF)
def exceptions() -> str:
    where, found = _queue()
    open_batches = db_session().scalars(select(Batch.id).order_by(Batch.id.desc()).limit(200))
    query = {k: v for k, v in request.args.items() if k != "before" and v}
    return render_template("capture/exceptions.html", title="Exceptions", where=where,
                           state=where.state, query=query, batch_ids=list(open_batches),
                           widths=WIDTHS, actions=PAGE_ACTIONS + ("accept",), **found)


@bp.get("/api/capture/exceptions")
@require_role(*STAFF)
def api_exceptions() -> Response:
    """The queue, newest first, a page at a time: ``state``, ``code``,
    ``batch_id``, ``before`` (the ``next_before`` of the page before), ``limit``."""
    return jsonify(_queue()[1])


def _resolve(exception_ids: list[int], values: dict[str, Any]) -> int:
    session = db_session()
    note = str(values.get("note", ""))
    fit_columns(CaptureException, note=note)
    try:
        done = resolve_many(session, exception_ids, str(values.get("action", "")),
                            current_user(), note=note,
                            batch_id=_batch_id(values.get("batch_id")))
    except (ApiError, DomainError):
        session.rollback()  # all or none
        raise
    session.commit()
    return len(done)


def _back_to_queue() -> Response:
    """The queue as the operator left it (its filters, from the form's ``back``)."""
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/capture/exceptions") else
                    url_for("capture.exceptions"))


@bp.post("/capture/exceptions/<int:exception_id>")
@require_role(*STAFF)
def exception_resolve(exception_id: int) -> Response:
    _resolve([exception_id], request.form)
    return _back_to_queue()


@bp.post("/capture/exceptions/resolve")
@require_role(*STAFF)
def exceptions_resolve() -> Response:
    ids = [row_id(v, "ids") for v in request.form.getlist("ids")]
    _resolve([i for i in ids if i is not None], request.form)
    return _back_to_queue()


@bp.post("/api/capture/exceptions/<int:exception_id>/resolve")
@require_role(*STAFF)
def api_exception_resolve(exception_id: int) -> Response:
    """Resolve: ``{"action": "rescan" | "reassign" | "discard" | "accept",
    "note": reason, "batch_id": n}``."""
    _resolve([exception_id], request.get_json(silent=True) or {})
    return jsonify(ok=True)


@bp.post("/api/capture/exceptions/resolve")
@require_role(*STAFF)
def api_exceptions_resolve() -> Response:
    """Resolve several at once, all or none: ``{"ids": [..], "action": ..,
    "note": .., "batch_id": n}``."""
    values = request.get_json(silent=True) or {}
    ids = values.get("ids")
    if not isinstance(ids, list):
        raise ApiError(400, "bad parameter", {"ids": "a list of exception ids"})
    chosen = [row_id(i, "ids") for i in ids]
    if None in chosen:
        raise ApiError(400, "bad parameter", {"ids": "exception ids, none of them empty"})
    return jsonify(ok=True, resolved=_resolve(chosen, values))


@bp.get("/capture/upload")
@require_role(*STAFF)
def upload() -> str:
    return render_template("capture/upload.html", title="Upload", summary=None, errors={},
                           check_url=url_for("capture.api_batch", batch_id=0))


def _take_upload() -> Upload:
    files = [ScannerFile(f.filename, f.read) for f in request.files.getlist("files")
             if f.filename]
    return take_upload(db_session(), files, _batch_id(request.form.get("batch_id")),
                       current_user())


@bp.post("/capture/upload")
@require_role(*STAFF)
def upload_post() -> tuple[str, int]:
    """The upload, answered with its summary (or the form again, with what is wrong)."""
    try:
        summary = _take_upload()
    except ApiError as exc:
        errors = exc.detail if isinstance(exc.detail, dict) else {"files": str(exc.detail)}
        return render_template("capture/upload.html", title="Upload", summary=None,
                               errors=errors, batch_id=request.form.get("batch_id", ""),
                               check_url=url_for("capture.api_batch", batch_id=0)), exc.status
    return render_template("capture/upload.html", title="Upload", summary=summary, errors={},
                           check_url=url_for("capture.api_batch", batch_id=0)), 201


@bp.post("/api/capture/uploads")
@require_role(*STAFF)
def api_upload() -> tuple[Response, int]:
    """Multipart ``files``, taken in name order as one feed; ``batch_id`` puts
    every page into that batch (rescans). Answers the totals and ``taken``:
    each file with its pages, new, already received and problems, and the
    batches its header sheets opened (with the other batches of a code used
    twice)."""
    summary = _take_upload()
    total = summary.total
    return jsonify(files=total.files, pages=total.pages, new=total.new,
                   problems=total.problems, refused=total.refused, feed_id=summary.feed_id,
                   batches=[{"id": b["id"], "batch_code": b["batch_code"],
                             "code_reused_by": b["code_reused_by"]} for b in summary.batches],
                   taken=[{"name": f.name, "pages": f.pages, "new": f.new,
                           "already": f.already, "problems": f.problems}
                          for f in summary.files]), 201


def _feed_detail(feed_id: int) -> dict[str, Any]:
    session = db_session()
    feed = session.get(Feed, feed_id)
    if feed is None:
        raise ApiError(404, "no such feed", f"feed {feed_id} does not exist")
    pages = session.scalars(select(Page).where(Page.feed_id == feed_id,
                                               Page.batch_id.is_(None))
                            .order_by(Page.seq)).all()
    return {"feed": {"id": feed.id, "key": feed.key, "source": feed.source,
                     "name": feed_label(feed.key, feed.source, feed.fed_by, feed.created_at),
                     "fed_by": feed.fed_by,
                     "ended": feed.ended},
            "pages": [_page_json(p) for p in pages]}


@bp.get("/capture/feeds/<int:feed_id>")
@require_role(*STAFF)
def feed(feed_id: int) -> str:
    detail = _feed_detail(feed_id)
    return render_template("capture/feed.html", title=detail["feed"]["name"], **detail)


@bp.get("/api/capture/feeds/<int:feed_id>")
@require_role(*STAFF)
def api_feed(feed_id: int) -> Response:
    """A feed and its pages not in a batch, in scanner order."""
    return jsonify(_feed_detail(feed_id))


def _document(document_id: int) -> dict[str, Any]:
    detail = document_detail(db_session(), document_id)
    if detail is None:
        raise ApiError(404, "no such document", f"document {document_id} does not exist")
    return detail


@bp.get("/capture/documents/<int:document_id>")
@require_role(*READERS)
def document(document_id: int) -> str:
    detail = _document(document_id)
    return render_template("capture/document.html",
                           title=f"Document {detail['document']['lithocode']}", **detail)


@bp.get("/api/capture/documents/<int:document_id>")
@require_role(*READERS)
def api_document(document_id: int) -> Response:
    """A document as read: pages with their read keys (value, flags, levels,
    boxes), demographics, conditions and history."""
    return jsonify(_document(document_id))


def _documents_by_lithocode() -> list[dict[str, Any]]:
    lithocode = request.args.get("lithocode", "").strip()
    if not lithocode:
        raise ApiError(400, "bad parameter", {"lithocode": "give the lithocode to find"})
    rows = db_session().scalars(select(Document).where(Document.lithocode == lithocode)
                                .order_by(Document.id)).all()
    return [{"id": d.id, "batch_id": d.batch_id, "lithocode": d.lithocode, "form": d.form_id,
             "status": d.status, "url": url_for("capture.document", document_id=d.id)}
            for d in rows]


@bp.get("/capture/documents")
@require_role(*READERS)
def documents() -> Response | str:
    """Find a document by lithocode: straight to it when one batch has it."""
    if not request.args.get("lithocode", "").strip():
        return render_template("capture/documents.html", title="Find a document",
                               lithocode=None, documents=[])
    found = _documents_by_lithocode()
    if len(found) == 1:
        return redirect(found[0]["url"])
    return render_template("capture/documents.html", title="Find a document",
                           lithocode=request.args["lithocode"].strip(), documents=found)


@bp.get("/api/capture/documents")
@require_role(*READERS)
def api_documents() -> Response:
    """``?lithocode=``: the documents carrying it (one per batch it was found in)."""
    return jsonify(documents=_documents_by_lithocode())
