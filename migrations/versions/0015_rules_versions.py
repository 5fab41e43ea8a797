"""Versioned workshop rules (issue 24): ``workshop_rules_versions``, append-only.

Each version holds the whole ``workshop_rules`` row as JSON (every column but ``id``,
whatever columns later migrations add), who changed it, when, and what changed. The
domain appends one whenever a transaction changed the rules row
(:mod:`shopfloor.domain.rules_versions`); the first change also records the rules as
they were before it, so there is always a version to roll back to. UPDATE, DELETE
(and on SQLite REPLACE, on PostgreSQL TRUNCATE) are refused, as for the audit tables.

``users.must_change_password``: the password is a one-time code an admin handed out
(the People screen); the person chooses their own at their next login.
``user_changes``, append-only like the versions: every change made to a person (added,
roles, badge, PIN, password, deactivated or reactivated), by whom and when.

Revision ID: 0015_rules_versions
Revises: 0013_ticket_search
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0015_rules_versions"
down_revision: str | None = "0014_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "workshop_rules_versions"
CHANGES = "user_changes"


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        TABLE,
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rules", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_workshop_rules_versions_changed_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_workshop_rules_versions")),
    )
    op.create_table(
        CHANGES,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_user_changes_changed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_changes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_changes")),
    )
    op.create_index(op.f("ix_user_changes_user_id"), CHANGES, ["user_id"])
    if op.get_bind().dialect.name == "postgresql":
        # The function is the audit tables' own (migration 0001).
        for table in (TABLE, CHANGES):
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION shopfloor_refuse_audit_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION shopfloor_refuse_audit_change()"
            )
        return
    for table in (TABLE, CHANGES):
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {event} is refused'); END"
            )
    op.execute(
        f"CREATE TRIGGER {TABLE}_no_replace BEFORE INSERT ON {TABLE} "  # noqa: S608
        f"WHEN EXISTS (SELECT 1 FROM {TABLE} WHERE version = NEW.version) "
        f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: REPLACE is refused "
        f"(UNIQUE constraint failed: {TABLE}.version)'); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in (TABLE, CHANGES):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    else:
        for table in (TABLE, CHANGES):
            for name in ("update", "delete", "replace"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{name}")
    op.drop_index(op.f("ix_user_changes_user_id"), table_name=CHANGES)
    op.drop_table(CHANGES)
    op.drop_table(TABLE)
    op.drop_column("users", "must_change_password")
