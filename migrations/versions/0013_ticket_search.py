"""Ticket search: a word index kept by triggers (issue 24).

- ``ticket_search_terms`` (word, ticket) and ``search_words`` (every distinct word):
  the words of each ticket's title, of the notes on its transitions and of its pause
  notes. Triggers on ``tickets``, ``ticket_transitions`` and ``work_session_events``
  write them (on PostgreSQL through two functions), so every writer keeps them.
- Filled from the existing history with ``shopfloor.domain.search_index``.

Revision ID: 0013_ticket_search
Revises: 0012_badge_and_pin
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_ticket_search"
down_revision: str | None = "0012_badge_and_pin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORD = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def upgrade() -> None:
    from shopfloor.domain.search_index import index_ddl, rebuild_search_index

    op.create_table(
        "ticket_search_terms",
        sa.Column("term", WORD, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", "ticket_id", name=op.f("pk_ticket_search_terms")),
    )
    op.create_table(
        "search_words",
        sa.Column("word", WORD, nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_words")),
    )
    bind = op.get_bind()
    for statement in index_ddl(bind.dialect.name):
        op.execute(statement)
    rebuild_search_index(bind)


def downgrade() -> None:
    from shopfloor.domain.search_index import drop_ddl

    for statement in drop_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("search_words")
    op.drop_table("ticket_search_terms")
