"""Handscoring's fixtures: a prompt in a fresh database (SQLite and PostgreSQL), responses
and papers of known scores added in bulk, scorers of a given standing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from handscore.catalog import save_prompt
from handscore.models import Need, QualificationStatus, Response, ResponseKind
from handscore.prompts import Prompt
from handscore.standing import set_standing
from station.db import session_scope
from station.models import User

PROMPT = {"id": "ESSAY-4", "title": "Grade 4 narrative",
          "traits": [{"name": "score", "min": 1, "max": 4}]}


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def db(app: Flask) -> Callable[[], AbstractContextManager[Session]]:
    """A session on the app's database, committed at the end of the block. Tests that send
    requests use it rather than ``ctx``: requests inside a pushed app context would share
    its ``g`` (user and session) with each other."""

    @contextmanager
    def open_session() -> Iterator[Session]:
        with app.app_context(), session_scope() as session:
            yield session

    return open_session


@pytest.fixture
def make_prompt(db) -> Callable[..., Prompt]:
    def make(**fields: Any) -> Prompt:
        with db() as session:
            return save_prompt(session, "test", {**PROMPT, **fields})

    return make


@pytest.fixture
def add_responses(db) -> Callable[..., list[int]]:
    """``add_responses(prompt, count, kind=live, set_name=None, true=None)``: ``count`` typed
    responses of ``kind``; papers of known scores get ``true`` (one trait score each,
    cycled). Returns their ids."""

    def add(prompt: Prompt, count: int, kind: ResponseKind = ResponseKind.LIVE,
            set_name: str | None = None, true: list[int] | None = None) -> list[int]:
        with db() as session:
            return _add(session, prompt, count, kind, set_name, true)

    return add


def _add(session: Session, prompt: Prompt, count: int, kind: ResponseKind,
         set_name: str | None, true: list[int] | None) -> list[int]:
    prefix = uuid.uuid4().hex[:8]
    rows = [Response(
        prompt_id=prompt.id, kind=kind, set_name=set_name, external_id=f"{prefix}-{i}",
        text=f"response {i}", need=Need.FIRST if kind == ResponseKind.LIVE else Need.NONE,
        true_scores={prompt.traits[0].name: true[i % len(true)]} if true else None)
        for i in range(count)]
    session.add_all(rows)
    session.flush()
    return [r.id for r in rows]


@pytest.fixture
def scorer(make_user, db) -> Callable[..., User]:
    """A new scorer (or another role) with a standing on a prompt."""

    def make(prompt: Prompt, status: QualificationStatus | None = QualificationStatus.WAIVED,
             role: str = "scorer") -> User:
        created = make_user(role)
        with db() as session:
            if status is not None:
                set_standing(session, "test", created.id, prompt.id, status, "test")
            return session.get(User, created.id)

    return make
