"""``shopfloor rules history|rollback|amounts``: the rules' versions, from the command line.

Run as the local operator (no login), like the other administration commands; the
timer rules stay under ``shopfloor timers rules`` and self-inspection under
``shopfloor rules self-inspection``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from . import domain
from .cli_shop import with_shop as _with_shop
from .config import Settings

if TYPE_CHECKING:
    from .domain import Shop


def cmd_history(settings: Settings, _args: argparse.Namespace) -> int:
    def run(shop: Shop) -> int:
        from .domain.worktime import shop_zone

        zone = shop_zone(domain.timer_rules(shop).time_zone)
        versions = domain.rules_history(shop)
        if not versions:
            print("The rules were never changed; there is no version yet.")
        for v in versions:
            at = v.changed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            print(f"{v.version:>4}  {at}  {v.changed_by_name}  {v.what}")
        return 0

    return _with_shop(settings, run)


def cmd_rollback(settings: Settings, args: argparse.Namespace) -> int:
    def run(shop: Shop) -> int:
        made = domain.rollback_rules(shop, None, args.version)
        print(f"Rules are as version {args.version} again (now version {made.version}).")
        print(made.what)
        return 0

    return _with_shop(settings, run)


def cmd_amounts(settings: Settings, args: argparse.Namespace) -> int:
    def run(shop: Shop) -> int:
        rules = domain.set_rule_amounts(
            shop,
            None,
            checklist_min_items=args.checklist_min,
            xp_srt_divisor=args.xp_minutes,
            xp_first_pass_bonus=args.first_pass_bonus,
        )
        print(
            f"Checklist minimum {rules.checklist_min_items} items; 1 XP per "
            f"{rules.xp_srt_divisor} SRT minutes; first-pass bonus {rules.xp_first_pass_bonus} XP."
        )
        return 0

    return _with_shop(settings, run)


def add_rules_commands(rules: Any) -> None:
    """The versioned-rules commands, under ``shopfloor rules``."""
    rules.add_parser("history", help="every version of the rules, newest first").set_defaults(
        func=cmd_history
    )
    rollback = rules.add_parser("rollback", help="make the rules what version N said")
    rollback.add_argument("version", type=int, metavar="N")
    rollback.set_defaults(func=cmd_rollback)
    amounts = rules.add_parser(
        "amounts", help="show or change the checklist minimum and the XP amounts"
    )
    amounts.add_argument("--checklist-min", type=int, help="items a checklist needs at least")
    amounts.add_argument("--xp-minutes", type=int, help="SRT minutes per XP point")
    amounts.add_argument("--first-pass-bonus", type=int, help="XP for a first-pass QC")
    amounts.set_defaults(func=cmd_amounts)
