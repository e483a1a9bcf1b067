"""The ``postgres`` component: a real PostgreSQL server, checked from TCP to a write round-trip.

Checks per instance, in dependency order: ``reachable`` (TCP and the protocol's first byte) →
``connect`` (psycopg 3, authentication, database) → ``version``, ``settings``, ``extension[X]``,
``write`` (a temporary table in a transaction that is rolled back: nothing is left behind).
"""

from __future__ import annotations

import functools
import getpass
import math
import os
import struct
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pydantic

from envcheck import _interpolate, hookimpl, redact
from envcheck._context import Context
from envcheck._model import Check, CheckFailed, FactValue, Outcome, ok, warn
from envcheck.checks import _net
from envcheck.checks._common import CheckMaker, not_configured
from envcheck.checks._pgdiag import explain_failure
from envcheck.config import EnvcheckConfig, Instances

if TYPE_CHECKING:
    import psycopg

__all__ = ["explain_failure"]

COMPONENT = "postgres"
DEFAULT_DSN = "${DATABASE_URL:-postgresql://localhost:5432/app}"
_SSL_REQUEST = struct.pack("!ii", 8, 80877103)
_CONTRIB = {"hstore", "citext", "pg_trgm", "pgcrypto", "uuid-ossp", "btree_gin", "btree_gist"}
_PACKAGES = {
    "vector": "postgresql-{major}-pgvector",
    "postgis": "postgresql-{major}-postgis-3",
    "pg_cron": "postgresql-{major}-cron",
    "timescaledb": "timescaledb-2-postgresql-{major}",
}
#: ``application_name`` of envcheck's own connections (unless the DSN sets one), so that a DBA can
#: tell them apart in pg_stat_activity
APPLICATION_NAME = "envcheck"
START_HINT = (
    "start PostgreSQL: sudo systemctl start postgresql  (without systemd: sudo pg_ctlcluster "
    "<version> main start; in Docker: docker start <container>)"
)


