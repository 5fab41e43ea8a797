"""Two more invariants kept by the database itself, whatever client writes to it.

1. On SQLite the audit tables refuse REPLACE, as they already refuse UPDATE and DELETE.
``REPLACE INTO`` / ``INSERT OR REPLACE`` deletes the row it collides with
without firing DELETE triggers (unless ``PRAGMA recursive_triggers`` is on, a
per-connection setting that the ``sqlite3`` shell or any other client leaves
off). So the guard lives in the file itself: a BEFORE INSERT trigger refuses
any insert whose primary key or unique key already exists, whatever the
conflict clause, which makes every rewrite by insertion fail. The UPSERT form
(``ON CONFLICT DO UPDATE``) is refused by the same triggers, and by the UPDATE
triggers behind them. PostgreSQL has no REPLACE, and its UPSERT fires the
existing UPDATE trigger.

A plain duplicate ``xp_ledger.reference`` still reads as that unique
constraint's failure, so a lost race keeps its domain error ("already paid").

2. An archived bike never holds an active ticket: a ticket that is not done
is refused on an archived bike, and archiving a bike with such a ticket is
refused. Intake and archive take the bike's row lock in the domain; on
PostgreSQL the ticket check also takes a share lock on the bike's row, so the
two checks cannot both pass in concurrent transactions even without it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Table -> (trigger suffix, the colliding-row condition, the message) per key.
# In a BEFORE INSERT trigger NEW.id is -1 when the id is left to SQLite; the
# shop's ids are positive, so that placeholder never collides with a real row.
_KEYS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "ticket_transitions": (
        ("id", "id = NEW.id", "ticket_transitions is append-only: REPLACE is refused"),
    ),
    "work_session_events": (
        ("id", "id = NEW.id", "work_session_events is append-only: REPLACE is refused"),
    ),
    "xp_ledger": (
        ("id", "id = NEW.id", "xp_ledger is append-only: REPLACE is refused"),
        (
            "reference",
            "reference = NEW.reference",
            "xp_ledger is append-only: REPLACE is refused "
            "(UNIQUE constraint failed: xp_ledger.reference)",
        ),
    ),
}


def _trigger(table: str, key: str) -> str:
    return f"{table}_no_replace_{key}"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _guard_archived_bikes_postgresql()
        return
    _guard_archived_bikes_sqlite()
    for table, keys in _KEYS.items():
        for key, condition, message in keys:
            # Names and text are this module's constants, never input.
            sql = (
                f"CREATE TRIGGER {_trigger(table, key)} BEFORE INSERT ON {table} "  # noqa: S608
                f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {condition}) "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tickets_need_an_active_bike ON tickets")
        op.execute("DROP TRIGGER IF EXISTS bikes_archive_needs_no_active_ticket ON bikes")
        op.execute("DROP FUNCTION IF EXISTS shopfloor_ticket_needs_active_bike()")
        op.execute("DROP FUNCTION IF EXISTS shopfloor_archive_needs_no_active_ticket()")
        return
    for name in ARCHIVED_BIKE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table, keys in _KEYS.items():
        for key, _condition, _message in keys:
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, key)}")


ARCHIVED_BIKE_TRIGGERS = (
    "tickets_need_an_active_bike_insert",
    "tickets_need_an_active_bike_update",
    "bikes_archive_needs_no_active_ticket",
)
# Spelled the same in the PostgreSQL functions below.
ARCHIVED_MESSAGE = "the bike is archived: it cannot hold an active ticket"
BUSY_MESSAGE = "the bike has an active ticket: archiving it is refused"


def _guard_archived_bikes_sqlite() -> None:
    archived = "EXISTS (SELECT 1 FROM bikes WHERE id = NEW.bike_id AND NOT is_active)"
    insert, update, archive = ARCHIVED_BIKE_TRIGGERS
    op.execute(
        f"CREATE TRIGGER {insert} BEFORE INSERT ON tickets "
        f"WHEN NEW.status != 'done' AND {archived} "
        f"BEGIN SELECT RAISE(ABORT, '{ARCHIVED_MESSAGE}'); END"
    )
    op.execute(
        f"CREATE TRIGGER {update} BEFORE UPDATE OF status, bike_id ON tickets "
        f"WHEN NEW.status != 'done' AND {archived} "
        f"BEGIN SELECT RAISE(ABORT, '{ARCHIVED_MESSAGE}'); END"
    )
    op.execute(
        f"CREATE TRIGGER {archive} BEFORE UPDATE OF is_active ON bikes "  # noqa: S608
        "WHEN OLD.is_active AND NOT NEW.is_active AND EXISTS "
        "(SELECT 1 FROM tickets WHERE bike_id = NEW.id AND status != 'done') "
        f"BEGIN SELECT RAISE(ABORT, '{BUSY_MESSAGE}'); END"
    )


def _guard_archived_bikes_postgresql() -> None:
    # The share lock waits for a concurrent archive of the bike and then reads the
    # committed row; an archive waits for it in turn, and its own trigger (run with
    # the row locked, on a fresh snapshot) then sees the new ticket.
    op.execute(
        """
        CREATE FUNCTION shopfloor_ticket_needs_active_bike() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            bike_active boolean;
        BEGIN
            IF NEW.status <> 'done' THEN
                SELECT is_active INTO bike_active FROM bikes WHERE id = NEW.bike_id FOR SHARE;
                IF bike_active IS FALSE THEN
                    RAISE EXCEPTION 'the bike is archived: it cannot hold an active ticket'
                        USING ERRCODE = 'check_violation';
                END IF;
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER tickets_need_an_active_bike BEFORE INSERT OR UPDATE OF status, bike_id "
        "ON tickets FOR EACH ROW EXECUTE FUNCTION shopfloor_ticket_needs_active_bike()"
    )
    op.execute(
        """
        CREATE FUNCTION shopfloor_archive_needs_no_active_ticket() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.is_active AND NOT NEW.is_active AND EXISTS (
                SELECT 1 FROM tickets WHERE bike_id = NEW.id AND status <> 'done'
            ) THEN
                RAISE EXCEPTION 'the bike has an active ticket: archiving it is refused'
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER bikes_archive_needs_no_active_ticket BEFORE UPDATE OF is_active "
        "ON bikes FOR EACH ROW EXECUTE FUNCTION shopfloor_archive_needs_no_active_ticket()"
    )
