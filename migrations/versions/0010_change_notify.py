"""Push changes to every terminal on PostgreSQL: triggers that NOTIFY on commit.

Every statement that changes what a screen shows (tickets and their timers, bikes,
users and their roles, the workshop's rules) runs ``pg_notify('shopfloor_changes', '')``
from a statement-level trigger. PostgreSQL delivers a notification only when its
transaction commits, and folds identical ones of a transaction into one, so each
committed change reaches every listening terminal once, whoever wrote it (the
server, a terminal, the CLI, or SQL by hand). SQLite has no such channel; its
terminals keep checking ``shopfloor.domain.changes.change_marker``.

Revision ID: 0010_change_notify
Revises: 0009
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010_change_notify"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "shopfloor_changes"
# Every change a screen can show touches one of these (a timer event updates its
# work session, a transition its ticket, XP is paid with a ticket's QC pass).
NOTIFYING_TABLES = ("tickets", "work_sessions", "bikes", "users", "user_roles", "workshop_rules")
FUNCTION = "shopfloor_notify_change"


def _trigger(table: str) -> str:
    return f"{table}_notify_change"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            -- One payload for every table: a transaction's notifications fold into one.
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END
        $$
        """
    )
    for table in NOTIFYING_TABLES:
        op.execute(
            f"CREATE TRIGGER {_trigger(table)} "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in NOTIFYING_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {_trigger(table)} ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
