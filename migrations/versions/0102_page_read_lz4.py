"""capture: page_read.record compressed with LZ4 on PostgreSQL

A page's mark record is 4–40 kB of JSON; PostgreSQL's default TOAST compression
(pglz) costs about as much as the rest of the read job's insert. LZ4 takes a
third to a half of that, for records about a third larger on disk. Servers
built without LZ4 keep pglz; SQLite is left as it is.

Revision ID: 0102_page_read_lz4
Revises: 0101_capture
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0102_page_read_lz4"
down_revision: str | Sequence[str] | None = "0101_capture"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _compression(method: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        DO $$ BEGIN
            ALTER TABLE page_read ALTER COLUMN record SET COMPRESSION {method};
        EXCEPTION WHEN feature_not_supported THEN
            RAISE NOTICE 'PostgreSQL without %: page_read.record keeps its compression',
                '{method}';
        END $$""")


def upgrade() -> None:
    _compression("lz4")


def downgrade() -> None:
    _compression("pglz")
