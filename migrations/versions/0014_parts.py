"""Part-level work (issue 21): a parts catalogue by bike model, part specs with their own
minutes, checklist ticks, an admin review before assignment, parts waiting.

- ``bike_models``, ``parts`` (unique per model, archived rather than deleted),
  ``bikes.model_id``;
- ``ticket_parts`` (part, colour, comment, minutes > 0) and, on ``tickets``, the flag
  colour, XP, ``is_manual``, the review's ``approved_by_id``/``approved_at`` and two
  caches (``part_specs``, ``work_state``) kept with the tables they mirror;
- ``checklist_ticks`` and ``ticket_audit``: append-only, guarded like the other audit
  tables (UPDATE, DELETE and, on SQLite, REPLACE refused);
- ``parts_waiting``: what a parked ticket waits for, and when it arrived;
- ``workshop_rules``: ``review_required``, ``start_opens_timer``,
  ``critical_tasks_required``, ``first_pass_bonus_within_srt`` (all off) and
  ``inspector_xp_pass``/``inspector_xp_fail`` (0): today's behaviour.

Existing tickets stay valid: every new column is NULL or has a default.

Revision ID: 0014_parts
Revises: 0013_ticket_search
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_parts"
down_revision: str | None = "0013_ticket_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("checklist_ticks", "ticket_audit")
RULES = (
    "review_required",
    "start_opens_timer",
    "critical_tasks_required",
    "first_pass_bonus_within_srt",
)
XP_RULES = ("inspector_xp_pass", "inspector_xp_fail")


def _json() -> sa.types.TypeEngine[object]:
    from sqlalchemy.dialects.postgresql import JSONB

    return sa.JSON().with_variant(JSONB(), "postgresql")


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bike_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bike_models")),
        sa.UniqueConstraint("name", name=op.f("uq_bike_models_name")),
    )
    op.create_table(
        "parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("is_archived", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["bike_models.id"], name=op.f("fk_parts_model_id_bike_models")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parts")),
    )
    op.create_index("uq_parts_model_name", "parts", ["model_id", "name"], unique=True)
    op.create_table(
        "ticket_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("color", sa.String(8), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_ticket_parts_minutes_positive")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_parts_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name=op.f("fk_ticket_parts_part_id_parts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_parts")),
    )
    op.create_index(op.f("ix_ticket_parts_ticket_id"), "ticket_parts", ["ticket_id"])
    op.create_table(
        "checklist_ticks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("task_index", sa.Integer(), nullable=False),
        sa.Column("ticked", sa.Boolean(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_checklist_ticks_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_checklist_ticks_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_ticks")),
    )
    op.create_index(op.f("ix_checklist_ticks_ticket_id"), "checklist_ticks", ["ticket_id"])
    op.create_table(
        "ticket_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_audit_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_ticket_audit_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_audit")),
    )
    op.create_index(op.f("ix_ticket_audit_ticket_id"), "ticket_audit", ["ticket_id"])
    op.create_table(
        "parts_waiting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(200), server_default="", nullable=False),
        sa.Column("quantity", sa.Integer(), server_default="1", nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", _utc(), nullable=False),
        sa.Column("arrived_by_id", sa.Integer(), nullable=True),
        sa.Column("arrived_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_parts_waiting_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name=op.f("fk_parts_waiting_part_id_parts")
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"], ["users.id"], name=op.f("fk_parts_waiting_asked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["arrived_by_id"], ["users.id"], name=op.f("fk_parts_waiting_arrived_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parts_waiting")),
    )
    op.create_index(op.f("ix_parts_waiting_ticket_id"), "parts_waiting", ["ticket_id"])
    op.create_index(op.f("ix_parts_waiting_arrived_at"), "parts_waiting", ["arrived_at"])

    op.add_column("bikes", sa.Column("model_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_bikes_model_id"), "bikes", ["model_id"])
    op.add_column("tickets", sa.Column("flag_color", sa.String(8), nullable=True))
    op.add_column("tickets", sa.Column("xp_amount", sa.Integer(), nullable=True))
    op.add_column(
        "tickets",
        sa.Column("is_manual", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("tickets", sa.Column("approved_by_id", sa.Integer(), nullable=True))
    op.add_column("tickets", sa.Column("approved_at", _utc(), nullable=True))
    op.add_column("tickets", sa.Column("part_specs", _json(), nullable=True))
    op.add_column("tickets", sa.Column("work_state", _json(), nullable=True))
    for rule in RULES:
        op.add_column(
            "workshop_rules",
            sa.Column(rule, sa.Boolean(), server_default=sa.false(), nullable=False),
        )
    for rule in XP_RULES:
        op.add_column(
            "workshop_rules",
            sa.Column(rule, sa.Integer(), server_default="0", nullable=False),
        )
    _protect(APPEND_ONLY)


def _protect(tables: Sequence[str]) -> None:
    """UPDATE and DELETE refused, as on the first audit tables (migrations 0001, 0005)."""
    if op.get_bind().dialect.name == "postgresql":
        for table in tables:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION shopfloor_refuse_audit_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION shopfloor_refuse_audit_change()"
            )
        return
    for table in tables:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {event} is refused'); END"
            )
        # Names and text are this module's constants, never input.
        op.execute(
            f"CREATE TRIGGER {table}_no_replace_id BEFORE INSERT ON {table} "  # noqa: S608
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: REPLACE is refused'); END"
        )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        else:
            for name in ("no_update", "no_delete", "no_replace_id"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{name}")
    for rule in (*RULES, *XP_RULES):
        op.drop_column("workshop_rules", rule)
    for column in (
        "work_state",
        "part_specs",
        "approved_at",
        "approved_by_id",
        "is_manual",
        "xp_amount",
        "flag_color",
    ):
        op.drop_column("tickets", column)
    op.drop_index(op.f("ix_bikes_model_id"), table_name="bikes")
    op.drop_column("bikes", "model_id")
    op.drop_table("parts_waiting")
    op.drop_table("ticket_audit")
    op.drop_table("checklist_ticks")
    op.drop_table("ticket_parts")
    op.drop_index("uq_parts_model_name", table_name="parts")
    op.drop_table("parts")
    op.drop_table("bike_models")
