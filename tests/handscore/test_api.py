"""The handscoring JSON API over real requests: prompts, reads, agreement, qualification,
backreads; roles; bad input refused with nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handscore.models import Backread, Prompt, QualificationStatus, Read, Response, ResponseKind
from handscore.standing import standing
from station.models import AuditEntry
from tests.handscore.conftest import PROMPT
from tests.handscore.test_agreement import R1, R2


@pytest.fixture
def api(app, login, csrf_headers):
    """A function giving a client logged in as ``who`` (a role or a TestUser) and a poster
    that sends its CSRF token."""

    def as_user(who):
        client = app.test_client()
        user = login(client, who)
        headers = csrf_headers(client)

        def post(url, body=None):
            return client.post(url, json=body if body is not None else {}, headers=headers)

        return client, post, user

    return as_user


def test_admins_add_prompts_with_the_contract_names(db, api):
    _, post, _ = api("admin")
    response = post("/api/handscore/prompts", {**PROMPT, "second_read_rate": 20})
    assert response.status_code == 201
    data = response.get_json()
    for key in ("id", "title", "traits", "condition_codes", "second_read_rate",
                "validity_rate", "backread_rate", "resolution", "final"):
        assert key in data
    assert data["traits"] == [{"name": "score", "min": 1, "max": 4}]
    assert post("/api/handscore/prompts", PROMPT).status_code == 409
    for bad, says in [({**PROMPT, "id": "B1", "traits": []}, "at least one trait"),
                      ({**PROMPT, "id": "B2", "validity_rate": 120}, "outside 0-100"),
                      ({**PROMPT, "id": "B3", "rubric_colour": "red"}, "rubric_colour")]:
        response = post("/api/handscore/prompts", bad)
        assert response.status_code == 422 and says in response.get_json()["detail"]
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Prompt)) == 1
        assert session.scalar(select(func.count()).where(
            AuditEntry.action == "handscore.prompt.add")) == 1


def test_operators_and_editors_get_403_on_every_handscoring_api(app, api):
    urls = sorted({(rule.rule, method) for rule in app.url_map.iter_rules()
                   if rule.rule.startswith("/api/handscore")
                   for method in rule.methods - {"HEAD", "OPTIONS"}})
    assert len(urls) >= 10
    for role in ("operator", "editor"):
        client, post, _ = api(role)
        for url, method in urls:
            concrete = url.replace("<int:read_id>", "1").replace("<int:page>", "0") \
                .replace("<int:response_id>", "1").replace("<username>", "x") \
                .replace("<prompt_id>", "x")
            response = post(concrete) if method == "POST" else client.open(
                concrete, method=method, json={}, headers={"X-CSRF-Token": "x"}) \
                if method != "GET" else client.get(concrete)
            assert response.status_code == 403, (role, method, url, response.status_code)


def test_scorers_cannot_manage(make_prompt, add_responses, db, api):
    make_prompt()
    _, post, _ = api("scorer")
    assert post("/api/handscore/prompts", {**PROMPT, "id": "X"}).status_code == 403
    assert post("/api/handscore/scorers/x/qualification",
                {"prompt": PROMPT["id"], "action": "waive"}).status_code == 403
    client, _, _ = api("scorer")
    assert client.get(f"/api/handscore/agreement?prompt={PROMPT['id']}").status_code == 403


def waive(post_as_supervisor, username, prompt_id=PROMPT["id"]):
    response = post_as_supervisor(f"/api/handscore/scorers/{username}/qualification",
                                  {"prompt": prompt_id, "action": "waive", "reason": "expert"})
    assert response.status_code == 200, response.get_json()


def test_two_scorers_first_and_second_reads_and_the_agreement_report(make_prompt, add_responses,
                                                                     db, api):
    prompt = make_prompt(second_read_rate=100, validity_rate=0, resolution="none")
    ids = add_responses(prompt, 12)
    supervise, (post_a, a), (post_b, b) = supervisor_and_two_scorers(api)
    first_shapes, second_shapes = [], []
    for value in R1:
        claim = post_a("/api/handscore/next", {"prompt": prompt.id}).get_json()
        first_shapes.append(shape(claim))
        assert post_a(f"/api/handscore/reads/{claim['read']}",
                      {"scores": {"score": value}}).status_code == 200
    assert post_a("/api/handscore/next", {"prompt": prompt.id}).status_code == 204  # all read
    for value in R2:
        claim = post_b("/api/handscore/next", {"prompt": prompt.id}).get_json()
        second_shapes.append(shape(claim))
        assert post_b(f"/api/handscore/reads/{claim['read']}",
                      {"scores": {"score": value}}).status_code == 200
    assert first_shapes == second_shapes  # a second read looks exactly like a first
    assert post_b("/api/handscore/next", {"prompt": prompt.id}).status_code == 204
    sup_client, _, _ = api("supervisor")
    report = sup_client.get(f"/api/handscore/agreement?prompt={prompt.id}").get_json()
    [row] = report["prompts"]
    assert row["n"] == 12 and row["qwk"] == pytest.approx(0.772727, abs=5e-7)
    assert row["kappa"] == pytest.approx(0.423077, abs=5e-7)
    assert row["exact"] == pytest.approx(0.5833, abs=5e-5) and row["adjacent"] == 1.0
    assert {"pearson", "smd", "matrix"} <= set(row)
    by_scorer = sup_client.get(
        f"/api/handscore/agreement?prompt={prompt.id}&by=scorer").get_json()["prompts"]
    assert {r["scorer"]: r["n"] for r in by_scorer} == {a.username: 12, b.username: 12}
    with db() as session:
        finals = dict(session.execute(select(Response.id, Response.final_scores)
                                      .where(Response.id.in_(ids))).all())
    assert [finals[i] for i in ids] == [{"score": v} for v in R1]  # the first read's
    response = sup_client.get(f"/api/handscore/responses/{ids[0]}").get_json()
    assert response["external_id"] and len(response["reads"]) == 2


def supervisor_and_two_scorers(api):
    """A supervisor's poster, and two scorers (poster, user) whose qualification it waived."""
    _, supervise, _ = api("supervisor")
    scorers = []
    for _ in range(2):
        _, post, user = api("scorer")
        waive(supervise, user.username)
        scorers.append((post, user))
    return supervise, *scorers


