"""Intake (master, super_admin): take a bike in as a new ticket.

The bike code shows the bike's state and the closest codes while it is typed;
an unknown bike needs an explicit confirmation with a reason, an archived one
can be restored first. The checklist starts from the default template and can
be edited; the SRT must be approved explicitly before the ticket is created.

Intake by parts (issue 21): ctrl+p adds a part spec (part, condition colour, minutes,
comment) or removes one; the SRT then defaults to the parts' minutes (still to be
approved), and the flag colour they give shows beside them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.timer import Timer
from textual.widgets import Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from .. import keys
from ..domain import (
    BikeState,
    DomainError,
    Permission,
    Shop,
    TicketView,
    allows,
    bike_state,
    checklist_template,
    create_ticket,
    get_bike_by_code,
    list_parts,
    restore_bike,
    set_checklist_template,
)
from ..domain.flags import flag_color
from ..domain.views import PartView
from ..keymap import hint_for
from ..widgets.checklist import ChecklistEditor
from .base import ShopScreen
from .dialogs import ChoiceDialog, ConfirmDialog, TextDialog
from .part_dialogs import PartSpec, PartSpecDialog
from .ticket_detail_screen import TicketDetailScreen

STATE_DEBOUNCE_SECONDS = 0.2
# Where the cursor goes when the domain refuses a field.
FIELD_WIDGETS = {
    "bike_code": "#bike-code",
    "bike_creation_reason": "#bike-code",
    "title": "#title",
    "srt_total_minutes": "#srt",
    "approve_srt": "#approve-srt",
    "checklist_snapshot": "#checklist-items",
    "part_specs": "#srt",
}
# The domain names fields as the API does; the screen says what is written beside them.
FIELD_LABELS: tuple[tuple[str, str], ...] = (
    ("(approve_srt = true)", "(tick 'SRT approved')"),
    ("srt_total_minutes", "SRT"),
    ("approve_srt", "SRT approved"),
    ("checklist_snapshot", "Checklist"),
    ("part_specs", "Parts"),
    ("bike_creation_reason", "reason"),
    ("confirm_create_bike", "confirmation"),
    ("bike_code", "Bike code"),
)


def on_screen_words(message: str) -> str:
    """``message`` with the domain's field names replaced by the labels on this screen."""
    for name, label in FIELD_LABELS:
        message = message.replace(name, label)
    return message[:1].upper() + message[1:]


# Which message line shows an error about which field.
FIELD_LINES = {
    "bike_code": "#bike-state",
    "bike_creation_reason": "#bike-state",
    "title": "#title-error",
    "srt_total_minutes": "#srt-error",
    "approve_srt": "#srt-error",
    "checklist_snapshot": "#checklist-error",
    "part_specs": "#srt-error",
}


def restore_bike_by_code(shop: Shop, actor_id: int, code: str) -> BikeState:
    """Restore the archived bike with ``code`` and return its new state (runs in a worker)."""
    bike = get_bike_by_code(shop, code)
    restore_bike(shop, actor_id, bike.id)
    return bike_state(shop, code)


