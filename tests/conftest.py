"""Fixtures shared by every test layer: real databases, a controlled clock, a shop, people."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from shopfloor.domain import ManualClock, Shop, create_user
from shopfloor.domain import shop as shop_module
from shopfloor.domain.database import create_db_engine

from .databases import PostgresTemplate, SqliteTemplate, skip_or_fail_without_postgres

T0 = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def fast_hasher() -> PasswordHasher:
    """argon2id with small parameters: real hashing, test-suite speed."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresTemplate]:
    skip_or_fail_without_postgres()
    template = PostgresTemplate()
    yield template
    template.drop()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database on each backend."""
    template = request.getfixturevalue(f"{request.param}_template")
    with template.database(tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_url(sqlite_template: SqliteTemplate, tmp_path: Path) -> Iterator[str]:
    with sqlite_template.database(tmp_path) as url:
        yield url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def pg_shop(postgres_template: PostgresTemplate, tmp_path: Path) -> Iterator[Shop]:
    """A shop on a fresh PostgreSQL database only (for what only a server can do)."""
    with postgres_template.database(tmp_path) as url:
        shop = Shop(create_db_engine(url), clock=ManualClock(T0), hasher=fast_hasher())
        try:
            yield shop
        finally:
            shop.dispose()


@pytest.fixture
def shop(db_url: str, clock: ManualClock) -> Iterator[Shop]:
    engine = create_db_engine(db_url)
    shop = Shop(engine, clock=clock, hasher=fast_hasher())
    yield shop
    shop.dispose()


@pytest.fixture
def admitted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every run of the domain's one caller check (``shop.admit``), under ``"checks"``."""
    seen: Counter[str] = Counter()
    check = shop_module.admit

    def spy(*args: Any) -> Any:
        seen["checks"] += 1
        return check(*args)

    monkeypatch.setattr(shop_module, "admit", spy)
    return seen


@dataclass(frozen=True)
class People:
    """User ids of a small shop's staff."""

    master: int
    manager: int
    tech1: int
    tech2: int
    qc: int
    admin: int
    nobody: int  # may log in and read, but holds no role


@pytest.fixture
def people(shop: Shop) -> People:
    def add(name: str, *roles: str) -> int:
        return create_user(shop, None, name, "secret-pw", roles=roles, first_name=name.title()).id

    return People(
        master=add("master", "master"),
        manager=add("manager", "ops_manager"),
        tech1=add("tech1", "technician"),
        tech2=add("tech2", "technician"),
        qc=add("qc", "qc_inspector"),
        admin=add("admin", "super_admin"),
        nobody=add("nobody"),
    )
