"""The ``postgres`` component: a real PostgreSQL server, checked from TCP to a write round-trip.

Checks per instance, in dependency order: ``reachable`` (TCP and the protocol's first byte) →
``connect`` (psycopg 3, authentication, database) → ``version``, ``settings``, ``extension[X]``,
``write`` (a probe table in a transaction that is rolled back: nothing is left behind). All of an
instance's checks share one connection, one check after the other.
"""

from __future__ import annotations

import functools
import math
import os
import pwd
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from envcheck import _interpolate
from envcheck._context import Context
from envcheck._model import Check, CheckFailed, FactValue, Outcome, ok, warn
from envcheck.checks import _net, _server
from envcheck.checks._common import CheckMaker
from envcheck.checks._pgdiag import explain_failure, read_only_sessions, replica
from envcheck.checks._pglogin import diagnose_login, login_timeout
from envcheck.checks._pgtarget import SOCKET_DIRS, Target, target

if TYPE_CHECKING:
    import psycopg

__all__ = ["diagnose_login_failure", "explain_failure"]

COMPONENT = "postgres"
DEFAULT_DSN = "${DATABASE_URL:-postgresql://localhost:5432/app}"
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
#: ``application_name`` of envcheck's own connections (unless the DSN sets one), so that a DBA can
#: tell them apart in pg_stat_activity
APPLICATION_NAME = "envcheck"
START_HINT = (
    "start PostgreSQL: sudo systemctl start postgresql  (without systemd: sudo pg_ctlcluster "
    "<version> main start; in Docker: docker start <container>)"
)
CONFIGURE = (
    "set DATABASE_URL (or PGHOST/PGPORT/PGUSER/PGDATABASE), or add [tool.envcheck.postgres] "
    "dsn = ... to pyproject.toml"
)


