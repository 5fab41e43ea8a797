"""Bikes: codes, the fleet list, suggestions for a mistyped code, archive and restore.

The statements are in :mod:`.sql.bikes`; each use case's first one checks its caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from .errors import NotFound, TransitionNotAllowed, ValidationFailed
from .models import Bike
from .rules import NO_ARCHIVING_WITH_ACTIVE_TICKET, UNIQUE_BIKE_CODE, Permission
from .shop import Tx, reads, writes
from .sql import bikes as sql
from .sql.bikes import BikeRow, bike_row
from .text import printable_only
from .values import BikeStatus
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


def no_bike(bike_id: object) -> Callable[[], NotFound]:
    return lambda: NotFound(f"No bike with id {bike_id}.", field="bike_id")


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
    length = len(CODE_PREFIX) + len(wanted)
    # Every stored code starts with RM-; the query may leave it out.
    candidates = tx.execute(sql.codes_of_length(length - cutoff, length + cutoff, exclude))
    by_number = {_number_part(code): code for code in candidates.scalars()}
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
    found: list[str] = list(tx.execute(sql.codes_starting(query, limit)).scalars())
    if len(found) < limit:
        found += tx.execute(sql.codes_containing(query, limit - len(found), found)).scalars()
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
    tx.authorise(None)
    return closest_codes(tx, q, limit)


@reads
def bike_state(tx: Tx, raw_code: str) -> BikeState:
    """What intake would meet for this code: invalid, unknown, archived, busy or a status."""
    code = normalise_bike_code(raw_code)
    found = tx.read(sql.BY_CODE, {"code": valid_bike_code_or_none(code)})
    try:
        validate_bike_code(code)
    except ValidationFailed as exc:
        suggestions = closest_codes(tx, code) if len(code) >= MIN_QUERY_LENGTH else []
        return BikeState(code, False, exc.message, suggestions=tuple(suggestions))
    if not found:
        suggestions = closest_codes(tx, code)
        hint = f" Closest: {', '.join(suggestions)}." if suggestions else ""
        return BikeState(
            code,
            True,
            f"No bike {code} in the fleet; it can be created with a reason.{hint}",
            suggestions=tuple(suggestions),
        )
    bike = bike_row(found[0])
    if not bike.is_active:
        return BikeState(code, True, f"Bike {code} is archived; restore it first.", bike)
    ticket_id = found[0]["active_ticket"]
    if ticket_id is not None:
        return BikeState(
            code,
            True,
            f"Bike {code} already has active ticket #{ticket_id}.",
            bike,
            ticket_id,
        )
    return BikeState(code, True, f"Bike {code} is {bike.status}.", bike)


def valid_bike_code_or_none(raw: Any) -> str | None:
    """The normalised code when ``raw`` is a valid bike code, else ``None`` (for a lookup
    made before the code's own error is due)."""
    try:
        return validate_bike_code(raw)
    except ValidationFailed:
        return None


def new_bike(tx: Tx, code: str) -> BikeRow:
    """Add the bike with this (valid, unused) code to the fleet, status ready."""
    values: dict[str, Any] = {
        "bike_code": code,
        "status": BikeStatus.READY.value,
        "is_active": True,
        "archived_at": None,
        "created_at": tx.now,
        "updated_at": tx.now,
    }
    return BikeRow(id=tx.insert_for_id(Bike, values), **values)


def _added(tx: Tx, code: str, found: Sequence[Mapping[Any, Any]]) -> BikeView:
    """Add the bike with this (valid) code unless ``found`` (its lookup) says it exists,
    archived or not."""
    if found:
        if not found[0]["is_active"]:
            raise ValidationFailed(
                f"Bike {code} exists but is archived; restore it instead of adding it again.",
                field="bike_code",
                code="archived",
            )
        raise UNIQUE_BIKE_CODE.refused(bike=code)
    return new_bike(tx, code)


@writes
def create_bike(tx: Tx, actor_id: int | None, bike_code: str) -> BikeView:
    """Add a bike to the fleet, status ready."""
    # Looked up with the caller's check (a code that is not valid finds none, and gets
    # its error below, after the caller and the permission).
    found = tx.read(
        sql.BY_CODE,
        {"code": valid_bike_code_or_none(bike_code)},
        actor=actor_id,
        permission=Permission.MANAGE_BIKES,
    )
    return _added(tx, validate_bike_code(bike_code), found)


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
            added.append(_added(tx, code, tx.read(sql.BY_CODE, {"code": code})))
        except ValidationFailed as exc:
            # The transaction rolls back: say so, so nobody re-adds half a list.
            raise ValidationFailed(
                f"{exc.message} No bike was added.", field=exc.field, code=exc.code
            ) from None
    return added


def _lock_bike(tx: Tx, actor_id: int | None, bike_id: int) -> BikeRow:
    """The bike, locked (managers and masters)."""
    found = tx.lock(
        sql.LOCK_BY_ID,
        {"bike_id": bike_id},
        actor=actor_id,
        permission=Permission.MANAGE_BIKES,
        missing=no_bike(bike_id),
    )
    return bike_row(found)


@writes
def archive_bike(tx: Tx, actor_id: int | None, bike_id: int) -> BikeView:
    """Take a bike out of the fleet; its code stays reserved until it is restored."""
    bike = _lock_bike(tx, actor_id, bike_id)
    if not bike.is_active:
        raise TransitionNotAllowed(f"Bike {bike.bike_code} is already archived.", field="bike")
    ticket_id = tx.scalar(sql.ACTIVE_TICKET, {"bike_id": bike.id})
    if ticket_id is not None:
        raise NO_ARCHIVING_WITH_ACTIVE_TICKET.refused(bike=bike.bike_code, ticket=ticket_id)
    return tx.save(bike, is_active=False, archived_at=tx.now, updated_at=tx.now)


@writes
def restore_bike(tx: Tx, actor_id: int | None, bike_id: int) -> BikeView:
    """Bring an archived bike back into the fleet."""
    bike = _lock_bike(tx, actor_id, bike_id)
    if bike.is_active:
        raise TransitionNotAllowed(f"Bike {bike.bike_code} is not archived.", field="bike")
    return tx.save(bike, is_active=True, archived_at=None, updated_at=tx.now)


@reads
def get_bike(tx: Tx, bike_id: int) -> BikeView:
    found = tx.read(sql.BY_ID, {"bike_id": bike_id}, missing=no_bike(bike_id))
    return bike_row(found[0])


@reads
def get_bike_by_code(tx: Tx, bike_code: str) -> BikeView:
    code = normalise_bike_code(bike_code)
    found = tx.read(sql.BY_CODE, {"code": code})
    if not found:
        suggestions = closest_codes(tx, code) if len(code) >= MIN_QUERY_LENGTH else []
        hint = f" Closest: {', '.join(suggestions)}." if suggestions else ""
        raise NotFound(f"No bike {code}.{hint}", field="bike_code")
    return bike_row(found[0])


@reads(one_statement=True)
def list_bikes(
    tx: Tx,
    *,
    page: int = 1,
    per_page: int = 10,
    status: str | None = None,
    query: str | None = None,
    archived: bool | None = None,
) -> Page[BikeView]:
    """Bikes by code; filter by status, a code fragment, or archived or not: the page, its
    total and the caller's check in one statement."""
    params: dict[str, Any] = {}
    if status is not None:
        try:
            params["status"] = BikeStatus(status).value
        except ValueError:
            valid = ", ".join(s.value for s in BikeStatus)
            raise ValidationFailed(
                f"Unknown bike status; use one of: {valid}.", field="status"
            ) from None
    if query:
        params["pattern"] = sql.containing(check_code_query(normalise_bike_code(query), "q"))
    if archived is not None:
        params["active"] = not archived
    shape = sql.ListShape(
        status=status is not None, query=bool(query), archived=archived is not None
    )
    rows, total = sql.list_query(shape).fetch(tx, params, page, per_page)
    return Page(tuple(bike_row(r) for r in rows), total, page, per_page)
