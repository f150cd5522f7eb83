"""capture: statuses kept to their values by CHECK constraints

The statuses of pages, batches, documents and exceptions are Python enums
(``capture.models``); the database refuses any other value, so a typo cannot
write a status that no query looks for. The values are written out here as
they are at this revision.

Revision ID: 0103_statuses
Revises: 0401_scoring
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0103_statuses"
down_revision: str | Sequence[str] | None = "0401_scoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = {
    ("page", "status"): ("received", "read", "exception", "discarded", "rescan"),
    ("batch", "status"): ("open", "closed"),
    ("document", "status"): ("assembling", "complete", "edit", "empty"),
    ("capture_exception", "state"): ("open", "resolved"),
}


def upgrade() -> None:
    for (table, column), values in STATUSES.items():
        allowed = ", ".join(f"'{value}'" for value in values)
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(op.f(f"ck_{table}_{column}"), f"{column} IN ({allowed})")


def downgrade() -> None:
    for table, column in STATUSES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
