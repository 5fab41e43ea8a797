"""A small, deterministic workshop for TUI tests, built through the domain services.

The clock is the test's ManualClock, so every timestamp (and so every
snapshot) is the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

from shopfloor.domain import (
    ManualClock,
    Shop,
    archive_bike,
    assign_ticket,
    create_bike,
    create_ticket,
    get_bike_by_code,
    pause_work_session,
    qc_fail,
    qc_pass,
    resume_work_session,
    send_to_qc,
    start_work_session,
)

from ..conftest import People
from ..factories import CHECKLIST


@dataclass(frozen=True)
class Workshop:
    """Ticket ids by what state they were left in."""

    done_first_pass: int
    done_after_rework: int
    waiting_qc: int
    waiting_qc_rework: int
    rework: int
    running: int  # tech1's timer runs on it
    assigned: int  # assigned to tech1, not started
    new: tuple[int, ...]


def take_in(shop: Shop, people: People, code: str, title: str, srt: int = 40) -> int:
    create_bike(shop, people.master, code)
    return create_ticket(
        shop,
        people.master,
        bike_code=code,
        title=title,
        checklist=list(CHECKLIST),
        srt_total_minutes=srt,
        approve_srt=True,
    ).id


def work(shop: Shop, clock: ManualClock, tech: int, ticket: int, minutes: int) -> None:
    start_work_session(shop, tech, ticket)
    clock.advance(minutes=minutes // 2)
    pause_work_session(shop, tech, ticket)
    clock.advance(minutes=5)
    resume_work_session(shop, tech, ticket)
    clock.advance(minutes=minutes - minutes // 2)
    send_to_qc(shop, tech, ticket)


def build_workshop(shop: Shop, clock: ManualClock, people: People) -> Workshop:
    """Tickets in every status, with real histories; ends at the clock's start + 3h."""
    t1, t2 = people.tech1, people.tech2
    done1 = take_in(shop, people, "RM-1001", "Brake service", 45)
    assign_ticket(shop, people.manager, done1, t1)
    work(shop, clock, t1, done1, 40)
    qc_pass(shop, people.qc, done1)

    done2 = take_in(shop, people, "RM-1002", "Flat tyre and tube", 25)
    assign_ticket(shop, people.manager, done2, t2)
    work(shop, clock, t2, done2, 30)
    qc_fail(shop, people.qc, done2, "Tyre still loses pressure.")
    work(shop, clock, t2, done2, 10)
    qc_pass(shop, people.qc, done2)

    waiting = take_in(shop, people, "RM-1003", "Chain and drivetrain", 40)
    assign_ticket(shop, people.manager, waiting, t2)
    work(shop, clock, t2, waiting, 35)

    rework = take_in(shop, people, "RM-1004", "Display not powering on", 50)
    assign_ticket(shop, people.manager, rework, t1)
    work(shop, clock, t1, rework, 20)
    qc_fail(shop, people.qc, rework, "Display flickers; reseat the connector.")

    waiting_rework = take_in(shop, people, "RM-1005", "Lights and wiring", 35)
    assign_ticket(shop, people.manager, waiting_rework, t2)
    work(shop, clock, t2, waiting_rework, 15)
    qc_fail(shop, people.qc, waiting_rework, "Rear light loose.")
    work(shop, clock, t2, waiting_rework, 10)

    assigned = take_in(shop, people, "RM-1006", "Battery contacts", 60)
    assign_ticket(shop, people.manager, assigned, t1)

    new = tuple(
        take_in(shop, people, code, title)
        for code, title in (
            ("RM-1007", "Motor noise"),
            ("RM-1008", "Post-rental safety check"),
        )
    )
    running = take_in(shop, people, "RM-1009", "Brake bleed", 30)
    assign_ticket(shop, people.manager, running, t1)
    start_work_session(shop, t1, running)
    clock.advance(minutes=12, seconds=34)

    create_bike(shop, people.master, "RM-1010")
    create_bike(shop, people.master, "RM-1099")
    archive_bike(shop, people.manager, get_bike_by_code(shop, "RM-1099").id)
    return Workshop(
        done_first_pass=done1,
        done_after_rework=done2,
        waiting_qc=waiting,
        waiting_qc_rework=waiting_rework,
        rework=rework,
        running=running,
        assigned=assigned,
        new=new,
    )
