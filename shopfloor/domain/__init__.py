"""The domain core: every workshop rule, enforced once, on the shared database.

Entrypoints (the TUI, the HTTP server, the CLI) open a :class:`Shop` and call the
use cases named here; each runs in one transaction and raises a :class:`DomainError`
subclass when a rule says no.

Each public name is stated once, below. The vocabulary (errors, values, views, rules,
the clock) is imported at once; the use cases, in the ``TYPE_CHECKING`` block, are
imported on first use (PEP 562) from the module that block names, so importing the
vocabulary (as the TUI's login screen does) does not load SQLAlchemy and the models.
"""

from __future__ import annotations

import ast
import importlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .clock import Clock, ManualClock
from .errors import (
    AuthenticationFailed,
    DomainError,
    NotFound,
    PermissionDenied,
    RuleViolation,
    SchemaOutOfDate,
    ShopUnavailable,
    TooManyAttempts,
    TransitionNotAllowed,
    ValidationFailed,
)
from .rules import PauseReason, Permission, Rules, XpAward, allows, ticket_actions_for
from .values import (
    BikeStatus,
    Role,
    TicketAction,
    TicketStatus,
    WorkSessionAction,
    WorkSessionStatus,
    XpEntryType,
)
from .views import (
    BikeState,
    BikeView,
    FleetAnalytics,
    Page,
    QcPassed,
    TeamAnalytics,
    TechnicianStats,
    TicketView,
    TransitionView,
    UserView,
    WorkSessionEventView,
    WorkSessionView,
    display_name,
)

if TYPE_CHECKING:
    from .analytics import fleet_analytics, team_analytics
    from .bikes import (
        archive_bike,
        bike_state,
        create_bike,
        create_bikes,
        get_bike,
        get_bike_by_code,
        list_bikes,
        normalise_bike_code,
        restore_bike,
        suggest_bike_codes,
    )
    from .changes import ChangeMarker, change_marker
    from .checklists import (
        DEFAULT_CHECKLIST,
        checklist_task,
        checklist_template,
        set_checklist_template,
    )
    from .parts import (
        add_bike_model,
        add_part,
        list_bike_models,
        list_parts,
        mark_part_arrived,
        parts_waiting,
        remove_part,
        set_bike_model,
    )
    from .review import (
        review_approve,
        set_manual_metrics,
        set_rule,
        shop_rules,
        update_part_specs,
    )
    from .sessions import TokenGrant, caller_user, log_in, rotate_refresh, session_user
    from .shop import Caller, Shop
    from .throttle import attempt
    from .tickets import (
        assign_ticket,
        create_ticket,
        get_ticket,
        list_tickets,
        park_ticket,
        qc_fail,
        qc_pass,
        send_to_qc,
        set_self_inspection,
        start_ticket,
        ticket_transitions,
    )
    from .ticks import failed_tasks, tick_task
    from .users import (
        authenticate,
        change_password,
        create_user,
        find_user,
        list_users,
        set_active,
        set_roles,
    )
    from .work_sessions import (
        PauseBudget,
        current_work_session,
        derived_worked_seconds,
        list_work_sessions,
        open_session_of,
        pause_budget,
        pause_work_session,
        resume_work_session,
        set_timer_rules,
        settle_pause_budget,
        stale_timers,
        start_work_session,
        stop_at_shift_end,
        stop_stale_timers,
        stop_work_session,
        timer_rules,
        work_session_history,
        worked_seconds_since,
        worked_seconds_today,
    )
    from .xp import list_xp_entries, xp_total


@cache
def _lazy_names() -> dict[str, str]:
    """Name -> the submodule defining it, read from the ``TYPE_CHECKING`` block above."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If))
    return {
        alias.name: str(node.module)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def __getattr__(name: str) -> Any:
    module = _lazy_names().get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_lazy_names()})
