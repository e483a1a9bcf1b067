"""The postgres checks that look inside the database: extensions, and a write round-trip that
needs only what it checks (TEMPORARY, else CREATE on a schema) and leaves nothing behind."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from envcheck.checks.postgres.diagnose import read_only_sessions, replica
from envcheck.checks.postgres.session import session, show
from envcheck.checks.postgres.target import Target, target
from envcheck.core.model import CheckFailed, Context, Outcome, ok, warn

if TYPE_CHECKING:
    import psycopg

_CONTRIB = {"hstore", "citext", "pg_trgm", "pgcrypto", "uuid-ossp", "btree_gin", "btree_gist"}
_PACKAGES = {
    "vector": "postgresql-{major}-pgvector",
    "postgis": "postgresql-{major}-postgis-3",
    "pg_cron": "postgresql-{major}-cron",
    "timescaledb": "timescaledb-2-postgresql-{major}",
}
_PGDG = (
    "it is not in Debian's or Ubuntu's own archive: add the PostgreSQL project's apt repository "
    "first (sudo apt install -y postgresql-common && sudo "
    "/usr/share/postgresql-common/pgdg/apt.postgresql.org.sh), then "
)

_MAY_CREATE = """
SELECT r.rolsuper, coalesce(v.superuser, true), coalesce(v.trusted, false),
       has_database_privilege(current_database(), 'CREATE')
FROM pg_roles r LEFT JOIN pg_available_extension_versions v ON v.name = %s AND v.version = (
    SELECT default_version FROM pg_available_extensions WHERE name = %s)
WHERE r.rolname = current_user
"""


def extension_check(extension: str, instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    with session(ctx, t) as conn:
        installed = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = %s", (extension,)
        ).fetchone()
        available = conn.execute(
            "SELECT default_version FROM pg_available_extensions WHERE name = %s", (extension,)
        ).fetchone()
        major = int(show(conn, "server_version_num")) // 10000
        may = conn.execute(_MAY_CREATE, (extension, extension)).fetchone()
    if installed:
        return ok(f"{extension} {installed[0]} installed in {t.dbname}", version=installed[0])
    sql = f'CREATE EXTENSION IF NOT EXISTS "{extension}"'
    is_super, needs_super, trusted, can_create = may or (False, True, False, False)
    if is_super or (not needs_super and can_create) or (trusted and can_create):
        create = t.where_.psql(sql)
    else:
        why = "a superuser" if needs_super and not trusted else "CREATE on the database"
        create = f"(role {t.user} may not: it needs {why}) {t.where_.as_superuser(sql, t.dbname)}"
    if available:
        return warn(
            f"{extension} {available[0]} is available but not installed in {t.dbname}",
            hint=create,
            available=available[0],
        )
    package = _PACKAGES.get(extension, "").format(major=major)
    if not package and extension in _CONTRIB:
        package = "postgresql-contrib"
    repository = _PGDG if package and extension in _PACKAGES else ""
    install = (
        f"on the server's host: {repository}sudo apt install {package}; then " if package else ""
    )
    raise CheckFailed(
        f"extension {extension} is not available on {t.host}:{t.port} (PostgreSQL {major})",
        why="the server has no files for it: its package is not installed on the server",
        hint=(
            f"{install}{create}"
            if package
            else f"install {extension} for PostgreSQL {major} on the server, then: {create}"
        ),
    )


_WRITABLE_SCHEMA = """
SELECT nspname FROM pg_namespace WHERE nspname = ANY (current_schemas(false))
AND has_schema_privilege(oid, 'CREATE') LIMIT 1
"""


def write(instance: str, ctx: Context) -> Outcome:
    import psycopg

    t = target(ctx, instance)
    table = f"envcheck_probe_{uuid.uuid4().hex[:12]}"
    with session(ctx, t) as conn:
        if conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,):
            row = conn.execute(
                "SELECT sender_host, sender_port FROM pg_stat_wal_receiver"
            ).fetchone()
            raise replica(t.where_, f"{row[0]}:{row[1]}" if row and row[0] else None)
        if show(conn, "transaction_read_only") == "on":
            row = conn.execute(
                "SELECT source FROM pg_settings WHERE name = 'default_transaction_read_only'"
            ).fetchone()
            raise read_only_sessions(t.where_, str(row[0]) if row else "unknown")
        temp = conn.execute(
            "SELECT has_database_privilege(current_database(), 'TEMP')"
        ).fetchone() == (True,)
        schema_row = None if temp else conn.execute(_WRITABLE_SCHEMA).fetchone()
        if not temp and schema_row is None:
            return _cannot_probe(conn, t)
        schema = str(schema_row[0]) if schema_row else ""
        create = (
            f"CREATE TEMPORARY TABLE {table} (id int, note text) ON COMMIT DROP"
            if temp
            else f'CREATE TABLE "{schema}".{table} (id int, note text)'
        )
        started = time.monotonic()
        try:
            with conn.transaction(force_rollback=True):
                conn.execute(create)
                conn.execute(f"INSERT INTO {table} VALUES (1, 'envcheck')")
                back = conn.execute(f"SELECT note FROM {table} WHERE id = 1").fetchone()
        except psycopg.errors.InsufficientPrivilege as exc:
            raise CheckFailed(
                f"{t.user} may not write a probe table in {t.dbname} " f"(SQLSTATE {exc.sqlstate})",
                why=str(exc.diag.message_primary or exc),
                hint=t.where_.as_superuser(
                    f"GRANT TEMPORARY ON DATABASE {t.dbname} TO {t.user}", t.dbname
                ),
            ) from None
        round_trip_ms = (time.monotonic() - started) * 1000
    if not back or back[0] != "envcheck":
        raise CheckFailed(f"{t.where} did not return the row it was given", hint=t.where_.psql())
    kind = "temporary table" if temp else f"table in schema {schema}"
    return ok(f"{kind} written, read and rolled back", round_trip_ms=round(round_trip_ms, 2))


def _cannot_probe(conn: psycopg.Connection[Any], t: Target) -> Outcome:
    """No TEMPORARY and no CREATE anywhere: the app may still write its own tables."""
    row = conn.execute(
        "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', "
        "'information_schema') AND has_table_privilege(format('%I.%I', schemaname, tablename), "
        "'INSERT')"
    ).fetchone()
    insertable = int(row[0]) if row else 0
    grant = f"GRANT TEMPORARY ON DATABASE {t.dbname} TO {t.user}"
    return warn(
        f"writes not proven: role {t.user} has neither TEMPORARY on database {t.dbname} nor "
        f"CREATE on a schema in its search_path, which envcheck's probe table needs; it may "
        f"INSERT into {insertable} existing table(s), which envcheck does not touch",
        hint=f"to let envcheck prove writes: {t.where_.as_superuser(grant, t.dbname)}; or set "
        f"{t.section}.write_check = false",
        tables_with_insert=insertable,
    )
