"""SQLAlchemy 2 models: the shared database's tables.

The invariants the workshop relies on are also guarded here, in the database
itself: partial unique indexes (one active ticket per bike, one ``in_progress``
ticket per technician, one open work session per ticket and per technician)
and, in the migration, triggers that make the audit tables append-only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    false,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware.

    SQLite has no timezone type, so values are stored naive-in-UTC there.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RoleRow(Base):
    __tablename__ = "roles"

    slug: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_username_ci", func.lower(text("username")), unique=True),
        # One badge per person: a scan names exactly one user (NULL: no badge).
        Index("uq_users_badge_digest", "badge_digest", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150))
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # When the password last changed (for people); revocation uses the version below.
    credentials_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Every token carries the version it was issued under and must match it exactly:
    # bumped by a password change and a deactivation, so it can never tie like a time.
    credentials_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A shared terminal's quick way in: a badge scan, then a short PIN (domain/users.py).
    # The badge is kept as a SHA-256 digest (found by lookup, never stored in clear),
    # the PIN hashed with argon2 like the password.
    badge_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pin_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # Loaded on purpose (``WITH_ROLES``) where a use case needs roles, so lists of
    # tickets that join their people never pay for them.
    role_links: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def role_slugs(self) -> list[str]:
        return sorted(link.role_slug for link in self.role_links)


class UserRole(Base):
    """One role held by one user."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role_slug: Mapped[str] = mapped_column(ForeignKey("roles.slug"), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_links")