def shape(claim: dict) -> tuple:
    """What could tell reads apart: every key and the response's form."""
    return (tuple(sorted(claim)), tuple(sorted(claim["response"])), claim["prompt"]["id"])


def test_validity_papers_look_like_live_work(make_prompt, add_responses, db, api):
    prompt = make_prompt(validity_rate=50)
    add_responses(prompt, 30)
    add_responses(prompt, 30, ResponseKind.VALIDITY, true=[2])
    _, supervise, _ = api("supervisor")
    _, post, scorer = api("scorer")
    waive(supervise, scorer.username)
    shapes = set()
    for _ in range(20):
        claim = post("/api/handscore/next", {"prompt": prompt.id}).get_json()
        shapes.add(shape(claim))
        post(f"/api/handscore/reads/{claim['read']}", {"scores": {"score": 2}})
    with db() as session:
        kinds = set(session.scalars(select(Read.kind)))
    assert kinds == {"first", "validity"} and len(shapes) == 1


def test_bad_reads_are_refused_and_nothing_is_stored(make_prompt, add_responses, db, api):
    prompt = make_prompt(validity_rate=0)
    add_responses(prompt, 3)
    _, supervise, _ = api("supervisor")
    _, post, scorer = api("scorer")
    _, post_other, other = api("scorer")
    waive(supervise, scorer.username)
    waive(supervise, other.username)
    read_id = post("/api/handscore/next", {"prompt": prompt.id}).get_json()["read"]
    for body, status, says in [
        ({"scores": {"score": 5}}, 422, "score 5 is outside 1-4"),
        ({"scores": {"score": 0}}, 422, "outside 1-4"),
        ({"scores": {"score": 2, "voice": 3}}, 422, "trait 'voice' is not in"),
        ({"condition": "Q"}, 422, "condition code 'Q'"),
        ({}, 422, "either"),
    ]:
        response = post(f"/api/handscore/reads/{read_id}", body)
        assert response.status_code == status and says in response.get_json()["detail"]
    response = post_other(f"/api/handscore/reads/{read_id}", {"scores": {"score": 2}})
    assert response.status_code == 403 and "another scorer's" in response.get_json()["detail"]
    with db() as session:
        read = session.get(Read, read_id)
        assert (read.status, read.scores, read.condition) == ("claimed", None, None)
    assert post(f"/api/handscore/reads/{read_id}", {"condition": "B"}).status_code == 200
    again = post(f"/api/handscore/reads/{read_id}", {"scores": {"score": 3}})
    assert again.status_code == 409 and "submitted already" in again.get_json()["detail"]
    with db() as session:
        read = session.get(Read, read_id)
        assert (read.scores, read.condition) == (None, "B")
        assert session.get(Response, read.response_id).final_condition == "B"
    assert post("/api/handscore/next", {"prompt": "NOPE"}).status_code == 404


