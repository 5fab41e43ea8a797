"""Opening the shop an entrypoint works on: engine, schema check, clock, hasher.

Whatever stops a shop from opening (a directory that cannot be made, a file that is
read-only or not a database, a server that does not answer) becomes one
:class:`ShopNotOpened` sentence saying what is wrong and what to do.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError

from .domain import Shop
from .domain.database import create_db_engine, ensure_schema


class StartupError(Exception):
    """An entrypoint cannot start; the message says why and what to do, in one sentence."""


class ShopNotOpened(StartupError):
    """The shop's database cannot be opened; the message says why and what to do."""


def safe_url(url: str) -> str:
    """``url`` without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None (PostgreSQL, in-memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def check_sqlite_file(path: Path) -> None:
    """Refuse a SQLite file shopfloor could open but never write to, before it is opened.

    SQLite writes the database and, in WAL mode, its ``-wal`` and ``-shm`` files beside
    it, so both the file and its directory must be writable.
    """
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ShopNotOpened(
            f"The directory {directory} for the database cannot be created "
            f"({exc.strerror or exc}); set SHOPFLOOR_DATA_DIR (or SHOPFLOOR_DATABASE_URL) "
            "to a place you can write to."
        ) from exc
    if path.is_dir():
        raise ShopNotOpened(
            f"The database path {path} is a directory; point SHOPFLOOR_DATABASE_URL at a file."
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise ShopNotOpened(
            f"The database file {path} is read-only; make it writable "
            f"(chmod u+rw {path}) or copy it somewhere writable and point "
            "SHOPFLOOR_DATABASE_URL there."
        )
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ShopNotOpened(
            f"The directory {directory} is read-only, and SQLite writes its journal beside "
            "the database; make it writable or set SHOPFLOOR_DATA_DIR to a writable directory."
        )


def database_problem(url: str, exc: DatabaseError) -> ShopNotOpened:
    """The sentence for a database that refused to open."""
    orig = exc.orig
    reason = str(orig).strip().splitlines()[0] if orig is not None else str(exc)
    if getattr(orig, "sqlite_errorname", None) == "SQLITE_NOTADB":
        return ShopNotOpened(
            f"{sqlite_path(url)} is not a SQLite database (SQLite says: {reason}); point "
            "SHOPFLOOR_DATABASE_URL at the shop's database file, or move this file away "
            "to start a new shop."
        )
    return ShopNotOpened(
        f"Cannot use the database {safe_url(url)}: {reason}. "
        "Check SHOPFLOOR_DATABASE_URL and that the database server is running."
    )


def open_engine(url: str) -> Engine:
    """An engine on ``url``, after checking that a SQLite file can be used."""
    path = sqlite_path(url)
    if path is not None:
        check_sqlite_file(path)
    return create_db_engine(url)


def open_shop(url: str, *, auto_upgrade: bool | None = None) -> Shop:
    """A :class:`Shop` on ``url`` whose schema is at head.

    An embedded SQLite file is migrated automatically (it belongs to this
    install); a shared PostgreSQL database must be upgraded on purpose with
    ``shopfloor db upgrade``, so one terminal never migrates the whole shop.
    """
    engine = open_engine(url)
    if auto_upgrade is None:
        auto_upgrade = engine.dialect.name == "sqlite"
    try:
        ensure_schema(engine, auto_upgrade=auto_upgrade)
    except DatabaseError as exc:
        engine.dispose()
        raise database_problem(url, exc) from exc
    except BaseException:
        engine.dispose()
        raise
    return Shop(engine)


def backup_sqlite(url: str, target: Path) -> None:
    """A consistent copy of the SQLite shop at ``url`` in ``target``, taken online.

    SQLite's backup API copies every page within one read transaction, so the copy
    is the database as of one moment even while other terminals write (in WAL mode
    readers and writers do not block each other). The copy is written beside
    ``target`` and renamed into place, so ``target`` is never half a database.
    """
    source_path = sqlite_path(url)
    if source_path is None:
        raise ShopNotOpened(
            "shopfloor db backup copies a SQLite shop; for PostgreSQL use pg_dump "
            "(see the README, 'Checks and backups')."
        )
    if not source_path.is_file():
        raise ShopNotOpened(f"There is no database at {source_path} to back up.")
    if target.exists():
        raise ShopNotOpened(f"{target} already exists; choose a new name for the backup.")
    if not target.parent.is_dir():
        raise ShopNotOpened(f"The directory {target.parent} does not exist; create it first.")
    partial = target.with_name(f".{target.name}.partial")
    source = sqlite3.connect(source_path, timeout=15)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one consistent snapshot
            # A single self-contained file, easy to move and to restore.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise ShopNotOpened(f"The backup of {source_path} failed: {exc}.") from exc
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ShopNotOpened(
            f"The backup cannot be written to {target} ({exc.strerror or exc})."
        ) from exc
    finally:
        source.close()
    partial.rename(target)
