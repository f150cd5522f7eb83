"""The handscoring part of ``scanscore demo``: a 4-point narrative prompt with typed
responses to score, the responses clipped from the capture demo's writing documents,
validity papers, a training set and qualifying sets; the demo scorer's qualification waived
so that live scoring can start at once."""

from __future__ import annotations

import click
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from handscore.catalog import load_prompt, save_prompt
from handscore.clips import clip_batch
from handscore.errors import Code, HandscoreError
from handscore.manifest import Row, store_rows
from handscore.models import Prompt as PromptRow
from handscore.models import QualificationStatus, ResponseKind
from handscore.prompts import Prompt
from handscore.standing import set_standing, standing
from station.audit import SYSTEM
from station.db import db_session
from station.images import image_store
from station.models import User

PROMPT = {
    "id": "DEMO-NARR-4",
    "title": "Grade 4 narrative: a day that surprised you",
    "traits": [{"name": "score", "min": 1, "max": 4}],
    "second_read_rate": 25,
    "validity_rate": 10,
    "source": {"form": "writing_document", "field": "response"},
}
SENTENCES = (
    "It was raining when we left for the lake.", "My brother forgot the map at home.",
    "We found a dog sleeping under the bridge.", "Nobody expected the bus to stop there.",
    "I learned that being patient helps.", "The sky turned orange and then purple.",
    "Grandma laughed so hard she cried.", "At the end we all walked home together.",
)
LIVE, VALIDITY, SETS = 60, 12, (("T1", ResponseKind.TRAINING), ("Q1", ResponseKind.QUALIFYING),
                                ("Q2", ResponseKind.QUALIFYING), ("Q3", ResponseKind.QUALIFYING))


def _essay(rng: np.random.Generator, quality: int) -> str:
    count = 1 + 2 * quality + int(rng.integers(0, 3))
    return " ".join(SENTENCES[int(i)] for i in rng.integers(0, len(SENTENCES), count))


def demo_rows() -> list[Row]:
    """The demo's responses: live ones, validity papers and the sets, with true scores."""
    rng = np.random.default_rng(4)
    rows = [Row(f"demo-{i:03d}", ResponseKind.LIVE, None, _essay(rng, int(rng.integers(1, 5))))
            for i in range(LIVE)]
    papers = [(f"validity-{i:02d}", ResponseKind.VALIDITY, None) for i in range(VALIDITY)]
    papers += [(f"{name}-{i:02d}", kind, name) for name, kind in SETS for i in range(10)]
    for external_id, kind, set_name in papers:
        true = int(rng.integers(1, 5))
        rows.append(Row(external_id, kind, set_name, _essay(rng, true), true_scores={
            "score": true}))
    return rows


def run_demo() -> None:
    session = db_session()
    if session.get(PromptRow, PROMPT["id"]) is None:
        save_prompt(session, SYSTEM, PROMPT)
    prompt = load_prompt(session, PROMPT["id"])
    count = store_rows(session, SYSTEM, prompt, demo_rows(), image_store().put, "demo")
    clipped = clip_demo_batches(session, prompt)
    scorer = session.scalar(select(User).where(User.username == "scorer"))
    if scorer is not None and standing(session, scorer.id, prompt.id) \
            == QualificationStatus.TRAINING:
        set_standing(session, SYSTEM, scorer.id, prompt.id, QualificationStatus.WAIVED,
                     "demo: qualification waived")
    session.commit()
    click.echo(f"handscoring: prompt {prompt.id}: {count}; {clipped} clipped from writing "
               "documents; log in as scorer and POST /api/handscore/next")


def clip_demo_batches(session: Session, prompt: Prompt) -> int:
    """Clip every batch the capture demo made (capture numbers batches from 1 up, and the
    demo deletes none: the first unknown number ends them)."""
    added, batch_id = 0, 1
    while True:
        try:
            added += clip_batch(session, SYSTEM, prompt, batch_id, image_store())
        except HandscoreError as exc:
            if exc.code == Code.NOT_FOUND:
                return added
            raise
        batch_id += 1
