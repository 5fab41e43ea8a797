"""Finding tickets: by bike code, title, technician, note or number, forgiving typos.

Each whitespace-separated part of the query must match a ticket in one of these ways
(all parts must match, in any way each):

- a bike code: the codes intake would suggest for it (prefix, then substring, then a
  slip or two), read from the fleet, then those bikes' tickets;
- a technician: a word of their name or username starts with it (or is one slip away);
- words: every word of the part starts a word of the ticket's title or of a note on
  it (QC, parking, pause) — or, for a word that starts none, is one or two slips away
  from one that does (matched against the index's distinct words, not the tickets);
- a ticket number (``123`` or ``#123``).

The words come from the kept word index (:mod:`.search_index`), so a search reads the
index rows of its words, the fleet's matching codes and the staff, then the page:
never the whole history. Filters (technician, created between two shop-local days,
status) apply in SQL; results are newest first, paginated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy import ColumnElement, Select, and_, func, intersect, select, union

from .bikes import (
    MAX_CODE_LENGTH,
    SUGGESTION_LIMIT,
    normalise_bike_code,
    typo_matches,
    valid_bike_code_or_none,
)
from .errors import NotFound, ValidationFailed
from .models import Bike, Ticket, User
from .paging import check_page, select_page
from .search_index import MAX_WORD, MIN_WORD, SearchWord, TicketSearchTerm, fold, words
from .shop import Shop, Tx, reads
from .tickets import parse_statuses, ticket_views
from .views import Page, StreamedPage, TicketView
from .worktime import shop_zone

MAX_QUERY = 200
MAX_PARTS = 8
# Bikes a code fragment may stand for (the closest first, as intake suggests them).
CODE_MATCHES = 20
# Index words a mistyped word may stand for.
TYPO_MATCHES = 20
_TICKET_NUMBER = re.compile(r"^#?(\d{1,9})$")
_CODE_LIKE = re.compile(r"\d|^RM", re.IGNORECASE)


def _slips(length: int) -> int:
    """How many slips a word of ``length`` may have: none when short, else one or two."""
    return 0 if length < 3 else (1 if length < 6 else 2)


def _prefix(column: Any, word: str) -> ColumnElement[bool]:
    """``column`` starts with ``word``: a range of its (binary-ordered) index."""
    after = word[:-1] + chr(ord(word[-1]) + 1)
    return and_(column >= word, column < after)


def _typo_words(tx: Tx, word: str) -> list[str]:
    """Index words one or two slips from ``word``, whole or as far as it goes (a word
    still being typed), nearest first."""
    slips = _slips(len(word))
    if not slips:
        return []
    vocabulary = list(
        tx.execute(
            select(SearchWord.word).where(func.length(SearchWord.word) >= len(word) - slips)
        ).scalars()
    )
    best: dict[str, float] = {}
    for choices in (vocabulary, [v[: len(word)] for v in vocabulary]):
        for _, distance, i in process.extract(
            word, choices, scorer=DamerauLevenshtein.distance, score_cutoff=slips, limit=None
        ):
            best[vocabulary[i]] = min(best.get(vocabulary[i], distance), distance)
    return sorted(best, key=lambda v: (best[v], v))[:TYPO_MATCHES]


def _word_tickets(tx: Tx, word: str) -> Select[Any] | None:
    """Tickets with an index word starting with ``word`` (or, if none does, one a slip or
    two away); ``None`` when nothing matches."""
    starts = tx.scalar(select(SearchWord.word).where(_prefix(SearchWord.word, word)).limit(1))
    if starts is not None:
        return (
            select(TicketSearchTerm.ticket_id.label("id"))
            .where(_prefix(TicketSearchTerm.term, word))
            .distinct()
        )
    near = _typo_words(tx, word)
    if not near:
        return None
    return (
        select(TicketSearchTerm.ticket_id.label("id"))
        .where(TicketSearchTerm.term.in_(near))
        .distinct()
    )


def _technicians(staff: list[tuple[int, str]], part: str) -> list[int]:
    """Staff whose name has a word starting with ``part``; if none has, those with one a
    slip from it (for parts of five characters or more)."""

    def matching(close: Any) -> list[int]:
        return [uid for uid, name in staff if any(close(word) for word in name.split())]

    found = matching(lambda word: word.startswith(part))
    if found or len(part) < 5:
        return found
    return matching(lambda word: DamerauLevenshtein.distance(part, word[: len(part)]) <= 1)


def _bikes(tx: Tx, code: str) -> list[str]:
    """The bike codes a code fragment stands for: the bike itself, else the codes that start
    with or contain it, else (for a whole code) those a slip or two from it."""
    if not (_CODE_LIKE.search(code) and MIN_WORD <= len(code) <= MAX_CODE_LENGTH):
        return []
    if tx.scalar(select(Bike.id).where(Bike.bike_code == code)) is not None:
        return [code]
    found = list(
        tx.execute(
            select(Bike.bike_code)
            .where(Bike.bike_code.contains(code, autoescape=True))
            .order_by(Bike.bike_code)
            .limit(CODE_MATCHES)
        ).scalars()
    )
    if not found and valid_bike_code_or_none(code) is not None:
        found = typo_matches(tx, code, SUGGESTION_LIMIT, exclude=[])
    return found


def _part_tickets(tx: Tx, raw: str, staff: list[tuple[int, str]]) -> Select[Any] | None:
    """The ids of the tickets one part of the query matches (``None``: none)."""
    dialect = tx.shop.dialect
    ways: list[Select[Any]] = []
    number = _TICKET_NUMBER.match(raw)
    if number is not None:
        ways.append(select(Ticket.id.label("id")).where(Ticket.id == int(number.group(1))))
    codes = [] if raw.startswith("#") else _bikes(tx, normalise_bike_code(raw))
    if codes:
        bikes = select(Bike.id).where(Bike.bike_code.in_(codes)).scalar_subquery()
        ways.append(select(Ticket.id.label("id")).where(Ticket.bike_id.in_(bikes)))
    folded = fold(raw, dialect)
    technicians = _technicians(staff, folded) if len(folded) >= MIN_WORD else []
    if technicians:
        ways.append(select(Ticket.id.label("id")).where(Ticket.technician_id.in_(technicians)))
    parts = words(raw, dialect)
    if parts:
        each = [_word_tickets(tx, w) for w in dict.fromkeys(parts)]
        if all(s is not None for s in each):
            found = [s for s in each if s is not None]
            ways.append(found[0] if len(found) == 1 else select(intersect(*found).subquery()))
    if not ways:
        return None
    return ways[0] if len(ways) == 1 else select(union(*ways).subquery())


def _staff(tx: Tx) -> list[tuple[int, str]]:
    """Every user's id and the words of their name and username, folded (a few rows)."""
    dialect = tx.shop.dialect
    rows = tx.execute(select(User.id, User.username, User.first_name, User.last_name))
    return [
        (uid, fold(f"{first} {last} {username}", dialect)) for uid, username, first, last in rows
    ]


