"""Rules (super_admin; ops_manager the timer rules): every workshop rule as it is now, and
below, every version of them (who changed what when), with a rollback to one of them.

Enter changes the highlighted rule; the domain checks and versions every change
(:mod:`shopfloor.domain.rules_versions`), the same as the CLI's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .. import keys
from ..domain import (
    PauseReason,
    Permission,
    Rules,
    RulesVersion,
    Shop,
    allows,
    checklist_template,
    rollback_rules,
    rules_history,
    set_rule_amounts,
    set_self_inspection,
    set_timer_rules,
    timer_rules,
)
from ..domain.checklists import DEFAULT_CHECKLIST
from ..domain.rules_versions import changes
from ..widgets.formatting import local_time
from ..widgets.ticket_pager import Column, FittedTable
from .admin_dialogs import Field, FormDialog
from .dialogs import ChoiceDialog, ConfirmDialog
from .people_screen import AdminScreen

MAX_REASONS = 9  # a digit picks each


@dataclass(frozen=True)
class RuleRow:
    """One line of the rules table: which rule, its name, its value now."""

    key: str
    label: str
    value: str
    permission: Permission


@dataclass(frozen=True)
class RulesNow:
    """The rules, the checklist template and the versions, read together."""

    rules: Rules
    template_items: int
    template_is_own: bool
    versions: list[RulesVersion]


def read_rules(shop: Shop, actor_id: int) -> RulesNow:
    """Everything the Rules screen shows (runs in a worker)."""
    template = checklist_template(shop)
    return RulesNow(
        timer_rules(shop),
        len(template),
        tuple(template) != tuple(DEFAULT_CHECKLIST),
        rules_history(shop, actor_id),
    )


def reasons_text(reasons: Iterable[PauseReason]) -> str:
    """The pause reasons as they are typed: ``code=Label`` separated by ``;``, ``!`` after
    a break's label, ``+note`` after one that needs a note."""
    return "; ".join(
        f"{r.code}={r.label}{'' if r.counts else '!'}{'+note' if r.needs_note else ''}"
        for r in reasons
    )


def parse_reasons(text: str) -> list[PauseReason]:
    """The pause reasons from :func:`reasons_text`'s form; ``ValueError`` says what is wrong."""
    reasons = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        code, sep, label = part.partition("=")
        if not sep or not code.strip() or not label.strip():
            raise ValueError(f"{part!r} should read code=Label, e.g. parts=Waiting for parts.")
        label = label.strip()
        needs_note = label.endswith("+note")
        label = label.removesuffix("+note").strip()
        counts = not label.endswith("!")
        reasons.append(PauseReason(code.strip(), label.rstrip("!").strip(), counts, needs_note))
    return reasons


def rule_rows(now: RulesNow) -> list[RuleRow]:
    r = now.rules
    timer, rules = Permission.EDIT_TIMER_RULES, Permission.EDIT_RULES
    labels = ", ".join(f"{p.label}{'' if p.counts else ' (break)'}" for p in r.pause_reasons)
    template = "the shop's own" if now.template_is_own else "built-in"
    return [
        RuleRow("pause_reasons", "Pause reasons", labels, timer),
        RuleRow("pause_budget", "Pause budget", f"{r.pause_budget_minutes} min a day", timer),
        RuleRow(
            "shift_end",
            "Shift end",
            r.shift_end.strftime("%H:%M") if r.shift_end else "none",
            timer,
        ),
        RuleRow("time_zone", "Time zone", r.time_zone, timer),
        RuleRow(
            "self_inspection",
            "Self-inspection",
            "allowed (one-person shop)" if r.allow_self_inspection else "forbidden",
            rules,
        ),
        RuleRow("checklist_min", "Checklist minimum", f"{r.checklist_min_items} items", rules),
        RuleRow(
            "checklist_template",
            "Checklist template",
            f"{template}, {now.template_items} items (change it on Intake: ctrl+g)",
            Permission.EDIT_CHECKLIST_TEMPLATE,
        ),
        RuleRow("xp_divisor", "XP: SRT minutes a point", str(r.xp_srt_divisor), rules),
        RuleRow("xp_bonus", "XP: first-pass bonus", str(r.xp_first_pass_bonus), rules),
    ]


