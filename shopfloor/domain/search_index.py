"""The kept word index behind ticket search: which ticket each word was written on.

Every word of a ticket's title, of any note on its transitions (QC fails and passes,
parking) and of any pause note on its timer is a row of ``ticket_search_terms``
(word, ticket); every distinct word is a row of ``search_words`` (for typo-tolerant
matching, which reads the words, not the tickets). Database triggers write both
(see migration ``0013_ticket_search``), as they keep the status counters, so no
writer of the history can forget them and a search reads only the rows of the words
it looks for, never the whole history.

A word is a run of characters between ASCII spaces and punctuation, lowered by the
database's own ``lower()`` (all of Unicode on PostgreSQL, ASCII letters on SQLite),
at least :data:`MIN_WORD` and at most :data:`MAX_WORD` characters; :func:`words`
splits a query the same way.
"""

from __future__ import annotations

import re
import string

from sqlalchemy import Connection, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base

MIN_WORD = 2
MAX_WORD = 64
# ASCII whitespace and punctuation separate words, in the query as in the triggers.
SEPARATORS = "\t\n\x0b\x0c\r " + string.punctuation
_SPLIT = re.compile("[" + re.escape(SEPARATORS) + "]+")
# Byte order on PostgreSQL (SQLite's default is already binary), so a range of the
# index is exactly the words that start with a prefix.
WordType = String(MAX_WORD).with_variant(String(MAX_WORD, collation="C"), "postgresql")


