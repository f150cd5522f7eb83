"""capture: who fed each feed (feed.fed_by)

A feed is made with its first page, by a user of the browser upload or from
the command line (``cli:<login>``); feeds made before this revision keep no
name (NULL).

Revision ID: 0105_intake
Revises: 0102_page_read_lz4
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0105_intake"
down_revision: str | Sequence[str] | None = "0102_page_read_lz4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feed") as batch:
        batch.add_column(sa.Column("fed_by", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feed") as batch:
        batch.drop_column("fed_by")