def test_resolution_goes_to_a_supervisor_and_supersedes(make_prompt, add_responses, db, api):
    prompt = make_prompt(second_read_rate=100, validity_rate=0)
    [only] = add_responses(prompt, 1)
    sup_client, supervise, _ = api("supervisor")
    _, post_a, a = api("scorer")
    _, post_b, b = api("scorer")
    waive(supervise, a.username)
    waive(supervise, b.username)
    for post, value in ((post_a, 1), (post_b, 4)):  # non-adjacent
        claim = post("/api/handscore/next", {"prompt": prompt.id}).get_json()
        post(f"/api/handscore/reads/{claim['read']}", {"scores": {"score": value}})
    assert post_a("/api/handscore/next", {"prompt": prompt.id}).status_code == 204
    claim = supervise("/api/handscore/next", {"prompt": prompt.id}).get_json()
    assert supervise(f"/api/handscore/reads/{claim['read']}",
                     {"scores": {"score": 3}}).status_code == 200
    with db() as session:
        assert session.get(Response, only).final_scores == {"score": 3}
        assert session.scalar(select(func.count()).select_from(Read)) == 3


def test_backread_override_keeps_the_first_read(make_prompt, add_responses, db, api):
    prompt = make_prompt(second_read_rate=0, validity_rate=0, backread_rate=100)
    [only] = add_responses(prompt, 1)
    _, supervise, _ = api("supervisor")
    _, post, scorer = api("scorer")
    waive(supervise, scorer.username)
    claim = post("/api/handscore/next", {"prompt": prompt.id}).get_json()
    post(f"/api/handscore/reads/{claim['read']}", {"scores": {"score": 2}})
    backread = supervise("/api/handscore/backreads/next", {"prompt": prompt.id}).get_json()
    assert backread["read"] == claim["read"] and backread["scores"] == {"score": 2}
    assert backread["scorer"] == scorer.username
    no_reason = supervise(f"/api/handscore/backreads/{claim['read']}", {"scores": {"score": 4}})
    assert no_reason.status_code == 422
    done = supervise(f"/api/handscore/backreads/{claim['read']}",
                     {"scores": {"score": 4}, "reason": "anchor 4 matches"})
    assert done.get_json() == {"read": claim["read"], "overrides": True}
    assert supervise("/api/handscore/backreads/next", {"prompt": prompt.id}).status_code == 204
    with db() as session:
        assert session.get(Read, claim["read"]).scores == {"score": 2}  # kept
        assert session.get(Response, only).final_scores == {"score": 4}
        assert session.scalar(select(Backread.reason)) == "anchor 4 matches"
        assert session.scalar(select(func.count()).where(
            AuditEntry.action == "handscore.override")) == 1


def test_waiving_qualification_is_audited(make_prompt, add_responses, db, api):
    prompt = make_prompt()
    _, supervise, _ = api("supervisor")
    _, _, trainee = api("scorer")
    waive(supervise, trainee.username)
    with db() as session:
        assert standing(session, trainee.id, prompt.id) == QualificationStatus.WAIVED
        entry = session.scalar(select(AuditEntry).where(
            AuditEntry.action == "handscore.standing"))
        assert entry.after == {"prompt": prompt.id, "status": "waived", "reason": "expert"}
    response = supervise("/api/handscore/scorers/nobody/qualification",
                         {"prompt": prompt.id, "action": "waive"})
    assert response.status_code == 404
    response = supervise(f"/api/handscore/scorers/{trainee.username}/qualification",
                         {"prompt": prompt.id, "action": "promote"})
    assert response.status_code == 422