class TicketSearchTerm(Base):
    """One word written on one ticket (kept by triggers)."""

    __tablename__ = "ticket_search_terms"

    term: Mapped[str] = mapped_column(WordType, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class SearchWord(Base):
    """One distinct word of the index (kept by triggers): what typos are matched against."""

    __tablename__ = "search_words"

    word: Mapped[str] = mapped_column(WordType, primary_key=True)


def fold(value: str, dialect: str) -> str:
    """``value`` lowered as the database's ``lower()`` lowers it."""
    if dialect == "postgresql":
        return value.lower()
    return value.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def words(value: str, dialect: str) -> list[str]:
    """The index's words in ``value``, in order, repeats kept."""
    return [w[:MAX_WORD] for w in _SPLIT.split(fold(value, dialect)) if len(w) >= MIN_WORD]


# --- the triggers and the backfill, per database ----------------------------------------------

# (table, the ticket's id column, the text column) for each source of words.
_SOURCES = (
    ("tickets", "id", "title"),
    ("ticket_transitions", "ticket_id", "note"),
    ("work_session_events", "ticket_id", "note"),
)


def _sqlite_words(expr: str) -> str:
    """A SQLite expression: the words of ``expr`` as a JSON array (``[]`` if it is not one).

    Each separator becomes a space (a few per nested SELECT: SQLite's parser refuses
    forty replace() calls nested in one expression), then the spaces become ``","``.
    """
    staged = f"SELECT lower({expr}) AS s"
    for i in range(0, len(SEPARATORS), _SQLITE_STAGE):
        replaced = "s"
        for ch in SEPARATORS[i : i + _SQLITE_STAGE]:
            literal = f"char({ord(ch)})" if ch in "\t\n\x0b\x0c\r'" else f"'{ch}'"
            replaced = f"replace({replaced}, {literal}, ' ')"
        staged = f"SELECT {replaced} AS s FROM ({staged})"  # noqa: S608
    array = """'["' || replace(s, ' ', '","') || '"]'"""
    return (
        f"(SELECT CASE WHEN json_valid(a) THEN a ELSE '[]' END "  # noqa: S608
        f"FROM (SELECT {array} AS a FROM ({staged})))"
    )


_SQLITE_STAGE = 10


def _sqlite_inserts(ticket: str, body: str) -> str:
    chosen = f"json_each({_sqlite_words(body)}) WHERE length(value) >= {MIN_WORD}"
    return (
        "INSERT OR IGNORE INTO ticket_search_terms (term, ticket_id) "  # noqa: S608
        f"SELECT DISTINCT substr(value, 1, {MAX_WORD}), {ticket} FROM {chosen}; "
        "INSERT OR IGNORE INTO search_words (word) "
        f"SELECT DISTINCT substr(value, 1, {MAX_WORD}) FROM {chosen};"
    )


def _sqlite_note(row: str) -> str:
    return f"json_extract({row}.metadata, '$.note')"


def _sqlite_ddl() -> list[str]:
    note = _sqlite_note("NEW")
    return [
        "CREATE TRIGGER tickets_search_words AFTER INSERT ON tickets "
        f"BEGIN {_sqlite_inserts('NEW.id', 'NEW.title')} END",
        "CREATE TRIGGER ticket_transitions_search_words AFTER INSERT ON ticket_transitions "
        f"WHEN NEW.note != '' BEGIN {_sqlite_inserts('NEW.ticket_id', 'NEW.note')} END",
        "CREATE TRIGGER work_session_events_search_words AFTER INSERT ON work_session_events "
        f"WHEN json_valid(NEW.metadata) AND typeof({note}) = 'text' AND {note} != '' "
        f"BEGIN {_sqlite_inserts('NEW.ticket_id', note)} END",
    ]


_PG_SPLIT = "[" + "".join("\\" + ch if ch in "[]\\^-" else ch for ch in SEPARATORS) + "]+"


def _pg_ddl() -> list[str]:
    split = f"regexp_split_to_table(lower(body), '{_PG_SPLIT.replace(chr(39), chr(39) * 2)}')"
    return [
        "CREATE FUNCTION shopfloor_index_words(ticket integer, body text) RETURNS void "  # noqa: S608
        "LANGUAGE sql AS $$ "
        f"WITH w AS (SELECT DISTINCT left(word, {MAX_WORD}) AS word FROM {split} AS word "
        f"WHERE length(word) >= {MIN_WORD}), "
        "t AS (INSERT INTO ticket_search_terms (term, ticket_id) SELECT word, ticket FROM w "
        "ON CONFLICT DO NOTHING) "
        "INSERT INTO search_words (word) SELECT word FROM w ON CONFLICT DO NOTHING $$",
        "CREATE FUNCTION shopfloor_index_ticket_words() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "IF TG_TABLE_NAME = 'tickets' THEN PERFORM shopfloor_index_words(NEW.id, NEW.title); "
        "ELSIF TG_TABLE_NAME = 'ticket_transitions' THEN "
        "PERFORM shopfloor_index_words(NEW.ticket_id, NEW.note); "
        "ELSE PERFORM shopfloor_index_words(NEW.ticket_id, NEW.metadata->>'note'); "
        "END IF; RETURN NULL; END $$",
        "CREATE TRIGGER tickets_search_words AFTER INSERT ON tickets FOR EACH ROW "
        "EXECUTE FUNCTION shopfloor_index_ticket_words()",
        "CREATE TRIGGER ticket_transitions_search_words AFTER INSERT ON ticket_transitions "
        "FOR EACH ROW WHEN (NEW.note <> '') EXECUTE FUNCTION shopfloor_index_ticket_words()",
        "CREATE TRIGGER work_session_events_search_words AFTER INSERT ON work_session_events "
        "FOR EACH ROW WHEN (coalesce(NEW.metadata->>'note', '') <> '') "
        "EXECUTE FUNCTION shopfloor_index_ticket_words()",
    ]


def index_ddl(dialect: str) -> list[str]:
    """The statements that make the database keep the index (triggers, and on PostgreSQL
    their functions)."""
    return _pg_ddl() if dialect == "postgresql" else _sqlite_ddl()


def drop_ddl(dialect: str) -> list[str]:
    """The statements that undo :func:`index_ddl`."""
    drops = [
        f"DROP TRIGGER IF EXISTS {table}_search_words"
        + (f" ON {table}" if dialect == "postgresql" else "")
        for table, _, _ in _SOURCES
    ]
    if dialect == "postgresql":
        drops += [
            "DROP FUNCTION IF EXISTS shopfloor_index_ticket_words()",
            "DROP FUNCTION IF EXISTS shopfloor_index_words(integer, text)",
        ]
    return drops


def rebuild_search_index(conn: Connection) -> None:
    """Write the index again from the tickets and their history, as the triggers would
    have (after a bulk load that bypassed them, or to fill a new index)."""
    conn.execute(text("DELETE FROM ticket_search_terms"))
    conn.execute(text("DELETE FROM search_words"))
    if conn.dialect.name == "postgresql":
        for table, ticket, column in _SOURCES:
            body = "metadata->>'note'" if table == "work_session_events" else column
            conn.execute(
                text(
                    f"SELECT shopfloor_index_words({ticket}, {body}) FROM {table} "  # noqa: S608
                    f"WHERE coalesce({body}, '') <> ''"
                )
            )
        return
    for table, ticket, column in _SOURCES:
        body, where = f"src.{column}", "1"
        if table == "work_session_events":
            body = _sqlite_note("src")
            where = f"json_valid(src.metadata) AND typeof({body}) = 'text'"
        chosen = f"json_each({_sqlite_words(body)}) WHERE {where} AND length(value) >= {MIN_WORD}"
        conn.execute(
            text(
                "INSERT OR IGNORE INTO ticket_search_terms (term, ticket_id) "  # noqa: S608
                f"SELECT DISTINCT substr(value, 1, {MAX_WORD}), src.{ticket} "
                f"FROM {table} AS src, {chosen}"
            )
        )
    conn.execute(
        text(
            "INSERT OR IGNORE INTO search_words (word) "
            "SELECT DISTINCT term FROM ticket_search_terms"
        )
    )