def _local_midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=shop_zone(zone)).astimezone(UTC)


def _query_parts(q: str | None) -> list[str]:
    if q is None or not q.strip():
        return []
    if len(q) > MAX_QUERY:
        raise ValidationFailed(
            f"q is {len(q)} characters long; search with at most {MAX_QUERY}.", field="q"
        )
    parts = [p[:MAX_WORD] for p in q.split() if len(p) >= MIN_WORD or _TICKET_NUMBER.match(p)]
    if not parts:
        raise ValidationFailed(
            f"Type at least {MIN_WORD} characters to search (a bike code, a word of the "
            "title or a note, a technician's name, or a ticket number).",
            field="q",
        )
    if len(parts) > MAX_PARTS:
        raise ValidationFailed(
            f"q has {len(parts)} words; search with at most {MAX_PARTS}.", field="q"
        )
    return parts


@reads
def search_tickets(
    tx: Tx,
    actor_id: int | None,
    q: str | None = None,
    *,
    technician_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 10,
) -> Page[TicketView]:
    """Tickets matching ``q`` (see the module's doc), of ``technician_id``, created on the
    shop-local days ``since`` to ``until`` (both included) and in ``status`` (one or
    several, comma-separated), newest first. Anyone who may log in may search."""
    ids, total = _found(tx, actor_id, q, technician_id, since, until, status, page, per_page)
    return Page(tuple(ticket_views(tx, ids)), total, page, per_page)


@contextmanager
def streamed_search(
    shop: Shop,
    actor_id: int | None,
    q: str | None = None,
    *,
    technician_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 10,
) -> Iterator[StreamedPage[TicketView]]:
    """:func:`search_tickets` for a page too big to hold at once: its tickets are read a
    few at a time as the page is iterated, in one read transaction held open until the
    block ends."""
    with shop.transaction(write=False) as tx:
        ids, total = _found(tx, actor_id, q, technician_id, since, until, status, page, per_page)

        def views() -> Iterator[TicketView]:
            for at in range(0, len(ids), STREAMED_BATCH):
                yield from ticket_views(tx, ids[at : at + STREAMED_BATCH])

        yield StreamedPage(views(), total, page, per_page)


STREAMED_BATCH = 16  # tickets read at once for a streamed page (up to ~64 kB each)


def _found(
    tx: Tx,
    actor_id: int | None,
    q: str | None,
    technician_id: int | None,
    since: date | None,
    until: date | None,
    status: str | None,
    page: int,
    per_page: int,
) -> tuple[list[int], int]:
    """The ids on the page of :func:`search_tickets` and how many match in all."""
    tx.authorise(actor_id)
    parts = _query_parts(q)
    if since is not None and until is not None and until < since:
        raise ValidationFailed(
            f"date_to ({until}) is before date_from ({since}); give the earlier day first.",
            field="date_to",
        )
    zone = tx.rules().time_zone
    filters: list[ColumnElement[bool]] = []
    if since is not None:
        filters.append(Ticket.created_at >= _local_midnight(since, zone))
    if until is not None:
        filters.append(Ticket.created_at < _local_midnight(until + timedelta(days=1), zone))
    if technician_id is not None:
        filters.append(Ticket.technician_id == technician_id)
    statuses = [s.value for s in parse_statuses(status)]
    if statuses:
        filters.append(Ticket.status.in_(statuses))
    if not parts:
        # Filters alone: a range of the list's own indexes, newest first.
        listed = (
            select(Ticket.id).where(*filters).order_by(Ticket.created_at.desc(), Ticket.id.desc())
        )
        return select_page(tx, listed, page, per_page)
    staff = _staff(tx)
    each = [_part_tickets(tx, part, staff) for part in parts]
    found = [s for s in each if s is not None]
    if len(found) < len(each):
        check_page(page, per_page)
        if page > 1:
            raise NotFound(f"Page {page} does not exist; there are 1 page(s).", field="page")
        return [], 0
    matched = found[0] if len(found) == 1 else select(intersect(*found).subquery())
    if filters:
        matched = select(Ticket.id).where(Ticket.id.in_(matched.scalar_subquery()), *filters)
    # Newest first by number (tickets are numbered as they are taken in): the matching ids
    # are sorted and counted from the index alone; only the page's tickets are read.
    matched_ids = matched.subquery("matched")
    return select_page(
        tx, select(matched_ids.c[0]).order_by(matched_ids.c[0].desc()), page, per_page
    )
