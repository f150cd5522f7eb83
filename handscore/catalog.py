"""Prompts in the database: added from their JSON form, replaced by admins, loaded."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from handscore.errors import Code, HandscoreError
from handscore.models import Prompt as PromptRow
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
    one; audited. Refuses a bad definition (BAD_INPUT) and an existing id without
    ``replace`` (CONFLICT)."""
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
        before = row.definition
        row.title, row.definition, row.updated_at = prompt.title, definition, utcnow()
        audit.record(session, actor, "handscore.prompt.replace", f"prompt:{prompt.id}",
                     before=before, after=definition)
    session.flush()
    return prompt
