"""capture: batch.batch_code and batch.created_at indexed

The operator's batches list marks a batch whose code another batch was opened
under, and batches are searched by code and by the day they were opened; with
a season's tens of thousands of batches, those lookups (one per batch shown)
and searches need indexes.

Revision ID: 0106_operator
Revises: 0104_station_security
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0106_operator"
down_revision: str | Sequence[str] | None = "0104_station_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_batch_batch_code", "batch", ["batch_code"])
    op.create_index("ix_batch_created_at", "batch", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_batch_created_at", table_name="batch")
    op.drop_index("ix_batch_batch_code", table_name="batch")