class Bike(Base):
    __tablename__ = "bikes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bike_code: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Its model (issue 21), whose parts catalogue intake offers; NULL: not said.
    # (No foreign key: SQLite cannot add one to an existing table without rebuilding it,
    # and its triggers with it; the domain checks the id.)
    model_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index(
            "uq_tickets_active_bike",
            "bike_id",
            unique=True,
            sqlite_where=text("status != 'done'"),
            postgresql_where=text("status != 'done'"),
        ),
        Index(
            "uq_tickets_in_progress_technician",
            "technician_id",
            unique=True,
            sqlite_where=text("status = 'in_progress'"),
            postgresql_where=text("status = 'in_progress'"),
        ),
        Index("ix_tickets_status_created", "status", "created_at"),
        Index("ix_tickets_created_id", "created_at", "id"),
        # A technician's list and the team's window of passed tickets are range scans.
        Index("ix_tickets_technician_created", "technician_id", "created_at", "id"),
        Index("ix_tickets_done_at", "done_at"),
        CheckConstraint("srt_total_minutes > 0", name="srt_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bike_id: Mapped[int] = mapped_column(ForeignKey("bikes.id"), index=True)
    master_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    checklist_snapshot: Mapped[list[Any]] = mapped_column(JSONType)
    srt_total_minutes: Mapped[int] = mapped_column(Integer)
    srt_approved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    srt_approved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    flag_minutes: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Caches of the history, kept in the transaction that writes it (see rollups.py),
    # so a ticket's view needs no query over its transitions or sessions.
    qc_fail_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    latest_qc_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The label of the reason it was parked while it stays parked; NULL otherwise.
    parked_reason: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # Seconds of its closed running intervals; plus now - running_since while one runs.
    worked_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    running_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Part-level work (issue 21). The flag colour and XP follow from the minutes unless an
    # admin set them (``is_manual``); NULL on tickets from before (read from the SRT).
    flag_color: Mapped[str | None] = mapped_column(String(8), nullable=True)
    xp_amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    is_manual: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The admin review before assignment (the shop's ``review_required`` rule).
    approved_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a user
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Caches kept in the transaction that writes their tables (``audit verify`` checks
    # them): the part specs as replies show them; and the work's state (domain/partwork.py):
    # each ticked task's who and when, the tasks the last QC fail named, parts waited for.
    part_specs: Mapped[list[Any] | None] = mapped_column(JSONType, nullable=True)
    work_state: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)

    bike: Mapped[Bike] = relationship(lazy="raise")
    master: Mapped[User] = relationship(foreign_keys=[master_id], lazy="raise")
    technician: Mapped[User | None] = relationship(foreign_keys=[technician_id], lazy="raise")


class TicketTransition(Base):
    """Append-only: the database refuses UPDATE and DELETE."""

    __tablename__ = "ticket_transitions"
    # QC analytics look transitions up by action, and "did this ticket ever fail QC".
    __table_args__ = (Index("ix_ticket_transitions_action_ticket", "action", "ticket_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class WorkSession(Base):
    __tablename__ = "work_sessions"
    __table_args__ = (
        Index(
            "uq_work_sessions_open_ticket",
            "ticket_id",
            unique=True,
            sqlite_where=text("status IN ('running', 'paused')"),
            postgresql_where=text("status IN ('running', 'paused')"),
        ),
        Index(
            "uq_work_sessions_open_technician",
            "technician_id",
            unique=True,
            sqlite_where=text("status IN ('running', 'paused')"),
            postgresql_where=text("status IN ('running', 'paused')"),
        ),
        # A technician's sessions that ended in a window (the pause budget) are a range.
        Index("ix_work_sessions_technician_ended", "technician_id", "ended_at"),
        # On SQLite this is a pair of triggers (see migration 0007).
        CheckConstraint("active_seconds >= 0", name="active_seconds_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    # A cache of the closed running intervals; the event history is the truth.
    active_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # While paused: the reason code of the pause (for the daily pause rollups).
    pause_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkSessionEvent(Base):
    """Append-only: the database refuses UPDATE and DELETE, and an event older than
    its session's last one (trigger ``work_session_events_in_order``)."""

    __tablename__ = "work_session_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_session_id: Mapped[int] = mapped_column(ForeignKey("work_sessions.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    event_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Free-form details; a pause may carry a reason here.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class XpEntry(Base):
    """Append-only XP ledger; ``reference`` is unique so nothing pays twice."""

    __tablename__ = "xp_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    entry_type: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class WorkshopRules(Base):
    """One row of tunable rules (id = 1)."""

    __tablename__ = "workshop_rules"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("checklist_min_items >= 1", name="checklist_min_positive"),
        CheckConstraint("xp_srt_divisor >= 1", name="xp_divisor_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checklist_min_items: Mapped[int] = mapped_column(Integer, default=10)
    xp_srt_divisor: Mapped[int] = mapped_column(Integer, default=20)
    xp_first_pass_bonus: Mapped[int] = mapped_column(Integer, default=1)
    # The shop's own intake template; NULL means the built-in default.
    default_checklist: Mapped[list[Any] | None] = mapped_column(JSONType, nullable=True)
    # Timer rules. Pause reasons: [{"code", "label", "counts"}]; NULL is the built-in list.
    pause_reasons: Mapped[list[Any] | None] = mapped_column(JSONType, nullable=True)
    pause_budget_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    # "HH:MM" local time when the shift ends; NULL: no shift end.
    shift_end: Mapped[str | None] = mapped_column(String(5), nullable=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # A one-person workshop inspects its own work; everywhere else a second pair of eyes does.
    allow_self_inspection: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Issue 21's rules, all off by default so the v1 contract holds unchanged.
    review_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    start_opens_timer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    critical_tasks_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # The original's later XP rules: the first-pass bonus only within the SRT; XP for the
    # inspector on each QC pass and fail (0: none, today's behaviour).
    first_pass_bonus_within_srt: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    inspector_xp_pass: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    inspector_xp_fail: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RefreshFamily(Base):
    """One login's chain of refresh tokens: only ``current_token`` may be used next.

    Presenting an older token of the chain means it was copied; the whole family
    is then revoked (``revoked_at``), and the access tokens it issued with it.
    """

    __tablename__ = "refresh_families"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    current_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Past this the newest refresh token has expired too, so the row may be pruned.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ThrottleEntry(Base):
    """Failed attempts of one kind from one client (and username) in the current window.

    Shared by every worker process and terminal; rows whose window has passed
    count for nothing and are pruned.
    """

    __tablename__ = "throttle_entries"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    client: Mapped[str] = mapped_column(String(128), primary_key=True)
    username: Mapped[str] = mapped_column(String(150), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class TicketStatusCount(Base):
    """How many tickets are in each status, kept exact by triggers on ``tickets``."""

    __tablename__ = "ticket_status_counts"

    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    tickets: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class BikeStatusCount(Base):
    """How many bikes are in each status (archived ones apart), kept exact by triggers."""

    __tablename__ = "bike_status_counts"

    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    is_active: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    bikes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TechnicianDay(Base):
    """One technician's figures on one of the shop's local days, kept in the transaction
    that writes the events (see rollups.py); the history can always rebuild them."""

    __tablename__ = "technician_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # The technician (the ticket's, or the session's); 0 if none.
    technician_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_pass: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    srt_minutes_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    worked_seconds_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    qc_fails: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    xp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    worked_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PauseDay(Base):
    """Paused seconds per shop-local day, technician and pause reason."""

    __tablename__ = "pause_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    technician_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(String(64), primary_key=True)
    seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class BikeModel(Base):
    """A bike model: the parts catalogue is kept per model."""

    __tablename__ = "bike_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Part(Base):
    """A part of a bike model that intake may name; removing one archives it (old tickets
    keep naming it)."""

    __tablename__ = "parts"
    __table_args__ = (Index("uq_parts_model_name", "model_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("bike_models.id"))
    name: Mapped[str] = mapped_column(String(100))
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketPart(Base):
    """One part to fix on a ticket: its condition colour, a comment and its own minutes."""

    __tablename__ = "ticket_parts"
    __table_args__ = (CheckConstraint("minutes > 0", name="minutes_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    color: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    minutes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChecklistTick(Base):
    """Append-only: a checklist task ticked (or un-ticked), by whom and when."""

    __tablename__ = "checklist_ticks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    task_index: Mapped[int] = mapped_column(Integer)
    ticked: Mapped[bool] = mapped_column(Boolean)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketAudit(Base):
    """Append-only: changes to a ticket that are not status moves (an admin's override of
    its flag colour and XP), with who, when and what."""

    __tablename__ = "ticket_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PartWaiting(Base):
    """A part a parked ticket waits for: asked for, then (once here) arrived."""

    __tablename__ = "parts_waiting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    part_id: Mapped[int | None] = mapped_column(ForeignKey("parts.id"), nullable=True)
    description: Mapped[str] = mapped_column(String(200), default="", server_default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    arrived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)


def session_is_open() -> ColumnElement[bool]:
    """``status IN ('running', 'paused')`` spelled with literals, exactly as the partial
    indexes' WHERE: SQLite uses a partial index only for a query that repeats it (bound
    parameters would not), so reading the open sessions is an index range, not a scan."""
    return WorkSession.status.in_([literal_column("'running'"), literal_column("'paused'")])


WITH_ROLES = selectinload(User.role_links)

AUDIT_TABLES: tuple[str, ...] = ("ticket_transitions", "work_session_events", "xp_ledger")
# Issue 21's append-only tables, guarded the same way (migration 0014).
PARTS_AUDIT_TABLES: tuple[str, ...] = ("checklist_ticks", "ticket_audit")

# The wall board's settings table is declared in its own module (issue 23); importing it
# here puts it in ``Base.metadata`` wherever the models are loaded.
from . import board_settings as _board_settings  # noqa: E402, F401

# So is ticket search's word index (issue 24).
from . import search_index as _search_index  # noqa: E402, F401
