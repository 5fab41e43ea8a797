"""Initial schema: users and roles, bikes, tickets, the audit streams, XP and rules.

Beyond the tables it installs what keeps the invariants in the database itself:
partial unique indexes (declared with the tables) and triggers that make the
audit tables (ticket_transitions, work_session_events, xp_ledger) refuse UPDATE
and DELETE on SQLite and PostgreSQL.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bikes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bike_code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bikes")),
        sa.UniqueConstraint("bike_code", name=op.f("uq_bikes_bike_code")),
    )
    with op.batch_alter_table("bikes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bikes_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "roles",
        sa.Column("slug", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_roles")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=150), nullable=False),
        sa.Column("first_name", sa.String(length=150), nullable=False),
        sa.Column("last_name", sa.String(length=150), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index("uq_users_username_ci", "users", [sa.text("lower(username)")], unique=True)
    op.create_table(
        "workshop_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checklist_min_items", sa.Integer(), nullable=False),
        sa.Column("xp_srt_divisor", sa.Integer(), nullable=False),
        sa.Column("xp_first_pass_bonus", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "checklist_min_items >= 1", name=op.f("ck_workshop_rules_checklist_min_positive")
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_workshop_rules_single_row")),
        sa.CheckConstraint(
            "xp_srt_divisor >= 1", name=op.f("ck_workshop_rules_xp_divisor_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_rules")),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bike_id", sa.Integer(), nullable=False),
        sa.Column("master_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "checklist_snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("srt_total_minutes", sa.Integer(), nullable=False),
        sa.Column("srt_approved_by_id", sa.Integer(), nullable=False),
        sa.Column("srt_approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("flag_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("srt_total_minutes > 0", name=op.f("ck_tickets_srt_positive")),
        sa.ForeignKeyConstraint(["bike_id"], ["bikes.id"], name=op.f("fk_tickets_bike_id_bikes")),
        sa.ForeignKeyConstraint(
            ["master_id"], ["users.id"], name=op.f("fk_tickets_master_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["srt_approved_by_id"], ["users.id"], name=op.f("fk_tickets_srt_approved_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["users.id"], name=op.f("fk_tickets_technician_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tickets_bike_id"), ["bike_id"], unique=False)
        batch_op.create_index("ix_tickets_status_created", ["status", "created_at"], unique=False)
        batch_op.create_index(
            "uq_tickets_active_bike",
            ["bike_id"],
            unique=True,
            sqlite_where=sa.text("status != 'done'"),
            postgresql_where=sa.text("status != 'done'"),
        )
        batch_op.create_index(
            "uq_tickets_in_progress_technician",
            ["technician_id"],
            unique=True,
            sqlite_where=sa.text("status = 'in_progress'"),
            postgresql_where=sa.text("status = 'in_progress'"),
        )

    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role_slug", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_slug"], ["roles.slug"], name=op.f("fk_user_roles_role_slug_roles")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role_slug", name=op.f("pk_user_roles")),
    )
    op.create_table(
        "xp_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("entry_type", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_xp_ledger_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xp_ledger")),
        sa.UniqueConstraint("reference", name=op.f("uq_xp_ledger_reference")),
    )
    with op.batch_alter_table("xp_ledger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_xp_ledger_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_xp_ledger_user_id"), ["user_id"], unique=False)

    op.create_table(
        "ticket_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_ticket_transitions_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_transitions_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_transitions")),
    )
    with op.batch_alter_table("ticket_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_transitions_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ticket_transitions_ticket_id"), ["ticket_id"], unique=False
        )

    op.create_table(
        "work_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active_seconds", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["users.id"], name=op.f("fk_work_sessions_technician_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_work_sessions_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_sessions")),
    )
    with op.batch_alter_table("work_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_sessions_technician_id"), ["technician_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_work_sessions_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(
            "uq_work_sessions_open_technician",
            ["technician_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('running', 'paused')"),
            postgresql_where=sa.text("status IN ('running', 'paused')"),
        )
        batch_op.create_index(
            "uq_work_sessions_open_ticket",
            ["ticket_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('running', 'paused')"),
            postgresql_where=sa.text("status IN ('running', 'paused')"),
        )

    op.create_table(
        "work_session_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_session_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_work_session_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_work_session_events_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["work_session_id"],
            ["work_sessions.id"],
            name=op.f("fk_work_session_events_work_session_id_work_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_session_events")),
    )
    with op.batch_alter_table("work_session_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_session_events_event_at"), ["event_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_work_session_events_ticket_id"), ["ticket_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_work_session_events_work_session_id"), ["work_session_id"], unique=False
        )

    _seed()
    _protect_audit_tables()


def downgrade() -> None:
    _unprotect_audit_tables()
    with op.batch_alter_table("work_session_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_session_events_work_session_id"))
        batch_op.drop_index(batch_op.f("ix_work_session_events_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_work_session_events_event_at"))

    op.drop_table("work_session_events")
    with op.batch_alter_table("work_sessions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_work_sessions_open_ticket",
            sqlite_where=sa.text("status IN ('running', 'paused')"),
            postgresql_where=sa.text("status IN ('running', 'paused')"),
        )
        batch_op.drop_index(
            "uq_work_sessions_open_technician",
            sqlite_where=sa.text("status IN ('running', 'paused')"),
            postgresql_where=sa.text("status IN ('running', 'paused')"),
        )
        batch_op.drop_index(batch_op.f("ix_work_sessions_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_work_sessions_technician_id"))

    op.drop_table("work_sessions")
    with op.batch_alter_table("ticket_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_transitions_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_ticket_transitions_created_at"))

    op.drop_table("ticket_transitions")
    with op.batch_alter_table("xp_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xp_ledger_user_id"))
        batch_op.drop_index(batch_op.f("ix_xp_ledger_created_at"))

    op.drop_table("xp_ledger")
    op.drop_table("user_roles")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_tickets_in_progress_technician",
            sqlite_where=sa.text("status = 'in_progress'"),
            postgresql_where=sa.text("status = 'in_progress'"),
        )
        batch_op.drop_index(
            "uq_tickets_active_bike",
            sqlite_where=sa.text("status != 'done'"),
            postgresql_where=sa.text("status != 'done'"),
        )
        batch_op.drop_index("ix_tickets_status_created")
        batch_op.drop_index(batch_op.f("ix_tickets_bike_id"))

    op.drop_table("tickets")
    op.drop_table("workshop_rules")
    op.drop_index("uq_users_username_ci", table_name="users")
    op.drop_table("users")
    op.drop_table("roles")
    with op.batch_alter_table("bikes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bikes_updated_at"))

    op.drop_table("bikes")


AUDIT_TABLES = ("ticket_transitions", "work_session_events", "xp_ledger")
ROLES = (
    ("super_admin", "Super admin"),
    ("ops_manager", "Operations manager"),
    ("master", "Master"),
    ("technician", "Technician"),
    ("qc_inspector", "QC inspector"),
)


def _seed() -> None:
    roles = sa.table("roles", sa.column("slug", sa.String), sa.column("name", sa.String))
    op.bulk_insert(roles, [{"slug": slug, "name": name} for slug, name in ROLES])
    rules = sa.table(
        "workshop_rules",
        sa.column("id", sa.Integer),
        sa.column("checklist_min_items", sa.Integer),
        sa.column("xp_srt_divisor", sa.Integer),
        sa.column("xp_first_pass_bonus", sa.Integer),
    )
    op.bulk_insert(
        rules,
        [{"id": 1, "checklist_min_items": 10, "xp_srt_divisor": 20, "xp_first_pass_bonus": 1}],
    )


def _protect_audit_tables() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION shopfloor_refuse_audit_change() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """
        )
        for table in AUDIT_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION shopfloor_refuse_audit_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION shopfloor_refuse_audit_change()"
            )
        return
    for table in AUDIT_TABLES:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {event} is refused'); END"
            )


def _unprotect_audit_tables() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in AUDIT_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS shopfloor_refuse_audit_change()")
        return
    for table in AUDIT_TABLES:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
