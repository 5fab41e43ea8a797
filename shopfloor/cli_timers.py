"""``shopfloor timers …``: forgotten timers and the shop's timer rules, from the command line.

Run as the local operator (no login), like the other administration commands.
"""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from . import domain
from .cli_shop import with_shop as _with_shop
from .config import Settings
from .domain import PauseReason, ValidationFailed

if TYPE_CHECKING:
    from .domain import Shop

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def parse_duration(text: str) -> timedelta:
    """``12h``, ``90m``, ``1d``, ``1h30m`` as a timedelta; anything else is refused by name."""
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or match is None:
        raise ValidationFailed(
            f"--older-than {text!r} is not a duration; write it like 12h, 90m or 1d.",
            field="older_than",
        )
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def cmd_stale(settings: Settings, args: argparse.Namespace) -> int:
    older_than = parse_duration(args.older_than) if args.older_than else None

    def run(shop: Shop) -> int:
        from .domain.worktime import shop_zone

        zone = shop_zone(domain.timer_rules(shop).time_zone)
        act = domain.stop_stale_timers if args.stop else domain.stale_timers
        found = act(shop, None, older_than, at_now=args.at == "now")
        for t in found:
            last = t.last_event_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            at = f"{t.stop_at.astimezone(zone):%Y-%m-%d %H:%M} ({t.stops_where})"
            head = f"#{t.ticket} {t.bike_code}  {t.technician_name}"
            if args.stop:
                print(f"{head}  stopped at {at}; last touched {last}: {t.why}")
            else:
                print(f"{head}  {t.session.status} since {last}: {t.why}; --stop stops it at {at}")
        if not found:
            print("No forgotten timers.")
        elif args.stop:
            print(f"Stopped {len(found)} timer(s).")
        return 0

    return _with_shop(settings, run)


def _parse_reason(text: str) -> PauseReason:
    """``code=Label``, with ``!`` after the label for a break (not counted) and ``+note``
    for a reason that needs a note: ``lunch=Lunch!``, ``other=Other+note``."""
    code, sep, label = text.partition("=")
    if not sep or not code.strip() or not label.strip():
        raise ValidationFailed(
            f"Pause reason {text!r} should read code=Label, e.g. waiting_for_parts=Waiting for "
            "parts (add ! for a break, +note when it needs a note).",
            field="reason",
        )
    label = label.strip()
    needs_note = label.endswith("+note")
    label = label.removesuffix("+note").strip()
    counts = not label.endswith("!")
    return PauseReason(code.strip(), label.rstrip("!").strip(), counts, needs_note)


def cmd_rules(settings: Settings, args: argparse.Namespace) -> int:
    def run(shop: Shop) -> int:
        changes: dict[str, Any] = {}
        if args.shift_end is not None:
            changes["shift_end"] = None if args.shift_end.lower() == "none" else args.shift_end
        if args.time_zone is not None:
            changes["time_zone"] = args.time_zone
        if args.pause_budget is not None:
            changes["pause_budget_minutes"] = args.pause_budget
        if args.reason:
            changes["pause_reasons"] = [_parse_reason(r) for r in args.reason]
        rules = (
            domain.set_timer_rules(shop, None, **changes) if changes else domain.timer_rules(shop)
        )
        shift = rules.shift_end.strftime("%H:%M") if rules.shift_end else "none"
        print(f"time zone: {rules.time_zone}")
        print(f"shift end: {shift}")
        print(f"pause budget: {rules.pause_budget_minutes} min a day")
        for n, r in enumerate(rules.pause_reasons, start=1):
            flags = ("" if r.counts else " (break: not counted)") + (
                " (needs a note)" if r.needs_note else ""
            )
            print(f"pause reason {n}: {r.code} = {r.label}{flags}")
        return 0

    return _with_shop(settings, run)


def add_timers_commands(sub: Any) -> None:
    """Add ``timers stale`` and ``timers rules`` to the ``shopfloor`` parser."""
    timers = sub.add_parser("timers", help="forgotten timers and the timer rules").add_subparsers(
        metavar="ACTION", required=True
    )
    stale = timers.add_parser(
        "stale",
        help="list (or --stop) open timers left past the shift's end, on a ticket no longer "
        "in progress or with another technician",
    )
    stale.add_argument("--older-than", metavar="DURATION", help="also those untouched this long")
    stale.add_argument("--stop", action="store_true", help="stop them, recording why")
    stale.add_argument(
        "--at",
        choices=("last-activity", "now"),
        default="last-activity",
        help="where --stop stops a timer not left past the shift's end: at its last "
        "activity (default: no time after it is booked) or now",
    )
    stale.set_defaults(func=cmd_stale)
    rules = timers.add_parser("rules", help="show or change the shop's timer rules")
    rules.add_argument("--shift-end", metavar="HH:MM", help="local time; 'none' removes it")
    rules.add_argument("--time-zone", metavar="ZONE", help="e.g. Europe/Prague")
    rules.add_argument("--pause-budget", type=int, metavar="MINUTES", help="per technician a day")
    rules.add_argument(
        "--reason",
        action="append",
        metavar="CODE=LABEL",
        help="repeat to replace the pause reasons (LABEL! = a break, LABEL+note = needs a note)",
    )
    rules.set_defaults(func=cmd_rules)