class RulesScreen(AdminScreen[RuleRow]):
    """The rules on top, their versions below; tab (or h) moves between the two."""

    TITLE = "Rules"
    BINDINGS = keys.RULES
    TABLE_ID = "rules-table"

    def __init__(self) -> None:
        super().__init__()
        self.shown: RulesNow | None = None

    def compose_body(self) -> Iterable[Any]:
        yield FittedTable(
            [
                Column("Rule", lambda r: r.label, 12, fit=True),
                Column("Now", lambda r: r.value, 20, grow=1),
            ],
            id=self.TABLE_ID,
        )
        tz = self.shop_app.tz
        yield FittedTable(
            [
                Column("Ver", lambda v: str(v.version), 3, fit=True),
                Column("When", lambda v: local_time(v.changed_at, tz), 12, fit=True),
                Column("Who", lambda v: v.changed_by_name, 8, drop=1),
                Column("What changed", lambda v: v.what, 20, grow=1, wrap=True),
            ],
            id="history-table",
        )

    @property
    def history(self) -> FittedTable[RulesVersion]:
        return self.query_one("#history-table", FittedTable)

    def highlighted_version(self) -> RulesVersion | None:
        table = self.history
        rows: list[RulesVersion] = table._rows
        if not rows or not 0 <= table.cursor_row < len(rows):
            return None
        return rows[table.cursor_row]

    def refresh_data(self) -> None:
        self.call(read_rules, self.me, done=self._show, exclusive=True, group="rules")

    def _show(self, now: RulesNow) -> None:
        self.shown = now
        rows = rule_rows(now)
        self.table.show(rows, [r.key for r in rows])
        self.history.show(now.versions, [str(v.version) for v in now.versions])
        count = len(now.versions)
        summary = (
            f"{count} versions · enter changes a rule · h: the history; enter there rolls back"
            if count
            else "No rule was changed yet · enter changes the highlighted rule"
        )
        said = self.take_said()
        self.set_status(said or summary)
        self.refresh_bindings()

    # -- which keys work --

    def _may(self, permission: Permission) -> bool:
        return allows(self.session.acting_roles(), permission)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        if action == "edit":
            row = self.highlighted()
            return (
                row is not None
                and self.table.has_focus
                and row.key != "checklist_template"
                and self._may(row.permission)
            ) or None
        if action == "rollback":
            return (
                self.history.has_focus
                and self.highlighted_version() is not None
                and self._may(Permission.EDIT_RULES)
            ) or None
        return True

    def why_not(self, action: str) -> str:
        if action == "edit":
            row = self.highlighted()
            if row is not None and row.key == "checklist_template":
                return "The checklist template is edited on Intake (F2): ctrl+g saves it."
            if not self.table.has_focus:
                return "Tab back to the rules to change one."
            return "Your role may not change this rule."
        if action == "rollback":
            if not self._may(Permission.EDIT_RULES):
                return "Only a super admin may roll the rules back."
            return "Pick a version in the history first (h, or tab)."
        return ""

    def on_descendant_focus(self, _event: Any) -> None:
        self.refresh_bindings()

    def on_data_table_row_highlighted(self, _event: Any) -> None:
        self.refresh_bindings()

    def on_data_table_row_selected(self, event: Any) -> None:
        event.stop()
        if event.data_table is self.table:
            if self.check_action("edit", ()):
                self.action_edit()
            else:
                self._why("edit")
        elif self.check_action("rollback", ()):
            self.action_rollback()
        else:
            self._why("rollback")

    def _why(self, action: str) -> None:
        self.set_status(self.why_not(action), error=True)

    def action_switch_side(self) -> None:
        (self.table if self.history.has_focus else self.history).focus()

    def action_history(self) -> None:
        self.history.focus()

    # -- changing a rule --

    def action_edit(self) -> None:
        row, now = self.highlighted(), self.shown
        if row is None or now is None:
            return
        if row.key == "self_inspection":
            self._choose_self_inspection(now.rules)
            return
        if row.key == "pause_reasons":
            self._edit_pause_reasons(now.rules)
            return
        edits: dict[str, tuple[str, str, Callable[[str], dict[str, Any]]]] = {
            "pause_budget": (
                "Pause budget: minutes a day",
                str(now.rules.pause_budget_minutes),
                lambda t: {"pause_budget_minutes": _number(t)},
            ),
            "shift_end": (
                "Shift end: HH:MM (blank: no shift end)",
                now.rules.shift_end.strftime("%H:%M") if now.rules.shift_end else "",
                lambda t: {"shift_end": t or None},
            ),
            "time_zone": (
                "Time zone, e.g. Europe/Prague or UTC",
                now.rules.time_zone,
                lambda t: {"time_zone": t},
            ),
            "checklist_min": (
                "Items a checklist needs at least",
                str(now.rules.checklist_min_items),
                lambda t: {"checklist_min_items": _number(t)},
            ),
            "xp_divisor": (
                "SRT minutes for one XP point",
                str(now.rules.xp_srt_divisor),
                lambda t: {"xp_srt_divisor": _number(t)},
            ),
            "xp_bonus": (
                "XP for a first-pass QC",
                str(now.rules.xp_first_pass_bonus),
                lambda t: {"xp_first_pass_bonus": _number(t)},
            ),
        }
        label, value, read = edits[row.key]
        use_case = set_timer_rules if row.permission is Permission.EDIT_TIMER_RULES else None

        def given(answers: dict[str, str] | None) -> None:
            if answers is None:
                return
            try:
                change = read(answers["value"])
            except ValueError as exc:
                self.set_status(f"{exc} Nothing was changed.", error=True)
                return
            fn = use_case or set_rule_amounts
            self.act(
                "edit_rule",
                None,
                f"Changing {row.label.lower()}",
                fn,
                self.me,
                **change,
                done=self.changed(f"{row.label} changed; it is a new version of the rules."),
            )

        self.app.push_screen(
            FormDialog(
                row.label,
                [Field("value", "New value", value=value)],
                detail=label,
                scan_note=f"{row.label.lower()} was not changed",
            ),
            given,
        )

    def _edit_pause_reasons(self, rules: Rules) -> None:
        """One line a reason (two empty ones to add); a blank line drops that reason."""
        current = [reasons_text([r]) for r in rules.pause_reasons]
        lines = [*current, "", ""][:MAX_REASONS]
        fields = [Field(f"r{n}", f"Reason {n + 1}", value=value) for n, value in enumerate(lines)]

        def given(answers: dict[str, str] | None) -> None:
            if answers is None:
                return
            try:
                reasons = parse_reasons("; ".join(answers[f.name] for f in fields))
            except ValueError as exc:
                self.set_status(f"{exc} Nothing was changed.", error=True)
                return
            self.act(
                "edit_rule",
                None,
                "Changing the pause reasons",
                set_timer_rules,
                self.me,
                pause_reasons=reasons,
                done=self.changed("Pause reasons changed; it is a new version of the rules."),
            )

        self.app.push_screen(
            FormDialog(
                "Pause reasons, in the order the digits pick them",
                fields,
                detail="code=Label; ! after a break's label (not counted), +note when it needs "
                "a note; blank drops one.",
                scan_note="the pause reasons were not changed",
            ),
            given,
        )

    def _choose_self_inspection(self, rules: Rules) -> None:
        def chosen(value: str | None) -> None:
            if value is None or (value == "allow") is rules.allow_self_inspection:
                return
            self.act(
                "edit_rule",
                None,
                "Changing self-inspection",
                set_self_inspection,
                self.me,
                value == "allow",
                done=self.changed("Self-inspection changed; it is a new version of the rules."),
            )

        self.app.push_screen(
            ChoiceDialog(
                "May whoever worked on a ticket pass or fail its QC?",
                [
                    ("Forbid: a second pair of eyes inspects", "forbid"),
                    ("Allow: a one-person workshop", "allow"),
                ],
                scan_note="self-inspection was not changed",
            ),
            chosen,
        )

    # -- rolling back --

    def action_rollback(self) -> None:
        version, now = self.highlighted_version(), self.shown
        if version is None or now is None:
            return
        newest = now.versions[0]
        what = changes(newest.rules, version.rules) or "nothing: the rules already are so"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.act(
                    "rollback",
                    None,
                    f"Rolling the rules back to version {version.version}",
                    rollback_rules,
                    self.me,
                    version.version,
                    done=lambda made: self.changed(
                        f"Rules rolled back to version {version.version} "
                        f"(now version {made.version})."
                    )(made),
                )

        self.app.push_screen(
            ConfirmDialog(
                f"Roll the rules back to version {version.version}?",
                f"This changes {what}. It becomes a new version; nothing is lost.",
                scan_note="the rules were not rolled back",
            ),
            confirmed,
        )


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number.") from None
