"""The database guards the invariants itself, whatever code talks to it."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from shopfloor.domain import (
    RuleViolation,
    Shop,
    archive_bike,
    assign_ticket,
    create_bike,
    get_bike,
    get_ticket,
    qc_pass,
    send_to_qc,
    start_work_session,
)
from shopfloor.domain.models import Bike, XpEntry
from shopfloor.domain.rules import INVARIANTS
from shopfloor.domain.shop import Tx, writes
from shopfloor.domain.sql import bikes as bike_statements
from shopfloor.domain.sql.caller import joined

from ..conftest import People
from ..factories import intake


def _execute(shop: Shop, sql: str, **params: object) -> None:
    with shop.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def test_second_active_ticket_for_a_bike_is_refused_by_the_database(
    shop: Shop, people: People
) -> None:
    ticket = intake(shop, people.master)
    with pytest.raises(IntegrityError):
        _execute(
            shop,
            "INSERT INTO tickets (bike_id, master_id, title, checklist_snapshot, "
            "srt_total_minutes, srt_approved_by_id, srt_approved_at, flag_minutes, status, "
            "created_at, updated_at) SELECT bike_id, master_id, title, checklist_snapshot, "
            "srt_total_minutes, srt_approved_by_id, srt_approved_at, 0, 'assigned', "
            "created_at, updated_at FROM tickets WHERE id = :id",
            id=ticket.id,
        )


def test_second_in_progress_ticket_for_a_technician_is_refused_by_the_database(
    shop: Shop, people: People
) -> None:
    first = intake(shop, people.master, "RM-0001")
    second = intake(shop, people.master, "RM-0002")
    for t in (first, second):
        assign_ticket(shop, people.manager, t.id, people.tech1)
    start_work_session(shop, people.tech1, first.id)
    with pytest.raises(IntegrityError):
        _execute(shop, "UPDATE tickets SET status = 'in_progress' WHERE id = :id", id=second.id)


def test_second_open_session_is_refused_by_the_database(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    session = start_work_session(shop, people.tech1, ticket.id)
    copy = (
        "INSERT INTO work_sessions (ticket_id, technician_id, status, started_at, "
        "last_started_at, active_seconds, created_at, updated_at) SELECT ticket_id, "
        "technician_id, 'paused', started_at, last_started_at, 0, created_at, updated_at "
        "FROM work_sessions WHERE id = :id"
    )
    with pytest.raises(IntegrityError):
        _execute(shop, copy, id=session.id)


def test_done_tickets_do_not_block_a_new_one(shop: Shop, people: People) -> None:
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    send_to_qc(shop, people.tech1, ticket.id)
    qc_pass(shop, people.qc, ticket.id)
    again = intake(shop, people.master, create_bike_first=False)
    assert get_ticket(shop, again.id).status == "new"


@pytest.mark.parametrize("table", ["ticket_transitions", "work_session_events", "xp_ledger"])
def test_audit_tables_refuse_update_and_delete(shop: Shop, people: People, table: str) -> None:
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    send_to_qc(shop, people.tech1, ticket.id)
    qc_pass(shop, people.qc, ticket.id)
    column = {"ticket_transitions": "note", "work_session_events": "action"}.get(
        table, "description"
    )
    with pytest.raises(DBAPIError, match="append-only"):
        _execute(shop, f"UPDATE {table} SET {column} = 'forged'")
    with pytest.raises(DBAPIError, match="append-only"):
        _execute(shop, f"DELETE FROM {table}")
    with shop.engine.connect() as conn:
        count = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        forged = conn.execute(
            sa.text(f"SELECT count(*) FROM {table} WHERE {column} = 'forged'")
        ).scalar_one()
    assert count > 0
    assert forged == 0


def test_a_race_that_slips_past_the_pre_check_is_still_a_clear_domain_error(
    shop: Shop, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the pre-check ever misses a concurrent writer, the index answers in domain words."""
    intake(shop, people.master)
    bikes = Bike.__table__
    missing_its_ticket = joined(
        select(bikes, sa.null().label("active_ticket")).where(
            bikes.c.bike_code == bike_statements.CODE
        )
    )
    monkeypatch.setattr(bike_statements, "LOCK_BY_CODE", missing_its_ticket)
    with pytest.raises(RuleViolation, match="already has an active ticket") as err:
        intake(shop, people.master, create_bike_first=False)
    assert err.value.code == "active_ticket_exists"
    with shop.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM tickets")).scalar_one() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM ticket_transitions")).scalar_one() == 1


