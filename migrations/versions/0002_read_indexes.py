"""Indexes for reads that must not grow with history.

Newest-first ticket lists walk ``(created_at, id)``; QC analytics find passes
and fails by ``(action, ticket_id)``; worked-time windows skip sessions that
ended before the window by ``work_sessions.ended_at``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_created_id", "tickets", ["created_at", "id"])
    op.create_index(
        "ix_ticket_transitions_action_ticket", "ticket_transitions", ["action", "ticket_id"]
    )
    op.create_index(op.f("ix_work_sessions_ended_at"), "work_sessions", ["ended_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_work_sessions_ended_at"), table_name="work_sessions")
    op.drop_index("ix_ticket_transitions_action_ticket", table_name="ticket_transitions")
    op.drop_index("ix_tickets_created_id", table_name="tickets")
