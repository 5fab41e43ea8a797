"""Every use case the TUI or the API calls checks its caller one way: in its first
statement, by one function (``shop.admit``), once, refusing 401, then 403, then 404.

A request acts for a token (``Shop.acting_as``), a terminal for an actor id; both run
the same statements, only the bound values differ.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select, update

from shopfloor.domain import (
    AuthenticationFailed,
    Caller,
    DomainError,
    NotFound,
    PermissionDenied,
    Shop,
    ValidationFailed,
    archive_bike,
    assign_ticket,
    bike_state,
    caller_user,
    change_marker,
    change_password,
    checklist_template,
    create_bike,
    create_ticket,
    create_user,
    fleet_analytics,
    get_bike,
    get_bike_by_code,
    get_ticket,
    list_bikes,
    list_tickets,
    list_work_sessions,
    list_xp_entries,
    log_in,
    open_session_of,
    park_ticket,
    pause_budget,
    pause_for_time_away,
    pause_work_session,
    qc_fail,
    qc_pass,
    restore_bike,
    resume_work_session,
    send_to_qc,
    set_active,
    set_checklist_template,
    settle_pause_budget,
    start_ticket,
    start_work_session,
    stop_at_shift_end,
    stop_work_session,
    suggest_bike_codes,
    team_analytics,
    ticket_transitions,
    timer_rules,
    work_session_history,
    worked_seconds_today,
    xp_total,
)
from shopfloor.domain.boards import technician_load
from shopfloor.domain.models import RefreshFamily, Ticket
from shopfloor.domain.shop import NoCallerCheck, Tx, reads

from ..conftest import T0, People
from ..factories import CHECKLIST, intake
from ..statements import StatementCounter

MISSING = 999_999
WEEK = timedelta(days=7)
STATUS = {
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    NotFound: 404,
}


@dataclass(frozen=True)
class Case:
    """A use case as its entrypoint calls it: ``call(shop, actor, id)``."""

    call: Callable[[Shop, int, int], Any]
    permission: bool = False  # a caller without the role is refused (403)
    target: bool = False  # an id that names nothing is 404
    terminal: bool = False  # the TUI names its actor (so a terminal's user is checked)


def _take_in(shop: Shop, actor: int, _: int) -> Any:
    return create_ticket(
        shop,
        actor,
        bike_code="RM-0002",
        title="Brake service",
        checklist=CHECKLIST,
        srt_total_minutes=30,
        approve_srt=True,
    )


# Every use case the terminal UI or the HTTP API calls (login and first-run aside: they
# come before anyone is logged in).
CASES: dict[str, Case] = {
    "list_tickets": Case(lambda s, a, i: list_tickets(s)),
    "get_ticket": Case(lambda s, a, i: get_ticket(s, i), target=True),
    "ticket_transitions": Case(lambda s, a, i: ticket_transitions(s, i), target=True),
    "work_session_history": Case(lambda s, a, i: work_session_history(s, i), target=True),
    "list_work_sessions": Case(lambda s, a, i: list_work_sessions(s, i)),
    "open_session_of": Case(lambda s, a, i: open_session_of(s, i)),
    "pause_budget": Case(lambda s, a, i: pause_budget(s, i)),
    "settle_pause_budget": Case(lambda s, a, i: settle_pause_budget(s, i)),
    "worked_seconds_today": Case(lambda s, a, i: worked_seconds_today(s, i)),
    "xp_total": Case(lambda s, a, i: xp_total(s, i)),
    "timer_rules": Case(lambda s, a, i: timer_rules(s)),
    "change_marker": Case(lambda s, a, i: change_marker(s)),
    "checklist_template": Case(lambda s, a, i: checklist_template(s)),
    "bike_state": Case(lambda s, a, i: bike_state(s, "RM-9999")),
    "suggest_bike_codes": Case(lambda s, a, i: suggest_bike_codes(s, "RM")),
    "get_bike": Case(lambda s, a, i: get_bike(s, i), target=True),
    "get_bike_by_code": Case(lambda s, a, i: get_bike_by_code(s, "RM-9999"), target=True),
    "list_bikes": Case(lambda s, a, i: list_bikes(s)),
    "create_ticket": Case(_take_in, permission=True, terminal=True),
    "assign_ticket": Case(
        lambda s, a, i: assign_ticket(s, a, i, 3), permission=True, target=True, terminal=True
    ),
    **{
        name: Case(lambda s, a, i, fn=fn: fn(s, a, i), permission=True, target=True, terminal=True)
        for name, fn in {
            "start_ticket": start_ticket,
            "send_to_qc": send_to_qc,
            "park_ticket": park_ticket,
            "qc_pass": qc_pass,
            "qc_fail": qc_fail,
            "start_work_session": start_work_session,
            "pause_work_session": pause_work_session,
            "resume_work_session": resume_work_session,
            "stop_work_session": stop_work_session,
            "stop_at_shift_end": stop_at_shift_end,
            "pause_for_time_away": pause_for_time_away,
            "archive_bike": archive_bike,
            "restore_bike": restore_bike,
        }.items()
    },
    "create_bike": Case(
        lambda s, a, i: create_bike(s, a, "RM-0777"), permission=True, terminal=True
    ),
    "set_checklist_template": Case(
        lambda s, a, i: set_checklist_template(s, a, CHECKLIST), permission=True, terminal=True
    ),
    "fleet_analytics": Case(lambda s, a, i: fleet_analytics(s, a), permission=True, terminal=True),
    "team_analytics": Case(lambda s, a, i: team_analytics(s, a), permission=True, terminal=True),
    "technician_load": Case(
        lambda s, a, i: technician_load(s, a, since=T0), permission=True, terminal=True
    ),
    "list_xp_entries": Case(lambda s, a, i: list_xp_entries(s, a), terminal=True),
}


def _outcome(call: Callable[[], Any]) -> str:
    try:
        call()
    except DomainError as exc:
        return f"{STATUS.get(type(exc), 400)} {exc.code}"
    return "ok"


def _run(
    calls: dict[str, Callable[[], Any]], admitted: Counter[str]
) -> tuple[dict[str, str], dict[str, int]]:
    """Each call's outcome ("ok" or "<status> <code>"), and how often it ran the check."""
    outcomes, checks = {}, {}
    for name, call in calls.items():
        before = admitted["checks"]
        outcomes[name] = _outcome(call)
        checks[name] = admitted["checks"] - before
    return outcomes, checks