AUDIT_TABLES = ("ticket_transitions", "work_session_events", "xp_ledger")
# A text column of each audit table that a forger would rewrite.
FORGED_COLUMN = {"ticket_transitions": "note", "work_session_events": "action"}


def _history(shop: Shop, people: People) -> None:
    """A ticket taken through to a QC pass: rows in every audit table."""
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    send_to_qc(shop, people.tech1, ticket.id)
    qc_pass(shop, people.qc, ticket.id)


def _rewrites(table: str, columns: list[str], dialect: str) -> dict[str, str]:
    """Every insert-shaped way to rewrite the oldest row of ``table``, by name."""
    forged = FORGED_COLUMN.get(table, "description")
    first = f"(SELECT min(id) FROM {table})"

    def copy(id_expr: str) -> str:
        values = ", ".join(
            id_expr if c == "id" else "'forged'" if c == forged else c for c in columns
        )
        return f"({', '.join(columns)}) SELECT {values} FROM {table} WHERE id = {first}"

    upsert = f"INSERT INTO {table} {copy('id')} ON CONFLICT (id) DO UPDATE SET {forged} = 'forged'"
    if dialect == "postgresql":
        return {"upsert on the id": upsert}
    forms = {
        "REPLACE INTO": f"REPLACE INTO {table} {copy('id')}",
        "INSERT OR REPLACE": f"INSERT OR REPLACE INTO {table} {copy('id')}",
        "upsert on the id": upsert,
    }
    if table == "xp_ledger":
        # A fresh id but the same unique reference: REPLACE deletes the old entry.
        fresh = f"(SELECT max(id) + 1 FROM {table})"
        forms["REPLACE on the unique reference"] = f"REPLACE INTO {table} {copy(fresh)}"
        forms["upsert on the unique reference"] = (
            f"INSERT INTO {table} {copy(fresh)} "
            f"ON CONFLICT (reference) DO UPDATE SET {forged} = 'forged'"
        )
    return forms


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_audit_tables_refuse_every_rewrite_by_insertion_from_any_client(
    shop: Shop, people: People, table: str
) -> None:
    """REPLACE and UPSERT through a bare driver connection (no shopfloor pragmas)."""
    _history(shop, people)
    forged = FORGED_COLUMN.get(table, "description")
    with shop.engine.connect() as conn:
        columns = [c["name"] for c in sa.inspect(conn).get_columns(table)]
        before = conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY id")).all()
    assert before
    url = shop.engine.url
    for form, sql in _rewrites(table, columns, shop.dialect).items():
        if shop.dialect == "sqlite":
            raw: Any = sqlite3.connect(str(url.database), isolation_level=None)
            refused: type[Exception] = sqlite3.DatabaseError
        else:
            raw = psycopg.connect(url.set(drivername="postgresql").render_as_string(False))
            refused = psycopg.DatabaseError
        try:
            with pytest.raises(refused, match=f"{table} is append-only") as err:
                raw.execute(sql)
            assert "refused" in str(err.value), form
        finally:
            raw.close()
    with shop.engine.connect() as conn:
        after = conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY id")).all()
        forged_rows = conn.execute(
            sa.text(f"SELECT count(*) FROM {table} WHERE {forged} = 'forged'")
        ).scalar_one()
    assert after == before
    assert forged_rows == 0


