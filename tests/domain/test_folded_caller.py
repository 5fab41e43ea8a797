"""Reads that check the request's caller in their own statement refuse exactly as the
separate check does, before any of their data leaves the transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from shopfloor.domain import (
    AuthenticationFailed,
    Caller,
    NotFound,
    Permission,
    PermissionDenied,
    Shop,
    ValidationFailed,
    change_password,
    get_ticket,
    list_tickets,
    log_in,
    set_active,
)
from shopfloor.domain.models import RefreshFamily, Ticket
from shopfloor.domain.shop import Tx, caller_row, reads

from ..conftest import People
from ..factories import intake
from ..statements import StatementCounter

WEEK = timedelta(days=7)


def _logged_in(shop: Shop, username: str) -> Shop:
    """The shop acting for a fresh API login of ``username`` (token with a refresh family)."""
    grant = log_in(shop, username, "secret-pw", client="10.0.0.1", refresh_lifetime=WEEK)
    return shop.acting_as(Caller(grant.user.id, grant.credentials_version, grant.family))


def _revoke_families(shop: Shop, user_id: int) -> None:
    with shop.engine.begin() as conn:
        conn.execute(
            update(RefreshFamily)
            .where(RefreshFamily.user_id == user_id)
            .values(revoked_at=shop.clock.now())
        )


# Each way a token stops being honoured, and the code it is refused with.
REFUSALS: dict[str, Callable[[Shop, People], None]] = {
    "user_inactive": lambda shop, people: set_active(shop, None, people.tech1, False),
    "credentials_changed": lambda shop, people: change_password(
        shop, None, people.tech1, "another-pw"
    ),
    "session_revoked": lambda shop, people: _revoke_families(shop, people.tech1),
}


def _one_read(shop: Shop) -> int:
    """Statements a one-statement read sends: the read itself, which on PostgreSQL is its
    own transaction (autocommit); SQLite wraps it in BEGIN and COMMIT (or ROLLBACK)."""
    return 1 if shop.dialect == "postgresql" else 3


# The folding reads, on a page with tickets, an empty page, and nothing found.
READS: dict[str, Callable[[Shop, int], Any]] = {
    "list": lambda shop, tid: list_tickets(shop, per_page=50),
    "empty list": lambda shop, tid: list_tickets(shop, status="rework"),
    "filtered list": lambda shop, tid: list_tickets(shop, technician_id=1, bike_code="RM-0001"),
    "detail": lambda shop, tid: get_ticket(shop, tid),
    "missing detail": lambda shop, tid: get_ticket(shop, tid + 1000),
}


@pytest.mark.parametrize("code", list(REFUSALS))
@pytest.mark.parametrize("read", list(READS))
def test_a_folding_read_refuses_a_stale_caller_in_its_one_statement(
    shop: Shop, people: People, code: str, read: str
) -> None:
    tid = intake(shop, people.master, "RM-0001").id
    tech = _logged_in(shop, "tech1")
    REFUSALS[code](shop, people)
    counter = StatementCounter(shop.engine)

    with pytest.raises(AuthenticationFailed) as refused:
        counter.measure(lambda: READS[read](tech, tid))

    assert refused.value.code == code
    assert counter.tally.transactions == 1
    # The read alone: its own transaction on PostgreSQL, within BEGIN/ROLLBACK on SQLite.
    assert counter.tally.statements == _one_read(shop), counter.tally.sql


def test_a_caller_whose_user_no_longer_exists_is_refused_even_with_nothing_to_read(
    shop: Shop, people: People
) -> None:
    ghost = shop.acting_as(Caller(people.admin + 1000, 0))
    for read in READS.values():
        with pytest.raises(AuthenticationFailed) as refused:
            read(ghost, 1)
        assert refused.value.code == "user_inactive"


def test_a_folding_read_for_a_valid_caller_costs_one_statement(shop: Shop, people: People) -> None:
    tid = intake(shop, people.master, "RM-0001").id
    tech = _logged_in(shop, "tech1")
    counter = StatementCounter(shop.engine)

    page, cost = counter.measure(lambda: list_tickets(tech))
    assert [t.id for t in page.items] == [tid]
    assert page.total_count == 1
    assert cost.statements == _one_read(shop), cost.sql

    empty, cost = counter.measure(lambda: list_tickets(tech, status="rework"))
    assert (empty.items, empty.total_count) == ((), 0)
    assert cost.statements == _one_read(shop), cost.sql

    ticket, cost = counter.measure(lambda: get_ticket(tech, tid))
    assert ticket.id == tid
    assert cost.statements == _one_read(shop), cost.sql

    with pytest.raises(NotFound):
        get_ticket(tech, tid + 1000)
    with pytest.raises(NotFound):
        list_tickets(tech, page=2)


def test_a_terminal_read_reads_no_caller(shop: Shop, people: People) -> None:
    tid = intake(shop, people.master, "RM-0001").id
    counter = StatementCounter(shop.engine)
    page, cost = counter.measure(lambda: list_tickets(shop))
    assert [t.id for t in page.items] == [tid]
    assert not any("caller" in sql for sql in cost.sql), cost.sql
    assert get_ticket(shop, tid).id == tid


def test_a_stale_caller_is_told_so_before_being_told_their_input_is_invalid(
    shop: Shop, people: People
) -> None:
    tech = _logged_in(shop, "tech1")
    for bad in (
        lambda s: list_tickets(s, page=0),
        lambda s: list_tickets(s, status="lost"),
        lambda s: list_tickets(s, bike_code="!"),
    ):
        with pytest.raises(ValidationFailed):
            bad(tech)
    set_active(shop, None, people.tech1, False)
    for bad in (
        lambda s: list_tickets(s, page=0),
        lambda s: list_tickets(s, status="lost"),
        lambda s: list_tickets(s, bike_code="!"),
    ):
        with pytest.raises(AuthenticationFailed) as refused:
            bad(tech)
        assert refused.value.code == "user_inactive"


@reads(folds_caller=True)
def _count_tickets_forgetting_the_caller(tx: Tx) -> int:
    """A folding read that never checks its caller: the transaction must."""
    return int(tx.session.scalar(select(func.count()).select_from(Ticket)) or 0)


def test_a_folding_read_that_never_checked_its_caller_is_checked_before_commit(
    shop: Shop, people: People
) -> None:
    intake(shop, people.master, "RM-0001")
    tech = _logged_in(shop, "tech1")
    counter = StatementCounter(shop.engine)

    counted, cost = counter.measure(lambda: _count_tickets_forgetting_the_caller(tech))
    assert counted == 1
    assert cost.statements == 4, cost.sql  # BEGIN, the count, the caller's check, COMMIT

    set_active(shop, None, people.tech1, False)
    with pytest.raises(AuthenticationFailed) as refused:
        _count_tickets_forgetting_the_caller(tech)
    assert refused.value.code == "user_inactive"


@reads(folds_caller=True)
def _callers_assigning(tx: Tx) -> bool:
    """A folding read that needs a permission: whether its check let the caller through."""
    folded = tx.caller_to_fold(Permission.ASSIGN)
    if folded is None:
        return False
    row = tx.session.connection().execute(select(caller_row(folded.shape)), folded.params).first()
    tx.check_folded_caller(folded, row)
    return True


def test_a_folded_check_refuses_a_caller_without_the_permission_403(
    shop: Shop, people: People
) -> None:
    assert _callers_assigning(shop.acting_as(Caller(people.manager, 0))) is True
    assert _callers_assigning(_logged_in(shop, "master")) is True
    assert _callers_assigning(shop) is False  # nobody to check: the terminal's own call
    for who in (people.nobody, people.tech1):
        with pytest.raises(PermissionDenied):
            _callers_assigning(shop.acting_as(Caller(who, 0)))
    set_active(shop, None, people.nobody, False)
    with pytest.raises(AuthenticationFailed):  # 401 before 403, as the separate check
        _callers_assigning(shop.acting_as(Caller(people.nobody)))