@pytest.fixture
def gone(shop: Shop) -> int:
    """A super admin (who may do anything) who has been deactivated."""
    user = create_user(shop, None, "gone", "secret-pw", roles=["super_admin"])
    set_active(shop, None, user.id, False)
    return user.id


@pytest.fixture
def ready(shop: Shop, people: People) -> None:
    """A bike that can be taken in (the one create_ticket uses)."""
    create_bike(shop, people.master, "RM-0002")


def test_a_caller_who_may_no_longer_act_is_refused_401_by_every_use_case_before_anything(
    shop: Shop, people: People, gone: int, ready: None, admitted: Counter[str]
) -> None:
    for who in (gone, MISSING):  # deactivated, and no such user at all
        request = shop.acting_as(Caller(who))
        outcomes, checks = _run(
            {name: partial(c.call, request, who, MISSING) for name, c in CASES.items()},
            admitted,
        )
        assert outcomes == dict.fromkeys(CASES, "401 user_inactive")
        assert checks == dict.fromkeys(CASES, 1)


def test_a_terminal_whose_user_was_deactivated_is_refused_401_by_every_action(
    shop: Shop, people: People, gone: int, ready: None, admitted: Counter[str]
) -> None:
    acting = {name: c for name, c in CASES.items() if c.terminal}
    outcomes, checks = _run(
        {name: partial(c.call, shop, gone, MISSING) for name, c in acting.items()}, admitted
    )
    assert outcomes == dict.fromkeys(acting, "401 user_inactive")
    assert checks == dict.fromkeys(acting, 1)


def _expected_without_role(case: Case) -> str:
    if case.permission:
        return "403 permission_denied"
    return "404 not_found" if case.target else "ok"


@pytest.mark.parametrize("via", ["request", "terminal"])
def test_a_caller_without_the_role_is_refused_403_before_the_missing_id_is_404(
    shop: Shop, people: People, ready: None, admitted: Counter[str], via: str
) -> None:
    caller = shop.acting_as(Caller(people.nobody)) if via == "request" else shop
    cases = CASES if via == "request" else {n: c for n, c in CASES.items() if c.terminal}
    outcomes, checks = _run(
        {name: partial(c.call, caller, people.nobody, MISSING) for name, c in cases.items()},
        admitted,
    )
    assert outcomes == {name: _expected_without_role(c) for name, c in cases.items()}
    assert checks == dict.fromkeys(cases, 1)


def test_a_caller_who_may_act_meets_the_404_of_a_missing_id_and_nothing_else(
    shop: Shop, people: People, ready: None, admitted: Counter[str]
) -> None:
    admin = shop.acting_as(Caller(people.admin))
    outcomes, checks = _run(
        {name: partial(c.call, admin, people.admin, MISSING) for name, c in CASES.items()},
        admitted,
    )
    assert outcomes == {name: "404 not_found" if c.target else "ok" for name, c in CASES.items()}
    assert checks == dict.fromkeys(CASES, 1)


