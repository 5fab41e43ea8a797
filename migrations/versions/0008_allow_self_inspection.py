"""A shop rule: may a user pass or fail QC on a ticket they worked on (one-person shops).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE (SQLite 3.35+ drops columns natively): batch mode would rebuild
# the table and lose what it cannot reflect, such as expression indexes.
def upgrade() -> None:
    op.add_column(
        "workshop_rules",
        sa.Column("allow_self_inspection", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("workshop_rules", "allow_self_inspection")
