"""Alembic environment: migrates the database shopfloor is configured for.

``shopfloor db upgrade`` passes an open connection in ``config.attributes``;
run by hand, the URL comes from ``sqlalchemy.url`` or ``SHOPFLOOR_DATABASE_URL``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from shopfloor.domain.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from shopfloor.config import load_settings
    from shopfloor.domain.database import create_db_engine

    url = config.get_main_option("sqlalchemy.url") or load_settings().database_url
    engine = create_db_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("shopfloor's migrations run online only: `shopfloor db upgrade`.")
run_migrations_online()
