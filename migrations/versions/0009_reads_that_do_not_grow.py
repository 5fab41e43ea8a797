"""Reads that do not grow with history: ticket facts on the row, status counts, daily rollups.

- ``tickets`` keeps its QC fail count, latest QC note, parked reason and worked time
  (closed intervals, and the open one's start); ``work_sessions`` the reason of the
  pause it is in. The domain keeps them in the transaction that writes the history.
- ``ticket_status_counts`` and ``bike_status_counts`` hold how many tickets (bikes,
  archived apart) are in each status, kept exact by triggers on ``tickets`` and
  ``bikes`` (INSERT, UPDATE OF the counted columns, DELETE) on both databases, so
  no writer can forget them. On PostgreSQL the trigger locks the counters it changes
  in a fixed order, so two moves in opposite directions queue instead of deadlocking.
- ``technician_days`` and ``pause_days``: per shop-local day and technician figures
  for the analytics, written by the domain with the events.
- Indexes for a technician's tickets, for tickets done in a window, and for a
  technician's sessions that ended in one (the daily pause budget).

Everything is backfilled from the history with ``shopfloor.domain.rollups.rebuild``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Counter table -> (counted table, its key columns, the count column).
COUNTERS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "ticket_status_counts": ("tickets", ("status",), "tickets"),
    "bike_status_counts": ("bikes", ("status", "is_active"), "bikes"),
}


def _sqlite_triggers(counter: str) -> tuple[str, str, str]:
    table = COUNTERS[counter][0]
    return (f"{table}_count_insert", f"{table}_count_update", f"{table}_count_delete")


_DAY_COLUMNS = (
    "done",
    "first_pass",
    "srt_minutes_done",
    "worked_seconds_done",
    "qc_fails",
    "xp",
    "worked_seconds",
)


def _counter(column: str) -> sa.Column[int]:
    return sa.Column(column, sa.Integer(), nullable=False, server_default="0")


def upgrade() -> None:
    op.add_column("tickets", _counter("qc_fail_count"))
    op.add_column(
        "tickets", sa.Column("latest_qc_note", sa.Text(), nullable=False, server_default="")
    )
    op.add_column("tickets", sa.Column("parked_reason", sa.String(120), nullable=True))
    op.add_column("tickets", _counter("worked_seconds"))
    op.add_column("tickets", sa.Column("running_since", sa.DateTime(timezone=True), nullable=True))
    op.add_column("work_sessions", sa.Column("pause_reason", sa.String(64), nullable=True))
    op.create_index(
        "ix_tickets_technician_created", "tickets", ["technician_id", "created_at", "id"]
    )
    op.create_index("ix_tickets_done_at", "tickets", ["done_at"])
    op.create_index(
        "ix_work_sessions_technician_ended", "work_sessions", ["technician_id", "ended_at"]
    )
    op.create_table(
        "ticket_status_counts",
        sa.Column("status", sa.String(16), nullable=False),
        _counter("tickets"),
        sa.PrimaryKeyConstraint("status", name=op.f("pk_ticket_status_counts")),
    )
    op.create_table(
        "bike_status_counts",
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        _counter("bikes"),
        sa.PrimaryKeyConstraint("status", "is_active", name=op.f("pk_bike_status_counts")),
    )
    op.create_table(
        "technician_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        *[_counter(c) for c in _DAY_COLUMNS],
        sa.PrimaryKeyConstraint("day", "technician_id", name=op.f("pk_technician_days")),
    )
    op.create_table(
        "pause_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        _counter("seconds"),
        sa.PrimaryKeyConstraint("day", "technician_id", "reason", name=op.f("pk_pause_days")),
    )
    for counter in COUNTERS:
        if op.get_bind().dialect.name == "postgresql":
            _count_triggers_postgresql(counter)
        else:
            _count_triggers_sqlite(counter)

    # The domain's own recomputation (SQL over the audit tables) fills every new column.
    from shopfloor.domain.rollups import rebuild

    rebuild(op.get_bind())


def _count_triggers_sqlite(counter: str) -> None:
    table, keys, count = COUNTERS[counter]

    def match(row: str) -> str:
        return " AND ".join(f"{k} = {row}.{k}" for k in keys)

    columns = ", ".join(keys)
    new_values = ", ".join(f"NEW.{k}" for k in keys)
    # Every name here is one of this module's constants, never input.
    plus = (
        f"INSERT OR IGNORE INTO {counter} ({columns}, {count}) VALUES ({new_values}, 0); "  # noqa: S608
        f"UPDATE {counter} SET {count} = {count} + 1 WHERE {match('NEW')};"
    )
    minus = f"UPDATE {counter} SET {count} = {count} - 1 WHERE {match('OLD')};"  # noqa: S608
    changed = " OR ".join(f"OLD.{k} IS NOT NEW.{k}" for k in keys)
    insert, update, delete = _sqlite_triggers(counter)
    op.execute(f"CREATE TRIGGER {insert} AFTER INSERT ON {table} BEGIN {plus} END")
    op.execute(
        f"CREATE TRIGGER {update} AFTER UPDATE OF {columns} ON {table} "
        f"WHEN {changed} BEGIN {minus} {plus} END"
    )
    op.execute(f"CREATE TRIGGER {delete} AFTER DELETE ON {table} BEGIN {minus} END")


def _count_triggers_postgresql(counter: str) -> None:
    table, keys, count = COUNTERS[counter]

    def match(row: str) -> str:
        return " AND ".join(f"{k} = {row}.{k}" for k in keys)

    columns = ", ".join(keys)
    new_values = ", ".join(f"NEW.{k}" for k in keys)
    op.execute(
        f"""
        CREATE FUNCTION shopfloor_count_{table}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'DELETE' THEN
                INSERT INTO {counter} ({columns}, {count}) VALUES ({new_values}, 0)
                ON CONFLICT ({columns}) DO NOTHING;
            END IF;
            -- Lock both counters in one order, whichever way the row moves, so two
            -- opposite moves queue instead of deadlocking.
            PERFORM 1 FROM {counter}
            WHERE (TG_OP <> 'INSERT' AND {match("OLD")})
               OR (TG_OP <> 'DELETE' AND {match("NEW")})
            ORDER BY {columns} FOR UPDATE;
            IF TG_OP <> 'INSERT' THEN
                UPDATE {counter} SET {count} = {count} - 1 WHERE {match("OLD")};
            END IF;
            IF TG_OP <> 'DELETE' THEN
                UPDATE {counter} SET {count} = {count} + 1 WHERE {match("NEW")};
            END IF;
            RETURN NULL;
        END
        $$
        """  # noqa: S608 - this module's constants only
    )
    changed = " OR ".join(f"OLD.{k} IS DISTINCT FROM NEW.{k}" for k in keys)
    op.execute(
        f"CREATE TRIGGER {table}_count_insert_delete AFTER INSERT OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION shopfloor_count_{table}()"
    )
    op.execute(
        f"CREATE TRIGGER {table}_count_update AFTER UPDATE OF {columns} ON {table} "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION shopfloor_count_{table}()"
    )


def downgrade() -> None:
    for counter, (table, _keys, _count) in COUNTERS.items():
        if op.get_bind().dialect.name == "postgresql":
            for name in (f"{table}_count_insert_delete", f"{table}_count_update"):
                op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS shopfloor_count_{table}()")
        else:
            for name in _sqlite_triggers(counter):
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("pause_days")
    op.drop_table("technician_days")
    op.drop_table("ticket_status_counts")
    op.drop_table("bike_status_counts")
    op.drop_index("ix_tickets_done_at", table_name="tickets")
    op.drop_index("ix_work_sessions_technician_ended", table_name="work_sessions")
    op.drop_index("ix_tickets_technician_created", table_name="tickets")
    op.drop_column("work_sessions", "pause_reason")
    for column in (
        "running_since",
        "worked_seconds",
        "parked_reason",
        "latest_qc_note",
        "qc_fail_count",
    ):
        op.drop_column("tickets", column)
