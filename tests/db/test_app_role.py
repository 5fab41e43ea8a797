"""PostgreSQL: the server and terminals run as a granted role that cannot rewrite history.

The owner of the tables could drop or disable the audit triggers, so
``shopfloor db grant ROLE`` gives the application role only what the shop
needs. Each test creates its own LOGIN role on a fresh database and drops it
afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from shopfloor.bootstrap import open_shop
from shopfloor.cli import main
from shopfloor.domain import (
    ManualClock,
    Shop,
    archive_bike,
    assign_ticket,
    authenticate,
    create_bike,
    create_ticket,
    create_user,
    fleet_analytics,
    get_ticket,
    list_tickets,
    list_xp_entries,
    qc_pass,
    restore_bike,
    send_to_qc,
    start_work_session,
    stop_work_session,
    team_analytics,
)
from shopfloor.domain.database import create_db_engine, downgrade

from ..api.conftest import start_server, stop_server
from ..conftest import fast_hasher
from ..databases import PostgresTemplate, _libpq, postgres_admin_url
from ..factories import CHECKLIST

AUDIT_TABLES = ("ticket_transitions", "work_session_events", "xp_ledger")
# A privilege check refuses before any trigger runs; the triggers' own refusal says
# "append-only", so matching these words proves it is the role, not the trigger.
NOT_ALLOWED = r"permission denied|must be owner"


@pytest.fixture
def owner_url(postgres_template: PostgresTemplate, tmp_path: Path) -> Iterator[str]:
    """A fresh shop database, as its owner (the role that migrated it)."""
    with postgres_template.database(tmp_path) as url:
        yield url


def _admin(sql: str, url: str | None = None) -> None:
    with psycopg.connect(_libpq(url or postgres_admin_url()), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture
def new_role(owner_url: str) -> Iterator[str]:
    """A plain LOGIN role with a unique name; dropped with its privileges afterwards."""
    role = f"shopfloor_app_{uuid.uuid4().hex[:10]}"
    _admin(f"CREATE ROLE {role} LOGIN")
    yield role
    _admin(f"DROP OWNED BY {role}", owner_url)  # its privileges in (and on) the test database
    _admin(f"DROP ROLE IF EXISTS {role}")


def _as(url: str, role: str) -> str:
    return make_url(url).set(username=role, password=None).render_as_string(hide_password=False)


def _shopfloor(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("SHOPFLOOR_DATABASE_URL", url)
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def app_url(
    owner_url: str,
    new_role: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> str:
    """The shop's URL for ``new_role``, granted by ``shopfloor db grant`` as the owner."""
    code, out, err = _shopfloor(monkeypatch, capsys, owner_url, "db", "grant", new_role)
    assert (code, err) == (0, "")
    assert f"Role {new_role} may now use the shop" in out
    assert (
        "only read and append to checklist_ticks, ticket_audit, ticket_transitions, "
        "work_session_events, xp_ledger"
    ) in out
    return _as(owner_url, new_role)


@pytest.mark.postgres
def test_the_granted_role_runs_a_whole_ticket_through_the_domain(
    app_url: str, clock: ManualClock
) -> None:
    opened = open_shop(app_url)  # the start-up schema check reads alembic_version
    shop = Shop(opened.engine, clock=clock, hasher=fast_hasher())
    try:
        with shop.engine.connect() as conn:
            assert (
                conn.execute(sa.text("SELECT current_user"))
                .scalar_one()
                .startswith("shopfloor_app_")
            )
        staff = {
            name: create_user(shop, None, name, "secret-pw", roles=(role,)).id
            for name, role in (
                ("master", "master"),
                ("manager", "ops_manager"),
                ("tech", "technician"),
                ("qc", "qc_inspector"),
            )
        }
        assert authenticate(shop, "tech", "secret-pw").id == staff["tech"]
        bike = create_bike(shop, staff["master"], "RM-0001")
        archive_bike(shop, None, bike.id)  # takes the bike's row lock (FOR UPDATE)
        restore_bike(shop, None, bike.id)
        ticket = create_ticket(
            shop,
            staff["master"],
            bike_code="RM-0001",
            title="Brake service",
            checklist=CHECKLIST,
            srt_total_minutes=60,
            approve_srt=True,
        )
        assign_ticket(shop, staff["manager"], ticket.id, staff["tech"])
        start_work_session(shop, staff["tech"], ticket.id)
        clock.advance(minutes=30)
        stop_work_session(shop, staff["tech"], ticket.id)
        send_to_qc(shop, staff["tech"], ticket.id)
        qc_pass(shop, staff["qc"], ticket.id)

        assert get_ticket(shop, ticket.id).status == "done"
        assert list_tickets(shop, status="done").total_count == 1
        assert list_xp_entries(shop, staff["tech"])
        team_analytics(shop, staff["manager"])
        fleet_analytics(shop, staff["manager"])
    finally:
        shop.dispose()


