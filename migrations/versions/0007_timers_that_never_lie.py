"""Timers that never lie: ordered events, non-negative totals, and the shop's timer rules.

- ``work_sessions.active_seconds`` may never be negative (a CHECK on PostgreSQL;
  triggers on SQLite, which cannot add a CHECK to an existing table without
  rebuilding it and losing its partial indexes).
- A work-session event older than its session's last event is refused (a trigger
  on both databases; on PostgreSQL it also locks the session row, so concurrent
  writers of one session queue).
- ``workshop_rules`` gains the shop's pause reasons, daily pause budget, shift
  end and time zone.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_CHECK = "ck_work_sessions_active_seconds_non_negative"
IN_ORDER = "work_session_events_in_order"


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.add_column("workshop_rules", sa.Column("pause_reasons", json_type, nullable=True))
    op.add_column(
        "workshop_rules",
        sa.Column("pause_budget_minutes", sa.Integer(), nullable=False, server_default="30"),
    )
    op.add_column("workshop_rules", sa.Column("shift_end", sa.String(5), nullable=True))
    op.add_column(
        "workshop_rules",
        sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_check_constraint(op.f(ACTIVE_CHECK), "work_sessions", "active_seconds >= 0")
        op.execute(
            """
            CREATE FUNCTION shopfloor_events_in_order() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                -- The session row is the lock every writer of this session queues on.
                PERFORM 1 FROM work_sessions WHERE id = NEW.work_session_id FOR UPDATE;
                IF EXISTS (
                    SELECT 1 FROM work_session_events
                    WHERE work_session_id = NEW.work_session_id AND event_at > NEW.event_at
                ) THEN
                    RAISE EXCEPTION USING
                        ERRCODE = 'check_violation',
                        CONSTRAINT = 'work_session_events_in_order',
                        MESSAGE = format(
                            'work_session_events_in_order: work session %s already has an event after %s',
                            NEW.work_session_id, NEW.event_at
                        );
                END IF;
                RETURN NEW;
            END
            $$
            """
        )
        op.execute(
            f"CREATE TRIGGER {IN_ORDER} BEFORE INSERT ON work_session_events "
            "FOR EACH ROW EXECUTE FUNCTION shopfloor_events_in_order()"
        )
        return
    refuse_negative = (
        f"BEGIN SELECT RAISE(ABORT, '{ACTIVE_CHECK}: active_seconds may not be negative'); END"
    )
    op.execute(
        "CREATE TRIGGER work_sessions_active_seconds_insert BEFORE INSERT ON work_sessions "
        f"WHEN NEW.active_seconds < 0 {refuse_negative}"
    )
    op.execute(
        "CREATE TRIGGER work_sessions_active_seconds_update "
        "BEFORE UPDATE OF active_seconds ON work_sessions "
        f"WHEN NEW.active_seconds < 0 {refuse_negative}"
    )
    op.execute(
        "CREATE TRIGGER work_session_events_in_order BEFORE INSERT ON work_session_events "
        "WHEN EXISTS (SELECT 1 FROM work_session_events AS e "
        "WHERE e.work_session_id = NEW.work_session_id AND e.event_at > NEW.event_at) "
        "BEGIN SELECT RAISE(ABORT, 'work_session_events_in_order: an event older than its session''s "
        "last event is refused'); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {IN_ORDER} ON work_session_events")
        op.execute("DROP FUNCTION IF EXISTS shopfloor_events_in_order()")
        op.drop_constraint(op.f(ACTIVE_CHECK), "work_sessions", type_="check")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {IN_ORDER}")
        op.execute("DROP TRIGGER IF EXISTS work_sessions_active_seconds_insert")
        op.execute("DROP TRIGGER IF EXISTS work_sessions_active_seconds_update")
    for column in ("time_zone", "shift_end", "pause_budget_minutes", "pause_reasons"):
        op.drop_column("workshop_rules", column)