class IntakeScreen(ShopScreen):
    """The master's desk."""

    TITLE = "Intake"
    BINDINGS: ClassVar[list[BindingType]] = [*keys.INTAKE, *keys.SUGGESTIONS]

    def __init__(self, bike_code: str = "") -> None:
        super().__init__()
        self.initial_code = bike_code
        self.state: BikeState | None = None
        self._state_timer: Timer | None = None
        self._creating = False  # a create is on its way to the database
        self.part_specs: list[PartSpec] = []  # intake by parts (ctrl+p)

    def compose_body(self) -> Iterable[Any]:
        with Horizontal(id="intake-main"):
            with Vertical(id="intake-form"):
                yield Label("Bike code")
                yield Input(placeholder="RM-0001 (type or scan)", id="bike-code", compact=True)
                yield Static("Type or scan a bike code.", id="bike-state")
                yield OptionList(id="suggestions")
                yield Label("Title")
                yield Input(placeholder="e.g. Brake service", id="title", compact=True)
                yield Static("", id="title-error", classes="field-error")
                yield Label("SRT (standard repair time), minutes")
                with Horizontal(id="srt-row"):
                    yield Input(placeholder="45", id="srt", type="integer", compact=True)
                    yield Checkbox("SRT approved", id="approve-srt", compact=True)
                yield Static("", id="srt-error", classes="field-error")
                yield Static("", id="parts-line", markup=False)
            with Vertical(id="intake-checklist"):
                yield Static("", id="checklist-title", classes="section-title")
                yield ChecklistEditor([], id="checklist-editor")
                yield Static("", id="checklist-error", classes="field-error")

    def on_mount(self) -> None:
        self.query_one("#suggestions", OptionList).display = False
        self.query_one("#parts-line", Static).display = False
        self._checklist_title()
        code = self.query_one("#bike-code", Input)
        code.value = self.initial_code
        # A scanned code is filled in already: the title is what comes next.
        (self.query_one("#title", Input) if self.initial_code else code).focus()
        self.call(checklist_template, done=self._fill_checklist)

    def take_scan(self, code: str, note: str) -> bool:
        """A scan here is what the bike code field is for: it fills it, wherever focus is."""
        field = self.query_one("#bike-code", Input)
        field.value = code
        self._read_state()
        focused = self.focused
        if focused is None or focused is field:
            self.query_one("#title", Input).focus()  # the next thing to type
        self.set_status(f"Scanned {code}: {note}." if note else f"Scanned {code}.")
        return True

    # --- live bike state --------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "bike-code":
            if self._state_timer is not None:
                self._state_timer.stop()
            self._state_timer = self.set_timer(STATE_DEBOUNCE_SECONDS, self._read_state)
        elif event.input.id == "srt":
            # A changed SRT is a new number: it needs approving again.
            self.query_one("#approve-srt", Checkbox).value = False

    def refresh_data(self) -> None:
        if self.query_one("#bike-code", Input).value.strip():
            self._read_state()

    def _read_state(self) -> None:
        code = self.query_one("#bike-code", Input).value
        if not code.strip():
            self._show_state(None)
            return
        self.call(bike_state, code, done=self._show_state, group="bike-state", exclusive=True)

    def _show_state(self, state: BikeState | None) -> None:
        self.state = state
        line = self.query_one("#bike-state", Static)
        suggestions = self.query_one("#suggestions", OptionList)
        for label in ("ok", "warn", "bad"):
            line.remove_class(f"-{label}")
        if state is None:
            line.update("Type or scan a bike code.")
            suggestions.display = False
            self.refresh_bindings()
            return
        tone = {
            "ready": "ok",
            "unknown": "warn",
            "archived": "warn",
            "invalid": "bad",
            "has_active_ticket": "bad",
        }.get(state.label, "warn")
        line.add_class(f"-{tone}")
        hint = ""
        if state.label == "archived" and self._may_restore():
            hint = f" {hint_for(self.app, 'intake.restore', 'ctrl+r')} restores it."
        elif state.suggestions:
            hint = " ↓ picks a close code."
        # The closest codes are listed right below, so the message need not repeat them.
        message = state.message.split(" Closest:")[0] if state.suggestions else state.message
        line.update(f"[b]{state.label.replace('_', ' ')}[/b] · {escape(message)}{hint}")
        suggestions.clear_options()
        suggestions.add_options([Option(code, id=code) for code in state.suggestions])
        suggestions.display = bool(state.suggestions)
        self.refresh_bindings()

    def action_focus_suggestions(self) -> None:
        suggestions = self.query_one("#suggestions", OptionList)
        if suggestions.display and suggestions.option_count:
            suggestions.focus()
            suggestions.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id != "suggestions" or event.option.id is None:
            return
        code = self.query_one("#bike-code", Input)
        code.value = event.option.id
        self.query_one("#title", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter moves on through the form; ctrl+s creates the ticket.
        order = ["bike-code", "title", "srt"]
        if event.input.id in order[:-1]:
            self.query_one(f"#{order[order.index(event.input.id) + 1]}", Input).focus()
        elif event.input.id == "srt":
            self.query_one("#approve-srt", Checkbox).focus()

    # --- checklist --------------------------------------------------------------------------

    def on_checklist_editor_changed(self, event: ChecklistEditor.Changed) -> None:
        self._checklist_title()

    def _checklist_title(self) -> None:
        count = len(self.query_one(ChecklistEditor).items)
        self.query_one("#checklist-title", Static).update(f"Checklist · {count} items")

    def _fill_checklist(self, template: tuple[Any, ...]) -> None:
        self.run_worker(self.query_one(ChecklistEditor).set_items(list(template)))

    def action_reset_checklist(self) -> None:
        def reset(template: tuple[Any, ...]) -> None:
            self._fill_checklist(template)
            self.set_status("Checklist reset to the shop's default template.")

        self.call(checklist_template, done=reset)

    def action_save_template(self) -> None:
        items = list(self.query_one(ChecklistEditor).items)

        def saved(template: tuple[Any, ...]) -> None:
            self.set_status(
                f"Saved as the default checklist ({len(template)} items) for every intake."
            )

        def refused(exc: DomainError) -> None:
            if exc.field == "checklist_snapshot":
                self.query_one("#checklist-error", Static).update(exc.message)
            self.set_status(f"Default checklist not saved: {exc.message}", error=True)

        self.call(set_checklist_template, self.me, items, done=saved, failed=refused)

    # --- intake by parts --------------------------------------------------------------------

    def action_parts(self) -> None:
        """Add a part spec (from the catalogue), or remove one already added."""

        def chosen(parts: list[PartView]) -> None:
            if not self.part_specs:
                self._add_part(parts)
                return

            def picked(choice: str | None) -> None:
                if choice == "add":
                    self._add_part(parts)
                elif choice is not None:
                    del self.part_specs[int(choice)]
                    self._show_parts()

            options = [("Add a part", "add")] + [
                (f"Remove {spec.part_name} ({spec.minutes} min)", str(i))
                for i, spec in enumerate(self.part_specs)
            ]
            self.app.push_screen(
                ChoiceDialog("Parts of this ticket", options, scan_note="no part changed"), picked
            )

        self.call(list_parts, self.me, done=chosen)

    def _add_part(self, parts: list[PartView]) -> None:
        if not parts:
            self.set_status(
                "The parts catalogue is empty: add parts first (shopfloor part add).", error=True
            )
            return

        def added(spec: PartSpec | None) -> None:
            if spec is not None:
                self.part_specs.append(spec)
                self._show_parts()
                self.set_status(f"{spec.part_name} added ({spec.color}, {spec.minutes} min).")

        taken = {spec.part_id for spec in self.part_specs}
        self.app.push_screen(PartSpecDialog(parts, taken=taken), added)

    def _show_parts(self) -> None:
        """The parts line, and the SRT set to their minutes (to be approved again)."""
        line = self.query_one("#parts-line", Static)
        specs = self.part_specs
        line.display = bool(specs)
        if not specs:
            return
        minutes = sum(spec.minutes for spec in specs)
        listed = "; ".join(f"{s.part_name} {s.color} {s.minutes}m" for s in specs)
        tasks = f"+{len(specs)} checklist task{'s' if len(specs) > 1 else ''}"
        line.update(f"Parts: {listed} = {minutes} min · flag {flag_color(minutes)} · {tasks}")
        self.query_one("#srt", Input).value = str(minutes)

    # --- restoring an archived bike ----------------------------------------------------------

    def _may_restore(self) -> bool:
        return allows(self.session.acting_roles(), Permission.MANAGE_BIKES)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_suggestions":
            # Only from the bike code: elsewhere "down" keeps its usual meaning.
            focused = self.focused
            return focused is not None and focused.id == "bike-code"
        if action == "restore_bike":
            state = self.state
            return state is not None and state.label == "archived" and self._may_restore()
        return True

    def action_restore_bike(self, then_submit: bool = False) -> None:
        state = self.state
        if state is None or state.label != "archived":
            return

        def restored(new_state: BikeState) -> None:
            self._show_state(new_state)
            self.set_status(f"Bike {state.code} restored to the fleet.")
            if then_submit:
                self.action_submit()
            else:
                self.query_one("#title", Input).focus()

        self.call(restore_bike_by_code, self.me, state.code, done=restored)

    # --- creating the ticket ----------------------------------------------------------------

    def _clear_errors(self) -> None:
        for selector in ("#title-error", "#srt-error", "#checklist-error"):
            self.query_one(selector, Static).update("")
        self.set_status("")

    def action_submit(self, confirm_create_bike: bool = False, reason: str | None = None) -> None:
        if self._creating:
            return  # a second ctrl+s while the first is being created: one ticket, no error
        self._clear_errors()
        srt_text = self.query_one("#srt", Input).value.strip()
        try:
            srt = int(srt_text)
        except ValueError:
            self._field_error("srt_total_minutes", "Type the SRT as a whole number of minutes.")
            self.query_one("#srt", Input).focus()
            return
        self.set_status("Creating the ticket…")
        self._creating = True
        title: str | None = self.query_one("#title", Input).value
        specs = [spec.as_domain() for spec in self.part_specs] or None
        if specs and not (title or "").strip():
            title = None  # the parts name the ticket
        self.call(
            create_ticket,
            self.me,
            bike_code=self.query_one("#bike-code", Input).value,
            title=title,
            part_specs=specs,
            checklist=list(self.query_one(ChecklistEditor).items),
            srt_total_minutes=srt,
            approve_srt=self.query_one("#approve-srt", Checkbox).value,
            confirm_create_bike=confirm_create_bike,
            bike_creation_reason=reason,
            done=self._created,
            failed=self._refused,
        )

    def _created(self, ticket: TicketView) -> None:
        self._creating = False
        self.action_clear_form(keep_status=True)
        self.set_status(f"Ticket #{ticket.id} created for {ticket.bike_code}: {ticket.title}.")
        self.app.push_screen(TicketDetailScreen(ticket.id))

    def _refused(self, exc: DomainError) -> None:
        self._creating = False
        code = self.query_one("#bike-code", Input).value.strip().upper()
        if exc.code == "unknown_bike":
            self.set_status("")

            def reason_given(reason: str | None) -> None:
                if reason:
                    self.action_submit(confirm_create_bike=True, reason=reason)
                else:
                    self.set_status("Not created: the new bike needs a reason.", error=True)

            self.app.push_screen(
                TextDialog(
                    f"Bike {code} is not in the fleet. Add it?",
                    detail=self._unknown_detail(),
                    placeholder="e.g. new delivery from the supplier",
                    required=True,
                    scan_note=f"bike {code} was not added",
                ),
                reason_given,
            )
            return
        if exc.code == "bike_archived" and self._may_restore():

            def answer(yes: bool | None) -> None:
                if yes:
                    self.action_restore_bike(then_submit=True)

            self.app.push_screen(
                ConfirmDialog(
                    f"Bike {code} is archived. Restore it and take it in?",
                    scan_note=f"bike {code} was not restored",
                ),
                answer,
            )
            return
        self._field_error(exc.field, exc.message)

    def _unknown_detail(self) -> str:
        state = self.state
        close = (
            f"Closest codes: {', '.join(state.suggestions)}. "
            if state and state.suggestions
            else ""
        )
        return f"{close}Check the code; if it is right, say why the bike joins the fleet."

    def _field_error(self, field: str | None, message: str) -> None:
        message = on_screen_words(message)
        selector = FIELD_LINES.get(field or "")
        if selector is None:
            self.set_status(message, error=True)
            return
        self.set_status("Not created; see the message by the field.", error=True)
        line = self.query_one(selector, Static)
        line.update(message)
        if selector == "#bike-state":
            line.remove_class("-ok")
            line.add_class("-bad")
        # The cursor goes where the fix is typed, so the next key lands there.
        self.query_one(FIELD_WIDGETS[field or ""]).focus()

    def action_clear_form(self, keep_status: bool = False) -> None:
        for selector in ("#bike-code", "#title", "#srt"):
            self.query_one(selector, Input).value = ""
        self.query_one("#approve-srt", Checkbox).value = False
        self.part_specs = []
        self._show_parts()
        self._show_state(None)
        self._clear_errors()
        # Every intake starts from the shop's template, not from the last ticket's edits.
        self.call(checklist_template, done=self._fill_checklist)
        if not keep_status:
            self.set_status("Form cleared.")
        self.query_one("#bike-code", Input).focus()
