"""The wall board's settings: its token (hashed), the daily target, the shift start.

One row (id = 1). On PostgreSQL a change to it notifies the boards like any other
change (see ``0010_change_notify``).

Revision ID: 0011_wall_board
Revises: 0010_change_notify
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_wall_board"
down_revision: str | None = "0010_change_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "board_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("token_set_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("daily_target", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("shift_start", sa.String(5), nullable=True),
        sa.Column("long_pause_minutes", sa.Integer(), nullable=False, server_default="15"),
        sa.CheckConstraint("id = 1", name=op.f("ck_board_settings_single_row")),
        sa.CheckConstraint(
            "daily_target >= 0", name=op.f("ck_board_settings_daily_target_not_negative")
        ),
        sa.CheckConstraint(
            "long_pause_minutes >= 1", name=op.f("ck_board_settings_long_pause_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_settings")),
    )
    op.bulk_insert(table, [{"id": 1}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER board_settings_notify_change "
            "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON board_settings "
            "FOR EACH STATEMENT EXECUTE FUNCTION shopfloor_notify_change()"
        )


def downgrade() -> None:
    op.drop_table("board_settings")
