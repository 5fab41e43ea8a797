"""Badge and PIN: a user may have a badge (kept as a digest, one per person) and a PIN.

A badge scan followed by the PIN logs that person in at a shared terminal
(``shopfloor user badge`` / ``user pin``); see ``shopfloor/domain/users.py``.

Revision ID: 0012_badge_and_pin
Revises: 0011_wall_board
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_badge_and_pin"
down_revision: str | None = "0011_wall_board"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, as in 0004: batch mode would rebuild ``users`` and lose its
# expression index on lower(username).
def upgrade() -> None:
    op.add_column("users", sa.Column("badge_digest", sa.String(64), nullable=True))
    op.add_column("users", sa.Column("pin_hash", sa.String(255), nullable=True))
    op.create_index("uq_users_badge_digest", "users", ["badge_digest"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_users_badge_digest", table_name="users")
    op.drop_column("users", "pin_hash")
    op.drop_column("users", "badge_digest")
