"""capture: feeds, pages and their read records, batches, documents, conditions, exceptions

Revision ID: 0101_capture
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0101_capture"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("sequenced", sa.Integer(), nullable=False),
        sa.Column("ended", sa.Boolean(), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed")),
        sa.UniqueConstraint("key", name=op.f("uq_feed_key")),
    )
    op.create_table(
        "batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("header_page_id", sa.Integer(), nullable=False),
        sa.Column("batch_code", sa.String(length=40), nullable=True),
        sa.Column("district_code", sa.String(length=20), nullable=False),
        sa.Column("school_code", sa.String(length=20), nullable=False),
        sa.Column("grade", sa.String(length=10), nullable=False),
        sa.Column("administration", sa.String(length=40), nullable=False),
        sa.Column("declared_count", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("documents_found", sa.Integer(), nullable=True),
        sa.Column("count_status", sa.String(length=12), nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("closed_at", STAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch")),
        sa.UniqueConstraint("header_page_id", name=op.f("uq_batch_header_page_id")),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("lithocode", sa.String(length=20), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("pages_expected", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"],
                                name=op.f("fk_document_batch_id_batch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint("batch_id", "lithocode", name=op.f("uq_document_batch_id")),
    )
    op.create_index(op.f("ix_document_lithocode"), "document", ["lithocode"])
    op.create_table(
        "page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("image_sha256", sa.String(length=64), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=500), nullable=False),
        sa.Column("source_frame", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("form_id", sa.String(length=64), nullable=True),
        sa.Column("page_number", sa.Integer(), nullable=True),
        sa.Column("lithocode", sa.String(length=20), nullable=True),
        sa.Column("rotated", sa.Boolean(), nullable=False),
        sa.Column("received_at", STAMP, nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_page_batch_id_batch")),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"],
                                name=op.f("fk_page_document_id_document")),
        sa.ForeignKeyConstraint(["feed_id"], ["feed.id"], name=op.f("fk_page_feed_id_feed")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page")),
        sa.UniqueConstraint("feed_id", "seq", name=op.f("uq_page_feed_id")),
        sa.UniqueConstraint("image_sha256", name=op.f("uq_page_image_sha256")),
    )
    op.create_index(op.f("ix_page_batch_id"), "page", ["batch_id"])
    op.create_index(op.f("ix_page_document_id"), "page", ["document_id"])
    op.create_index("ix_page_feed_status", "page", ["feed_id", "status"])
    op.create_index(op.f("ix_page_lithocode"), "page", ["lithocode"])
    with op.batch_alter_table("batch") as batch:
        batch.create_foreign_key(op.f("fk_batch_header_page_id_page"), "page",
                                 ["header_page_id"], ["id"])
    op.create_table(
        "page_read",
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("flags", JSON, nullable=False),
        sa.Column("review_keys", sa.Integer(), nullable=False),
        sa.Column("record", JSON, nullable=False),
        sa.Column("read_ms", sa.Double(), nullable=False),
        sa.Column("read_at", STAMP, nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_page_read_page_id_page")),
        sa.PrimaryKeyConstraint("page_id", name=op.f("pk_page_read")),
    )
    op.create_table(
        "document_condition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("page_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"],
                                name=op.f("fk_document_condition_batch_id_batch")),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"],
                                name=op.f("fk_document_condition_document_id_document")),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"],
                                name=op.f("fk_document_condition_page_id_page")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_condition")),
    )
    op.create_index("ix_document_condition_batch", "document_condition", ["batch_id"])
    op.create_index(op.f("ix_document_condition_document_id"), "document_condition",
                    ["document_id"])
    op.create_table(
        "capture_exception",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("resolved_by", sa.String(length=80), nullable=True),
        sa.Column("resolved_at", STAMP, nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"],
                                name=op.f("fk_capture_exception_batch_id_batch")),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"],
                                name=op.f("fk_capture_exception_page_id_page")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capture_exception")),
        sa.UniqueConstraint("key", name=op.f("uq_capture_exception_key")),
    )
    op.create_index(op.f("ix_capture_exception_batch_id"), "capture_exception", ["batch_id"])
    op.create_index(op.f("ix_capture_exception_page_id"), "capture_exception", ["page_id"])
    op.create_index("ix_capture_exception_state", "capture_exception", ["state"])


def downgrade() -> None:
    with op.batch_alter_table("batch") as batch:
        batch.drop_constraint(op.f("fk_batch_header_page_id_page"), type_="foreignkey")
    for table in ("capture_exception", "document_condition", "page_read", "page", "document",
                  "batch", "feed"):
        op.drop_table(table)
