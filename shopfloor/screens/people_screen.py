"""People (super_admin): everyone who may log in; add, roles, badge and PIN, password,
deactivate and reactivate. The same use cases and rules as ``shopfloor user …``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from .. import keys
from ..domain import Role, UserView, list_users
from ..domain.users import (
    MIN_PASSWORD_LENGTH,
    UserChangeView,
    change_password,
    create_user,
    create_user_with_code,
    reset_with_code,
    set_active,
    set_badge,
    set_pin,
    set_roles,
    user_changes,
)
from ..widgets.formatting import local_time
from ..widgets.ticket_pager import Column, FittedTable
from .admin_dialogs import Field, FormDialog, InfoDialog, PickManyDialog
from .base import ShopScreen
from .dialogs import ConfirmDialog

T = TypeVar("T")

ROLE_OPTIONS = [(r.label, r.value) for r in Role]


class AdminScreen(ShopScreen, Generic[T]):
    """A screen around one table of rows (people, bikes): the highlighted row, Back."""

    TABLE_ID = "admin-table"

    @property
    def table(self) -> FittedTable[T]:
        return self.query_one(f"#{self.TABLE_ID}", FittedTable)

    def highlighted(self) -> T | None:
        table = self.table
        rows: Sequence[T] = table._rows
        if not rows or not 0 <= table.cursor_row < len(rows):
            return None
        return rows[table.cursor_row]

    def __init__(self) -> None:
        super().__init__()
        # What the last change said: shown whenever the table is read again (a live
        # refresh after the change must not wipe it), until the next change.
        self._said = ""

    def on_mount(self) -> None:
        self.table.focus()

    def take_said(self) -> str:
        return self._said

    def action_close(self) -> None:
        self.app.pop_screen()

    def changed(self, text: str) -> Callable[[Any], None]:
        """After a change: say ``text`` and read the table again."""

        def done(_: Any) -> None:
            self._said = text
            self.refresh_data()

        return done


def roles_text(user: UserView) -> str:
    return ", ".join(Role(r).label for r in user.role_slugs) or "no role"


PEOPLE_COLUMNS: list[Column[UserView]] = [
    Column("Username", lambda u: u.username, 8, fit=True),
    Column("Name", lambda u: u.display_name, 10, grow=1, wrap=True),
    Column("Roles", roles_text, 12, grow=2, wrap=True),
    Column("Active", lambda u: "yes" if u.is_active else "no", 6),
]


def two_passwords(answers: dict[str, str]) -> str:
    """What is wrong with a password typed twice, or ``""`` (the domain checks the rest).
    Both blank: a one-time code instead."""
    if not answers["password"] and not answers["again"]:
        return ""
    if answers["password"] != answers["again"]:
        return "The two passwords differ; type them again."
    if len(answers["password"]) < MIN_PASSWORD_LENGTH:
        return f"A password is at least {MIN_PASSWORD_LENGTH} characters."
    return ""


class PeopleScreen(AdminScreen[UserView]):
    """Everyone who may log in, with their roles; the keys change the highlighted one."""

    TITLE = "People"
    BINDINGS = keys.PEOPLE

    def compose_body(self) -> Iterable[Any]:
        yield FittedTable(PEOPLE_COLUMNS, id=self.TABLE_ID)

    def refresh_data(self) -> None:
        self.call(list_users, done=self._show, exclusive=True, group="people")

    def _show(self, users: list[UserView]) -> None:
        self.table.show(users, [str(u.id) for u in users])
        self.set_status(self.take_said() or f"{len(users)} people · a adds one")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("roles", "badge", "pin", "password", "toggle_active", "log"):
            return None if self.is_mounted and self.highlighted() is None else True
        return True

    def why_not(self, action: str) -> str:
        return "Nobody is highlighted." if action != "add" else ""

    def on_data_table_row_highlighted(self, _event: Any) -> None:
        self.refresh_bindings()

    # -- keys --

    def action_add(self) -> None:
        def added(answers: dict[str, str] | None) -> None:
            if answers is None:
                return

            def roles_chosen(roles: list[str] | None) -> None:
                if roles is None:
                    self.set_status("Nobody was added.")
                    return
                if not answers["password"]:
                    self.act(
                        "add_person",
                        None,
                        f"Adding {answers['username']}",
                        create_user_with_code,
                        self.me,
                        answers["username"],
                        roles=roles,
                        first_name=answers["first_name"],
                        last_name=answers["last_name"],
                        done=self._code_given("Added"),
                    )
                    return
                self.act(
                    "add_person",
                    None,
                    f"Adding {answers['username']}",
                    create_user,
                    self.me,
                    answers["username"],
                    answers["password"],
                    roles=roles,
                    first_name=answers["first_name"],
                    last_name=answers["last_name"],
                    done=self.changed(
                        f"Added {answers['username']} ({', '.join(roles) or 'no role'})."
                    ),
                )

            self.app.push_screen(
                PickManyDialog(
                    f"Roles of {answers['username']}?",
                    ROLE_OPTIONS,
                    scan_note="nobody was added",
                ),
                roles_chosen,
            )

        self.app.push_screen(
            FormDialog(
                "Add a person",
                [
                    Field("username", "Username"),
                    Field("first_name", "First name"),
                    Field("last_name", "Last name"),
                    Field("password", "Password", password=True),
                    Field("again", "Password again", password=True),
                ],
                detail="Leave both passwords blank for a one-time code: they choose their "
                "own password when they first log in.",
                check=two_passwords,
                scan_note="nobody was added",
            ),
            added,
        )

    def action_roles(self) -> None:
        user = self.highlighted()
        if user is None:
            return

        def chosen(roles: list[str] | None) -> None:
            if roles is None:
                return
            held = ", ".join(roles) or "no role"
            self.act(
                "roles",
                None,
                f"Changing the roles of {user.username}",
                set_roles,
                self.me,
                user.id,
                roles,
                done=self.changed(f"{user.username} now holds: {held}."),
            )

        self.app.push_screen(
            PickManyDialog(
                f"Roles of {user.username}?",
                ROLE_OPTIONS,
                user.role_slugs,
                scan_note=f"the roles of {user.username} were not changed",
            ),
            chosen,
        )

    def action_badge(self) -> None:
        user = self.highlighted()
        if user is None:
            return
        prefix = self.shop_app.settings.scan_prefix

        def given(answers: dict[str, str] | None) -> None:
            if answers is None:
                return
            code = answers["badge"] or None
            said = f"Badge set for {user.username}." if code else "Badge removed."
            self.act(
                "badge",
                None,
                f"Setting the badge of {user.username}",
                set_badge,
                self.me,
                user.id,
                code,
                reserved_prefix=prefix,
                done=self.changed(said),
            )

        self.app.push_screen(
            FormDialog(
                f"Badge of {user.username}",
                [Field("badge", "Badge code")],
                detail="Type the code printed on the badge; blank removes theirs. A badge "
                "scan and their PIN log them in at the login and lock screens.",
                scan_note=f"the badge of {user.username} was not changed",
            ),
            given,
        )

    def action_pin(self) -> None:
        user = self.highlighted()
        if user is None:
            return

        def check(answers: dict[str, str]) -> str:
            if answers["pin"] != answers["again"]:
                return "The two PINs differ; type them again."
            return ""

        def given(answers: dict[str, str] | None) -> None:
            if answers is None:
                return
            pin = answers["pin"] or None
            self.act(
                "pin",
                None,
                f"Setting the PIN of {user.username}",
                set_pin,
                self.me,
                user.id,
                pin,
                done=self.changed(
                    f"PIN set for {user.username}." if pin else f"PIN removed for {user.username}."
                ),
            )

        self.app.push_screen(
            FormDialog(
                f"PIN of {user.username} (4 to 8 digits; blank removes it)",
                [Field("pin", "PIN", password=True), Field("again", "PIN again", password=True)],
                check=check,
                scan_note=f"the PIN of {user.username} was not changed",
            ),
            given,
        )

    def action_password(self) -> None:
        user = self.highlighted()
        if user is None:
            return

        def given(answers: dict[str, str] | None) -> None:
            if answers is None:
                return
            if not answers["password"]:
                self.act(
                    "password",
                    None,
                    f"Giving {user.username} a one-time code",
                    reset_with_code,
                    self.me,
                    user.id,
                    done=self._code_given("New code for"),
                )
                return
            self.act(
                "password",
                None,
                f"Setting the password of {user.username}",
                change_password,
                self.me,
                user.id,
                answers["password"],
                done=self.changed(
                    f"Password changed for {user.username}; their other sessions end."
                ),
            )

        self.app.push_screen(
            FormDialog(
                f"New password for {user.username}",
                detail="Both blank: a one-time code; they choose their own at their next "
                "login. Their sessions end either way.",
                fields=[
                    Field("password", "Password", password=True),
                    Field("again", "Password again", password=True),
                ],
                check=two_passwords,
                scan_note=f"the password of {user.username} was not changed",
            ),
            given,
        )

    def action_log(self) -> None:
        """What was done to the highlighted person, by whom and when."""
        user = self.highlighted()
        if user is None:
            return
        tz = self.shop_app.tz

        def show(changes: list[UserChangeView]) -> None:
            lines = [
                f"{local_time(c.changed_at, tz)}  {c.what} ({c.changed_by_name})" for c in changes
            ]
            self.app.push_screen(InfoDialog(f"What was done to {user.username}", lines))

        self.call(user_changes, self.me, user.id, done=show)

    def _code_given(self, verb: str) -> Callable[[tuple[UserView, str]], None]:
        """Show a one-time code once, where the admin is looking, to hand it over."""

        def done(result: tuple[UserView, str]) -> None:
            user, code = result
            said = (
                f"{verb} {user.username}: one-time code {code} (shown once; they choose "
                f"their own password at their next login)."
            )
            # Only on this screen's status line: a toast would outlive a log out and
            # show the code to whoever comes to the terminal next.
            self.changed(said)(user)

        return done

    def action_toggle_active(self) -> None:
        user = self.highlighted()
        if user is None:
            return
        active = not user.is_active
        verb = "Reactivate" if active else "Deactivate"
        if user.id == self.me and not active:
            self.set_status("You cannot deactivate yourself here.", error=True)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.act(
                    "toggle_active",
                    None,
                    f"{verb[:-1]}ing {user.username}",
                    set_active,
                    self.me,
                    user.id,
                    active,
                    done=self.changed(
                        f"{user.username} is {'active' if active else 'deactivated'}."
                    ),
                )

        detail = (
            "They may log in again with their password."
            if active
            else "They can no longer log in, and every session of theirs ends."
        )
        self.app.push_screen(
            ConfirmDialog(
                f"{verb} {user.username}?",
                detail,
                scan_note=f"{user.username} was not changed",
            ),
            confirmed,
        )
