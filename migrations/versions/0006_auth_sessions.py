"""Credentials versions, refresh-token families and a shared throttle table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE (SQLite 3.35+ drops columns natively): batch mode would rebuild
# the table and lose what it cannot reflect, such as expression indexes.
def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("credentials_version", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "refresh_families",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("current_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_refresh_families_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_refresh_families"),
    )
    op.create_index("ix_refresh_families_user_id", "refresh_families", ["user_id"])
    op.create_index("ix_refresh_families_expires_at", "refresh_families", ["expires_at"])
    op.create_table(
        "throttle_entries",
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("client", sa.String(128), nullable=False),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "client", "username", name="pk_throttle_entries"),
    )
    op.create_index(
        "ix_throttle_entries_window_started_at", "throttle_entries", ["window_started_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_throttle_entries_window_started_at", "throttle_entries")
    op.drop_table("throttle_entries")
    op.drop_index("ix_refresh_families_expires_at", "refresh_families")
    op.drop_index("ix_refresh_families_user_id", "refresh_families")
    op.drop_table("refresh_families")
    op.drop_column("users", "credentials_version")
