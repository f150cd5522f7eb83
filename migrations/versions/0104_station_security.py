"""station: revocable sessions, failed-login counts, and the audit log's hash chain

``user_sessions`` holds each login (the SHA-256 of the cookie's token), so logout, a
password change, deactivation or an admin end a session for good. ``login_failures``
counts failed logins per account and per address for throttling. The audit log gains a
``hash`` column chaining each entry to the one before, and ``audit_head`` (one row: the
newest id and hash) from which each entry takes its id; triggers refuse an insert that is
not the next id (``INSERT OR REPLACE`` on SQLite) and a head moving other than forward.
Entries written before this migration are chained here, in id order.

Revision ID: 0104_station_security
Revises: 0105_intake
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from station.audit import GENESIS, entry_hash
from station.models import AuditEntry

revision: str = "0104_station_security"
down_revision: str | Sequence[str] | None = "0105_intake"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
APPEND_ONLY = "audit_log is append-only"
NEXT_ONLY = "audit_log is append-only: an entry takes the next id from audit_head"
FORWARD_ONLY = "audit_head only moves forward, one entry at a time"
SESSION_ENDS = ("logout", "idle", "replaced", "password changed", "deactivated",
                "ended by admin")

SQLITE_UPDATE_TRIGGER = f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"""
SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER audit_log_next_only BEFORE INSERT ON audit_log
    WHEN NEW.id IS NOT (SELECT last_id FROM audit_head WHERE id = 1)
        OR EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, '{NEXT_ONLY}'); END""",
    f"""CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
    WHEN NEW.id <> OLD.id OR NEW.last_id NOT IN (OLD.last_id, OLD.last_id + 1)
    BEGIN SELECT RAISE(ABORT, '{FORWARD_ONLY}'); END""",
    f"""CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    BEGIN SELECT RAISE(ABORT, '{FORWARD_ONLY}'); END""",
)
POSTGRESQL_TRIGGERS = (
    f"""CREATE FUNCTION audit_log_next_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.id IS DISTINCT FROM (SELECT last_id FROM audit_head WHERE id = 1)
                OR EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) THEN
            RAISE EXCEPTION '{NEXT_ONLY}';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER audit_log_next_only BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_next_only()""",
    f"""CREATE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'UPDATE' OR NEW.id <> OLD.id
                OR NEW.last_id NOT IN (OLD.last_id, OLD.last_id + 1) THEN
            RAISE EXCEPTION '{FORWARD_ONLY}';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()""",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_head_forward_only()""",
)

audit_log = sa.table(
    "audit_log", sa.column("id", sa.BigInteger), sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String), sa.column("action", sa.String),
    sa.column("target", sa.String), sa.column("before", JSON), sa.column("after", JSON),
    sa.column("hash", sa.String),
)


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "end_reason IN (" + ", ".join(f"'{r}'" for r in SESSION_ENDS) + ")",
            name=op.f("ck_user_sessions_end_reason")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_user_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("audit_log", recreate="never") as batch:
        batch.add_column(sa.Column("hash", sa.String(length=64), server_default="",
                                   nullable=False))
    last_id, last_hash = _chain_existing_entries()
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.execute(sa.text("INSERT INTO audit_head (id, last_id, hash) VALUES (1, :id, :hash)")
               .bindparams(id=last_id, hash=last_hash))
    triggers = {"postgresql": POSTGRESQL_TRIGGERS, "sqlite": SQLITE_TRIGGERS}
    for statement in triggers[op.get_bind().dialect.name]:
        op.execute(statement)


def _chain_existing_entries() -> tuple[int, str]:
    """Hash the entries written before the chain existed, in id order, with the update
    trigger lifted for this transaction alone; the newest (id, hash)."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.execute("DROP TRIGGER audit_log_no_update" if sqlite
               else "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
    last_id, previous = 0, GENESIS
    for row in bind.execute(sa.select(audit_log).order_by(audit_log.c.id)).all():
        entry = AuditEntry(**{k: v for k, v in row._mapping.items() if k != "hash"})
        previous, last_id = entry_hash(previous, entry), row.id
        bind.execute(audit_log.update().where(audit_log.c.id == row.id)
                     .values(hash=previous))
    op.execute(SQLITE_UPDATE_TRIGGER if sqlite
               else "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
    return last_id, previous


def downgrade() -> None:
    """Back to 0105_intake: sessions and failure counts are dropped (everyone logs in
    again), the entries stay but lose their chain; UPDATE and DELETE stay refused."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for trigger, table in (("audit_log_next_only", "audit_log"),
                               ("audit_head_forward_only", "audit_head"),
                               ("audit_head_no_truncate", "audit_head")):
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
        op.execute("DROP FUNCTION audit_log_next_only()")
        op.execute("DROP FUNCTION audit_head_forward_only()")
    else:
        for trigger in ("audit_log_next_only", "audit_head_forward_only",
                        "audit_head_no_delete"):
            op.execute(f"DROP TRIGGER {trigger}")
    op.drop_table("audit_head")
    op.execute("ALTER TABLE audit_log DROP COLUMN hash")
    op.drop_table("login_failures")
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_table("user_sessions")
