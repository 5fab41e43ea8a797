"""The audit tables refuse REPLACE on SQLite, as they already refuse UPDATE and DELETE.

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

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
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
    if op.get_bind().dialect.name != "sqlite":
        return
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
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, keys in _KEYS.items():
        for key, _condition, _message in keys:
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, key)}")