def _refused_as_role(url: str, sql: str) -> None:
    with (
        psycopg.connect(_libpq(url), autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match=NOT_ALLOWED),
    ):
        conn.execute(sql)  # type: ignore[arg-type]


def _audit_snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    with psycopg.connect(_libpq(url)) as conn:
        rows = {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in AUDIT_TABLES}  # type: ignore[arg-type]
        rows["triggers"] = conn.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1"
        ).fetchall()
    return rows


@pytest.mark.postgres
@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_the_granted_role_cannot_rewrite_history_or_unguard_it(
    owner_url: str, app_url: str, clock: ManualClock, table: str
) -> None:
    shop = Shop(create_db_engine(app_url), clock=clock, hasher=fast_hasher())
    try:
        master = create_user(shop, None, "master", "secret-pw", roles=("master",)).id
        tech = create_user(shop, None, "tech", "secret-pw", roles=("technician",)).id
        qc = create_user(shop, None, "qc", "secret-pw", roles=("qc_inspector",)).id
        create_bike(shop, master, "RM-0001")
        ticket = create_ticket(
            shop,
            master,
            bike_code="RM-0001",
            title="Brake service",
            checklist=CHECKLIST,
            srt_total_minutes=60,
            approve_srt=True,
        )
        assign_ticket(shop, master, ticket.id, tech)
        start_work_session(shop, tech, ticket.id)
        send_to_qc(shop, tech, ticket.id)
        qc_pass(shop, qc, ticket.id)
    finally:
        shop.dispose()
    before = _audit_snapshot(owner_url)
    assert before[table]

    column = {"ticket_transitions": "note", "work_session_events": "action"}.get(
        table, "description"
    )
    for sql in (
        f"UPDATE {table} SET {column} = 'forged'",
        f"DELETE FROM {table}",
        f"TRUNCATE {table}",
        f"INSERT INTO {table} SELECT * FROM {table} ON CONFLICT (id) "
        f"DO UPDATE SET {column} = 'forged'",
        f"DROP TRIGGER {table}_append_only ON {table}",
        f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only",
        f"ALTER TABLE {table} DISABLE TRIGGER ALL",
        f"ALTER TABLE {table} OWNER TO CURRENT_USER",
        "DROP FUNCTION shopfloor_refuse_audit_change() CASCADE",
        "CREATE OR REPLACE FUNCTION shopfloor_refuse_audit_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "SET session_replication_role = replica",
        "UPDATE alembic_version SET version_num = 'forged'",
    ):
        _refused_as_role(app_url, sql)
    assert _audit_snapshot(owner_url) == before


