"""A least-privilege PostgreSQL role for the server and the terminals.

The role that owns the tables (the one that runs ``shopfloor db upgrade``) can
drop or disable the triggers that keep the audit tables append-only. The
server and terminals therefore connect as another role, granted here: it may
read and write the ordinary tables, only read and append to the audit tables,
only read the schema revision, draw ids from the sequences, and owns nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from .errors import PermissionDenied, ValidationFailed

AUDIT_TABLES = frozenset(
    {"ticket_transitions", "work_session_events", "xp_ledger", "checklist_ticks", "ticket_audit"}
)
# The app reads the schema revision at start; only a migration may change it.
READ_ONLY_TABLES = frozenset({"alembic_version"})

AUDIT_PRIVILEGES = "SELECT, INSERT"
READ_ONLY_PRIVILEGES = "SELECT"
APP_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


@dataclass(frozen=True)
class Granted:
    """What a role was granted, table by table class."""

    role: str
    read_write: tuple[str, ...]
    append_only: tuple[str, ...]
    read_only: tuple[str, ...]

    def describe(self) -> str:
        return (
            f"Role {self.role} may now use the shop: read and write {len(self.read_write)} "
            f"tables, only read and append to {', '.join(self.append_only)}, "
            f"only read {', '.join(self.read_only)}."
        )


def grant_app_role(engine: Engine, role: str) -> Granted:
    """Grant ``role`` exactly what the server and terminals need, and nothing more.

    Refuses a role that is missing, a superuser, able to create roles, or that
    owns (or is a member of the owner of) anything in the shop's schema: each of
    those could switch the audit triggers off. Safe to run again.
    """
    if engine.dialect.name != "postgresql":
        raise ValidationFailed(
            "`shopfloor db grant` is for PostgreSQL; a SQLite file has no database roles "
            "(protect the file with file permissions instead).",
            field="database",
        )
    with engine.begin() as conn:
        _check_role(conn, role)
        return apply_grants(conn, role)


def _tables(conn: Connection) -> list[str]:
    return list(
        conn.execute(
            text(
                "SELECT c.relname FROM pg_class c "
                "WHERE c.relnamespace = current_schema()::regnamespace "
                "AND c.relkind IN ('r', 'p') ORDER BY c.relname"
            )
        ).scalars()
    )


def _check_role(conn: Connection, role: str) -> None:
    found = conn.execute(
        text(
            "SELECT rolsuper, rolcreaterole, rolname = current_user AS is_me "
            "FROM pg_roles WHERE rolname = :role"
        ),
        {"role": role},
    ).one_or_none()
    if found is None:
        raise ValidationFailed(
            f"There is no PostgreSQL role {role!r}; create it first "
            f"(CREATE ROLE {role} LOGIN PASSWORD '...'), then run this again.",
            field="role",
        )
    if found.is_me:
        raise ValidationFailed(
            f"Role {role!r} is the one running this command, the owner; "
            "name the separate role the server and terminals will connect as.",
            field="role",
        )
    if found.rolsuper or found.rolcreaterole:
        power = "a superuser" if found.rolsuper else "allowed to create roles"
        raise ValidationFailed(
            f"Role {role!r} is {power}, so it could switch the audit triggers off; "
            "use a plain LOGIN role.",
            field="role",
        )
    # Ownership (direct, or through a role it is a member of) is what allows
    # DROP TRIGGER, ALTER TABLE ... DISABLE TRIGGER and replacing the trigger function.
    owned = conn.execute(
        text(
            "SELECT c.relname FROM pg_class c "
            "WHERE c.relnamespace = current_schema()::regnamespace "
            "AND pg_has_role(:role, c.relowner, 'MEMBER') "
            "UNION ALL SELECT p.proname FROM pg_proc p "
            "WHERE p.pronamespace = current_schema()::regnamespace "
            "AND pg_has_role(:role, p.proowner, 'MEMBER') "
            "LIMIT 1"
        ),
        {"role": role},
    ).scalar()
    if owned is not None:
        raise ValidationFailed(
            f"Role {role!r} owns {owned} (or is a member of its owner), so it could switch "
            "the audit triggers off; use a role that owns nothing in the shop's schema.",
            field="role",
        )
    not_mine = conn.execute(
        text(
            "SELECT c.relname FROM pg_class c "
            "WHERE c.relnamespace = current_schema()::regnamespace "
            "AND NOT pg_has_role(current_user, c.relowner, 'USAGE') LIMIT 1"
        )
    ).scalar()
    if not_mine is not None or not _tables(conn):
        raise PermissionDenied(
            "Run `shopfloor db grant` as the owner of the shop's tables (the role that ran "
            "`shopfloor db upgrade`), on a migrated database.",
            field="database",
        )


def apply_grants(conn: Connection, role: str) -> Granted:
    """(Re)grant ``role`` its privileges on every table now in the schema."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    who = quote(role)
    schema = quote(str(conn.execute(text("SELECT current_schema()")).scalar_one()))
    database = quote(str(conn.execute(text("SELECT current_database()")).scalar_one()))
    conn.execute(text(f"GRANT CONNECT ON DATABASE {database} TO {who}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {who}"))
    # Start from nothing, so running it again also takes back anything broader.
    conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {who}"))
    conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {who}"))
    read_write: list[str] = []
    append_only: list[str] = []
    read_only: list[str] = []
    for table in _tables(conn):
        if table in AUDIT_TABLES:
            privileges, kind = AUDIT_PRIVILEGES, append_only
        elif table in READ_ONLY_TABLES:
            privileges, kind = READ_ONLY_PRIVILEGES, read_only
        else:
            privileges, kind = APP_PRIVILEGES, read_write
        conn.execute(text(f"GRANT {privileges} ON {schema}.{quote(table)} TO {who}"))
        kind.append(table)
    # USAGE is nextval() for new ids; not UPDATE, which would allow setval().
    conn.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {who}"))
    return Granted(role, tuple(read_write), tuple(append_only), tuple(read_only))


def granted_roles(conn: Connection) -> list[str]:
    """Roles granted with :func:`grant_app_role` (they may read the schema revision)."""
    return list(
        conn.execute(
            text(
                "SELECT DISTINCT pg_get_userbyid(a.grantee) FROM pg_class c, "
                "aclexplode(c.relacl) a WHERE c.oid = to_regclass('alembic_version') "
                "AND a.grantee NOT IN (0, c.relowner) "
                "AND pg_has_role(current_user, c.relowner, 'USAGE') ORDER BY 1"
            )
        ).scalars()
    )
