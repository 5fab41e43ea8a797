"""When a user's password last changed: sessions begun before it are refused.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE (SQLite 3.35+ drops columns natively): batch mode would rebuild
# the table and lose what it cannot reflect, such as expression indexes.
def upgrade() -> None:
    op.add_column(
        "users", sa.Column("credentials_changed_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("users", "credentials_changed_at")
