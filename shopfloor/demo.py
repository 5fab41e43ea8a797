"""A realistic demo shop: six users, forty bikes, tickets in every status with real histories.

Everything is made through the domain services with a clock that walks through
the last ten days, so histories, timers, QC outcomes and XP are all genuine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from .domain import (
    ManualClock,
    Shop,
    add_bike_model,
    add_part,
    archive_bike,
    assign_ticket,
    create_bike,
    create_ticket,
    get_bike_by_code,
    list_tickets,
    pause_work_session,
    qc_fail,
    qc_pass,
    resume_work_session,
    send_to_qc,
    start_work_session,
)
from .domain.checklists import DEFAULT_CHECKLIST
from .domain.users import ensure_user

DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo login
DEMO_USERS: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("master", ("master",), "Marta", "Kovacs"),
    ("manager", ("ops_manager",), "Oleg", "Petrov"),
    ("tech1", ("technician",), "Ivan", "Sokolov"),
    ("tech2", ("technician",), "Lena", "Novak"),
    ("qc", ("qc_inspector",), "Quinn", "Harper"),
    ("admin", ("super_admin",), "Ada", "Admin"),
)
BIKE_COUNT = 40
JOBS = (
    ("Brake service", 45),
    ("Flat tyre and tube", 25),
    ("Battery contacts and diagnostics", 60),
    ("Chain and drivetrain", 40),
    ("Display not powering on", 50),
    ("Motor noise", 90),
    ("Lights and wiring", 35),
    ("Post-rental safety check", 30),
)
# A parts catalogue, so intake by parts and parking for a part can be tried at once.
DEMO_MODEL = "City e-bike"
DEMO_PARTS = ("Brake pads", "Chain", "Rear tyre", "Front tyre", "Display", "Battery contacts")


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    tickets: int


def build_demo(shop: Shop, now: datetime, *, seed: int = 7) -> DemoSummary:
    """Fill ``shop`` with the demo data unless it has tickets already."""
    for username, roles, first, last in DEMO_USERS:
        ensure_user(shop, username, DEMO_PASSWORD, roles, first, last)
    existing = list_tickets(shop, per_page=1).total_count
    if existing:
        return DemoSummary(False, existing)

    rng = random.Random(seed)
    real_clock = shop.clock
    clock = ManualClock(now - timedelta(days=10))
    shop.clock = clock
    try:
        ids = {u: ensure_user(shop, u, DEMO_PASSWORD, ()).id for u, *_ in DEMO_USERS}
        _fill(shop, clock, now, ids, rng)
    finally:
        shop.clock = real_clock
    return DemoSummary(True, list_tickets(shop, per_page=1).total_count)


def _fill(
    shop: Shop, clock: ManualClock, now: datetime, ids: dict[str, int], rng: random.Random
) -> None:
    master, manager, qc = ids["master"], ids["manager"], ids["qc"]
    techs = [ids["tech1"], ids["tech2"]]
    codes = [f"RM-{1001 + i}" for i in range(BIKE_COUNT)]
    add_bike_model(shop, master, DEMO_MODEL)
    for part in DEMO_PARTS:
        add_part(shop, master, DEMO_MODEL, part)
    for code in codes:
        create_bike(shop, master, code)
    for code in codes[-2:]:
        archive_bike(shop, manager, get_bike_by_code(shop, code).id)
    free = codes[:-2]
    rng.shuffle(free)

    def take_in() -> int:
        title, srt = rng.choice(JOBS)
        return create_ticket(
            shop,
            master,
            bike_code=free.pop(),
            title=title,
            checklist=list(DEFAULT_CHECKLIST),
            srt_total_minutes=srt,
            approve_srt=True,
        ).id

    def work(ticket_id: int, tech: int, minutes: int) -> None:
        start_work_session(shop, tech, ticket_id)
        clock.advance(minutes=minutes // 2)
        pause_work_session(shop, tech, ticket_id)
        clock.advance(minutes=rng.randint(3, 15))
        resume_work_session(shop, tech, ticket_id)
        clock.advance(minutes=minutes - minutes // 2)
        send_to_qc(shop, tech, ticket_id)

    # Nine days of finished work, some of it failed QC once and was reworked.
    for day in range(9):
        clock.set((now - timedelta(days=9 - day)).replace(hour=8, minute=0, second=0))
        for _ in range(2):
            tech = rng.choice(techs)
            ticket = take_in()
            clock.advance(minutes=rng.randint(5, 30))
            assign_ticket(shop, manager, ticket, tech)
            work(ticket, tech, rng.randint(20, 80))
            clock.advance(minutes=rng.randint(10, 40))
            if rng.random() < 0.3:
                qc_fail(shop, qc, ticket, "Rear brake still rubs; adjust the caliper.")
                clock.advance(minutes=20)
                work(ticket, tech, rng.randint(10, 25))
                clock.advance(minutes=15)
            qc_pass(shop, qc, ticket)
            clock.advance(minutes=rng.randint(30, 90))

    # Today: one of everything that is still open.
    clock.set(now - timedelta(hours=3))
    waiting = [take_in() for _ in range(2)]
    for ticket, tech in zip(waiting, techs, strict=True):
        assign_ticket(shop, manager, ticket, tech)
        work(ticket, tech, 35)
    rework = take_in()
    assign_ticket(shop, manager, rework, techs[1])
    work(rework, techs[1], 30)
    qc_fail(shop, qc, rework, "Display flickers under load; reseat the connector.")
    assigned = [take_in() for _ in range(2)]
    for ticket, tech in zip(assigned, techs, strict=True):
        assign_ticket(shop, manager, ticket, tech)
    for _ in range(3):
        take_in()
    clock.set(now - timedelta(minutes=50))
    running = take_in()
    assign_ticket(shop, manager, running, techs[0])
    start_work_session(shop, techs[0], running)  # tech1's timer is running right now
    clock.set(now - timedelta(minutes=40))
    paused = take_in()
    assign_ticket(shop, manager, paused, techs[1])
    start_work_session(shop, techs[1], paused)
    clock.set(now - timedelta(minutes=12))
    pause_work_session(shop, techs[1], paused)  # tech2 is on a break