@pytest.mark.postgres
def test_db_grant_refuses_roles_that_could_switch_the_triggers_off(
    owner_url: str,
    new_role: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def grant(role: str) -> tuple[int, str, str]:
        return _shopfloor(monkeypatch, capsys, owner_url, "db", "grant", role)

    code, out, err = grant("no_such_role_here")
    assert (code, out) == (1, "")
    assert err == (
        "shopfloor: There is no PostgreSQL role 'no_such_role_here'; create it first "
        "(CREATE ROLE no_such_role_here LOGIN PASSWORD '...'), then run this again.\n"
    )
    owner = make_url(owner_url).username or ""
    assert "the owner" in grant(owner)[2]

    _admin(f"ALTER ROLE {new_role} SUPERUSER")
    assert "is a superuser" in grant(new_role)[2]
    _admin(f"ALTER ROLE {new_role} NOSUPERUSER")
    _admin(f"ALTER ROLE {new_role} CREATEROLE")
    assert "allowed to create roles" in grant(new_role)[2]
    _admin(f"ALTER ROLE {new_role} NOCREATEROLE")

    # A member of the owner's role may SET ROLE to it and drop the triggers.
    _admin(f"GRANT {owner} TO {new_role}")
    code, out, err = grant(new_role)
    assert code == 1
    assert "or is a member of its owner" in err
    _admin(f"REVOKE {owner} FROM {new_role}")

    # And so may a role that owns anything in the schema.
    _admin("CREATE TABLE scratch (id int)", owner_url)
    _admin(f"ALTER TABLE scratch OWNER TO {new_role}", owner_url)
    code, out, err = grant(new_role)
    assert code == 1
    assert f"Role '{new_role}' owns scratch" in err
    _admin("DROP TABLE scratch", owner_url)

    assert grant(new_role)[0] == 0


def test_db_grant_on_sqlite_is_one_line(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _shopfloor(monkeypatch, capsys, sqlite_url, "db", "grant", "anyone")
    assert (code, out) == (1, "")
    assert err.startswith("shopfloor: `shopfloor db grant` is for PostgreSQL;")
    assert err.count("\n") == 1


@pytest.mark.postgres
def test_db_grant_must_run_as_the_owner(
    owner_url: str,
    app_url: str,
    new_role: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = f"{new_role}_b"
    _admin(f"CREATE ROLE {other} LOGIN")
    try:
        code, _out, err = _shopfloor(monkeypatch, capsys, app_url, "db", "grant", other)
    finally:
        _admin(f"DROP ROLE {other}")
    assert code == 1
    assert err.startswith("shopfloor: Run `shopfloor db grant` as the owner of the shop's tables")


@pytest.mark.postgres
def test_db_upgrade_as_the_app_role_is_refused_in_one_line(
    owner_url: str,
    app_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = create_db_engine(owner_url)
    downgrade(engine, "0003")
    engine.dispose()
    code, out, err = _shopfloor(monkeypatch, capsys, app_url, "db", "upgrade")
    assert (code, out) == (1, "")
    assert err == (
        "shopfloor: Only the owner of the shop's tables may migrate them: run `shopfloor db "
        "upgrade` with SHOPFLOOR_DATABASE_URL naming the owner, not the application role.\n"
    )


@pytest.mark.postgres
def test_db_upgrade_grants_granted_roles_the_tables_added_since(
    owner_url: str,
    app_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A table a later migration adds (made here by hand, as the owner).
    _admin("CREATE TABLE added_later (id serial PRIMARY KEY, note text)", owner_url)
    _refused_as_role(app_url, "INSERT INTO added_later (note) VALUES ('x')")

    code, _out, err = _shopfloor(monkeypatch, capsys, owner_url, "db", "upgrade")
    assert (code, err) == (0, "")

    with psycopg.connect(_libpq(app_url), autocommit=True) as conn:
        conn.execute("INSERT INTO added_later (note) VALUES ('x')")
        assert conn.execute("SELECT count(*) FROM added_later").fetchone() == (1,)


@pytest.mark.postgres
def test_the_server_runs_as_the_granted_role(app_url: str, tmp_path: Path) -> None:
    """Start-up schema check, login (with its hash upgrade), intake and a list, over HTTP."""
    seed = Shop(create_db_engine(app_url), hasher=fast_hasher())
    try:
        create_user(seed, None, "master", "secret-pw", roles=("master",))
        create_bike(seed, None, "RM-0001")
    finally:
        seed.dispose()
    proc, base = start_server(app_url, tmp_path)
    try:
        with httpx.Client(base_url=f"{base}/api/v1", timeout=30) as http:
            login = http.post("auth/login/", json={"username": "master", "password": "secret-pw"})
            assert login.status_code == 200, login.text
            auth = {"Authorization": f"Bearer {login.json()['data']['access']}"}
            created = http.post(
                "tickets/create/",
                headers=auth,
                json={
                    "bike_code": "RM-0001",
                    "title": "Brake service",
                    "srt_total_minutes": 45,
                    "approve_srt": True,
                    "checklist_snapshot": CHECKLIST,
                },
            )
            assert created.status_code == 201, created.text
            listed = http.get("tickets/", headers=auth)
            assert listed.status_code == 200, listed.text
            assert listed.json()["total_count"] == 1
    finally:
        stop_server(proc)


@pytest.mark.postgres
def test_db_grant_quotes_a_role_name_that_needs_it(
    owner_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    role = f"Shop App-{uuid.uuid4().hex[:6]}"
    _admin(f'CREATE ROLE "{role}" LOGIN')
    try:
        code, _out, err = _shopfloor(monkeypatch, capsys, owner_url, "db", "grant", role)
        assert (code, err) == (0, "")
        with psycopg.connect(_libpq(owner_url)) as conn:
            row = conn.execute(
                "SELECT has_table_privilege(%(r)s, 'tickets', 'UPDATE'), "
                "has_table_privilege(%(r)s, 'xp_ledger', 'INSERT'), "
                "has_table_privilege(%(r)s, 'xp_ledger', 'UPDATE')",
                {"r": role},
            ).fetchone()
        assert row == (True, True, False)
    finally:
        _admin(f'DROP OWNED BY "{role}"', owner_url)
        _admin(f'DROP ROLE IF EXISTS "{role}"')