def test_rescore_sends_a_scorers_reads_back_to_others(make_prompt, add_responses, db, api):
    prompt = make_prompt(second_read_rate=0, validity_rate=0)
    ids = add_responses(prompt, 3)
    supervise, (post_a, a), (post_b, b) = supervisor_and_two_scorers(api)
    for _ in ids:
        claim = post_a("/api/handscore/next", {"prompt": prompt.id}).get_json()
        post_a(f"/api/handscore/reads/{claim['read']}", {"scores": {"score": 1}})
    response = supervise(f"/api/handscore/scorers/{a.username}/qualification",
                         {"prompt": prompt.id, "action": "rescore", "reason": "drift",
                          "since": "2000-01-01T00:00:00Z"})
    assert response.get_json()["reads"] == 3
    assert post_a("/api/handscore/next", {"prompt": prompt.id}).status_code == 204  # not again
    for _ in ids:
        claim = post_b("/api/handscore/next", {"prompt": prompt.id}).get_json()
        post_b(f"/api/handscore/reads/{claim['read']}", {"scores": {"score": 3}})
    with db() as session:
        finals = session.scalars(select(Response.final_scores).where(Response.id.in_(ids)))
        assert list(finals) == [{"score": 3}] * 3
        assert set(session.scalars(select(Read.status).where(Read.scorer_id == a.id))) == {
            "voided"}


def test_retraining_opens_the_qualifying_sets_again(make_prompt, add_responses, db, api):
    prompt = make_prompt(validity_rate=0)
    add_responses(prompt, 2)
    for name in ("Q1", "Q2"):
        add_responses(prompt, 10, ResponseKind.QUALIFYING, name, true=[2])
    _, supervise, _ = api("supervisor")
    _, post, trainee = api("scorer")
    for _ in range(10):  # the first set failed, the second cannot make two of two
        claim = post("/api/handscore/next", {"prompt": prompt.id}).get_json()
        assert claim["practice"] == {"kind": "qualifying", "set": "Q1"}
        post(f"/api/handscore/reads/{claim['read']}", {"scores": {"score": 4}})
    with db() as session:
        assert standing(session, trainee.id, prompt.id) == QualificationStatus.FAILED
    assert post("/api/handscore/next", {"prompt": prompt.id}).status_code == 204
    supervise(f"/api/handscore/scorers/{trainee.username}/qualification",
              {"prompt": prompt.id, "action": "retrain", "reason": "new training"})
    claim = post("/api/handscore/next", {"prompt": prompt.id}).get_json()
    assert claim["practice"] == {"kind": "qualifying", "set": "Q1"}


def test_admins_edit_a_prompt_but_not_its_scale_once_read(make_prompt, add_responses, api):
    prompt = make_prompt(validity_rate=0)
    add_responses(prompt, 1)
    _, post, scorer = api("scorer")
    client, _, _ = api("admin")
    admin_headers = {"X-CSRF-Token": client.get("/api/session").get_json()["csrf_token"]}

    def put(body):
        return client.put(f"/api/handscore/prompts/{prompt.id}", json=body,
                          headers=admin_headers)

    assert put({**PROMPT, "second_read_rate": 30}).get_json()["second_read_rate"] == 30
    _, supervise, _ = api("supervisor")
    waive(supervise, scorer.username)
    post("/api/handscore/next", {"prompt": prompt.id})
    wider = put({**PROMPT, "traits": [{"name": "score", "min": 1, "max": 6}]})
    assert wider.status_code == 409 and "has reads" in wider.get_json()["detail"]
    assert put({**PROMPT, "title": "Renamed"}).get_json()["title"] == "Renamed"
    assert put({**PROMPT, "id": "OTHER"}).status_code == 422