class PostgresConfig(pydantic.BaseModel):
    """One PostgreSQL instance: [tool.envcheck.postgres] or [tool.envcheck.postgres.NAME]."""

    model_config = pydantic.ConfigDict(extra="forbid")

    dsn: str = DEFAULT_DSN
    min_version: str | None = None
    extensions: list[str] = []
    timeout: float = pydantic.Field(default=3.0, gt=0)
    write_check: bool = True

    @pydantic.field_validator("min_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None and not all(part.isdigit() for part in value.split(".")):
            raise ValueError(f"{value!r} is not a version like '15' or '15.4'")
        return value


@hookimpl
def envcheck_config_sections() -> dict[str, Any]:
    return {COMPONENT: Instances(PostgresConfig)}


@hookimpl
def envcheck_default_config(environ: Mapping[str, str]) -> dict[str, Any] | None:
    if environ.get("DATABASE_URL"):
        return {COMPONENT: {"dsn": "${DATABASE_URL}"}}
    return None


@hookimpl
def envcheck_checks(config: EnvcheckConfig) -> Iterator[Check]:
    instances: dict[str, PostgresConfig] | None = config.section(COMPONENT)
    if instances is None:
        if config.from_environment:
            yield not_configured(COMPONENT, ["DATABASE_URL"])
        return
    for name, instance in instances.items():
        yield from _instance_checks(name, instance)


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


@dataclass
class Target:
    """Where an instance points, resolved, without its password."""

    dsn: str
    host: str
    port: int
    dbname: str
    user: str
    source: str
    section: str = f"tool.envcheck.{COMPONENT}"
    #: the client's sslmode (DSN, else PGSSLMODE, else libpq's default "prefer")
    sslmode: str = "prefer"

    @property
    def where(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"

    @property
    def psql(self) -> str:
        return f"psql -h {self.host} -p {self.port} -U {self.user} -d {self.dbname}"


def target(ctx: Context, instance: str) -> Target:
    """Resolve and parse the instance's DSN; a malformed one fails naming the key and the fix."""
    from psycopg import conninfo
    from psycopg import errors as pg_errors

    cfg: PostgresConfig = ctx.section
    section = f"tool.envcheck.{COMPONENT}" + ("" if instance == "default" else f".{instance}")
    key = f"{section}.dsn"
    refs = _interpolate.references(cfg.dsn)
    source = refs[0] if refs else key
    dsn = ctx.resolve(cfg.dsn, secret=True, key=key)
    try:
        params = conninfo.conninfo_to_dict(dsn)
    except pg_errors.ProgrammingError as exc:
        raise CheckFailed(
            f"{source} is not a valid PostgreSQL connection string ({_first_line(exc)})",
            why="libpq cannot parse it",
            hint=f"set {source} like postgresql://USER:PASSWORD@HOST:5432/DBNAME",
        ) from None
    redact.register(str(params.get("password") or ""))
    host = str(params.get("host") or os.environ.get("PGHOST") or "/var/run/postgresql")
    host = host.split(",")[0]
    port_text = str(params.get("port") or os.environ.get("PGPORT") or "5432").split(",")[0]
    if not port_text.isdigit():
        raise CheckFailed(
            f"{source} has port {port_text!r}, which is not a number",
            hint=f"set {source} like postgresql://USER:PASSWORD@HOST:5432/DBNAME",
        )
    user = str(params.get("user") or os.environ.get("PGUSER") or getpass.getuser())
    dbname = str(params.get("dbname") or user)
    sslmode = str(params.get("sslmode") or os.environ.get("PGSSLMODE") or "prefer")
    return Target(dsn, host, int(port_text), dbname, user, source, section, sslmode)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def reachable(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    if t.host.startswith("/"):
        path = os.path.join(t.host, f".s.PGSQL.{t.port}")
        if not os.path.exists(path):
            raise CheckFailed(
                f"no PostgreSQL socket at {path}",
                why="the server is not running on this machine, or listens on TCP only",
                hint=START_HINT + f"; or set a host in {t.source}",
            )
        return ok(f"socket {path} exists", socket=path)
    latency = _net.probe(
        t.host,
        t.port,
        timeout=ctx.check.seconds,
        budget=ctx.remaining(),
        what="PostgreSQL",
        start_hint=START_HINT,
        hello=_SSL_REQUEST,
        understands=_is_postgres_reply,
    )
    return ok(f"{t.host}:{t.port} answers as PostgreSQL", tcp_connect_ms=round(latency, 1))


def _is_postgres_reply(reply: bytes) -> bool:
    return reply[:1] in (b"S", b"N", b"E")


def _connect(ctx: Context, t: Target) -> psycopg.Connection[Any]:
    import psycopg

    # psycopg never waits less than 2 s. Rounded down, its timeout ends inside the check's (from a
    # 3 s timeout up), so a login that hangs gets its own diagnosis; below that, the runner
    # abandons the check at its timeout.
    timeout = max(2, int(ctx.remaining()))
    dsn = _with_name(t.dsn, f"{APPLICATION_NAME} {ctx.check.id}")
    try:
        return psycopg.connect(dsn, connect_timeout=timeout, autocommit=True)
    except psycopg.errors.ConnectionTimeout:
        raise _login_timeout(t, timeout) from None
    except psycopg.OperationalError as exc:
        raise _diagnose(exc, t) from None


def _with_name(dsn: str, name: str) -> str:
    """``dsn`` with ``application_name`` set to ``name``, unless it names one itself."""
    from psycopg import conninfo

    if conninfo.conninfo_to_dict(dsn).get("application_name"):
        return dsn
    return conninfo.make_conninfo(dsn, application_name=name[:63])


def _login_timeout(t: Target, seconds: float) -> CheckFailed:
    return CheckFailed(
        f"{t.host}:{t.port} accepted the connection but did not complete the login within "
        f"{seconds:g} s",
        why="the server (or a proxy or pooler in front of it) is overloaded or stuck: out of "
        "worker processes, waiting on a lock, or on a slow authentication backend (LDAP, PAM)",
        hint=f"look at the server's log and load; `pg_isready -h {t.host} -p {t.port} -t 10` "
        f"tells whether it lets anyone in; if logins are just slow, raise {t.section}.timeout",
    )


def _ssl_required(t: Target, text: str, detail: str) -> CheckFailed:
    """pg_hba.conf has no line (or a ``hostnossl ... reject`` line) for an unencrypted login."""
    rule = "rejects" if "rejects connection" in text else "has no entry for"
    if t.sslmode in ("disable", "allow"):
        hint = f"set sslmode=require instead of sslmode={t.sslmode} in {t.source}"
    elif t.sslmode == "prefer":
        # libpq tried SSL first: the server does not offer it, yet accepts only SSL logins
        hint = (
            "the server offers no SSL although pg_hba.conf accepts only SSL logins: set ssl = on "
            "(with ssl_cert_file and ssl_key_file) in postgresql.conf and restart it; then add "
            f"sslmode=require to {t.source}"
        )
    else:
        hint = f"add sslmode=require to {t.source}"
    return CheckFailed(
        f"the server requires SSL: its pg_hba.conf {rule} {t.where} from this host without "
        "encryption",
        why=detail,
        hint=hint,
    )


def _diagnose(exc: Exception, t: Target) -> CheckFailed:
    text = str(exc)
    detail = _first_line(exc).split("FATAL:")[-1].strip()
    if "password authentication failed" in text or "authentication failed" in text:
        return CheckFailed(
            f"authentication failed for user {t.user!r} at {t.host}:{t.port}",
            why="the password in the connection string is wrong for this role",
            hint=f"fix the password in {t.source}, or set it: psql -h {t.host} -p {t.port} "
            f"-U postgres -c \"ALTER ROLE {t.user} PASSWORD '...'\"",
        )
    if "no password supplied" in text:
        return CheckFailed(
            f"the server wants a password for user {t.user!r}",
            why="the connection string has none",
            hint=f"put it in {t.source} (postgresql://{t.user}:PASSWORD@{t.host}:{t.port}/"
            f"{t.dbname}) or in ~/.pgpass",
        )
    if f'role "{t.user}" does not exist' in text:
        return CheckFailed(
            f"role {t.user!r} does not exist on {t.host}:{t.port}",
            why="the server knows no such user",
            hint=f"createuser -h {t.host} -p {t.port} -U postgres --login {t.user}",
        )
    if f'database "{t.dbname}" does not exist' in text:
        return CheckFailed(
            f"database {t.dbname!r} does not exist on {t.host}:{t.port}",
            why="the server is up and accepted the login, but has no such database",
            hint=f"createdb -h {t.host} -p {t.port} -U {t.user} {t.dbname}",
        )
    if "does not support SSL" in text:
        return CheckFailed(
            f"{t.host}:{t.port} refuses SSL, but the connection string requires it",
            why="sslmode=require (or stronger) is set and the server has ssl = off",
            hint=f"drop sslmode=require from {t.source} (or set ssl = on in postgresql.conf)",
        )
    hba = "no pg_hba.conf entry" in text or "pg_hba.conf rejects connection" in text
    if hba and "no encryption" in text:
        return _ssl_required(t, text, detail)
    if "pg_hba.conf rejects connection" in text:
        return CheckFailed(
            f"the server's pg_hba.conf rejects {t.where} from this host",
            why=detail,
            hint="a 'reject' line in pg_hba.conf matches this host, user and database: change it "
            "(or put an accepting line above it), then reload: SELECT pg_reload_conf()",
        )
    if hba:
        return CheckFailed(
            f"the server does not accept {t.where} from this host",
            why=detail,
            hint=f"add a 'host {t.dbname} {t.user} <this host>/32 scram-sha-256' line to "
            "pg_hba.conf and reload PostgreSQL: SELECT pg_reload_conf()",
        )
    if "timeout expired" in text:
        return _login_timeout(t, 2)
    if "too many clients" in text or "remaining connection slots" in text:
        return CheckFailed(
            f"{t.host}:{t.port} has no free connection slots",
            why=detail,
            hint="close idle connections, use a pooler (pgbouncer), or raise max_connections",
        )
    return CheckFailed(
        f"cannot connect to {t.where}: {detail}",
        hint=f"check {t.source}; try: {t.psql}",
    )


def connect(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    started = time.monotonic()
    with _connect(ctx, t) as conn:
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


def _number(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def version(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    with _connect(ctx, t) as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
    num = int(row[0]) if row else 0
    have = (num // 10000, num % 10000)
    shown = f"{have[0]}.{have[1]}"
    wanted = ctx.section.min_version
    if wanted and have < _number(wanted) + (0,) * (2 - len(_number(wanted))):
        raise CheckFailed(
            f"PostgreSQL {shown} is older than the required {wanted}",
            why=f"{t.host}:{t.port} runs an old major version",
            hint=f"upgrade the server to PostgreSQL {wanted} or newer "
            f"(e.g. sudo apt install postgresql-{wanted.split('.')[0]}, then pg_upgradecluster)",
            facts={"server_version": shown},
        )
    required = f" (>= {wanted})" if wanted else ""
    return ok(f"PostgreSQL {shown}{required}", server_version=shown)


def settings(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    with _connect(ctx, t) as conn:
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


def extension_check(extension: str, instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    with _connect(ctx, t) as conn:
        installed = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = %s", (extension,)
        ).fetchone()
        available = conn.execute(
            "SELECT default_version FROM pg_available_extensions WHERE name = %s", (extension,)
        ).fetchone()
        major = int(_show(conn, "server_version_num")) // 10000
    if installed:
        return ok(f"{extension} {installed[0]} installed in {t.dbname}", version=installed[0])
    create = f'{t.psql} -c "CREATE EXTENSION IF NOT EXISTS \\"{extension}\\""'
    if available:
        return warn(
            f"{extension} {available[0]} is available but not installed in {t.dbname}",
            hint=create,
            available=available[0],
        )
    package = _PACKAGES.get(extension, "").format(major=major)
    if not package and extension in _CONTRIB:
        package = "postgresql-contrib"
    install = f"sudo apt install {package} && " if package else ""
    raise CheckFailed(
        f"extension {extension} is not available on {t.host}:{t.port} (PostgreSQL {major})",
        why="the server has no files for it: its package is not installed on the server",
        hint=(
            f"{install}{create}"
            if package
            else f"install {extension} for PostgreSQL {major} on the server, then: {create}"
        ),
    )


def write(instance: str, ctx: Context) -> Outcome:
    import psycopg

    t = target(ctx, instance)
    table = f"envcheck_probe_{uuid.uuid4().hex[:12]}"
    with _connect(ctx, t) as conn:
        row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        if row and row[0]:
            raise _replica(conn, t)
        started = time.monotonic()
        try:
            with conn.transaction(force_rollback=True):
                conn.execute(f"CREATE TEMPORARY TABLE {table} (id int, note text) ON COMMIT DROP")
                conn.execute(f"INSERT INTO {table} VALUES (1, 'envcheck')")
                back = conn.execute(f"SELECT note FROM {table} WHERE id = 1").fetchone()
        except psycopg.errors.ReadOnlySqlTransaction:
            raise _read_only_sessions(conn, t) from None
        except psycopg.errors.InsufficientPrivilege as exc:
            raise CheckFailed(
                f"{t.user} may not write in {t.dbname}: {_first_line(exc)}",
                hint=f'{t.psql} -U postgres -c "GRANT TEMPORARY ON DATABASE {t.dbname} TO '
                f'{t.user}"',
            ) from None
        round_trip_ms = (time.monotonic() - started) * 1000
    if not back or back[0] != "envcheck":
        raise CheckFailed(f"{t.where} did not return the row it was given", hint=t.psql)
    return ok(
        "temporary table written, read and rolled back", round_trip_ms=round(round_trip_ms, 2)
    )


def _replica(conn: psycopg.Connection[Any], t: Target) -> CheckFailed:
    """A server in recovery: name its primary when this role may see it."""
    row = conn.execute("SELECT sender_host, sender_port FROM pg_stat_wal_receiver").fetchone()
    primary = f" (its primary: {row[0]}:{row[1]})" if row and row[0] else ""
    return CheckFailed(
        f"{t.host}:{t.port} is a read-only replica (in recovery){primary}",
        why="a standby replays the primary's changes and accepts no writes",
        hint=f'point {t.source} at the primary server; on the replica, `{t.psql} -c "SELECT '
        'sender_host, sender_port FROM pg_stat_wal_receiver"` names it (as a superuser)',
    )


_READ_ONLY_RESET = {
    "user": "ALTER ROLE {user} RESET default_transaction_read_only",
    "database": "ALTER DATABASE {dbname} RESET default_transaction_read_only",
    "database user": "ALTER ROLE {user} IN DATABASE {dbname} RESET default_transaction_read_only",
    "configuration file": "ALTER SYSTEM SET default_transaction_read_only = off",
}


def _read_only_sessions(conn: psycopg.Connection[Any], t: Target) -> CheckFailed:
    """Transactions are read-only by default: say where that is set, and how to undo it there."""
    row = conn.execute(
        "SELECT source FROM pg_settings WHERE name = 'default_transaction_read_only'"
    ).fetchone()
    source = str(row[0]) if row else "unknown"
    where = {
        "user": f"for role {t.user} (ALTER ROLE ... SET)",
        "database": f"for database {t.dbname} (ALTER DATABASE ... SET)",
        "database user": f"for role {t.user} in database {t.dbname}",
        "client": f"by the connection itself (options in {t.source}, or PGOPTIONS)",
        "configuration file": "in the server's configuration (postgresql.conf)",
    }.get(source, f"(source: {source})")
    statement = _READ_ONLY_RESET.get(source, "")
    if source == "client":
        hint = (
            f"remove -c default_transaction_read_only=on from options in {t.source} (and PGOPTIONS)"
        )
    elif statement:
        # the session that undoes it must not be read-only itself
        hint = (
            f"PGOPTIONS='-c default_transaction_read_only=off' psql -h {t.host} -p {t.port} "
            f'-U postgres -d {t.dbname} -c "{statement.format(user=t.user, dbname=t.dbname)}"'
        )
        if source == "configuration file":
            hint += ' -c "SELECT pg_reload_conf()"  (or edit postgresql.conf and reload)'
    else:
        hint = f'{t.psql} -c "SHOW default_transaction_read_only" and find where it is set'
    return CheckFailed(
        f"sessions on {t.where} are read-only: default_transaction_read_only is on {where}",
        why="every transaction starts read-only, so the application's writes fail",
        hint=hint,
    )


def open_connection(cfg: PostgresConfig) -> psycopg.Connection[Any]:
    """A connection for the ``envcheck_postgres`` fixture (the checks already passed)."""
    import psycopg

    dsn = _with_name(_interpolate.resolve(cfg.dsn, secret=True), f"{APPLICATION_NAME} fixture")
    return psycopg.connect(dsn, connect_timeout=max(2, math.ceil(cfg.timeout)))