class PostgresConfig(_server.ServerConfig):
    """One PostgreSQL instance: [tool.envcheck.postgres] or [tool.envcheck.postgres.NAME]."""

    version_example: ClassVar[str] = "'15' or '15.4'"

    dsn: str = DEFAULT_DSN
    #: used when the DSN has none (a ``${VAR}`` reference keeps special characters out of URLs)
    password: str | None = None
    extensions: list[str] = []


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def default_config(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """Where libpq would connect: ``DATABASE_URL``, else libpq's variables and defaults."""
    if environ.get("DATABASE_URL"):
        return {"dsn": "${DATABASE_URL}", "source": _server.origin("DATABASE_URL", environ)}
    names = ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE", "PGPASSFILE")
    keys = ("host", "port", "user", "dbname", "service", "passfile")
    params = {key: environ[name] for name, key in zip(names, keys) if environ.get(name)}
    used = [_server.origin(n, environ) for n in (*names, "PGPASSWORD") if environ.get(n)]
    addressed = any(key in params for key in ("host", "port", "service"))
    if not addressed:
        port = params.get("port", "5432")
        sockets = [d for d in SOCKET_DIRS if os.path.exists(os.path.join(d, f".s.PGSQL.{port}"))]
        params["host"] = sockets[0] if sockets else "localhost"
        where = f"local socket {sockets[0]}" if sockets else "localhost:5432"
        source = f"libpq default ({where})"
    else:
        source = "libpq environment"
    if "user" not in params:
        params["user"] = pwd.getpwuid(os.geteuid()).pw_name
    if used:
        source += " (" + ", ".join(used) + ")"
    found: dict[str, Any] = {
        "dsn": " ".join(f"{key}={_quote(value)}" for key, value in params.items()),
        "source": source,
        "required": addressed,
    }
    if environ.get("PGPASSWORD"):
        found["password"] = "${PGPASSWORD}"
    return found


def _instance_checks(name: str, cfg: PostgresConfig) -> Iterator[Check]:
    prefix = "" if name == "default" else f"{name}."
    make = CheckMaker(COMPONENT, cfg, timeout=cfg.timeout, prefix=prefix, instance=name)

    yield make("reachable", reachable, "the server's address answers")
    yield make("connect", connect, "connection and authentication succeed", "reachable")
    yield make("version", version, "server version is recent enough", "connect")
    yield make("settings", settings, "encoding, timezone and connections in use", "connect")
    for extension in cfg.extensions:
        yield make(
            f"extension[{extension}]",
            functools.partial(extension_check, extension),
            f"extension {extension} is installed or installable",
            "connect",
        )
    if cfg.write_check:
        yield make("write", write, "a write round-trip leaves nothing behind", "connect")


SERVER = _server.ServerComponent(
    COMPONENT, PostgresConfig, ["DATABASE_URL"], default_config, _instance_checks
)
envcheck_config_sections, envcheck_default_config, envcheck_checks = SERVER.hooks()


def reachable(instance: str, ctx: Context) -> Outcome:
    cfg: PostgresConfig = ctx.section
    t = target(ctx, instance)
    ctx.fact("settings_from", _server.settings_from(ctx, cfg))
    if t.host.startswith("/"):
        path = os.path.join(t.host, f".s.PGSQL.{t.port}")
        if not os.path.exists(path):
            if not cfg.required:
                raise _server.not_found("PostgreSQL", f"the socket {path}", CONFIGURE)
            raise CheckFailed(
                f"no PostgreSQL socket at {path}",
                why="the server is not running on this machine, or listens on TCP only",
                hint=START_HINT + f"; or set a host in {t.source}",
            )
        return ok(f"socket {path} exists", socket=path)
    deadline = _server.deadline_of(ctx)
    try:
        latency = _net.probe(
            t.host,
            t.port,
            timeout=ctx.check.seconds,
            # a server answers SSLRequest at once; keep time to find out what else is there
            budget=ctx.remaining() / 2,
            what="PostgreSQL",
            start_hint=START_HINT,
            hello=_net.PG_SSL_REQUEST,
            understands=_is_postgres_reply,
        )
    except _net.ConversationFailed as exc:
        raise _net.not_the_protocol(exc, t.host, t.port, "PostgreSQL", deadline) from None
    except CheckFailed as exc:
        if not cfg.required and _net.nothing_listens(exc):
            raise _server.not_found("PostgreSQL", f"{t.host}:{t.port}", CONFIGURE) from None
        raise
    return ok(f"{t.host}:{t.port} answers as PostgreSQL", tcp_connect_ms=round(latency, 1))


def _is_postgres_reply(reply: bytes) -> bool:
    return reply[:1] in (b"S", b"N", b"E")


@contextmanager
def _session(ctx: Context, t: Target) -> Iterator[psycopg.Connection[Any]]:
    """The instance's shared connection. A connection lost during a check is closed (by the
    shared holder) before it is reported."""
    import psycopg

    holder = _server.shared((COMPONENT, t.instance, t.identity), _close)
    try:
        with holder.use(ctx, lambda: _open(ctx, t)) as conn:
            yield conn
    except psycopg.OperationalError as exc:
        raise CheckFailed(
            f"lost the connection to {t.where}: {exc.sqlstate or type(exc).__name__}",
            why=str(exc).strip().splitlines()[0] if str(exc).strip() else "the server closed it",
            hint=f"look at the server's log; try: {t.where_.psql()}",
        ) from None


def _close(conn: psycopg.Connection[Any]) -> None:
    conn.close()


def _open(ctx: Context, t: Target) -> psycopg.Connection[Any]:
    import psycopg

    # psycopg never waits less than 2 s. Rounded down, its timeout ends inside the check's (from a
    # 3 s timeout up), so a login that hangs gets its own diagnosis; below that, the runner
    # abandons the check at its timeout.
    timeout = max(2, int(ctx.remaining()))
    try:
        return psycopg.connect(
            **t.connect_kwargs(f"{APPLICATION_NAME} {ctx.check.component}/{t.instance}"),
            connect_timeout=timeout,
            autocommit=True,
        )
    except psycopg.errors.ConnectionTimeout:
        raise login_timeout(t, timeout) from None
    except psycopg.OperationalError as exc:
        raise diagnose_login(t, exc, _server.deadline_of(ctx)) from None


def connect(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    started = time.monotonic()
    with _session(ctx, t) as conn:
        connect_ms = (time.monotonic() - started) * 1000
        started = time.monotonic()
        conn.execute("SELECT 1").fetchone()
        query_ms = (time.monotonic() - started) * 1000
        server = conn.info.parameter_status("server_version") or "?"
    return ok(
        f"connected to {t.where} (PostgreSQL {server})",
        server_version=server,
        connect_ms=round(connect_ms, 1),
        query_ms=round(query_ms, 2),
    )


def version(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    with _session(ctx, t) as conn:
        num = int(_show(conn, "server_version_num"))
        standby = bool(conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,))
    shown = f"{num // 10000}.{num % 10000}"
    role = "standby (read-only replica)" if standby else "primary"
    wanted = ctx.section.min_version
    if wanted and _server.older(shown, wanted):
        raise CheckFailed(
            f"PostgreSQL {shown} is older than the required {wanted}",
            why=f"{t.host}:{t.port} runs an old major version",
            hint=f"upgrade the server to PostgreSQL {wanted} or newer "
            f"(e.g. sudo apt install postgresql-{wanted.split('.')[0]}, then pg_upgradecluster)",
            facts={"server_version": shown, "role": role},
        )
    required = f" (>= {wanted})" if wanted else ""
    return ok(f"PostgreSQL {shown}{required}, {role}", server_version=shown, role=role)


def settings(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    with _session(ctx, t) as conn:
        encoding = _show(conn, "server_encoding")
        timezone = _show(conn, "TimeZone")
        max_connections = int(_show(conn, "max_connections"))
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        ).fetchone()
    in_use = int(row[0]) if row else 0
    facts: dict[str, FactValue] = {
        "encoding": encoding,
        "timezone": timezone,
        "max_connections": max_connections,
        "connections_in_use": in_use,
    }
    if encoding.upper() not in ("UTF8", "UTF-8"):
        return warn(
            f"server_encoding is {encoding}: text from LLMs needs UTF8",
            hint=f"createdb -h {t.host} -p {t.port} -E UTF8 -T template0 {t.dbname}_utf8",
            **facts,
        )
    if in_use >= 0.8 * max_connections:
        return warn(
            f"{in_use} of {max_connections} connections in use",
            hint="close idle connections, use a pooler (pgbouncer), or raise max_connections",
            **facts,
        )
    return ok(
        f"{encoding}, timezone {timezone}, {in_use}/{max_connections} connections in use", **facts
    )


def _show(conn: psycopg.Connection[Any], name: str) -> str:
    row = conn.execute(f"SHOW {name}").fetchone()
    return str(row[0]) if row else "?"


_MAY_CREATE = """
SELECT r.rolsuper, coalesce(v.superuser, true), coalesce(v.trusted, false),
       has_database_privilege(current_database(), 'CREATE')
FROM pg_roles r LEFT JOIN pg_available_extension_versions v ON v.name = %s AND v.version = (
    SELECT default_version FROM pg_available_extensions WHERE name = %s)
WHERE r.rolname = current_user
"""


def extension_check(extension: str, instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    with _session(ctx, t) as conn:
        installed = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = %s", (extension,)
        ).fetchone()
        available = conn.execute(
            "SELECT default_version FROM pg_available_extensions WHERE name = %s", (extension,)
        ).fetchone()
        major = int(_show(conn, "server_version_num")) // 10000
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
    with _session(ctx, t) as conn:
        if conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,):
            row = conn.execute(
                "SELECT sender_host, sender_port FROM pg_stat_wal_receiver"
            ).fetchone()
            raise replica(t.where_, f"{row[0]}:{row[1]}" if row and row[0] else None)
        if _show(conn, "transaction_read_only") == "on":
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


def open_connection(cfg: PostgresConfig, rootdir: Path | None = None) -> psycopg.Connection[Any]:
    """A connection for the ``envcheck_postgres`` fixture (the checks already passed); the
    checks' own connection is closed first, so the fixture never makes a second one."""
    import psycopg

    from envcheck.checks._pgtarget import parse_config

    t = parse_config(
        cfg, lambda value, key="dsn": _interpolate.resolve(value, secret=True), rootdir=rootdir
    )
    _server.close_all((COMPONENT,))
    return psycopg.connect(
        **t.connect_kwargs(f"{APPLICATION_NAME} fixture"),
        connect_timeout=max(2, math.ceil(cfg.timeout)),
    )


def diagnose_login_failure(
    *,
    host: str,
    port: int = 5432,
    user: str,
    dbname: str,
    password: str | None = None,
    sslmode: str = "prefer",
    source: str = "the connection settings",
    libpq_message: str = "",
    timeout: float = 3.0,
) -> CheckFailed:
    """Find out why a login failed, the way the ``postgres`` component does: log in again with
    envcheck's startup-protocol probe (SSL and plain attempts, real authentication) and explain
    the server's SQLSTATE. ``libpq_message`` (the client's text) is shown only when the probe
    learns nothing. Bounded by ``timeout`` seconds; ``password`` is registered as a secret."""
    from envcheck import redact

    params = {"host": host, "port": str(port), "user": user, "dbname": dbname}
    params["sslmode"] = sslmode
    if password:
        redact.register(password)
        params["password"] = password
    t = Target(
        params, host, port, user, dbname, source, "tool.envcheck.postgres", "default", sslmode
    )
    return diagnose_login(t, Exception(libpq_message), time.monotonic() + timeout)
