"""Prompts in the database: added from their JSON form, replaced by admins, loaded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handscore.errors import Code, HandscoreError
from handscore.models import Prompt as PromptRow
from handscore.models import Read
from handscore.prompts import Prompt, PromptError, parse_prompt, stored_prompt
from station import audit
from station.models import User, utcnow


def load_prompt(session: Session, prompt_id: Any) -> Prompt:
    """The prompt ``prompt_id``, or a NOT_FOUND error."""
    row = session.get(PromptRow, prompt_id) if isinstance(prompt_id, str) else None
    if row is None:
        raise HandscoreError(Code.NOT_FOUND, f"no prompt {prompt_id!r}: add it first "
                                             "(scanscore handscore prompt add FILE)")
    return stored_prompt(row.definition)


def save_prompt(session: Session, actor: User | str, data: Any, replace: bool = False
                ) -> Prompt:
    """Add the prompt of ``data`` (its JSON form), or with ``replace`` change the existing
    one; audited. Refuses a bad definition (BAD_INPUT), an existing id without ``replace``
    and new traits or score ranges for a prompt that has reads (CONFLICT)."""
    try:
        prompt = parse_prompt(data)
    except PromptError as exc:
        raise HandscoreError(Code.BAD_INPUT, str(exc)) from exc
    row = session.get(PromptRow, prompt.id)
    definition = prompt.to_json()
    if row is not None and not replace:
        raise HandscoreError(Code.CONFLICT, f"prompt {prompt.id} exists already "
                                            "(replace it to change it)")
    if row is None:
        session.add(PromptRow(id=prompt.id, title=prompt.title, definition=definition))
        audit.record(session, actor, "handscore.prompt.add", f"prompt:{prompt.id}",
                     after=definition)
    else:
        if row.definition["traits"] != definition["traits"] and _has_reads(session, prompt.id):
            raise HandscoreError(Code.CONFLICT, f"prompt {prompt.id} has reads: its traits "
                                                "and score ranges stay as they are (define a "
                                                "new prompt for a new rubric)")
        before = row.definition
        row.title, row.definition, row.updated_at = prompt.title, definition, utcnow()
        audit.record(session, actor, "handscore.prompt.replace", f"prompt:{prompt.id}",
                     before=before, after=definition)
    session.flush()
    return prompt


def _has_reads(session: Session, prompt_id: str) -> bool:
    return session.scalar(select(Read.id).where(Read.prompt_id == prompt_id).limit(1)) \
        is not None
