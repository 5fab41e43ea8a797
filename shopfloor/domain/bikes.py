"""Bikes: codes, the fleet list, suggestions for a mistyped code, archive and restore."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy import Select, String, bindparam, func, select

from .batch import insert_row
from .errors import NotFound, RuleViolation, TransitionNotAllowed, ValidationFailed
from .models import Bike, Ticket
from .paging import fetch_page
from .rules import Permission
from .shop import Tx, caller_with, reads, writes
from .text import printable_only
from .values import BikeStatus, TicketStatus
from .views import BikeState, BikeView, Page

BIKE_CODE_RE = re.compile(r"^RM-[A-Z0-9-]{4,29}$")
# The longest code BIKE_CODE_RE accepts. Nothing longer can match a code, and SQLite
# refuses LIKE patterns past 50,000 bytes, so longer searches are refused up front.
MAX_CODE_LENGTH = 32
_WHITESPACE = re.compile(r"\s+")
SUGGESTION_LIMIT = 5
MIN_QUERY_LENGTH = 2


def normalise_bike_code(raw: str) -> str:
    """Spaces (and anything unprintable) removed and upper-cased, as every code is stored."""
    return printable_only(_WHITESPACE.sub("", raw or "")).upper()


def validate_bike_code(raw: str, field: str = "bike_code") -> str:
    """The normalised code, or a ValidationFailed that shows the expected form."""
    code = normalise_bike_code(raw)
    if not code:
        raise ValidationFailed("Enter a bike code, for example RM-0001.", field=field)
    if len(code) > MAX_CODE_LENGTH:
        raise ValidationFailed(
            f"{field} is {len(code)} characters long; a bike code has at most "
            f"{MAX_CODE_LENGTH}, for example RM-0001.",
            field=field,
        )
    if not BIKE_CODE_RE.match(code):
        raise ValidationFailed(
            f"Bike code {code!r} is not valid: it must be RM- followed by 4 to 29 letters, "
            "digits or dashes, for example RM-0001.",
            field=field,
        )
    return code


def bike_view(bike: Bike) -> BikeView:
    return BikeView(
        id=bike.id,
        bike_code=bike.bike_code,
        status=bike.status,
        is_active=bike.is_active,
        archived_at=bike.archived_at,
        created_at=bike.created_at,
        updated_at=bike.updated_at,
    )


# Intake, archive and restore of one bike take its row lock, so they run one after
# the other and each sees what the one before committed (PostgreSQL; on SQLite
# BEGIN IMMEDIATE already serialises every write transaction).
def find_bike(tx: Tx, code: str, *, lock: bool = False) -> Bike | None:
    stmt = select(Bike).where(Bike.bike_code == code)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return tx.session.scalar(stmt)


def get_bike_row(tx: Tx, bike_id: int, *, lock: bool = False) -> Bike:
    bike = tx.session.get(Bike, bike_id, with_for_update=lock, populate_existing=lock)
    if bike is None:
        raise NotFound(f"No bike with id {bike_id}.", field="bike_id")
    return bike


def active_ticket_id(tx: Tx, bike_id: int) -> int | None:
    return tx.session.scalar(
        select(Ticket.id).where(Ticket.bike_id == bike_id, Ticket.status != TicketStatus.DONE)
    )


def check_code_query(query: str, field: str) -> str:
    """A code fragment to search for, or a ValidationFailed if it is longer than any code."""
    if len(query) > MAX_CODE_LENGTH:
        raise ValidationFailed(
            f"{field} is {len(query)} characters long; no bike code is longer than "
            f"{MAX_CODE_LENGTH}. Search with part of a code.",
            field=field,
        )
    return query


CODE_PREFIX = "RM-"
MAX_TYPO_DISTANCE = 2


def _number_part(code: str) -> str:
    return code.removeprefix(CODE_PREFIX)


def typo_matches(tx: Tx, query: str, limit: int, *, exclude: list[str]) -> list[str]:
    """Active codes one or two slips away from ``query``: a swapped pair of neighbours, or a
    dropped, added or changed character (Damerau-Levenshtein on the part after ``RM-``),
    nearest first."""
    wanted = _number_part(query)
    # A short query is only allowed one slip, or everything would be a match.
    cutoff = MAX_TYPO_DISTANCE if len(wanted) > 2 else 1
    candidates = list(
        tx.session.scalars(
            select(Bike.bike_code).where(
                Bike.is_active.is_(True),
                # Every stored code starts with RM-; the query may leave it out.
                func.length(Bike.bike_code).between(
                    len(CODE_PREFIX) + len(wanted) - cutoff, len(CODE_PREFIX) + len(wanted) + cutoff
                ),
                Bike.bike_code.not_in(exclude),
            )
        )
    )
    by_number = {_number_part(code): code for code in candidates}
    matches = process.extract(
        wanted,
        list(by_number),
        scorer=DamerauLevenshtein.distance,
        score_cutoff=cutoff,
        limit=None,
    )
    # Nearest first; among equally near codes, in code order.
    ranked = sorted((distance, by_number[number]) for number, distance, _ in matches)
    return [code for distance, code in ranked if distance > 0][:limit]


def closest_codes(tx: Tx, query: str, limit: int = SUGGESTION_LIMIT) -> list[str]:
    """Active bike codes closest to ``query``: prefix matches, then substring, then typos."""
    if len(query) > MAX_CODE_LENGTH:
        return []  # nothing is close to a text longer than any code
    active = Bike.is_active.is_(True)
    found: list[str] = list(
        tx.session.scalars(
            select(Bike.bike_code)
            .where(active, Bike.bike_code.startswith(query, autoescape=True))
            .order_by(Bike.bike_code)
            .limit(limit)
        )
    )
    if len(found) < limit:
        found += tx.session.scalars(
            select(Bike.bike_code)
            .where(
                active,
                Bike.bike_code.contains(query, autoescape=True),
                Bike.bike_code.not_in(found),
            )
            .order_by(Bike.bike_code)
            .limit(limit - len(found))
        )
    if len(found) < limit:
        found += typo_matches(tx, query, limit - len(found), exclude=found)
    return found


@reads
def suggest_bike_codes(tx: Tx, query: str, limit: int = SUGGESTION_LIMIT) -> list[str]:
    """Up to ``limit`` closest codes for a query of at least two characters."""
    q = check_code_query(normalise_bike_code(query), "q")
    if len(q) < MIN_QUERY_LENGTH:
        raise ValidationFailed(
            f"Type at least {MIN_QUERY_LENGTH} characters of the bike code to get suggestions.",
            field="q",
        )
    return closest_codes(tx, q, limit)


@reads
def bike_state(tx: Tx, raw_code: str) -> BikeState:
    """What intake would meet for this code: invalid, unknown, archived, busy or a status."""
    code = normalise_bike_code(raw_code)
    try:
        validate_bike_code(code)
    except ValidationFailed as exc:
        suggestions = closest_codes(tx, code) if len(code) >= MIN_QUERY_LENGTH else []
        return BikeState(code, False, exc.message, suggestions=tuple(suggestions))
    bike = find_bike(tx, code)
    if bike is None:
        suggestions = closest_codes(tx, code)
        hint = f" Closest: {', '.join(suggestions)}." if suggestions else ""
        return BikeState(
            code,
            True,
            f"No bike {code} in the fleet; it can be created with a reason.{hint}",
            suggestions=tuple(suggestions),
        )
    if not bike.is_active:
        return BikeState(code, True, f"Bike {code} is archived; restore it first.", bike_view(bike))
    ticket_id = active_ticket_id(tx, bike.id)
    if ticket_id is not None:
        return BikeState(
            code,
            True,
            f"Bike {code} already has active ticket #{ticket_id}.",
            bike_view(bike),
            ticket_id,
        )
    return BikeState(code, True, f"Bike {code} is {bike.status}.", bike_view(bike))


def valid_bike_code_or_none(raw: Any) -> str | None:
    """The normalised code when ``raw`` is a valid bike code, else ``None`` (for a lookup
    made before the code's own error is due)."""
    try:
        return validate_bike_code(raw)
    except ValidationFailed:
        return None


def new_bike(tx: Tx, code: str) -> Bike:
    values = {"bike_code": code, "status": BikeStatus.READY.value, "is_active": True}
    return insert_row(tx.session, Bike, {**values, "created_at": tx.now, "updated_at": tx.now})


@cache
def _bike_and_caller() -> Select[Any]:
    return caller_with(Bike, Bike.bike_code == bindparam("code", type_=String()))


_NOT_LOOKED_UP: Any = object()


@writes(folds_caller=True)
def create_bike(tx: Tx, actor_id: int | None, bike_code: str) -> BikeView:
    """Add a bike to the fleet, status ready."""
    existing = _NOT_LOOKED_UP
    folded = tx.caller_to_fold()
    code = valid_bike_code_or_none(bike_code)
    if folded is not None and folded.caller.user_id == actor_id and code is not None:
        # The caller is checked by the statement that looks for the code (a code that is
        # not valid gets its error below, after the caller and the permission).
        found = tx.run_folded(folded, _bike_and_caller(), {"code": code})
        existing = None if found is None else found[0]
    tx.authorise(actor_id, Permission.MANAGE_BIKES)
    return create_bike_in_tx(tx, validate_bike_code(bike_code), existing)


def create_bike_in_tx(tx: Tx, code: str, existing: Bike | None = _NOT_LOOKED_UP) -> BikeView:
    """Add the bike with this (valid) code unless it exists, archived or not (``existing``:
    the bike with that code, when the caller looked it up already)."""
    if existing is _NOT_LOOKED_UP:
        existing = find_bike(tx, code)
    if existing is not None:
        if not existing.is_active:
            raise ValidationFailed(
                f"Bike {code} exists but is archived; restore it instead of adding it again.",
                field="bike_code",
                code="archived",
            )
        raise ValidationFailed(f"Bike {code} already exists.", field="bike_code", code="duplicate")
    return bike_view(new_bike(tx, code))


@writes
def create_bikes(tx: Tx, actor_id: int | None, bike_codes: Sequence[str]) -> list[BikeView]:
    """Add several bikes at once: all of them, or (naming the code that failed) none."""
    tx.authorise(actor_id, Permission.MANAGE_BIKES)
    added: list[BikeView] = []
    seen: set[str] = set()
    for raw in bike_codes:
        try:
            code = validate_bike_code(raw)
            if code in seen:
                raise ValidationFailed(
                    f"Bike {code} is listed twice.", field="bike_code", code="duplicate"
                )
            seen.add(code)
            added.append(create_bike_in_tx(tx, code))
        except ValidationFailed as exc:
            # The transaction rolls back: say so, so nobody re-adds half a list.
            raise ValidationFailed(
                f"{exc.message} No bike was added.", field=exc.field, code=exc.code
            ) from None
    return added


@writes
def archive_bike(tx: Tx, actor_id: int | None, bike_id: int) -> BikeView:
    """Take a bike out of the fleet; its code stays reserved until it is restored."""
    tx.authorise(actor_id, Permission.MANAGE_BIKES)
    bike = get_bike_row(tx, bike_id, lock=True)
    if not bike.is_active:
        raise TransitionNotAllowed(f"Bike {bike.bike_code} is already archived.", field="bike")
    ticket_id = active_ticket_id(tx, bike.id)
    if ticket_id is not None:
        raise RuleViolation(
            f"Bike {bike.bike_code} has active ticket #{ticket_id}; finish it before archiving.",
            field="bike",
            code="active_ticket_exists",
        )
    bike.is_active = False
    bike.archived_at = tx.now
    bike.updated_at = tx.now
    return bike_view(bike)


@writes
def restore_bike(tx: Tx, actor_id: int | None, bike_id: int) -> BikeView:
    """Bring an archived bike back into the fleet."""
    tx.authorise(actor_id, Permission.MANAGE_BIKES)
    bike = get_bike_row(tx, bike_id, lock=True)
    if bike.is_active:
        raise TransitionNotAllowed(f"Bike {bike.bike_code} is not archived.", field="bike")
    bike.is_active = True
    bike.archived_at = None
    bike.updated_at = tx.now
    return bike_view(bike)


@reads
def get_bike(tx: Tx, bike_id: int) -> BikeView:
    return bike_view(get_bike_row(tx, bike_id))


@reads
def get_bike_by_code(tx: Tx, bike_code: str) -> BikeView:
    code = normalise_bike_code(bike_code)
    bike = find_bike(tx, code)
    if bike is None:
        suggestions = closest_codes(tx, code) if len(code) >= MIN_QUERY_LENGTH else []
        hint = f" Closest: {', '.join(suggestions)}." if suggestions else ""
        raise NotFound(f"No bike {code}.{hint}", field="bike_code")
    return bike_view(bike)


@reads
def list_bikes(
    tx: Tx,
    *,
    page: int = 1,
    per_page: int = 10,
    status: str | None = None,
    query: str | None = None,
    archived: bool | None = None,
) -> Page[BikeView]:
    """Bikes by code; filter by status, a code fragment, or archived or not."""
    stmt = select(Bike).order_by(Bike.bike_code)
    if status is not None:
        try:
            stmt = stmt.where(Bike.status == BikeStatus(status).value)
        except ValueError:
            valid = ", ".join(s.value for s in BikeStatus)
            raise ValidationFailed(
                f"Unknown bike status; use one of: {valid}.", field="status"
            ) from None
    if query:
        fragment = check_code_query(normalise_bike_code(query), "q")
        stmt = stmt.where(Bike.bike_code.contains(fragment, autoescape=True))
    if archived is not None:
        stmt = stmt.where(Bike.is_active.is_(not archived))
    rows, total = fetch_page(tx, stmt, page, per_page)
    return Page(tuple(bike_view(b) for b in rows), total, page, per_page)
