"""handscore: prompts, responses, reads, qualifications, backreads

The read-once key (one read per response and scorer, training reads voided by a retraining
aside) and the slot key (one first, second and resolution read per response, among reads
claimed or submitted) are partial
unique indexes, on SQLite and PostgreSQL alike.

Revision ID: 0301_handscore
Revises: 0201_edit_station
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0301_handscore"
down_revision: str | Sequence[str] | None = "0201_edit_station"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Stamp = sa.DateTime(timezone=True)
READ_ONCE = "status <> 'voided' OR kind IN ('first', 'second', 'resolution', 'validity')"
ONE_PER_SLOT = "status IN ('claimed', 'submitted') AND slot IS NOT NULL"


def _where(condition: str) -> dict[str, sa.TextClause]:
    return {"postgresql_where": sa.text(condition), "sqlite_where": sa.text(condition)}


def _fk(column: str, table: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target],
                                   name=op.f(f"fk_{table}_{column}_{target.split('.')[0]}"))


def upgrade() -> None:
    op.create_table(
        "hs_prompt",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hs_prompt")),
    )
    op.create_table(
        "hs_qualification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scorer_id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.CheckConstraint("status IN ('training', 'qualified', 'waived', 'failed', 'held', "
                           "'dismissed')", name=op.f("ck_hs_qualification_status")),
        _fk("prompt_id", "hs_qualification", "hs_prompt.id"),
        _fk("scorer_id", "hs_qualification", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hs_qualification")),
        sa.UniqueConstraint("scorer_id", "prompt_id", name=op.f("uq_hs_qualification_scorer_id")),
    )
    op.create_table(
        "hs_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("set_name", sa.String(64), nullable=True),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("image_keys", JSON, nullable=False),
        sa.Column("true_scores", JSON, nullable=True),
        sa.Column("true_condition", sa.String(4), nullable=True),
        sa.Column("need", sa.SmallInteger(), nullable=False),
        sa.Column("claimed_by", sa.Integer(), nullable=True),
        sa.Column("claim_expires", Stamp, nullable=True),
        sa.Column("final_scores", JSON, nullable=True),
        sa.Column("final_condition", sa.String(4), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.CheckConstraint("kind IN ('live', 'validity', 'training', 'qualifying', 'anchor')",
                           name=op.f("ck_hs_response_kind")),
        sa.CheckConstraint("need BETWEEN 0 AND 3", name=op.f("ck_hs_response_need")),
        _fk("claimed_by", "hs_response", "users.id"),
        _fk("prompt_id", "hs_response", "hs_prompt.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hs_response")),
        sa.UniqueConstraint("prompt_id", "document_id", name=op.f("uq_hs_response_document_id")),
        sa.UniqueConstraint("prompt_id", "external_id", name=op.f("uq_hs_response_external_id")),
    )
    op.create_index("ix_hs_response_papers", "hs_response",
                    ["prompt_id", "kind", "set_name", "id"])
    op.create_index("ix_hs_response_waiting", "hs_response", ["prompt_id", "need", "id"])
    op.create_table(
        "hs_read",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.String(64), nullable=False),
        sa.Column("scorer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("claimed_at", Stamp, nullable=False),
        sa.Column("submitted_at", Stamp, nullable=True),
        sa.Column("scores", JSON, nullable=True),
        sa.Column("condition", sa.String(4), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.CheckConstraint("kind IN ('first', 'second', 'resolution', 'validity', 'training', "
                           "'qualifying')", name=op.f("ck_hs_read_kind")),
        sa.CheckConstraint("status IN ('claimed', 'submitted', 'expired', 'voided')",
                           name=op.f("ck_hs_read_status")),
        _fk("prompt_id", "hs_read", "hs_prompt.id"),
        _fk("response_id", "hs_read", "hs_response.id"),
        _fk("scorer_id", "hs_read", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hs_read")),
    )
    op.create_index("ix_hs_read_prompt", "hs_read", ["prompt_id", "kind", "status"])
    op.create_index("ix_hs_read_response", "hs_read", ["response_id"])
    op.create_index("ix_hs_read_scorer", "hs_read",
                    ["scorer_id", "prompt_id", "status", "kind", "submitted_at"])
    op.create_index("uq_hs_read_once", "hs_read", ["response_id", "scorer_id"], unique=True,
                    **_where(READ_ONCE))
    op.create_index("uq_hs_read_slot", "hs_read", ["response_id", "slot"], unique=True,
                    **_where(ONE_PER_SLOT))
    op.create_table(
        "hs_backread",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("read_id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("overrides", sa.Boolean(), nullable=False),
        sa.Column("scores", JSON, nullable=True),
        sa.Column("condition", sa.String(4), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("at", Stamp, nullable=False),
        _fk("read_id", "hs_backread", "hs_read.id"),
        _fk("supervisor_id", "hs_backread", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hs_backread")),
        sa.UniqueConstraint("read_id", name=op.f("uq_hs_backread_read_id")),
    )


def downgrade() -> None:
    for table in ("hs_backread", "hs_read", "hs_response", "hs_qualification", "hs_prompt"):
        op.drop_table(table)
