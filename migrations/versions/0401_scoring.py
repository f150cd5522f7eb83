"""scoring: loaded test definitions, student score rows with their history, pre-ID students

Revision ID: 0401_scoring
Revises: 0301_handscore
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0401_scoring"
down_revision: str | Sequence[str] | None = "0301_handscore"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scoring_test",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("test_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("loaded_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_test")),
        sa.UniqueConstraint("test_id", "version", name=op.f("uq_scoring_test_test_id")),
    )
    op.create_table(
        "student_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("test_id", sa.String(length=64), nullable=False),
        sa.Column("definition_version", sa.Integer(), nullable=False),
        sa.Column("student_key", sa.String(length=120), nullable=False),
        sa.Column("inputs_digest", sa.String(length=64), nullable=False),
        sa.Column("inputs", JSON, nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("scored_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student_score")),
        sa.UniqueConstraint("test_id", "definition_version", "student_key", "inputs_digest",
                            name=op.f("uq_student_score_test_id")),
    )
    op.create_index("ix_student_score_current", "student_score",
                    ["test_id", "student_key", "current"])
    op.create_table(
        "preid_student",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("preid", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        *(sa.Column(name, sa.String(length=length), nullable=False) for name, length in (
            ("district", 20), ("school", 20), ("grade", 4), ("ssid", 20), ("last_name", 40),
            ("first_name", 40), ("birth_date", 10), ("gender", 1))),
        sa.Column("non_tester", sa.Boolean(), nullable=False),
        sa.Column("imported_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preid_student")),
        sa.UniqueConstraint("preid", "version", name=op.f("uq_preid_student_preid")),
    )
    op.create_index(op.f("ix_preid_student_current"), "preid_student", ["current"])


def downgrade() -> None:
    op.drop_index(op.f("ix_preid_student_current"), table_name="preid_student")
    op.drop_table("preid_student")
    op.drop_index("ix_student_score_current", table_name="student_score")
    op.drop_table("student_score")
    op.drop_table("scoring_test")