def test_a_second_xp_entry_for_one_reference_is_still_the_domain_error(
    shop: Shop, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The REPLACE guard keeps a duplicate reference readable as 'already paid'."""
    ticket = intake(shop, people.master)
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    send_to_qc(shop, people.tech1, ticket.id)
    qc_pass(shop, people.qc, ticket.id)
    with shop.engine.connect() as conn:
        reference = conn.execute(sa.text("SELECT min(reference) FROM xp_ledger")).scalar_one()

    @writes
    def pay_again(tx: Tx) -> None:
        tx.insert(
            XpEntry,
            {
                "user_id": people.tech1,
                "amount": 1,
                "entry_type": "forged",
                "reference": reference,
                "description": "paid twice",
                "payload": {},
                "created_at": tx.now,
            },
        )

    with pytest.raises(RuleViolation, match="already been paid"):
        pay_again(shop)


def _copy_ticket_onto(shop: Shop, ticket_id: int, bike_id: int, status: str) -> None:
    _execute(
        shop,
        "INSERT INTO tickets (bike_id, master_id, title, checklist_snapshot, "
        "srt_total_minutes, srt_approved_by_id, srt_approved_at, flag_minutes, status, "
        "created_at, updated_at) SELECT :bike_id, master_id, title, checklist_snapshot, "
        "srt_total_minutes, srt_approved_by_id, srt_approved_at, 0, :status, "
        "created_at, updated_at FROM tickets WHERE id = :id",
        id=ticket_id,
        bike_id=bike_id,
        status=status,
    )


def test_an_archived_bike_cannot_hold_an_active_ticket_in_the_database(
    shop: Shop, people: People
) -> None:
    ticket = intake(shop, people.master, "RM-0001")
    archived = create_bike(shop, people.master, "RM-0002")
    archive_bike(shop, people.manager, archived.id)

    with pytest.raises(DBAPIError, match="the bike is archived: it cannot hold an active ticket"):
        _copy_ticket_onto(shop, ticket.id, archived.id, "new")
    _copy_ticket_onto(shop, ticket.id, archived.id, "done")  # history may stay on it
    with pytest.raises(DBAPIError, match="the bike is archived"):
        _execute(shop, "UPDATE tickets SET status = 'rework' WHERE bike_id = :b", b=archived.id)
    with pytest.raises(DBAPIError, match="the bike is archived"):
        _execute(shop, "UPDATE tickets SET bike_id = :b WHERE id = :i", b=archived.id, i=ticket.id)
    with shop.engine.connect() as conn:
        active = conn.execute(
            sa.text("SELECT count(*) FROM tickets WHERE bike_id = :b AND status != 'done'"),
            {"b": archived.id},
        ).scalar_one()
    assert active == 0


def test_a_bike_with_an_active_ticket_cannot_be_archived_in_the_database(
    shop: Shop, people: People
) -> None:
    ticket = intake(shop, people.master, "RM-0001")
    with pytest.raises(DBAPIError, match="the bike has an active ticket: archiving it is refused"):
        _execute(shop, "UPDATE bikes SET is_active = :no WHERE id = :b", no=False, b=ticket.bike)
    assert get_bike(shop, ticket.bike).is_active
    # Once the ticket is done, the database lets the bike go.
    assign_ticket(shop, people.manager, ticket.id, people.tech1)
    start_work_session(shop, people.tech1, ticket.id)
    send_to_qc(shop, people.tech1, ticket.id)
    qc_pass(shop, people.qc, ticket.id)
    _execute(shop, "UPDATE bikes SET is_active = :no WHERE id = :b", no=False, b=ticket.bike)
    assert not get_bike(shop, ticket.bike).is_active


def _schema_text(shop: Shop) -> str:
    """Every name and definition in the schema: indexes, constraints, triggers and the
    functions behind them."""
    with shop.engine.connect() as conn:
        if shop.dialect == "sqlite":
            rows = conn.execute(sa.text("SELECT name, coalesce(sql, '') FROM sqlite_master"))
        else:
            rows = conn.execute(
                sa.text(
                    "SELECT conname, '' FROM pg_constraint UNION ALL "
                    "SELECT relname, '' FROM pg_class UNION ALL "
                    "SELECT tgname, '' FROM pg_trigger UNION ALL "
                    "SELECT proname, prosrc FROM pg_proc"
                )
            )
        return "\n".join(f"{name} {definition}" for name, definition in rows)


def test_every_invariant_of_the_rules_is_guarded_by_the_database_under_its_name(
    shop: Shop,
) -> None:
    schema = _schema_text(shop)
    assert [name for name in INVARIANTS if name not in schema] == []
