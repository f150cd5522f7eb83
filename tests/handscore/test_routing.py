"""Routing invariants under concurrency (threads, then separate processes) on SQLite and
PostgreSQL, and who gets which work: validity at its rate, held and unqualified scorers,
qualification opening live scoring, claims that expire and return."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from handscore.catalog import load_prompt
from handscore.errors import HandscoreError
from handscore.models import Need, QualificationStatus, Read, ReadKind, Response, ResponseKind
from handscore.reads import submit_read
from handscore.routing import next_read
from handscore.rules import second_read_drawn
from handscore.standing import set_standing, standing
from station.db import session_scope
from tests.handscore.workers import score_in_process, score_until_empty


def within_binomial(count: int, n: int, percent: float) -> bool:
    p = percent / 100
    return abs(count - n * p) <= 4 * (n * p * (1 - p)) ** 0.5


def check_invariants(prompt, live_ids: list[int]) -> dict[str, int]:
    """Assert the invariants over the reads in the database; returns a few counts."""
    with session_scope() as session:
        twice = session.scalar(select(func.count()).select_from(
            select(Read.response_id, Read.scorer_id).group_by(Read.response_id, Read.scorer_id)
            .having(func.count() > 1).subquery()))
        first, second = aliased(Read), aliased(Read)
        same_reader = session.scalar(
            select(func.count()).select_from(first)
            .join(second, second.response_id == first.response_id)
            .where(first.slot == Need.FIRST, second.slot == Need.SECOND,
                   first.scorer_id == second.scorer_id))
        live_validity = session.scalar(
            select(func.count()).select_from(Read).join(Response, Response.id == Read.response_id)
            .where(Read.kind == ReadKind.VALIDITY,
                   (Read.slot.is_not(None)) | (Response.kind != ResponseKind.VALIDITY)))
        firsts = session.scalar(select(func.count()).where(Read.slot == Need.FIRST))
        seconds = session.scalar(select(func.count()).where(Read.slot == Need.SECOND))
        unread = session.scalar(select(func.count()).where(
            Response.kind == ResponseKind.LIVE, Response.need.in_([Need.FIRST, Need.SECOND])))
        scored_papers = session.scalar(select(func.count()).where(
            Response.kind != ResponseKind.LIVE, Response.final_scores.is_not(None)))
    assert (twice, same_reader, live_validity, scored_papers) == (0, 0, 0, 0)
    assert unread == 0 and firsts == len(live_ids)
    drawn = sum(second_read_drawn(i, prompt.second_read_rate) for i in live_ids)
    assert seconds == drawn
    return {"seconds": seconds}


def test_threads_never_read_twice_and_keep_the_rates(ctx, make_prompt, add_responses, scorer,
                                                     db_url):
    prompt = make_prompt(second_read_rate=10, validity_rate=5)
    live = add_responses(prompt, 2000)
    add_responses(prompt, 300, ResponseKind.VALIDITY, true=[1, 2, 3, 4])
    scorers = [scorer(prompt) for _ in range(4)]
    with ThreadPoolExecutor(len(scorers)) as pool:
        results = list(pool.map(lambda s: score_until_empty(db_url, prompt.id, s.id, s.id),
                                scorers))
    assert [r["errors"] for r in results] == [[]] * len(scorers)
    counts = check_invariants(prompt, live)
    assert within_binomial(counts["seconds"], 2000, 10)
    validity = sum(r["kinds"].get("validity", 0) for r in results)
    requests = sum(r["requests"] - 1 for r in results)  # the last request of each found none
    assert within_binomial(validity, requests, 5)


def test_separate_processes_never_read_twice(ctx, make_prompt, add_responses, scorer, db_url):
    prompt = make_prompt(second_read_rate=50, validity_rate=10)
    live = add_responses(prompt, 300)
    add_responses(prompt, 100, ResponseKind.VALIDITY, true=[2, 3])
    scorers = [scorer(prompt) for _ in range(3)]
    with multiprocessing.get_context("spawn").Pool(len(scorers)) as pool:
        results = pool.map(score_in_process, [(db_url, prompt.id, s.id, s.id) for s in scorers])
    assert [r["errors"] for r in results] == [[]] * len(scorers)
    assert all(r["kinds"].get("first", 0) > 0 for r in results)  # they really ran together
    check_invariants(prompt, live)


def take(prompt_id: str, who, now=None):
    with session_scope() as session:
        read = next_read(session, load_prompt(session, prompt_id), who, now or datetime.now(UTC))
        return None if read is None else (read.id, read.kind, read.response_id)


def submit(prompt_id: str, who, read_id: int, score: int) -> None:
    with session_scope() as session:
        submit_read(session, load_prompt(session, prompt_id), who, read_id,
                    {"scores": {"score": score}}, datetime.now(UTC))


def test_a_held_scorer_gets_no_live_work(ctx, make_prompt, add_responses, scorer):
    prompt = make_prompt()
    add_responses(prompt, 5)
    for status in (QualificationStatus.HELD, QualificationStatus.FAILED,
                   QualificationStatus.DISMISSED):
        assert take(prompt.id, scorer(prompt, status)) is None


def test_an_unqualified_scorer_trains_qualifies_then_scores_live(ctx, make_prompt, add_responses,
                                                                 scorer):
    prompt = make_prompt()
    add_responses(prompt, 5)
    add_responses(prompt, 10, ResponseKind.VALIDITY, true=[2])
    add_responses(prompt, 3, ResponseKind.TRAINING, "T1", true=[1, 2, 3])
    truth = [1, 2, 3, 4, 1, 2, 3, 4, 2, 3]
    for name in ("Q1", "Q2", "Q3"):
        add_responses(prompt, 10, ResponseKind.QUALIFYING, name, true=truth)
    trainee = scorer(prompt, status=None)
    assert standing_of(trainee, prompt) == QualificationStatus.TRAINING
    seen = []
    for _ in range(3 + 20):
        read_id, kind, response_id = take(prompt.id, trainee)
        seen.append(kind)
        with session_scope() as session:
            true = session.get(Response, response_id).true_scores["score"]
        submit(prompt.id, trainee, read_id, true)  # a perfect trainee
    assert seen == ["training"] * 3 + ["qualifying"] * 20
    assert standing_of(trainee, prompt) == QualificationStatus.QUALIFIED  # 2 of 3 sets
    read_id, kind, _ = take(prompt.id, trainee)
    assert kind in ("first", "validity")


def test_failing_two_qualifying_sets_ends_in_failed(ctx, make_prompt, add_responses, scorer):
    prompt = make_prompt()
    add_responses(prompt, 5)
    for name in ("Q1", "Q2", "Q3"):
        add_responses(prompt, 10, ResponseKind.QUALIFYING, name, true=[4])
    trainee = scorer(prompt, status=None)
    for _ in range(20):
        read_id, kind, _ = take(prompt.id, trainee)
        assert kind == "qualifying"
        submit(prompt.id, trainee, read_id, 1)  # non-adjacent every time
    assert standing_of(trainee, prompt) == QualificationStatus.FAILED
    assert take(prompt.id, trainee) is None


def standing_of(who, prompt):
    with session_scope() as session:
        return standing(session, who.id, prompt.id)


def test_a_claim_expires_and_returns_to_the_pool(ctx, make_prompt, add_responses, scorer):
    prompt = make_prompt(claim_minutes=10, validity_rate=0)
    [only] = add_responses(prompt, 1)
    slow, quick = scorer(prompt), scorer(prompt)
    read_id, kind, response_id = take(prompt.id, slow)
    assert take(prompt.id, quick) is None  # claimed
    assert take(prompt.id, slow)[0] == read_id  # a reload shows the same read again
    later = datetime.now(UTC) + timedelta(minutes=11)
    taken = take(prompt.id, quick, later)
    assert taken is not None and taken[2] == only
    submit(prompt.id, quick, taken[0], 3)
    with pytest.raises(HandscoreError, match=f"read {read_id} is expired already"):
        submit(prompt.id, slow, read_id, 2)
    with session_scope() as session:
        assert session.get(Read, read_id).status == "expired"  # kept, never scored
        assert session.get(Response, only).final_scores == {"score": 3}
    assert take(prompt.id, slow) is None  # it never comes back to the slow scorer


def test_holds_after_poor_validity(ctx, make_prompt, add_responses, scorer):
    prompt = make_prompt(validity_rate=100, hold={"validity_window": 5})
    add_responses(prompt, 5)
    add_responses(prompt, 10, ResponseKind.VALIDITY, true=[3])
    sloppy = scorer(prompt, QualificationStatus.QUALIFIED)
    for _ in range(5):
        read_id, kind, _ = take(prompt.id, sloppy)
        assert kind == "validity"
        submit(prompt.id, sloppy, read_id, 1)
    assert standing_of(sloppy, prompt) == QualificationStatus.HELD
    assert take(prompt.id, sloppy) is None


def test_holds_a_scorer_whose_mean_drifts(ctx, make_prompt, add_responses, scorer):
    prompt = make_prompt(validity_rate=0, second_read_rate=0,
                         hold={"smd_window": 2, "smd": 0.5})
    add_responses(prompt, 40)
    steady, harsh = scorer(prompt, QualificationStatus.QUALIFIED), \
        scorer(prompt, QualificationStatus.QUALIFIED)
    for score in [2, 3] * 10:
        read_id, _, _ = take(prompt.id, steady)
        submit(prompt.id, steady, read_id, score)
    assert standing_of(steady, prompt) == QualificationStatus.QUALIFIED
    reads = 0
    while (taken := take(prompt.id, harsh)) is not None:  # all 1s: about -2 SD from the rest
        submit(prompt.id, harsh, taken[0], 1)
        reads += 1
    assert standing_of(harsh, prompt) == QualificationStatus.HELD
    assert 2 <= reads <= 4  # held at the first read checked after a full window


def test_a_hold_ends_the_scorers_open_claim(ctx, make_prompt, add_responses, scorer):
    prompt = make_prompt(validity_rate=0)
    [only] = add_responses(prompt, 1)
    held, other = scorer(prompt), scorer(prompt)
    read_id, _, _ = take(prompt.id, held)
    with session_scope() as session:
        set_standing(session, "supervisor", held.id, prompt.id, QualificationStatus.HELD,
                     "drift")
    with pytest.raises(HandscoreError, match="expired already"):
        submit(prompt.id, held, read_id, 2)
    assert take(prompt.id, other)[2] == only


def test_validity_papers_of_a_season_sized_table(ctx, make_prompt, scorer):
    """Response ids in the millions: the order of validity papers stays in 64-bit range."""
    prompt = make_prompt(validity_rate=100)
    with session_scope() as session:
        session.add(Response(id=2_000_000, prompt_id=prompt.id, kind=ResponseKind.VALIDITY,
                             external_id="V-big", text="paper", true_scores={"score": 2}))
    assert take(prompt.id, scorer(prompt))[1:] == ("validity", 2_000_000)
