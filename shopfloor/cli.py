"""The ``shopfloor`` command: the TUI, the server, the demo shop and administration.

Every failure a user can cause ends with one line on stderr and a non-zero exit,
never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

# Only light modules here: ``shopfloor`` with no command shows the login screen before
# SQLAlchemy and the models are imported (issue 13), so the commands import the rest.
from . import domain
from .cli_shop import with_shop as _with_shop
from .config import Settings, SettingsError, load_settings
from .domain import DomainError, NotFound
from .domain.values import Role

if TYPE_CHECKING:
    from .domain import Shop

EXIT_ERROR = 1


class CliError(Exception):
    """A failure to report as one line on stderr."""


def _say(text: str = "") -> None:
    print(text)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the command, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def port_number(raw: str) -> int:
    """A TCP port, 1-65535."""
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a port; use a number from 1 to 65535")
    return int(raw)


def worker_count(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 64:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a worker count; use 1 to 64")
    return int(raw)


# --- commands -----------------------------------------------------------------------------


def cmd_tui(settings: Settings, _args: argparse.Namespace) -> int:
    from .app import run_tui
    from .bootstrap import open_shop
    from .keymap import load_ui_config

    ui = load_ui_config(settings.data_dir)  # a bad config.toml: one line, before the screen
    # The login screen shows first; the shop (SQLAlchemy, the models, the schema
    # check) opens behind it, and a failure still ends as one line on stderr.
    run_tui(None, settings, open_shop=lambda: open_shop(settings.database_url), ui=ui)
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from .bootstrap import open_shop
    from .demo import DEMO_PASSWORD, DEMO_USERS, build_demo
    from .keymap import load_ui_config

    ui = load_ui_config(settings.data_dir) if not args.no_tui else None
    url = settings.demo_database_url
    shop = open_shop(url, auto_upgrade=True)
    try:
        summary = build_demo(shop, datetime.now(UTC))
        state = "created" if summary.created else "already there"
        _say(f"Demo shop {state}: {summary.tickets} tickets in {make_url(url).database}")
        _say(
            f"Log in as any of: {', '.join(u for u, *_ in DEMO_USERS)} (password: {DEMO_PASSWORD})"
        )
        for username, roles, first, last in DEMO_USERS:
            _say(f"  {username:<8} {first} {last}, {', '.join(roles)}")
        if args.no_tui:
            return 0
        from .app import run_tui

        logins = ", ".join(u for u, *_ in DEMO_USERS)
        run_tui(shop, settings, login_hint=f"Demo shop: {logins} (password {DEMO_PASSWORD})", ui=ui)
    finally:
        shop.dispose()
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from .api.server import serve

    serve(settings, host=args.host, port=args.port, workers=args.workers)
    return 0


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DatabaseError

    from .bootstrap import database_problem, open_engine, safe_url
    from .domain.database import current_revision, upgrade

    engine = open_engine(settings.database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    except DatabaseError as exc:
        raise database_problem(settings.database_url, exc) from exc
    finally:
        engine.dispose()
    where = safe_url(settings.database_url)
    if before == after:
        _say(f"Database {where} is up to date (revision {after}).")
    else:
        _say(f"Database {where} upgraded from {before or 'empty'} to {after}.")
    return 0


def cmd_db_grant(settings: Settings, args: argparse.Namespace) -> int:
    from .domain.database import create_db_engine
    from .domain.grants import grant_app_role

    engine = create_db_engine(settings.database_url)
    try:
        granted = grant_app_role(engine, args.role)
    finally:
        engine.dispose()
    _say(granted.describe())
    return 0


def cmd_db_current(settings: Settings, _args: argparse.Namespace) -> int:
    """Show the revision; a read-only look that never creates a file."""
    from sqlalchemy.exc import DatabaseError

    from .bootstrap import database_problem, open_engine, safe_url, sqlite_path
    from .domain.database import current_revision, head_revision

    url = settings.database_url
    path = sqlite_path(url)
    head = head_revision()
    if path is not None and not path.exists():
        _say(
            f"No database at {path} yet; shopfloor creates it at revision {head} "
            "the first time it opens the shop."
        )
        return 0
    engine = open_engine(url)
    try:
        current = current_revision(engine)
    except DatabaseError as exc:
        raise database_problem(url, exc) from exc
    finally:
        engine.dispose()
    if current == head:
        state = "up to date"
    elif path is not None:
        state = f"behind (head is {head}); it is migrated the next time shopfloor opens it"
    else:
        state = f"behind (head is {head}); run `shopfloor db upgrade`"
    _say(f"{safe_url(url)}: revision {current or 'none'}, {state}")
    return 0


def cmd_db_backup(settings: Settings, args: argparse.Namespace) -> int:
    from .bootstrap import backup_sqlite, open_shop, sqlite_path

    # Open (and so check and migrate) the shop first: a backup of a broken file is no backup.
    open_shop(settings.database_url).dispose()
    target = Path(args.path).expanduser().resolve()
    backup_sqlite(settings.database_url, target)
    _say(
        f"Backed up {sqlite_path(settings.database_url)} to {target}; check it with "
        f"SHOPFLOOR_DATABASE_URL=sqlite:///{target} shopfloor audit verify"
    )
    return 0


def cmd_audit_verify(settings: Settings, _args: argparse.Namespace) -> int:
    from .domain.audit import verify_shop

    def run(shop: Shop) -> int:
        report = verify_shop(shop)
        for drift in report.all_drifts:
            _say(str(drift))
        _say(report.summary())
        return 0 if report.clean else EXIT_ERROR

    return _with_shop(settings, run)


def cmd_audit_rebuild(settings: Settings, _args: argparse.Namespace) -> int:
    from .domain.audit import rebuild_read_models

    def run(shop: Shop) -> int:
        _say(rebuild_read_models(shop).summary())
        return 0

    return _with_shop(settings, run)


def _read_password(from_stdin: bool) -> str:
    return _read_secret(from_stdin, "password", "--password-stdin")


def _read_secret(from_stdin: bool, what: str, flag: str) -> str:
    """A password or PIN: one line from stdin, or asked twice at the terminal."""
    if from_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise CliError(f"No terminal to ask for the {what}; pipe it in with {flag}.")
        try:
            secret = getpass.getpass(f"{what.capitalize()}: ")
            again = getpass.getpass(f"Repeat {what}: ")
        except EOFError:  # ctrl+d at the prompt
            raise CliError(f"No {what} was typed; nothing was changed.") from None
        if again != secret:
            raise CliError(f"The {what}s do not match; nothing was changed.")
    if not secret:
        raise CliError(f"The {what} is empty; nothing was changed.")
    return secret


def cmd_user_add(settings: Settings, args: argparse.Namespace) -> int:
    from .domain.users import check_new_user

    # Every argument is checked before the password is asked for.
    username, _roles = check_new_user(
        args.username, args.role or (), args.first_name, args.last_name
    )

    def run(shop: Shop) -> int:
        try:
            taken = domain.find_user(shop, username)
        except NotFound:
            pass
        else:
            raise CliError(f"Username {taken.username!r} is taken (usernames ignore case).")
        password = _read_password(args.password_stdin)
        user = domain.create_user(
            shop,
            None,
            username,
            password,
            roles=args.role or (),
            first_name=args.first_name,
            last_name=args.last_name,
        )
        roles = ", ".join(user.role_slugs) or "no role (may log in and read, not act)"
        _say(f"Created user {user.username} (id {user.id}): {roles}")
        return 0

    return _with_shop(settings, run)


def cmd_user_list(settings: Settings, _args: argparse.Namespace) -> int:
    def run(shop: Shop) -> int:
        users = domain.list_users(shop)
        if not users:
            _say("No users yet; add one with `shopfloor user add NAME --role ROLE`.")
        for u in users:
            state = "" if u.is_active else "  [deactivated]"
            roles = ", ".join(u.role_slugs) or "-"
            _say(f"{u.id:>4}  {u.username:<16} {u.display_name:<24} {roles}{state}")
        return 0

    return _with_shop(settings, run)


def cmd_user_roles(settings: Settings, args: argparse.Namespace) -> int:
    def run(shop: Shop) -> int:
        roles = [] if args.none else args.role
        user = domain.set_roles(shop, None, domain.find_user(shop, args.username).id, roles)
        _say(f"{user.username} now holds: {', '.join(user.role_slugs) or 'no role'}")
        return 0

    return _with_shop(settings, run)


def cmd_user_active(active: bool) -> Callable[[Settings, argparse.Namespace], int]:
    def command(settings: Settings, args: argparse.Namespace) -> int:
        def run(shop: Shop) -> int:
            user = domain.set_active(shop, None, domain.find_user(shop, args.username).id, active)
            _say(f"{user.username} is {'active' if active else 'deactivated'}.")
            return 0

        return _with_shop(settings, run)

    return command


def cmd_user_passwd(settings: Settings, args: argparse.Namespace) -> int:
    from .domain.users import change_password

    password = _read_password(args.password_stdin)

    def run(shop: Shop) -> int:
        user = change_password(shop, None, domain.find_user(shop, args.username).id, password)
        _say(f"Password changed for {user.username}.")
        return 0

    return _with_shop(settings, run)


def cmd_user_badge(settings: Settings, args: argparse.Namespace) -> int:
    from .domain.users import check_badge, quick_login, set_badge

    if args.clear == (args.code is not None):
        raise CliError("Give the badge code, or --clear to remove the user's badge.")
    if args.code is not None:  # checked before the shop is opened
        check_badge(args.code, reserved_prefix=settings.scan_prefix)

    def run(shop: Shop) -> int:
        user = domain.find_user(shop, args.username)
        set_badge(shop, None, user.id, args.code, reserved_prefix=settings.scan_prefix)
        if args.clear:
            _say(f"Badge removed for {user.username}.")
        elif quick_login(shop, user.id).has_pin:
            _say(f"Badge set for {user.username}: a scan and their PIN log them in.")
        else:
            _say(
                f"Badge set for {user.username}; it logs them in once they have a PIN "
                f"(shopfloor user pin {user.username})."
            )
        return 0

    return _with_shop(settings, run)


def cmd_user_pin(settings: Settings, args: argparse.Namespace) -> int:
    from .domain.users import check_pin, quick_login, set_pin

    pin = None if args.clear else check_pin(_read_secret(args.pin_stdin, "PIN", "--pin-stdin"))

    def run(shop: Shop) -> int:
        user = domain.find_user(shop, args.username)
        set_pin(shop, None, user.id, pin)
        if pin is None:
            _say(f"PIN removed for {user.username}.")
        elif quick_login(shop, user.id).has_badge:
            _say(f"PIN set for {user.username}: a badge scan and this PIN log them in.")
        else:
            _say(
                f"PIN set for {user.username}; it logs them in once they have a badge "
                f"(shopfloor user badge {user.username} CODE)."
            )
        return 0

    return _with_shop(settings, run)


def cmd_bike_add(settings: Settings, args: argparse.Namespace) -> int:
    def run(shop: Shop) -> int:
        for bike in domain.create_bikes(shop, None, args.codes):
            _say(f"Added bike {bike.bike_code} (id {bike.id}), {bike.status}.")
        return 0

    return _with_shop(settings, run)


def cmd_bike_list(settings: Settings, args: argparse.Namespace) -> int:
    def run(shop: Shop) -> int:
        page = 1
        archived = True if args.archived else None
        while True:
            result = domain.list_bikes(
                shop, page=page, per_page=100, status=args.status, archived=archived
            )
            for b in result.items:
                state = "archived" if not b.is_active else b.status
                _say(f"{b.id:>5}  {b.bike_code:<20} {state}")
            if page >= result.page_count:
                break
            page += 1
        if result.total_count == 0:
            _say("No bikes match.")
        return 0

    return _with_shop(settings, run)


def cmd_bike_archive(restore: bool) -> Callable[[Settings, argparse.Namespace], int]:
    def command(settings: Settings, args: argparse.Namespace) -> int:
        def run(shop: Shop) -> int:
            bike = domain.get_bike_by_code(shop, args.code)
            action = domain.restore_bike if restore else domain.archive_bike
            bike = action(shop, None, bike.id)
            _say(f"Bike {bike.bike_code} {'restored' if restore else 'archived'}.")
            return 0

        return _with_shop(settings, run)

    return command


# --- parser ---------------------------------------------------------------------------------


def cmd_rules_self_inspection(settings: Settings, args: argparse.Namespace) -> int:
    def run(shop: Shop) -> int:
        allowed = domain.set_self_inspection(shop, None, args.setting == "allow")
        _say(
            "Whoever worked on a ticket may now pass or fail its QC (a one-person shop)."
            if allowed
            else "Nobody may pass or fail QC on a ticket they worked on."
        )
        return 0

    return _with_shop(settings, run)


def build_parser() -> argparse.ArgumentParser:
    roles = ", ".join(r.value for r in Role)
    parser = OneLineParser(
        prog="shopfloor",
        description="Shop-floor system for an e-bike repair workshop. "
        "With no command, opens the terminal UI.",
    )
    parser.set_defaults(func=cmd_tui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    sub.add_parser("tui", help="open the terminal UI (the default)").set_defaults(func=cmd_tui)

    demo = sub.add_parser("demo", help="create the demo shop (in its own file) and open the TUI")
    demo.add_argument("--no-tui", action="store_true", help="only create the demo shop")
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="run the v1 HTTP API server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=port_number, default=8000)
    serve.add_argument("--workers", type=worker_count, default=1)
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database schema").add_subparsers(
        metavar="ACTION", required=True
    )
    db.add_parser("upgrade", help="migrate the database to the latest schema").set_defaults(
        func=cmd_db_upgrade
    )
    db.add_parser("current", help="show the schema revision").set_defaults(func=cmd_db_current)
    grant = db.add_parser(
        "grant",
        help="PostgreSQL, as the owner: let ROLE run the shop, appending to the audit only",
    )
    grant.add_argument("role", help="an existing LOGIN role that owns nothing")
    grant.set_defaults(func=cmd_db_grant)
    backup = db.add_parser("backup", help="copy a SQLite shop consistently, while it is in use")
    backup.add_argument("path", metavar="PATH", help="the new file to write")
    backup.set_defaults(func=cmd_db_backup)

    audit = sub.add_parser("audit", help="check the shop against its history").add_subparsers(
        metavar="ACTION", required=True
    )
    audit.add_parser(
        "verify", help="recompute statuses, timer totals and XP from the audit history"
    ).set_defaults(func=cmd_audit_verify)
    audit.add_parser(
        "rebuild",
        help="recompute the counters and daily rollups from the history (when verify says so)",
    ).set_defaults(func=cmd_audit_rebuild)

    user = sub.add_parser("user", help="manage users").add_subparsers(
        metavar="ACTION", required=True
    )
    add = user.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--role", action="append", help=f"repeatable; one of: {roles}")
    add.add_argument("--first-name", default="")
    add.add_argument("--last-name", default="")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(func=cmd_user_add)
    user.add_parser("list", help="list users").set_defaults(func=cmd_user_list)
    user_roles = user.add_parser("roles", help="replace a user's roles")
    user_roles.add_argument("username")
    which = user_roles.add_mutually_exclusive_group(required=True)
    which.add_argument("--role", action="append", help=f"repeatable; one of: {roles}")
    which.add_argument("--none", action="store_true", help="remove every role on purpose")
    user_roles.set_defaults(func=cmd_user_roles)
    for name, active in (("deactivate", False), ("activate", True)):
        p = user.add_parser(name, help=f"{name} a user")
        p.add_argument("username")
        p.set_defaults(func=cmd_user_active(active))
    passwd = user.add_parser("passwd", help="set a user's password")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(func=cmd_user_passwd)
    badge = user.add_parser("badge", help="give a user a badge to scan at a terminal")
    badge.add_argument("username")
    badge.add_argument("code", nargs="?", help="the code the badge scanner types")
    badge.add_argument("--clear", action="store_true", help="remove the user's badge")
    badge.set_defaults(func=cmd_user_badge)
    pin = user.add_parser("pin", help="set the PIN (4-8 digits) typed after a badge scan")
    pin.add_argument("username")
    pin.add_argument("--pin-stdin", action="store_true", help="read the PIN from stdin")
    pin.add_argument("--clear", action="store_true", help="remove the user's PIN")
    pin.set_defaults(func=cmd_user_pin)

    bike = sub.add_parser("bike", help="manage the fleet").add_subparsers(
        metavar="ACTION", required=True
    )
    bike_add = bike.add_parser("add", help="add bikes")
    bike_add.add_argument("codes", nargs="+", metavar="CODE")
    bike_add.set_defaults(func=cmd_bike_add)
    bike_list = bike.add_parser("list", help="list bikes")
    bike_list.add_argument("--status")
    bike_list.add_argument("--archived", action="store_true", help="only archived bikes")
    bike_list.set_defaults(func=cmd_bike_list)
    for name, restore in (("archive", False), ("restore", True)):
        p = bike.add_parser(name, help=f"{name} a bike")
        p.add_argument("code")
        p.set_defaults(func=cmd_bike_archive(restore))

    from .cli_timers import add_timers_commands

    add_timers_commands(sub)
    from .cli_board import add_board_commands

    add_board_commands(sub, port_number)
    from .cli_export import add_export_commands

    add_export_commands(sub)
    from .cli_config import add_config_commands

    add_config_commands(sub)
    rules = sub.add_parser("rules", help="the workshop's rules").add_subparsers(
        metavar="RULE", required=True
    )
    self_inspection = rules.add_parser(
        "self-inspection", help="may whoever worked on a ticket judge its QC (default: forbid)"
    )
    self_inspection.add_argument("setting", choices=["allow", "forbid"])
    self_inspection.set_defaults(func=cmd_rules_self_inspection)
    from .cli_parts import add_parts_commands, add_rules_commands
    from .cli_rules import add_rules_commands as add_rules_version_commands

    add_rules_version_commands(rules)
    add_rules_commands(rules)
    add_parts_commands(sub)
    _add_shop_choice(parser)
    return parser


def _add_shop_choice(parser: argparse.ArgumentParser, *, top: bool = True) -> None:
    """``--demo`` / ``--database URL`` on every command that opens a shop (all but demo).

    Given after the command (``shopfloor bike list --demo``) or before it; below the top
    the defaults are suppressed, so a sub-command never undoes what was given before it.
    """
    group = parser.add_argument_group("which shop")
    group.add_argument(
        "--demo",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="use the demo shop (the file `shopfloor demo` made)",
    )
    group.add_argument(
        "--database",
        metavar="URL",
        default=None if top else argparse.SUPPRESS,
        help="use this shop, sqlite:///PATH or postgresql://USER@HOST/DATABASE "
        "(instead of SHOPFLOOR_DATABASE_URL)",
    )
    for action in parser._actions:  # argparse keeps sub-commands in a private action type
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if name != "demo":
                    _add_shop_choice(sub, top=False)


# Commands that say which shop they opened themselves (or open none).
_SAYS_ITS_SHOP = frozenset({"cmd_demo", "cmd_tui", "cmd_db_current", "cmd_db_upgrade"})
_OPENS_NO_SHOP = frozenset(
    {"cmd_db_grant", "cmd_db_current", "cmd_config_check", "cmd_config_keys"}
)


def _chosen_shop(settings: Settings, args: argparse.Namespace) -> Settings:
    """The settings with ``--demo`` or ``--database`` applied."""
    from dataclasses import replace

    from .config import parse_database_url

    demo, database = getattr(args, "demo", False), getattr(args, "database", None)
    if demo and database:
        raise CliError("Give --demo or --database, not both.")
    if demo:
        return replace(settings, database_url=settings.demo_database_url)
    if database:
        try:
            return replace(settings, database_url=parse_database_url(database))
        except ValueError as exc:
            raise CliError(f"--database {database!r} {exc}.") from None
    return settings


def _which_shop(settings: Settings, args: argparse.Namespace) -> None:
    """Say on stderr which shop this command opens when it is not the one used last, and
    remember it; see :mod:`shopfloor.which_shop`."""
    from . import which_shop

    name = getattr(args.func, "__name__", "")
    if name in _OPENS_NO_SHOP:
        return
    url = settings.demo_database_url if name == "cmd_demo" else settings.database_url
    if name not in _SAYS_ITS_SHOP:
        line = which_shop.announce(settings, url)
        if line is not None:
            print(line, file=sys.stderr)
    which_shop.remember(settings, url)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``shopfloor`` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = _chosen_shop(load_settings(), args)
        _which_shop(settings, args)
        return int(args.func(settings, args))
    except (DomainError, CliError, SettingsError) as exc:
        print(f"shopfloor: {exc}", file=sys.stderr)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("shopfloor."):
            print(f"shopfloor: this build has no {exc.name} yet.", file=sys.stderr)
        else:
            raise
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from .bootstrap import StartupError  # imported when needed: see the imports above

        if not isinstance(exc, StartupError):
            raise
        print(f"shopfloor: {exc}", file=sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
