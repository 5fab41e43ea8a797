"""``shopfloor model add|list``, ``shopfloor part add|list|remove`` and
``shopfloor rules show`` / ``shopfloor rules set NAME on|off`` (issue 21).

Run as the local operator (no login), like the other administration commands; a
domain error is one line on stderr (see :mod:`.cli`).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from .cli_shop import with_shop as _with_shop
from .config import Settings

if TYPE_CHECKING:
    from .domain import Shop


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def cmd_model_add(settings: Settings, args: argparse.Namespace) -> int:
    from .domain import add_bike_model

    def run(shop: Shop) -> int:
        model = add_bike_model(shop, None, args.name)
        _say(f"Added bike model {model.name} (id {model.id}).")
        return 0

    return _with_shop(settings, run)


def cmd_model_list(settings: Settings, _args: argparse.Namespace) -> int:
    from .domain import list_bike_models

    def run(shop: Shop) -> int:
        models = list_bike_models(shop)
        for model in models:
            _say(f"{model.id:>5}  {model.name}")
        if not models:
            _say("No bike models yet; add one with `shopfloor model add NAME`.")
        return 0

    return _with_shop(settings, run)


def _model(raw: str) -> int | str:
    return int(raw) if raw.isdigit() else raw


def cmd_part_add(settings: Settings, args: argparse.Namespace) -> int:
    from .domain import add_part

    def run(shop: Shop) -> int:
        part = add_part(shop, None, _model(args.model), args.name)
        _say(f"Added part {part.name} (id {part.id}) to {part.model_name}.")
        return 0

    return _with_shop(settings, run)


def cmd_part_list(settings: Settings, args: argparse.Namespace) -> int:
    from .domain import list_parts

    def run(shop: Shop) -> int:
        parts = list_parts(shop, include_removed=args.removed)
        for part in parts:
            removed = "  (removed)" if part.is_archived else ""
            _say(f"{part.id:>5}  {part.model_name:<24} {part.name}{removed}")
        if not parts:
            _say("No parts yet; add one with `shopfloor part add MODEL NAME`.")
        return 0

    return _with_shop(settings, run)


def cmd_part_remove(settings: Settings, args: argparse.Namespace) -> int:
    from .domain import remove_part

    def run(shop: Shop) -> int:
        part = remove_part(shop, None, args.part_id)
        _say(f"Removed part {part.name} of {part.model_name} (tickets keep its name).")
        return 0

    return _with_shop(settings, run)


def cmd_rules_show(settings: Settings, _args: argparse.Namespace) -> int:
    from .domain.review import NUMBERS, SWITCHES, shop_rules

    def run(shop: Shop) -> int:
        rules = shop_rules(shop)
        for name, meaning in SWITCHES.items():
            state = "on" if getattr(rules, name) else "off"
            _say(f"{name:<28} {state:<4} {meaning}")
        for name, meaning in NUMBERS.items():
            _say(f"{name:<28} {getattr(rules, name):<4} {meaning}")
        return 0

    return _with_shop(settings, run)


def cmd_rules_set(settings: Settings, args: argparse.Namespace) -> int:
    from .domain import set_rule

    def run(shop: Shop) -> int:
        value = set_rule(shop, None, args.name, args.value)
        shown = ("on" if value else "off") if isinstance(value, bool) else f"{value} XP"
        _say(f"{args.name} is now {shown}.")
        return 0

    return _with_shop(settings, run)


def add_parts_commands(sub: Any) -> None:
    """``model`` and ``part`` under the top-level commands."""
    model = sub.add_parser("model", help="bike models (the parts catalogue is per model)")
    models = model.add_subparsers(metavar="ACTION", required=True)
    add = models.add_parser("add", help="add a bike model")
    add.add_argument("name")
    add.set_defaults(func=cmd_model_add)
    models.add_parser("list", help="list bike models").set_defaults(func=cmd_model_list)

    part = sub.add_parser("part", help="the parts catalogue")
    parts = part.add_subparsers(metavar="ACTION", required=True)
    part_add = parts.add_parser("add", help="add a part to a bike model's catalogue")
    part_add.add_argument("model", help="the bike model's name or id")
    part_add.add_argument("name")
    part_add.set_defaults(func=cmd_part_add)
    part_list = parts.add_parser("list", help="list the catalogue")
    part_list.add_argument("--removed", action="store_true", help="removed parts too")
    part_list.set_defaults(func=cmd_part_list)
    remove = parts.add_parser("remove", help="remove a part (tickets keep its name)")
    remove.add_argument("part_id", type=int)
    remove.set_defaults(func=cmd_part_remove)


def add_rules_commands(rules: Any) -> None:
    """``rules show`` and ``rules set NAME on|off`` under ``rules``."""
    rules.add_parser("show", help="the shop's on/off rules").set_defaults(func=cmd_rules_show)
    set_ = rules.add_parser("set", help="set one of the shop's rules (on/off, or XP)")
    set_.add_argument("name", help="see `shopfloor rules show`")
    set_.add_argument("value", help="on or off; a number of XP for inspector_xp_*")
    set_.set_defaults(func=cmd_rules_set)
