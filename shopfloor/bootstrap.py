"""Opening the shop an entrypoint works on: engine, schema check, clock, hasher."""

from __future__ import annotations

from .domain import Shop
from .domain.database import create_db_engine, ensure_schema


def open_shop(url: str, *, auto_upgrade: bool | None = None) -> Shop:
    """A :class:`Shop` on ``url`` whose schema is at head.

    An embedded SQLite file is migrated automatically (it belongs to this
    install); a shared PostgreSQL database must be upgraded on purpose with
    ``shopfloor db upgrade``, so one terminal never migrates the whole shop.
    """
    engine = create_db_engine(url)
    if auto_upgrade is None:
        auto_upgrade = engine.dialect.name == "sqlite"
    try:
        ensure_schema(engine, auto_upgrade=auto_upgrade)
    except BaseException:
        engine.dispose()
        raise
    return Shop(engine)
