"""Reads that do not grow with history: ticket facts on the row, status counts, daily rollups.

- ``tickets`` keeps its QC fail count, latest QC note, parked reason and worked time
  (closed intervals, and the open one's start); ``work_sessions`` the reason of the
  pause it is in. The domain keeps them in the transaction that writes the history.
- ``ticket_status_counts`` holds how many tickets are in each status, kept exact by
  triggers on ``tickets`` (INSERT, UPDATE OF status, DELETE) on both databases, so
  no writer can forget it. On PostgreSQL the trigger locks the counters it changes
  in a fixed order, so two moves in opposite directions queue instead of deadlocking.
- ``technician_days`` and ``pause_days``: per shop-local day and technician figures
  for the analytics, written by the domain with the events.
- Indexes for a technician's tickets and for tickets done in a window.

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

SQLITE_TRIGGERS = ("tickets_count_insert", "tickets_count_update", "tickets_count_delete")
PG_TRIGGERS = ("tickets_count_insert_delete", "tickets_count_update")
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
    op.add_column(
        "tickets", sa.Column("running_since", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("work_sessions", sa.Column("pause_reason", sa.String(64), nullable=True))
    op.create_index(
        "ix_tickets_technician_created", "tickets", ["technician_id", "created_at", "id"]
    )
    op.create_index("ix_tickets_done_at", "tickets", ["done_at"])
    op.create_table(
        "ticket_status_counts",
        sa.Column("status", sa.String(16), nullable=False),
        _counter("tickets"),
        sa.PrimaryKeyConstraint("status", name=op.f("pk_ticket_status_counts")),
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
    if op.get_bind().dialect.name == "postgresql":
        _count_triggers_postgresql()
    else:
        _count_triggers_sqlite()

    # The domain's own recomputation (SQL over the audit tables) fills every new column.
    from shopfloor.domain.rollups import rebuild

    rebuild(op.get_bind())


def _count_triggers_sqlite() -> None:
    def plus(status: str) -> str:
        return (
            "INSERT OR IGNORE INTO ticket_status_counts (status, tickets) "
            f"VALUES ({status}, 0); "
            f"UPDATE ticket_status_counts SET tickets = tickets + 1 WHERE status = {status};"
        )

    minus = "UPDATE ticket_status_counts SET tickets = tickets - 1 WHERE status = OLD.status;"
    insert, update, delete = SQLITE_TRIGGERS
    op.execute(f"CREATE TRIGGER {insert} AFTER INSERT ON tickets BEGIN {plus('NEW.status')} END")
    op.execute(
        f"CREATE TRIGGER {update} AFTER UPDATE OF status ON tickets "
        f"WHEN OLD.status IS NOT NEW.status BEGIN {minus} {plus('NEW.status')} END"
    )
    op.execute(f"CREATE TRIGGER {delete} AFTER DELETE ON tickets BEGIN {minus} END")


def _count_triggers_postgresql() -> None:
    op.execute(
        """
        CREATE FUNCTION shopfloor_count_ticket_statuses() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'DELETE' THEN
                INSERT INTO ticket_status_counts (status, tickets) VALUES (NEW.status, 0)
                ON CONFLICT (status) DO NOTHING;
            END IF;
            -- Lock both counters in one order, whichever way the ticket moves.
            PERFORM 1 FROM ticket_status_counts
            WHERE status IN (
                CASE WHEN TG_OP <> 'INSERT' THEN OLD.status END,
                CASE WHEN TG_OP <> 'DELETE' THEN NEW.status END
            )
            ORDER BY status FOR UPDATE;
            IF TG_OP <> 'INSERT' THEN
                UPDATE ticket_status_counts SET tickets = tickets - 1 WHERE status = OLD.status;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                UPDATE ticket_status_counts SET tickets = tickets + 1 WHERE status = NEW.status;
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    insert_delete, update = PG_TRIGGERS
    op.execute(
        f"CREATE TRIGGER {insert_delete} AFTER INSERT OR DELETE ON tickets "
        "FOR EACH ROW EXECUTE FUNCTION shopfloor_count_ticket_statuses()"
    )
    op.execute(
        f"CREATE TRIGGER {update} AFTER UPDATE OF status ON tickets FOR EACH ROW "
        "WHEN (OLD.status IS DISTINCT FROM NEW.status) "
        "EXECUTE FUNCTION shopfloor_count_ticket_statuses()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON tickets")
        op.execute("DROP FUNCTION IF EXISTS shopfloor_count_ticket_statuses()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("pause_days")
    op.drop_table("technician_days")
    op.drop_table("ticket_status_counts")
    op.drop_index("ix_tickets_done_at", table_name="tickets")
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
