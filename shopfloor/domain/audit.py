"""Audit: recompute the mutable tables from the append-only history and report every drift.

The history (``ticket_transitions``, ``work_session_events``, ``xp_ledger``) is the
truth; the rows that change (``tickets.status``, ``work_sessions.active_seconds``,
``bikes.status``) are caches of it. :func:`verify_shop` checks, with one aggregate
query per kind, that

- every ticket's status is the ``to_status`` of its last transition;
- every work session's status is that of its last event, and its stored
  ``active_seconds`` equals the closed running intervals its events describe;
- every bike is ``in_service`` exactly while one of its tickets has been started
  and not yet passed QC (bikes in statuses no ticket sets, like ``blocked``, are
  only checked for the second half);
- every ticket was paid the XP its ``qc_pass`` transition recorded (base + bonus),
  and no ticket was paid XP it never earned;
- every ticket's part specs, ticked tasks and parts waited for (kept on its row) are
  what ``ticket_parts``, ``checklist_ticks`` and ``parts_waiting`` say.

The read models kept for speed (see :mod:`.rollups`) are checked too and reported
apart, as ``derived_drifts``: the ticket facts kept on each row, the per-status
counters and the daily rollups, each recomputed from the history in SQL. A drift
there is fixed by :func:`rebuild_read_models` (``shopfloor audit rebuild``); one in the
history's own caches is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Table, and_, case, cast, func, or_, select, text, union_all
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import aliased

from .errors import ShopUnavailable
from .models import (
    Bike,
    BikeStatusCount,
    ChecklistTick,
    PartWaiting,
    PauseDay,
    TechnicianDay,
    Ticket,
    TicketPart,
    TicketStatusCount,
    TicketTransition,
    WorkSession,
    WorkSessionEvent,
    XpEntry,
)
from .partwork import state_of
from .rollups import (
    DAY_COLUMNS,
    day_table,
    expected_days,
    rebuild,
    status_count_drifts,
    ticket_fact_drifts,
)
from .search_index import rebuild_search_index
from .shop import Tx, reads, writes
from .values import BikeStatus, TicketAction, WorkSessionStatus, XpEntryType
from .worktime import epoch_seconds

REBUILD_COMMAND = "shopfloor audit rebuild"
# Every table a writer of the history updates or upserts in the same transaction: a
# writer holds ROW EXCLUSIVE on some of them until it commits, so EXCLUSIVE on all of
# them waits for the writers in flight and holds off new ones, while plain reads go on.
# Writers take these in different orders (a new bike then its ticket; a passed ticket
# then its bike), so waiting for the set could close a deadlock with one of them: each
# try gives up after _LOCK_WAIT, well before PostgreSQL's deadlock check (1 s by
# default) would abort the writer, lets go of what it got, and tries again.
_LOCK_WAIT = "200ms"
_LOCK_TRIES = 50
_LOCK_NOT_AVAILABLE = "55P03"
_REBUILD_LOCKED = (
    "tickets",
    "work_sessions",
    "bikes",
    "ticket_status_counts",
    "bike_status_counts",
    "technician_days",
    "pause_days",
)


@dataclass(frozen=True)
class Drift:
    """One disagreement between a stored value and what the history says it must be."""

    # ticket_status, work_session_status, work_session_total, bike_status, xp; derived:
    # ticket_fact, status_count, technician_day, pause_day
    kind: str
    subject: str  # "ticket 12", "work session 3", "bike RM-0001"
    stored: str
    expected: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.kind} is {self.stored}, the history says {self.expected}"


@dataclass(frozen=True)
class AuditReport:
    """What was checked, and every drift found (none: the shop agrees with its history)."""

    tickets: int
    work_sessions: int
    bikes: int
    xp_entries: int
    drifts: tuple[Drift, ...]
    derived_drifts: tuple[Drift, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.drifts and not self.derived_drifts

    @property
    def all_drifts(self) -> tuple[Drift, ...]:
        return self.drifts + self.derived_drifts

    def summary(self) -> str:
        counts = (
            f"{self.tickets} tickets, {self.work_sessions} work sessions, "
            f"{self.bikes} bikes and {self.xp_entries} XP entries"
        )
        if self.clean:
            return f"Audit clean: {counts} agree with their history."
        derived = (
            f" The counters and daily rollups drifted in {len(self.derived_drifts)} place(s); "
            f"`{REBUILD_COMMAND}` rebuilds them from the history."
            if self.derived_drifts
            else ""
        )
        return f"Audit found {len(self.drifts)} drift(s) in {counts}.{derived}"


def _ticket_status_drifts(tx: Tx) -> list[Drift]:
    last = (
        select(TicketTransition.ticket_id, func.max(TicketTransition.id).label("last_id"))
        .group_by(TicketTransition.ticket_id)
        .subquery("last_transition")
    )
    rows = tx.session.execute(
        select(Ticket.id, Ticket.status, TicketTransition.to_status)
        .select_from(Ticket)
        .outerjoin(last, last.c.ticket_id == Ticket.id)
        .outerjoin(TicketTransition, TicketTransition.id == last.c.last_id)
        .where(or_(TicketTransition.id.is_(None), TicketTransition.to_status != Ticket.status))
        .order_by(Ticket.id)
    )
    return [
        Drift("ticket_status", f"ticket {tid}", stored, expected or "(no transition at all)")
        for tid, stored, expected in rows
    ]


def _work_session_drifts(tx: Tx) -> list[Drift]:
    ev = WorkSessionEvent
    running = WorkSessionStatus.RUNNING.value
    at = epoch_seconds(ev.event_at)
    # Each closed running interval starts at an event *to* running and ends at the next
    # event, which is *from* running. So its seconds are the sum of the ends minus the
    # sum of the starts, one GROUP BY and no window; a session still running has one
    # start with no end yet, which is added back once its last event is known below.
    per_session = (
        select(
            ev.work_session_id,
            (
                func.sum(case((ev.from_status == running, at), else_=0))
                - func.sum(case((ev.to_status == running, at), else_=0))
            ).label("seconds"),
            func.max(ev.id).label("last_id"),
        )
        .group_by(ev.work_session_id)
        .subquery("per_session")
    )
    last = aliased(WorkSessionEvent, name="last_event")
    open_start = case((last.to_status == running, epoch_seconds(last.event_at)), else_=0)
    closed_seconds = cast(func.coalesce(per_session.c.seconds, 0) + open_start, Integer)
    rows = tx.session.execute(
        select(
            WorkSession.id,
            WorkSession.status,
            WorkSession.active_seconds,
            last.to_status,
            closed_seconds,
        )
        .select_from(WorkSession)
        .outerjoin(per_session, per_session.c.work_session_id == WorkSession.id)
        .outerjoin(last, last.id == per_session.c.last_id)
        .where(
            or_(
                last.id.is_(None),
                last.to_status != WorkSession.status,
                closed_seconds != WorkSession.active_seconds,
            )
        )
        .order_by(WorkSession.id)
    )
    drifts: list[Drift] = []
    for sid, status, stored_seconds, last_status, seconds in rows:
        subject = f"work session {sid}"
        if last_status != status:
            drifts.append(
                Drift("work_session_status", subject, status, last_status or "(no event at all)")
            )
        if (seconds or 0) != stored_seconds:
            drifts.append(
                Drift("work_session_total", subject, f"{stored_seconds} s", f"{seconds or 0} s")
            )
    return drifts


def _bike_status_drifts(tx: Tx) -> list[Drift]:
    tt = TicketTransition
    per_ticket = (
        select(
            tt.ticket_id,
            func.max(case((tt.action == TicketAction.STARTED.value, 1), else_=0)).label("started"),
            func.max(case((tt.action == TicketAction.QC_PASS.value, 1), else_=0)).label("passed"),
        )
        .group_by(tt.ticket_id)
        .subquery("per_ticket")
    )
    in_work = (
        select(Ticket.bike_id)
        .join(per_ticket, per_ticket.c.ticket_id == Ticket.id)
        .where(per_ticket.c.started == 1, per_ticket.c.passed == 0)
        .distinct()
        .subquery("in_work")
    )
    in_service = BikeStatus.IN_SERVICE.value
    rows = tx.session.execute(
        select(Bike.bike_code, Bike.status, in_work.c.bike_id.is_not(None))
        .outerjoin(in_work, in_work.c.bike_id == Bike.id)
        .where(
            or_(
                and_(in_work.c.bike_id.is_not(None), Bike.status != in_service),
                and_(in_work.c.bike_id.is_(None), Bike.status == in_service),
            )
        )
        .order_by(Bike.bike_code)
    )
    return [
        Drift(
            "bike_status",
            f"bike {code}",
            status,
            in_service + " (a started ticket is not through QC)"
            if working
            else BikeStatus.READY.value + " (no ticket is being worked)",
        )
        for code, status, working in rows
    ]


def _xp_drifts(tx: Tx) -> list[Drift]:
    tt = TicketTransition
    owed = (
        select(
            tt.ticket_id.label("ticket_id"),
            func.sum(
                func.coalesce(tt.meta["xp_base"].as_integer(), 0)
                + func.coalesce(tt.meta["xp_bonus"].as_integer(), 0)
                + func.coalesce(tt.meta["xp_inspector"].as_integer(), 0)
            ).label("amount"),
        )
        .where(tt.action.in_([TicketAction.QC_PASS.value, TicketAction.QC_FAIL.value]))
        .group_by(tt.ticket_id)
    )
    # A ledger reference is "<entry type>:<ticket id>"; the ticket id is what follows
    # (the inspector's, one per decision, name the ticket in their payload).
    paid_parts: list[Any] = [
        select(
            XpEntry.payload["ticket_id"].as_integer().label("ticket_id"),
            XpEntry.amount.label("amount"),
        ).where(XpEntry.entry_type == XpEntryType.TICKET_QC_INSPECTOR.value)
    ]
    for kind in XpEntryType:
        if kind is XpEntryType.TICKET_QC_INSPECTOR:
            continue
        prefix = f"{kind.value}:"
        paid_parts.append(
            select(
                cast(func.substr(XpEntry.reference, len(prefix) + 1), Integer).label("ticket_id"),
                XpEntry.amount.label("amount"),
            ).where(XpEntry.reference.startswith(prefix, autoescape=True))
        )
    ledger = union_all(*paid_parts).subquery("ledger")
    paid = (
        select(ledger.c.ticket_id, func.sum(ledger.c.amount).label("amount"))
        .group_by(ledger.c.ticket_id)
        .subquery("paid")
    )
    owed_q = owed.subquery("owed")
    owed_amount = func.coalesce(owed_q.c.amount, 0)
    paid_amount = func.coalesce(paid.c.amount, 0)
    rows = tx.session.execute(
        select(Ticket.id, paid_amount, owed_amount)
        .outerjoin(owed_q, owed_q.c.ticket_id == Ticket.id)
        .outerjoin(paid, paid.c.ticket_id == Ticket.id)
        .where(owed_amount != paid_amount)
        .order_by(Ticket.id)
    )
    drifts = [
        Drift("xp", f"ticket {tid}", f"{p} XP paid", f"{o} XP (its qc_pass)") for tid, p, o in rows
    ]
    orphans = tx.session.execute(
        select(paid.c.ticket_id, paid.c.amount)
        .outerjoin(Ticket, Ticket.id == paid.c.ticket_id)
        .where(Ticket.id.is_(None))
    )
    drifts += [
        Drift("xp", f"ticket {tid}", f"{amount} XP paid", "no such ticket")
        for tid, amount in orphans
    ]
    return drifts


def _derived_drifts(tx: Tx, day_table: Table) -> list[Drift]:
    conn = tx.session.connection()
    drifts = [
        Drift("ticket_fact", f"ticket {tid}", f"{name} {stored!r}", f"{name} {expected!r}")
        for tid, name, stored, expected in ticket_fact_drifts(conn)
    ]
    drifts += [
        Drift("status_count", what, f"{stored} counted", f"{expected}")
        for what, stored, expected in status_count_drifts(conn)
    ]
    days = expected_days(conn, day_table)
    for key in sorted(set(days.stored_days) | set(days.expected_days)):
        stored, expected = days.stored_days.get(key), days.expected_days.get(key)
        if stored != expected:
            day, tech = key
            drifts.append(
                Drift(
                    "technician_day",
                    f"{day} technician {tech}",
                    _figures(stored),
                    _figures(expected),
                )
            )
    for pkey in sorted(set(days.stored_pauses) | set(days.expected_pauses)):
        stored_s, expected_s = days.stored_pauses.get(pkey, 0), days.expected_pauses.get(pkey, 0)
        if stored_s != expected_s:
            day, tech, reason = pkey
            drifts.append(
                Drift(
                    "pause_day",
                    f"{day} technician {tech} {reason}",
                    f"{stored_s} s",
                    f"{expected_s} s",
                )
            )
    return drifts


def _part_work_drifts(tx: Tx) -> list[Drift]:
    """Issue 21's caches on ``tickets`` against their tables: ``part_specs`` against
    ``ticket_parts``, ``work_state``'s ticked tasks against the last ``checklist_ticks``
    event of each task, and its waited-for counts against ``parts_waiting``."""
    session = tx.session
    specs: dict[int, list[tuple[Any, ...]]] = {}
    for row in session.execute(
        select(
            TicketPart.ticket_id,
            TicketPart.id,
            TicketPart.part_id,
            TicketPart.color,
            TicketPart.comment,
            TicketPart.minutes,
        ).order_by(TicketPart.id)
    ):
        specs.setdefault(row[0], []).append(tuple(row[1:]))
    ticked: dict[int, dict[int, bool]] = {}
    for ticket_id, index, is_ticked in session.execute(
        select(ChecklistTick.ticket_id, ChecklistTick.task_index, ChecklistTick.ticked).order_by(
            ChecklistTick.id
        )
    ):
        ticked.setdefault(ticket_id, {})[index] = bool(is_ticked)
    waiting: dict[int, list[int]] = {}
    for ticket_id, arrived in session.execute(
        select(PartWaiting.ticket_id, PartWaiting.arrived_at.is_not(None))
    ):
        counts = waiting.setdefault(ticket_id, [0, 0])
        counts[1 if arrived else 0] += 1
    touched = set(specs) | set(ticked) | set(waiting)
    rows = session.execute(
        select(Ticket.id, Ticket.part_specs, Ticket.work_state)
        .where(
            or_(
                Ticket.part_specs.is_not(None),
                Ticket.work_state.is_not(None),
                Ticket.id.in_(touched or {0}),
            )
        )
        .order_by(Ticket.id)
    )
    drifts = []
    for ticket_id, cached_specs, raw_state in rows:
        subject = f"ticket {ticket_id}"
        kept = [
            (p["id"], p["part_id"], p["color"], p["comment"], p["minutes"])
            for p in (cached_specs or [])
        ]
        if kept != specs.get(ticket_id, []):
            drifts.append(Drift("part_specs", subject, str(kept), str(specs.get(ticket_id, []))))
        state = state_of(raw_state)
        done = sorted(int(i) for i in state["done"])
        expected = sorted(i for i, on in ticked.get(ticket_id, {}).items() if on)
        if done != expected:
            drifts.append(Drift("ticked_tasks", subject, str(done), str(expected)))
        counts = waiting.get(ticket_id, [0, 0])
        if [state["missing"], state["arrived"]] != counts:
            drifts.append(
                Drift(
                    "parts_waiting",
                    subject,
                    f"{state['missing']} missing, {state['arrived']} arrived",
                    f"{counts[0]} missing, {counts[1]} arrived",
                )
            )
    return drifts


def _figures(values: tuple[int, ...] | None) -> str:
    if values is None:
        return "nothing"
    return ", ".join(f"{name} {v}" for name, v in zip(DAY_COLUMNS, values, strict=True) if v)


def _count(tx: Tx, column: Any) -> int:
    return int(tx.session.scalar(select(func.count(column))) or 0)


@reads
def verify_shop(tx: Tx) -> AuditReport:
    """Every drift between the mutable tables and the append-only history (see module doc).

    Every statement reads the shop as of one moment, so a step committed meanwhile is
    on neither side or on both, never reported as drift: on SQLite the one read
    transaction does that; on PostgreSQL the transaction is REPEATABLE READ, and
    read-only once its scratch table of local days is made.
    """
    conn = tx.session.connection()
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        # Before any other statement: the snapshot is taken by the first one that reads.
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    # On PostgreSQL the day table goes at COMMIT: DROP is refused once read-only.
    with day_table(conn, drop=not postgres) as days:
        if postgres:
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        drifts = (
            _ticket_status_drifts(tx)
            + _work_session_drifts(tx)
            + _bike_status_drifts(tx)
            + _xp_drifts(tx)
            + _part_work_drifts(tx)
        )
        return AuditReport(
            tickets=_count(tx, Ticket.id),
            work_sessions=_count(tx, WorkSession.id),
            bikes=_count(tx, Bike.id),
            xp_entries=_count(tx, XpEntry.id),
            drifts=tuple(drifts),
            derived_drifts=tuple(_derived_drifts(tx, days)),
        )


@dataclass(frozen=True)
class RebuildReport:
    """What :func:`rebuild_read_models` wrote."""

    tickets: int
    status_counters: int
    technician_days: int
    pause_days: int

    def summary(self) -> str:
        return (
            f"Rebuilt the read models from the history: the facts of {self.tickets} tickets, "
            f"{self.status_counters} status counters, {self.technician_days} technician days "
            f"and {self.pause_days} pause days."
        )


def _lock_out_writers(tx: Tx) -> None:
    """Hold the tables every writer changes EXCLUSIVE (PostgreSQL), without ever waiting
    for one while holding another for longer than ``_LOCK_WAIT``."""
    session = tx.session
    session.execute(text(f"SET LOCAL lock_timeout = '{_LOCK_WAIT}'"))
    for _ in range(_LOCK_TRIES):
        try:
            with session.begin_nested():  # a timed-out try releases what it locked
                session.execute(text(f"LOCK TABLE {', '.join(_REBUILD_LOCKED)} IN EXCLUSIVE MODE"))
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
                raise
            continue
        session.execute(text("SET LOCAL lock_timeout = 0"))
        return
    raise ShopUnavailable(
        "The shop is too busy to rebuild its read models now (writers kept the tables "
        "locked); try again in a quieter moment.",
        field="database",
    )


@writes
def rebuild_read_models(tx: Tx) -> RebuildReport:
    """Recompute the kept read models (ticket facts, status counters, daily rollups, the
    search index) from the history, in one write transaction that no writer of the
    history interleaves with.

    On SQLite the write transaction is the lock (BEGIN IMMEDIATE: one writer at a time).
    On PostgreSQL the tables every writer changes are locked EXCLUSIVE first (a table
    lock, not an advisory one: writers take no advisory lock, but they all take these
    tables' row locks), so events committed before the rebuild are in it, and later ones
    wait for its COMMIT and then add to what it wrote. Readers are not held up.
    """
    conn = tx.session.connection()
    if conn.dialect.name == "postgresql":
        _lock_out_writers(tx)
    rebuild(conn)
    rebuild_search_index(conn)
    return RebuildReport(
        tickets=_count(tx, Ticket.id),
        status_counters=_count(tx, TicketStatusCount.status) + _count(tx, BikeStatusCount.status),
        technician_days=_count(tx, TechnicianDay.day),
        pause_days=_count(tx, PauseDay.day),
    )


__all__ = [
    "REBUILD_COMMAND",
    "AuditReport",
    "Drift",
    "RebuildReport",
    "rebuild_read_models",
    "verify_shop",
]