def test_a_request_and_a_terminal_run_the_same_statements(shop: Shop, people: People) -> None:
    tid = intake(shop, people.master, "RM-0001").id
    counter = StatementCounter(shop.engine)
    request = shop.acting_as(Caller(people.admin))
    for call in (
        lambda s: list_tickets(s),
        lambda s: get_ticket(s, tid),
        lambda s: assign_ticket(s, people.admin, MISSING, people.tech1),
    ):
        _, by_terminal = counter.measure(lambda c=call: _outcome(lambda: c(shop)))
        _, by_request = counter.measure(lambda c=call: _outcome(lambda: c(request)))
        assert by_terminal.sql == by_request.sql


# --- the ways a token stops being honoured ---------------------------------------------------


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


READS: dict[str, Callable[[Shop, int], Any]] = {
    "list": lambda shop, tid: list_tickets(shop, per_page=50),
    "empty list": lambda shop, tid: list_tickets(shop, status="rework"),
    "filtered list": lambda shop, tid: list_tickets(shop, technician_id=1, bike_code="RM-0001"),
    "detail": lambda shop, tid: get_ticket(shop, tid),
    "missing detail": lambda shop, tid: get_ticket(shop, tid + 1000),
}


@pytest.mark.parametrize("code", list(REFUSALS))
def test_a_stale_token_is_refused_in_the_reads_one_statement(
    shop: Shop, people: People, code: str
) -> None:
    tid = intake(shop, people.master, "RM-0001").id
    tech = _logged_in(shop, "tech1")
    REFUSALS[code](shop, people)
    counter = StatementCounter(shop.engine)
    for name, read in READS.items():
        with pytest.raises(AuthenticationFailed) as refused:
            counter.measure(lambda r=read: r(tech, tid))
        assert refused.value.code == code, name
        assert counter.tally.transactions == 1, name
        assert counter.tally.statements == _one_read(shop), (name, counter.tally.sql)
    with pytest.raises(AuthenticationFailed) as refused:
        qc_pass(tech, people.tech1, tid)
    assert refused.value.code == code


def test_a_read_for_a_valid_caller_costs_one_statement(shop: Shop, people: People) -> None:
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
        list_tickets(tech, page=2)


def test_a_stale_caller_is_told_so_before_being_told_their_input_is_invalid(
    shop: Shop, people: People
) -> None:
    tech = _logged_in(shop, "tech1")
    bad_input: list[Callable[[Shop], Any]] = [
        lambda s: list_tickets(s, page=0),
        lambda s: list_tickets(s, status="lost"),
        lambda s: list_tickets(s, bike_code="!"),
        lambda s: suggest_bike_codes(s, "R"),
    ]
    for bad in bad_input:
        with pytest.raises(ValidationFailed):
            bad(tech)
    set_active(shop, None, people.tech1, False)
    for bad in bad_input:
        with pytest.raises(AuthenticationFailed) as refused:
            bad(tech)
        assert refused.value.code == "user_inactive"


def test_the_caller_of_a_request_may_act_only_as_themselves(shop: Shop, people: People) -> None:
    tid = intake(shop, people.master, "RM-0001").id
    manager = shop.acting_as(Caller(people.manager))
    with pytest.raises(PermissionDenied):
        assign_ticket(manager, people.admin, tid, people.tech1)
    assert assign_ticket(manager, people.manager, tid, people.tech1).technician == people.tech1


def test_the_user_a_request_acts_for_is_read_after_the_check(shop: Shop, people: People) -> None:
    assert caller_user(shop.acting_as(Caller(people.tech1))).username == "tech1"
    with pytest.raises(AuthenticationFailed) as refused:
        caller_user(shop)  # nobody named: the terminal has no "me" of its own
    assert refused.value.code == "not_authenticated"


@reads
def _count_tickets_forgetting_the_caller(tx: Tx) -> int:
    """A read that never checks its caller: a bug the transaction refuses to commit."""
    return int(tx.scalar(select(func.count()).select_from(Ticket)) or 0)


def test_a_use_case_that_never_checked_its_request_caller_fails_loudly(
    shop: Shop, people: People
) -> None:
    assert _count_tickets_forgetting_the_caller(shop) == 0  # at a terminal: nobody to check
    with pytest.raises(NoCallerCheck):
        _count_tickets_forgetting_the_caller(shop.acting_as(Caller(people.tech1)))
