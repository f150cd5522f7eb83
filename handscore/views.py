"""Handscoring's JSON API (docs/api.md, "Handscoring"): scorers take and submit reads;
supervisors and admins resolve, backread, watch agreement and act on scorers; admins define
prompts. Operators and editors may use none of it.

What a scorer is shown of a read is the same for a first, second or resolution read and for
a validity paper: the read's id, the response's image URLs or text, and the rubric.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from sqlalchemy import select

from handscore.catalog import load_prompt, save_prompt
from handscore.errors import Code, HandscoreError
from handscore.models import Prompt as PromptRow
from handscore.models import Read, ReadKind
from handscore.models import Response as ResponseRow
from handscore.monitoring import GROUPINGS, agreement_report
from handscore.prompts import Prompt, stored_prompt
from handscore.reads import submit_read, true_marks
from handscore.routing import next_read
from handscore.supervision import act_on_scorer, next_backread, record_backread
from station.auth import current_user
from station.db import db_session
from station.errors import ApiError, bad_input, error_response
from station.guard import require_role
from station.images import image_store
from station.models import User
from station.roles import ADMIN, SCORER, SUPERVISOR

bp = Blueprint("handscore", __name__)

READERS = (SCORER, SUPERVISOR, ADMIN)
MANAGERS = (SUPERVISOR, ADMIN)
STATUS_OF_CODE = {Code.NOT_FOUND: 404, Code.BAD_INPUT: 422, Code.CONFLICT: 409,
                  Code.NOT_YOURS: 403}
PRACTICE = (ReadKind.TRAINING, ReadKind.QUALIFYING)


@bp.errorhandler(HandscoreError)
def _domain_error(exc: HandscoreError) -> Response:
    return error_response(STATUS_OF_CODE[exc.code], exc.code.value.replace("_", " "), str(exc))


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_input("send a JSON object")
    return body


def _prompt_of(body: dict[str, Any]) -> Prompt:
    if not isinstance(body.get("prompt"), str):
        raise bad_input({"prompt": "required: the prompt's id"})
    return load_prompt(db_session(), body["prompt"])


def _prompt_of_read(read_id: int) -> Prompt:
    """The prompt of the read, loaded with the read in one query (the read stays in the
    session for what follows)."""
    found = db_session().execute(select(Read, PromptRow.definition)
                                 .join(PromptRow, PromptRow.id == Read.prompt_id)
                                 .where(Read.id == read_id)).first()
    if found is None:
        raise ApiError(404, "not found", f"no read {read_id}")
    return stored_prompt(found[1])


def _now() -> datetime:
    return datetime.now(UTC)


def _user() -> User:
    user = current_user()
    assert user is not None  # the guard let only logged-in users in
    return user


def read_json(read: Read, prompt: Prompt, response: ResponseRow) -> dict[str, Any]:
    """What the scorer sees of a read: nothing that tells its kind, but for practice."""
    data: dict[str, Any] = {
        "read": read.id,
        "prompt": prompt.rubric_json(),
        "response": {"text": response.text,
                     "images": [url_for("handscore.read_image", read_id=read.id, page=i)
                                for i in range(len(response.image_keys))]},
    }
    if read.kind in PRACTICE:
        data["practice"] = {"kind": read.kind, "set": response.set_name}
    return data


@bp.post("/api/handscore/next")
@require_role(*READERS)
def api_next() -> Response | tuple[str, int]:
    """Claim the next read on ``{"prompt": id}``; 204 when nothing waits."""
    session = db_session()
    prompt = _prompt_of(_body())
    read = next_read(session, prompt, _user(), _now())
    if read is None:
        session.commit()
        return "", 204
    response = session.get(ResponseRow, read.response_id)
    data = read_json(read, prompt, response)
    session.commit()
    return jsonify(data)


@bp.post("/api/handscore/reads/<int:read_id>")
@require_role(*READERS)
def api_submit(read_id: int) -> Response:
    """Submit ``{"scores": {trait: n}}`` or ``{"condition": code}`` for a claimed read."""
    session = db_session()
    body = _body()
    read = submit_read(session, _prompt_of_read(read_id), _user(), read_id, body, _now())
    data: dict[str, Any] = {"read": read.id, "status": read.status}
    if read.kind == ReadKind.TRAINING:
        true = true_marks(session.get(ResponseRow, read.response_id))
        data["true"] = {"scores": true.scores, "condition": true.condition}
    session.commit()
    return jsonify(data)


@bp.get("/api/handscore/reads/<int:read_id>/images/<int:page>")
@require_role(*READERS)
def read_image(read_id: int, page: int) -> Response:
    """A page of the read's response, for its scorer (and supervisors, admins)."""
    session = db_session()
    user = _user()
    read = session.get(Read, read_id)
    if read is None or (read.scorer_id != user.id and user.role not in MANAGERS):
        raise ApiError(404, "not found", f"no read {read_id} of yours")
    keys = session.get(ResponseRow, read.response_id).image_keys
    if not 0 <= page < len(keys):
        raise ApiError(404, "not found", f"read {read_id} has {len(keys)} images")
    response = Response(image_store().get(keys[page]), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/api/handscore/prompts")
@require_role(*READERS)
def api_prompts() -> Response:
    rows = db_session().execute(select(PromptRow.id, PromptRow.title).order_by(PromptRow.id))
    return jsonify(prompts=[{"id": i, "title": t} for i, t in rows])


@bp.get("/api/handscore/prompts/<prompt_id>")
@require_role(*READERS)
def api_prompt(prompt_id: str) -> Response:
    """The whole definition for supervisors and admins, the rubric for scorers."""
    prompt = load_prompt(db_session(), prompt_id)
    return jsonify(prompt.to_json() if _user().role in MANAGERS else prompt.rubric_json())


@bp.post("/api/handscore/prompts")
@require_role(ADMIN)
def api_add_prompt() -> tuple[Response, int]:
    """Add a prompt from its JSON form (as in a prompt file)."""
    session = db_session()
    prompt = save_prompt(session, _user(), _body())
    session.commit()
    return jsonify(prompt.to_json()), 201


@bp.put("/api/handscore/prompts/<prompt_id>")
@require_role(ADMIN)
def api_replace_prompt(prompt_id: str) -> Response:
    """Replace a prompt's definition (the id in the body must be ``prompt_id``)."""
    session = db_session()
    body = _body()
    if body.get("id") != prompt_id:
        raise bad_input({"id": f"must be {prompt_id!r}, the prompt of the URL"})
    load_prompt(session, prompt_id)
    prompt = save_prompt(session, _user(), body, replace=True)
    session.commit()
    return jsonify(prompt.to_json())


@bp.get("/api/handscore/agreement")
@require_role(*MANAGERS)
def api_agreement() -> Response:
    """``?prompt=P`` (default every prompt) ``&by=scorer|prompt|day``."""
    by = request.args.get("by", "prompt")
    if by not in GROUPINGS:
        raise bad_input({"by": f"one of {', '.join(GROUPINGS)}"})
    return jsonify(agreement_report(db_session(), request.args.get("prompt"), by))


def _since(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        since = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise bad_input({"since": "an ISO 8601 time, e.g. 2027-04-02T13:00:00Z"}) from None
    return since if since.tzinfo else since.replace(tzinfo=UTC)


@bp.post("/api/handscore/scorers/<username>/qualification")
@require_role(*MANAGERS)
def api_qualification(username: str) -> Response:
    """``{"prompt": id, "action": "waive"|"release"|"retrain"|"dismiss"|"rescore",
    "reason": ..., "since": ISO time (rescore)}``."""
    session = db_session()
    body = _body()
    prompt = _prompt_of(body)
    scorer = session.scalar(select(User).where(User.username == username))
    if scorer is None:
        raise ApiError(404, "not found", f"no user {username!r}")
    reads = act_on_scorer(session, _user(), scorer, prompt, str(body.get("action")),
                          str(body.get("reason") or ""), _since(body.get("since")))
    session.commit()
    return jsonify(scorer=username, prompt=prompt.id, action=body["action"], reads=reads)


@bp.post("/api/handscore/backreads/next")
@require_role(*MANAGERS)
def api_next_backread() -> Response | tuple[str, int]:
    """A read to backread on ``{"prompt": id}``, with its scorer and scores; 204 when every
    scorer has had today's share."""
    session = db_session()
    prompt = _prompt_of(_body())
    day = _now().replace(hour=0, minute=0, second=0, microsecond=0)
    read = next_backread(session, prompt, _user(), day)
    if read is None:
        return "", 204
    data = read_json(read, prompt, session.get(ResponseRow, read.response_id))
    data.update(scorer=session.get(User, read.scorer_id).username,
                scores=read.scores, condition=read.condition)
    return jsonify(data)


@bp.post("/api/handscore/backreads/<int:read_id>")
@require_role(*MANAGERS)
def api_backread(read_id: int) -> Response:
    """``{"agree": true}`` or an override ``{"scores"|"condition", "reason"}``."""
    session = db_session()
    body = _body()
    backread = record_backread(session, _prompt_of_read(read_id), _user(), read_id, body)
    session.commit()
    return jsonify(read=read_id, overrides=backread.overrides)


@bp.get("/api/handscore/responses/<int:response_id>")
@require_role(*MANAGERS)
def api_response(response_id: int) -> Response:
    """A response as supervisors see it: its external id, final score and every read."""
    session = db_session()
    response = session.get(ResponseRow, response_id)
    if response is None:
        raise ApiError(404, "not found", f"no response {response_id}")
    reads = session.execute(select(Read, User.username).join(User, User.id == Read.scorer_id)
                            .where(Read.response_id == response_id).order_by(Read.id)).all()
    return jsonify(
        id=response.id, prompt=response.prompt_id, external_id=response.external_id,
        kind=response.kind, final={"scores": response.final_scores,
                                   "condition": response.final_condition},
        reads=[{"read": r.id, "scorer": name, "kind": r.kind, "status": r.status,
                "scores": r.scores, "condition": r.condition,
                "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
                "seconds": r.seconds} for r, name in reads])
