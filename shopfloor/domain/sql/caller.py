"""The caller: one statement fragment that every use case's first statement joins.

It is always exactly one row, anchored on a constant, whatever the use case's own rows
(none, one, a page): the user ``:caller_id`` names, with their name (NULL columns when
there is no such user, or nobody is named), whether the refresh family
``:caller_family`` is theirs and not revoked, their roles, and the workshop's rules.
:meth:`Tx.lock` and :meth:`Tx.read` bind those two parameters (from the request's
token, a terminal's actor with no token, or nobody) and refuse on these columns
(:func:`admit`) before the use case sees a row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FunctionElement,
    Integer,
    ScalarSelect,
    Select,
    String,
    Text,
    bindparam,
    cast,
    literal_column,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles

from ..models import RefreshFamily, User, UserRole, WorkshopRules
from ..views import display_name

CALLER_ID = bindparam("caller_id", type_=Integer())
CALLER_FAMILY = bindparam("caller_family", type_=String())
# A column every joined statement adds to the use case's rows: NULL when it found none.
FOUND = "target_found"

_users = User.__table__


def person(users: Any, prefix: str) -> tuple[ColumnElement[str], ...]:
    """The columns a person is named by (see :func:`name_of`), of ``users`` (the table or
    an alias of it), labelled ``<prefix>_username`` and so on."""
    return tuple(
        users.c[column].label(f"{prefix}_{column}")
        for column in ("username", "first_name", "last_name")
    )


def name_of(row: Mapping[Any, Any], prefix: str) -> str | None:
    """The display name of the person :func:`person` read as ``prefix`` (None: nobody)."""
    username = row[f"{prefix}_username"]
    if username is None:
        return None
    return display_name(row[f"{prefix}_first_name"], row[f"{prefix}_last_name"], username)


_links = UserRole.__table__
_families = RefreshFamily.__table__
_rules = WorkshopRules.__table__

_family_live = (
    select(_families.c.id)
    .where(
        _families.c.id == CALLER_FAMILY,
        _families.c.user_id == _users.c.id,
        _families.c.revoked_at.is_(None),
    )
    .exists()
)


class role_list(FunctionElement[str]):  # noqa: N801 - reads as a SQL function
    """A user's role slugs joined by commas (``func.aggregate_strings`` binds its separator
    anew on every run; this writes it into the statement, compiled once)."""

    type = String()
    inherit_cache = True


@compiles(role_list)
def _role_list(element: role_list, compiler: Any, **kw: Any) -> str:
    aggregate = "string_agg" if compiler.dialect.name == "postgresql" else "group_concat"
    return f"{aggregate}({compiler.process(element.clauses, **kw)}, ',')"


def roles_of(user_id: ColumnElement[int]) -> ScalarSelect[str]:
    """The roles of the user ``user_id`` (a column of the enclosing statement), as
    ``"master,technician"`` (NULL for none)."""
    return (
        select(role_list(_links.c.role_slug)).where(_links.c.user_id == user_id).scalar_subquery()
    )


_roles = roles_of(_users.c.id)
_anchor = select(literal_column("1").label("anchor")).subquery("anchor")

# The rules' columns as ``rules_<column>`` (the intake template is read only where needed).
RULE_COLUMNS = tuple(c.name for c in _rules.c if c.name not in ("id", "default_checklist"))

CALLER = (
    select(
        _users.c.id.label("caller_id"),
        *person(_users, "caller"),
        _users.c.is_active.label("caller_active"),
        _users.c.credentials_version.label("caller_version"),
        _family_live.label("caller_family_live"),
        _roles.label("caller_roles"),
        # The pause reasons (JSON) as text: the rules are parsed once per change of them
        # (see shop.rules_of), not on every row.
        *[
            (cast(column, Text) if name == "pause_reasons" else column).label(f"rules_{name}")
            for name in RULE_COLUMNS
            for column in [_rules.c[name]]
        ],
    )
    .select_from(
        _anchor.outerjoin(_users, _users.c.id == CALLER_ID).outerjoin(_rules, _rules.c.id == 1)
    )
    .subquery("caller")
)

# The caller alone, for a use case whose first statement reads nothing else.
CALLER_ONLY: Select[Any] = select(CALLER)


def joined(
    target: Select[Any],
    *,
    order_by: Sequence[str] = (),
    descending: bool = False,
    beside: Sequence[ColumnElement[object]] = (),
) -> Select[Any]:
    """``target`` (a use case's statement, locking or not) joined to the caller's row.

    The caller's columns come first on every row; with no row of ``target`` there is
    still one row, its columns NULL (``target_found`` tells). ``order_by`` names columns
    of ``target`` to order its rows by; ``beside``: scalar subqueries computed once, next
    to the caller (a page's total).
    """
    found = target.add_columns(literal_column("1").label(FOUND)).subquery("target")
    statement = select(CALLER, *beside, found).select_from(CALLER.outerjoin(found, true()))
    if order_by:
        columns = [found.c[name] for name in order_by]
        statement = statement.order_by(*[c.desc() for c in columns] if descending else columns)
    return statement
