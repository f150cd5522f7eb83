"""edit station: documents taken into edit, the edit queue, corrections

Revision ID: 0201_edit_station
Revises: 0106_operator
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0201_edit_station"
down_revision: str | Sequence[str] | None = "0106_operator"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
NEXT = "status IN ('open', 'second_key')"
WAITING = "status IN ('open', 'second_key', 'supervisor')"
ITEM_STATUSES = ("status IN ('open', 'second_key', 'supervisor', 'done', 'cleared', "
                 "'withdrawn', 'accepted')")


def upgrade() -> None:
    op.create_table('edit_batch',
    sa.Column('batch_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('released_by', sa.String(length=64), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_edit_batch'))
    )
    op.create_table('edit_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('fingerprint', sa.String(length=32), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=20), nullable=False),
    sa.Column('value_before', sa.String(length=200), nullable=False),
    sa.Column('value_after', sa.String(length=200), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('verified_by', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_edit_correction'))
    )
    with op.batch_alter_table('edit_correction', schema=None) as batch_op:
        batch_op.create_index('ix_edit_correction_at', ['at'], unique=False)
        batch_op.create_index('ix_edit_correction_document', ['document_id'], unique=False)

    op.create_table('edit_document',
    sa.Column('document_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('lithocode', sa.String(length=20), nullable=False),
    sa.Column('form_id', sa.String(length=64), nullable=False),
    sa.Column('school_code', sa.String(length=20), nullable=False),
    sa.Column('fingerprint', sa.String(length=32), nullable=False),
    sa.Column('read_values', JSON, nullable=False),
    sa.Column('conditions', JSON, nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('accepted_by', sa.String(length=64), nullable=True),
    sa.Column('accept_reason', sa.String(length=500), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'released', 'rescan')",
                       name=op.f('ck_edit_document_status')),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_edit_document'))
    )
    with op.batch_alter_table('edit_document', schema=None) as batch_op:
        batch_op.create_index('ix_edit_document_batch', ['batch_id', 'status'], unique=False)

    op.create_table('edit_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding', sa.String(length=200), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('page_id', sa.Integer(), nullable=True),
    sa.Column('lithocode', sa.String(length=20), nullable=True),
    sa.Column('form_id', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.Column('key', sa.String(length=20), nullable=True),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('problem', sa.String(length=500), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('double_key', sa.Boolean(), nullable=False),
    sa.Column('clip', JSON, nullable=False),
    sa.Column('fingerprint', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('claimed_by', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_value', sa.String(length=200), nullable=True),
    sa.Column('first_by', sa.Integer(), nullable=True),
    sa.Column('second_value', sa.String(length=200), nullable=True),
    sa.Column('skipped_by', sa.Integer(), nullable=True),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(ITEM_STATUSES, name=op.f('ck_edit_item_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_edit_item'))
    )
    nulls_first = " NULLS FIRST" if op.get_bind().dialect.name == "postgresql" else ""
    op.execute(f"CREATE INDEX ix_edit_item_next ON edit_item (batch_id, document_id{nulls_first},"
               f" id) WHERE {NEXT}")
    with op.batch_alter_table('edit_item', schema=None) as batch_op:
        batch_op.create_index('ix_edit_item_batch_rule', ['batch_id', 'rule', 'status'],
                              unique=False)
        batch_op.create_index('ix_edit_item_document', ['document_id'], unique=False)

        batch_op.create_index('uq_edit_item_waiting', ['finding'], unique=True,
                                postgresql_where=sa.text(WAITING), sqlite_where=sa.text(WAITING))



def downgrade() -> None:
    with op.batch_alter_table('edit_item', schema=None) as batch_op:
        batch_op.drop_index('uq_edit_item_waiting',
                                postgresql_where=sa.text(WAITING), sqlite_where=sa.text(WAITING))
        batch_op.drop_index('ix_edit_item_next',
                                postgresql_where=sa.text(NEXT), sqlite_where=sa.text(NEXT))
        batch_op.drop_index('ix_edit_item_document')
        batch_op.drop_index('ix_edit_item_batch_rule')

    op.drop_table('edit_item')
    with op.batch_alter_table('edit_document', schema=None) as batch_op:
        batch_op.drop_index('ix_edit_document_batch')

    op.drop_table('edit_document')
    with op.batch_alter_table('edit_correction', schema=None) as batch_op:
        batch_op.drop_index('ix_edit_correction_document')
        batch_op.drop_index('ix_edit_correction_at')

    op.drop_table('edit_correction')
    op.drop_table('edit_batch')
