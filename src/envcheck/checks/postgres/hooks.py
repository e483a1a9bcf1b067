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
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from envcheck.checks.postgres.diagnose import explain_failure
from envcheck.checks.postgres.login import diagnose_login
from envcheck.checks.postgres.probes import extension_check, write
from envcheck.checks.postgres.session import APPLICATION_NAME, session, show
from envcheck.checks.postgres.target import SOCKET_DIRS, Target, target
from envcheck.checks.shared import server as _server
from envcheck.checks.shared.config import older
from envcheck.core import interpolate as _interpolate
from envcheck.core.config import EnvcheckConfig
from envcheck.core.fix import Sql, StepResult
from envcheck.core.model import Check, CheckFailed, Context, FactValue, Outcome, ok, warn
from envcheck.kit import Component, _net

if TYPE_CHECKING:
    import psycopg

__all__ = ["diagnose_login_failure", "explain_failure"]

COMPONENT = "postgres"
DEFAULT_DSN = "${DATABASE_URL:-postgresql://localhost:5432/app}"
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


def _instance_checks(make: Component, cfg: PostgresConfig) -> Iterator[Check]:
    yield make.check("reachable", reachable, "the server's address answers")
    yield make.check("connect", connect, "connection and authentication succeed", "reachable")
    yield make.check("version", version, "server version is recent enough", "connect")
    yield make.check("settings", settings, "encoding, timezone and connections in use", "connect")
    for extension in cfg.extensions:
        yield make.check(
            f"extension[{extension}]",
            functools.partial(extension_check, extension),
            f"extension {extension} is installed or installable",
            "connect",
        )
    if cfg.write_check:
        yield make.check("write", write, "a write round-trip leaves nothing behind", "connect")


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


def connect(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    started = time.monotonic()
    with session(ctx, t) as conn:
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
    with session(ctx, t) as conn:
        num = int(show(conn, "server_version_num"))
        standby = bool(conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,))
    shown = f"{num // 10000}.{num % 10000}"
    role = "standby (read-only replica)" if standby else "primary"
    wanted = ctx.section.min_version
    if wanted and older(shown, wanted):
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
    with session(ctx, t) as conn:
        encoding = show(conn, "server_encoding")
        timezone = show(conn, "TimeZone")
        max_connections = int(show(conn, "max_connections"))
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
        ctx.fact(**facts)
        return warn(
            f"server_encoding is {encoding}: text from LLMs needs UTF8",
            hint=f"createdb -h {t.host} -p {t.port} -E UTF8 -T template0 {t.dbname}_utf8",
        )
    if in_use >= 0.8 * max_connections:
        ctx.fact(**facts)
        return warn(
            f"{in_use} of {max_connections} connections in use",
            hint="close idle connections, use a pooler (pgbouncer), or raise max_connections",
        )
    return ok(
        f"{encoding}, timezone {timezone}, {in_use}/{max_connections} connections in use", **facts
    )


def open_connection(
    cfg: PostgresConfig,
    rootdir: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    user: str | None = None,
    dbname: str | None = None,
    purpose: str = "fixture",
) -> psycopg.Connection[Any]:
    """A connection for the ``envcheck_postgres`` fixture (the checks already passed) or a fix
    step (as ``user``, in ``dbname``, when the step says so; another user's password is then
    libpq's business: ``PGPASSWORD``, ``.pgpass``). The checks' own connection is closed first,
    so envcheck never holds a second one."""
    import psycopg

    from envcheck.checks.postgres.target import parse_config

    env = os.environ if environ is None else environ
    t = parse_config(
        cfg,
        lambda value, key="dsn": _interpolate.resolve(value, env, secret=True),
        rootdir=rootdir,
    )
    _server.close_all((COMPONENT,))
    kwargs = t.connect_kwargs(f"{APPLICATION_NAME} {purpose}")
    if user is not None and user != kwargs.get("user"):
        kwargs["user"] = user
        kwargs.pop("password", None)
    if dbname is not None:
        kwargs["dbname"] = dbname
    return psycopg.connect(**kwargs, connect_timeout=max(2, math.ceil(cfg.timeout)))


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
    from envcheck.core import redact

    params = {"host": host, "port": str(port), "user": user, "dbname": dbname}
    params["sslmode"] = sslmode
    if password:
        redact.register(password)
        params["password"] = password
    t = Target(
        params, host, port, user, dbname, source, "tool.envcheck.postgres", "default", sslmode
    )
    return diagnose_login(t, Exception(libpq_message), time.monotonic() + timeout)


def _apply_sql(cfg: PostgresConfig, step: Sql, config: EnvcheckConfig) -> StepResult:
    """A fix's SQL, sent as the step's role (default: the configured one), autocommitted
    (``CREATE DATABASE`` runs outside a transaction)."""
    conn = open_connection(
        cfg,
        config.rootdir,
        environ=config.environ,
        user=step.role,
        dbname=step.database,
        purpose="fix",
    )
    with conn:
        conn.autocommit = True
        conn.execute(step.statement.encode())
    return StepResult(True, f"done: {step.render()}")


envcheck_apply_step = _server.step_applier(COMPONENT, Sql, _apply_sql)
