"""The ``postgres`` component: a real PostgreSQL server, checked from TCP to a write round-trip.

Checks per instance, in dependency order: ``reachable`` (TCP or the socket, and the protocol's
first byte) → ``connect`` (psycopg 3, authentication, database) → ``version``, ``settings``,
``extension[X]``, ``write`` (a real table in ``current_schema()``, in a transaction that is rolled
back: nothing is left behind). All of an instance's checks share one connection, one check after
the other.
"""

from __future__ import annotations

import functools
import glob
import math
import os
import re
import socket
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envcheck.checks.postgres import diagnose as _diagnose
from envcheck.checks.postgres.config import CONFIGURE, PostgresConfig, default_config
from envcheck.checks.postgres.session import (
    APPLICATION_NAME,
    explain_query,
    read_aside,
    read_settings,
    session,
    show,
    text,
)
from envcheck.checks.postgres.target import (
    FIX_OPTIONS,
    SOCKET_DIRS,
    Target,
    ident,
    literal,
    os_user,
    parse_config,
    target,
)
from envcheck.checks.shared import server as _server
from envcheck.checks.shared.config import older
from envcheck.core import interpolate as _interpolate
from envcheck.core.config import EnvcheckConfig
from envcheck.core.fix import Command, Fix, Manual, Sql, Step, StepResult
from envcheck.core.model import Check, CheckFailed, Context, FactValue, Outcome, ok, warn
from envcheck.kit import Component, _net

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresConfig", "diagnose_login_failure", "explain_failure"]

explain_failure = _diagnose.explain_failure
COMPONENT = "postgres"
START_HINT = (
    "start PostgreSQL: sudo systemctl start postgresql  (without systemd: sudo pg_ctlcluster "
    "<version> main start; in Docker: docker start <container>)"
)


def _start(t: Target) -> Fix:
    start = Command(["sudo", "systemctl", "start", "postgresql"], needs=frozenset({"sudo"}))
    return Fix([start], text=START_HINT + f"; or set another host in {t.source}")


def _instance_checks(make: Component, cfg: PostgresConfig) -> Iterator[Check]:
    yield make.check("reachable", reachable, "the server's address answers")
    yield make.check("connect", connect, "connection and authentication succeed", "reachable")
    yield make.check("version", version, "server version is recent enough", "connect")
    yield make.check("settings", settings, "encoding, timeouts and connections in use", "connect")
    for extension in cfg.extensions:
        yield make.check(
            f"extension[{extension}]",
            functools.partial(extension_check, extension),
            f"extension {extension} is installed or installable",
            "connect",
        )
    if cfg.write_check:
        yield make.check(
            "write", write, "a table can be created and written, leaving nothing", "connect"
        )


SERVER = _server.ServerComponent(
    COMPONENT, PostgresConfig, ["DATABASE_URL"], default_config, _instance_checks
)
envcheck_config_sections, envcheck_default_config, envcheck_checks = SERVER.hooks()


# -- reachable ------------------------------------------------------------------------------------


def reachable(instance: str, ctx: Context) -> Outcome:
    cfg: PostgresConfig = ctx.section
    t = target(ctx, instance)
    ctx.fact("settings_from", _server.settings_from(ctx, cfg))
    candidates = t.candidates or ((t.host, t.port, t.hostaddr),)
    failures: list[tuple[Target, CheckFailed]] = []
    for host, port, hostaddr in candidates:
        one = t.at(host, port, hostaddr)
        try:
            found = _reach(one, cfg, ctx)
        except CheckFailed as exc:
            if len(candidates) == 1:
                raise
            failures.append((one, exc))
            continue
        if failures:
            skipped = "; ".join(f"{f.address}: {e.summary}" for f, e in failures)
            return ok(f"{found.summary} (libpq tries the hosts in order; {skipped})", **found.facts)
        return found
    spaced = _spaced_hosts(t, failures)
    if spaced is not None:
        raise spaced
    first = failures[0][1]
    raise CheckFailed(
        f"none of the {len(candidates)} hosts of {t.source} answers: "
        + "; ".join(f"{f.address}: {e.summary}" for f, e in failures),
        why=first.why,
        fix=first.fix,
    )


def _spaced_hosts(t: Target, failures: list[tuple[Target, CheckFailed]]) -> CheckFailed | None:
    """Hosts of the list written with white space beside a comma (``host='a, b'``): libpq splits
    ``host`` at commas and trims nothing, and psycopg resolves each host before libpq connects
    and leaves out one that does not resolve (``conninfo_attempts``), so the client's error names
    only the hosts it tried. A host counts when the resolver knows it without the white space
    and not with it (getaddrinfo, not its words)."""
    spaced: list[Target] = []
    for one, _ in failures:
        name = one.host
        if one.hostaddr or one.socket or name == name.strip() or not name.strip():
            continue
        if _resolves(name, one.port) or not _resolves(name.strip(), one.port):
            continue
        spaced.append(one)
    if not spaced:
        return None
    fixed = ",".join(h.strip() for h in (t.libpq_value("host") or "").split(","))
    names = ", ".join(repr(one.host) for one in spaced)
    tried = "; ".join(f"{f.address}: {e.summary}" for f, e in failures if f not in spaced)
    edit = t.edit_key("host", f"set host={fixed} (no space beside the commas)")
    return CheckFailed(
        f"the host list of {t.source_of('host')} holds {names}, a name with a space in it: no "
        f"resolver knows it, so the client never tries that host"
        + (f" (the others: {tried})" if tried else ""),
        why="libpq splits host= at its commas and trims nothing; psycopg resolves each host "
        "before libpq connects and leaves out one that does not resolve, as long as another "
        f"does, so its error names only the hosts it tried; without the space, "
        f"{', '.join(repr(one.host.strip()) for one in spaced)} resolves",
        fix=Fix([edit], text=edit.text),
    )


def _resolves(name: str, port: int) -> bool:
    try:
        socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    return True


def _name(t: Target) -> str:
    return f"{t.host} ({t.hostaddr}):{t.port}" if t.hostaddr else t.address


def _reach(t: Target, cfg: PostgresConfig, ctx: Context) -> Outcome:
    if t.socket:
        return _reach_socket(t, cfg)
    deadline = _server.deadline_of(ctx)
    try:
        latency = _net.probe(
            t.dial,
            t.port,
            timeout=ctx.check.seconds,
            # a server answers SSLRequest at once; keep time to find out what else is there
            budget=ctx.remaining() / 2,
            what="PostgreSQL",
            start_hint=START_HINT,
            hello=_net.PG_SSL_REQUEST,
            understands=lambda reply: _net.looks_like(reply) == "PostgreSQL",
        )
    except _net.ConversationFailed as exc:
        found = _net.not_the_protocol(exc, t.dial, t.port, "PostgreSQL", deadline)
        raise with_steps(found) from None
    except _net.Refused as exc:
        elsewhere = (
            _service_shadowed(t, exc, deadline)
            or _hostaddr_elsewhere(t, deadline)
            or _other_loopback(t, exc, deadline)
        )
        if elsewhere is not None:
            raise elsewhere from None
        if not cfg.required:
            raise _server.not_found("PostgreSQL", t.address, CONFIGURE) from None
        raise CheckFailed(exc.summary, why=exc.why, fix=_start(t)) from None
    except CheckFailed as exc:  # DNS, silence
        raise with_steps(exc) from None
    return ok(f"{_name(t)} answers as PostgreSQL", tcp_connect_ms=round(latency, 1))


def _answers_as_postgres(address: str, port: int, timeout: float) -> bool:
    """Whether ``address``:``port`` answers SSLRequest as PostgreSQL does (one byte, S or N)."""
    import socket as _socket

    try:
        with _socket.create_connection((address, port), timeout=timeout) as sock:
            sock.sendall(_net.PG_SSL_REQUEST)
            return sock.recv(1) in (b"S", b"N")
    except OSError:
        return False


def _service_shadowed(t: Target, exc: CheckFailed, deadline: float) -> CheckFailed | None:
    """Refused at the address of a service that the user's service file defines, while the
    system's service file defines it too, with an address that answers as PostgreSQL: libpq
    reads the user's file first and never the system's for a service it found there."""
    from envcheck.checks.postgres import dsn as _pgdsn

    service = os.environ.get("PGSERVICE") if "service" not in t.params else t.params["service"]
    if not service:
        return None
    defined = _pgdsn.service_definitions(service, os.environ)
    if len(defined) < 2:
        return None
    used = defined[0][0]
    for path, params in defined[1:]:
        host = params.get("host") or t.host
        try:
            port = int(params.get("port") or 5432)
        except ValueError:
            continue
        if host.startswith("/") or "," in host or (host, port) == (t.host, t.port):
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        if not _answers_as_postgres(host, port, min(left, 2.0)):
            continue
        change = (
            f"remove the [{service}] section from {used} (libpq then reads {path}'s), or "
            f"correct its host and port there to {host}:{port}"
        )
        return CheckFailed(
            f"{exc.summary}: service {service!r} is read from {used}; {path} defines "
            f"[{service}] too, with {host}:{port}, where PostgreSQL answers",
            why=f"libpq looks a service up in the user's service file ({used}: PGSERVICEFILE, "
            "else ~/.pg_service.conf) first and never reads the system's (PGSYSCONFDIR/"
            "pg_service.conf) for a service it found there, so the user's copy, with a port "
            "where nothing listens, shadows the other",
            fix=Fix([Manual(change, ask=f"whoever keeps {used}")], text=change),
        )
    return None


def _hostaddr_elsewhere(t: Target, deadline: float) -> CheckFailed | None:
    """Connection refused at ``hostaddr``, while an address ``host`` resolves to answers as
    PostgreSQL on the same port: libpq dials hostaddr and never looks host up, so the DSN sends
    it to another address than the server's."""
    import socket as _socket

    if not t.hostaddr:
        return None
    try:
        found = _socket.getaddrinfo(t.host, t.port, type=_socket.SOCK_STREAM)
    except OSError:
        return None
    addresses = sorted({str(info[4][0]) for info in found} - {t.hostaddr})
    for address in addresses:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        if _answers_as_postgres(address, t.port, min(left, 2.0)):
            return CheckFailed(
                f"connection refused at hostaddr {t.hostaddr}, port {t.port}, while {t.host} "
                f"({address}) answers as PostgreSQL on that port",
                why="libpq connects to hostaddr when it is set and uses host only for the "
                "certificate's name and the password file, so the connection string sends it to "
                f"another address than {t.host}'s",
                fix=Fix(
                    [
                        t.edit_key(
                            "hostaddr",
                            f"set hostaddr={address} (the address of {t.host}), or drop hostaddr",
                        )
                    ]
                ),
            )
    return None


def _other_loopback(t: Target, exc: CheckFailed, deadline: float) -> CheckFailed | None:
    """Refused at a loopback address while the other family's loopback address answers as
    PostgreSQL on the same port: the server listens on that one only (listen_addresses)."""
    address = _net.loopback_elsewhere(t.dial, t.port, _net.PG_SSL_REQUEST, "PostgreSQL", deadline)
    if address is None:
        return None
    shown = f"[{address}]" if ":" in address else address
    server = (
        f"let the server listen on {t.dial} too: listen_addresses = 'localhost' (or "
        "'127.0.0.1,::1') in postgresql.conf, then restart it"
    )
    edit = t.edit_key("host", f"set host={address} (in a URL: @{shown}:{t.port})")
    return CheckFailed(
        f"{exc.summary}, while {shown}:{t.port} answers as PostgreSQL: the server listens on "
        f"{address} only",
        why=f"{t.dial} and {address} are both this machine's loopback, but a server listens only "
        "on the addresses of its listen_addresses (postgresql.conf), here not on "
        f"{t.dial}; PostgreSQL is running",
        fix=Fix(
            [edit, Manual(f"or {server}", ask=_diagnose.ADMIN)],
            text=f"{edit.render()}; or {server}",
        ),
    )


def with_steps(exc: CheckFailed) -> CheckFailed:
    """``exc`` with its prose fix as a manual step (the kit's network diagnoses write prose)."""
    if exc.fix is not None and exc.fix.steps:
        return exc
    shown = str(exc.fix) if exc.fix is not None else "look at the server and the network"
    return CheckFailed(
        exc.summary, why=exc.why, fix=Fix([Manual(shown)], text=shown), facts=exc.facts
    )


def _sockets(directory: str) -> list[str]:
    return sorted(glob.glob(os.path.join(glob.escape(directory), ".s.PGSQL.*[0-9]")))


#: the longest Unix socket path the kernel takes (sockaddr_un.sun_path, less its NUL)
_SUN_PATH_MAX = 107 if sys.platform.startswith("linux") else 103


def _reach_socket(t: Target, cfg: PostgresConfig) -> Outcome:
    """A local socket: the directory, the socket file for the port, and whether it answers."""
    import socket as _socket

    path = os.path.join(t.host, f".s.PGSQL.{t.port}")
    if len(os.fsencode(path)) > _SUN_PATH_MAX:
        raise CheckFailed(
            f"the socket path {path} is too long: {len(os.fsencode(path))} bytes, a Unix socket "
            f"address holds at most {_SUN_PATH_MAX}",
            why="libpq refuses it before connecting (Unix-domain socket path ... is too long); "
            "the limit is the kernel's sockaddr_un",
            fix=Fix(
                [
                    t.edit_setting(
                        "set host=127.0.0.1 (TCP), or host= a shorter directory that holds the "
                        "socket (a symlink to it, or a shorter unix_socket_directories)"
                    )
                ]
            ),
        )
    if os.path.exists(t.host) and not os.path.isdir(t.host):
        raise CheckFailed(
            f"host={t.host} is not a directory: a host starting with / names the directory "
            "of the server's socket",
            why=f"libpq connects to {path}, and the system answers Not a directory",
            fix=Fix(
                [
                    t.edit_setting(
                        "set host= the directory that holds the server's socket (.s.PGSQL.PORT: "
                        f"{', '.join(SOCKET_DIRS)} by default), or host=127.0.0.1 for TCP"
                    )
                ]
            ),
        )
    elsewhere = [s for d in dict.fromkeys((t.host, *SOCKET_DIRS)) for s in _sockets(d)]
    if not os.path.exists(path) and not cfg.required:
        raise _server.not_found("PostgreSQL", f"the socket {path}", CONFIGURE)
    others = ", ".join(elsewhere)
    if not os.path.isdir(t.host):
        raise CheckFailed(
            f"the socket directory {t.host} does not exist: no PostgreSQL socket at {path}",
            why="no server on this machine put its socket there (unix_socket_directories)"
            + (f"; sockets that do exist: {others}" if others else ""),
            fix=_move_to(t, elsewhere) if elsewhere else _start(t),
        )
    if not os.path.exists(path):
        raise CheckFailed(
            f"no PostgreSQL socket for port {t.port} in {t.host}"
            + (f" (sockets there or nearby: {others})" if others else ""),
            why="the server is not running on this machine with that port, or listens on TCP "
            "only" + (": a server with another port runs here" if others else ""),
            fix=_move_to(t, elsewhere) if elsewhere else _start(t),
        )
    with _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM) as sock:
        sock.settimeout(max(0.1, cfg.timeout / 2))
        try:
            sock.connect(path)
        except ConnectionRefusedError:
            raise CheckFailed(
                f"the socket {path} exists but nothing listens on it (a stale socket)",
                why="the server that made it stopped without removing it",
                fix=_start(t),
            ) from None
        except PermissionError:
            raise CheckFailed(
                f"no permission to use the socket {path}",
                why="the socket or its directory does not let this OS user in "
                "(unix_socket_permissions, unix_socket_group)",
                fix=Fix(
                    [
                        Manual(
                            f"ask for access to {path} (membership of its group)",
                            ask=_diagnose.ADMIN,
                        )
                    ]
                ),
            ) from None
    return ok(f"socket {path} exists", socket=path)


def _move_to(t: Target, sockets: list[str]) -> Fix:
    where, port = os.path.split(sockets[0])
    number = port.rsplit(".", 1)[-1]
    return Fix(
        [t.edit_setting(f"set host={where} port={number}")],
        text=f"set host={where} port={number} in {t.source} (the server that runs here), or "
        + START_HINT,
    )


# -- connect, version, settings -------------------------------------------------------------------


def connect(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    import psycopg

    started = time.monotonic()
    with session(ctx, t) as conn:
        connect_ms = (time.monotonic() - started) * 1000
        started = time.monotonic()
        try:  # a round-trip; a short statement_timeout is the settings check's to report
            with conn.transaction():
                conn.execute("SET LOCAL statement_timeout = 0")
                conn.execute("SELECT 1").fetchone()
        except psycopg.errors.QueryCanceled:
            # a timeout so short it stopped even the SET LOCAL (a loaded server takes more
            # than 1 ms): the login worked, so the round trip is made aside
            read_aside(ctx, t, (), "SELECT 1")
        query_ms = (time.monotonic() - started) * 1000
        server = conn.info.parameter_status("server_version") or b"?"
        host = conn.info.host
        shared_pid = _shared_backend(ctx, t, conn)
        collation = _collation_versions(conn)
    where = t.login if host in (t.host, t.dial) or not host else t.login.replace(t.host, host)
    facts: dict[str, Any] = {
        "server_version": text(server),
        "connect_ms": round(connect_ms, 1),
        "query_ms": round(query_ms, 2),
    }
    if shared_pid is not None:
        return warn(
            _diagnose.pooled_backend(t, shared_pid),
            why="between transactions the pooler hands the server connection to other "
            "clients, so session state does not stick: SET (search_path, timezone, ...), "
            "server-side prepared statements (psycopg prepares a statement it ran "
            "prepare_threshold times, then fails with 42P05 or 26000 on another client's "
            "backend), advisory locks, LISTEN, WITH HOLD cursors and temporary tables",
            fix=_diagnose.fix(
                Manual(
                    "give this application session pooling (pool_mode = session for its database "
                    "or user in pgbouncer.ini, or another port of the pooler), or keep it free of "
                    "session state: psycopg with prepare_threshold=None (Django: OPTIONS "
                    "{'prepare_threshold': None} and DISABLE_SERVER_SIDE_CURSORS = True), SET "
                    "LOCAL inside transactions",
                    ask="the pooler's administrator",
                )
            ),
            pooled_backend_pid=shared_pid,
            **facts,
        )
    if collation is not None:
        summary, why, repair = _diagnose.collation_mismatch(t, *collation)
        return warn(summary, why=why, fix=repair, **facts)
    return ok(f"connected to {where} (PostgreSQL {text(server)})", **facts)


def _collation_versions(conn: psycopg.Connection[Any]) -> tuple[str, str | None] | None:
    """The database's recorded collation version and the one its library provides now, when
    they differ (PostgreSQL 15+ records it: ``pg_database.datcollversion``); None when they
    agree, nothing is recorded or the server cannot tell."""
    import psycopg

    if conn.info.server_version < 150000:
        return None
    try:
        row = conn.execute(
            "SELECT datcollversion, pg_database_collation_actual_version(oid) "
            "FROM pg_database WHERE datname = current_database()"
        ).fetchone()
    except psycopg.Error:
        return None
    if row is None or row[0] is None:
        return None
    recorded, actual = text(row[0]), None if row[1] is None else text(row[1])
    return None if recorded == actual else (recorded, actual)


def _shared_backend(ctx: Context, t: Target, conn: psycopg.Connection[Any]) -> int | None:
    """The server backend's pid when a second session of this client, opened while the first
    is idle, is served by the same backend: PostgreSQL gives every session a process of its
    own, a pooler in transaction or statement mode hands an idle one's backend to the next
    client. None: another backend, or no answer soon (a pooler whose pool is full holds the
    second session's query; it is not waited for: at most a second)."""
    import selectors

    import psycopg

    try:
        first = conn.execute("SELECT pg_backend_pid()").fetchone()
        kwargs = t.connect_kwargs(
            f"{APPLICATION_NAME} {ctx.check.component}/{t.instance}", ctx.remaining()
        )
        other = psycopg.connect(**kwargs, autocommit=True)
        readable = selectors.DefaultSelector()  # not select(): no limit on descriptor numbers
        try:
            pq = other.pgconn
            readable.register(pq.socket, selectors.EVENT_READ)
            pq.send_query(b"SELECT pg_backend_pid()")
            deadline = time.monotonic() + min(1.0, max(0.05, ctx.remaining() / 4))
            while True:
                pq.consume_input()
                if not pq.is_busy():
                    break
                left = deadline - time.monotonic()
                if left <= 0 or not readable.select(left):
                    return None  # closed below, mid-query: the pooler drops the waiting client
            result = pq.get_result()
            value = result.get_value(0, 0) if result is not None and result.ntuples else None
        finally:
            readable.close()
            other.close()
    except (psycopg.Error, OSError):
        return None
    if first is None or value is None:
        return None
    return int(first[0]) if str(first[0]) == bytes(value).decode() else None


def version(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    with session(ctx, t) as conn:
        num = int(show(conn, "server_version_num"))
        standby = bool(conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,))
    shown = f"{num // 10000}.{num % 10000}"
    role = "standby (read-only replica)" if standby else "primary"
    wanted = ctx.section.min_version
    if wanted and older(shown, wanted):
        major = wanted.split(".")[0]
        if major == str(num // 10000):
            why = f"{t.address} runs an older minor release of PostgreSQL {major}"
            how = (
                f"install the latest minor release of PostgreSQL {major} on the server and "
                f"restart it (e.g. sudo apt install --only-upgrade postgresql-{major}; minor "
                "releases need no dump or pg_upgrade)"
            )
        else:
            why = f"{t.address} runs an old major version"
            how = (
                f"upgrade the server to PostgreSQL {wanted} or newer (e.g. sudo apt install "
                f"postgresql-{major}, then pg_upgradecluster)"
            )
        raise CheckFailed(
            f"PostgreSQL {shown} is older than the required {wanted}",
            why=why,
            fix=Fix([Manual(how, ask=_diagnose.ADMIN)], text=how),
            facts={"server_version": shown, "role": role},
        )
    required = f" (>= {wanted})" if wanted else ""
    return ok(f"PostgreSQL {shown}{required}, {role}", server_version=shown, role=role)


_SETTINGS = """
SELECT current_setting('server_encoding'), current_setting('TimeZone'),
       current_setting('max_connections')::int,
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int
"""
#: a timeout shorter than this cancels ordinary statements
SHORT_MS = 1000


def settings(instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    import psycopg

    names = tuple(_diagnose.TIMEOUTS)
    row: tuple[Any, ...] | None = None
    with session(ctx, t) as conn:
        # envcheck's own reading is not stopped by the timeouts it reports (this session only)
        try:
            with conn.transaction():
                conn.execute("SET LOCAL statement_timeout = 0")
                timeouts = read_settings(conn, names, ("statement_timeout",))
                row = conn.execute(_SETTINGS).fetchone()
        except psycopg.errors.QueryCanceled:
            pass  # a timeout so short it stopped even the SET LOCAL: read it aside
    if row is None:
        timeouts, row = read_aside(ctx, t, names, _SETTINGS)
    dropped, unreadable = _settings_not_in_effect(ctx, t)
    timeouts.update(_from_options(t, tuple(_diagnose.TIMEOUTS)))
    assert row is not None
    encoding, timezone = text(row[0]), text(row[1])
    max_connections, in_use = int(row[2]), int(row[3])
    facts: dict[str, FactValue] = {
        "encoding": encoding,
        "timezone": timezone,
        "max_connections": max_connections,
        "connections_in_use": in_use,
    }
    facts.update({name: ms for name, (ms, _) in timeouts.items() if ms})
    short = [(n, ms, src) for n, (ms, src) in timeouts.items() if 0 < ms < SHORT_MS]
    if short:
        name, ms, source = short[0]
        ctx.fact(**facts)
        return warn(
            f"{name} is {ms} ms, set {_diagnose.setting_place(t, source)}: "
            f"{_diagnose.TIMEOUTS[name]}",
            why="a timeout this short stops ordinary statements of the application too",
            fix=_diagnose.short_timeout(t, name, ms, source),
        )
    if dropped:
        ctx.fact(**facts)
        return dropped
    if unreadable:
        ctx.fact(**facts)
        return unreadable
    if encoding.upper() not in ("UTF8", "UTF-8"):
        ctx.fact(**facts)
        new = f"{t.dbname}_utf8"
        create = t.sql(
            f"CREATE DATABASE {ident(new)} ENCODING 'UTF8' TEMPLATE template0",
            database="postgres",
        )
        what = (
            "SQL_ASCII: the server stores bytes without checking or converting their encoding"
            if encoding.upper() == "SQL_ASCII"
            else f"{encoding}: characters outside it cannot be stored"
        )
        return warn(
            f"server_encoding is {what}; text from LLMs needs UTF8",
            why="a database's encoding is fixed when it is created",
            fix=Fix(
                [
                    create,
                    t.edit_setting(
                        f"move the data (pg_dump | psql) and set the database " f"to {new}"
                    ),
                ],
                text=f"createdb -h {t.host} -p {t.port} -E UTF8 -T template0 {new} (as SQL: "
                f"{create.statement}); then move the data and point {t.source} at {new}",
            ),
        )
    if in_use >= 0.8 * max_connections:
        ctx.fact(**facts)
        return warn(
            f"{in_use} of {max_connections} connections in use",
            fix=Fix(
                [
                    Manual(
                        "close idle connections, use a pooler (pgbouncer), or raise "
                        "max_connections",
                        ask=_diagnose.ADMIN,
                    )
                ]
            ),
        )
    return ok(
        f"{encoding}, timezone {timezone}, {in_use}/{max_connections} connections in use", **facts
    )


#: the role's and the database's settings (pg_db_role_setting) that apply to this session, with
#: the scope pg_settings names for them and where pg_settings says the setting now comes from
_ROLE_DEFAULTS = """
SELECT CASE WHEN s.setrole <> 0 AND s.setdatabase <> 0 THEN 'database user'
            WHEN s.setrole <> 0 THEN 'user' ELSE 'database' END, cfg, p.name, p.setting, p.source
FROM pg_db_role_setting s CROSS JOIN LATERAL unnest(s.setconfig) AS cfg
JOIN pg_settings p ON lower(p.name) = lower(split_part(cfg, '=', 1))
WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
  AND s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = session_user))
  AND NOT (s.setrole = 0 AND s.setdatabase = 0)
ORDER BY s.setrole = 0, s.setdatabase = 0
"""
#: pg_settings sources below a database's setting: a role or database setting whose name still
#: comes from one of them was not applied at login (guc.c: a WARNING, and the value dropped)
_BELOW_DATABASE = (
    "default",
    "environment variable",
    "configuration file",
    "command line",
    "global",
)
#: the session formats psycopg's text loaders read (psycopg/types/datetime.py): the setting, and
#: a query whose answer psycopg must load in it
_FORMATS = (
    ("DateStyle", "SELECT now(), localtimestamp, current_date"),
    ("IntervalStyle", "SELECT interval '1 day 2 hours'"),
)


def _settings_not_in_effect(ctx: Context, t: Target) -> tuple[Outcome | None, Outcome | None]:
    """A role's or database's setting the server dropped at login (pg_settings names a source
    below it), with the server's own words for its value; and a session format (DateStyle,
    IntervalStyle) whose answers psycopg cannot load, with where it is set."""
    import psycopg

    with session(ctx, t) as conn:
        try:
            with conn.transaction():
                # envcheck's own reading is not stopped by the timeouts it reports
                conn.execute("SET LOCAL statement_timeout = 0")
                return _not_in_effect(conn, t)
        except psycopg.errors.QueryCanceled:
            return None, None


def _not_in_effect(
    conn: psycopg.Connection[Any], t: Target
) -> tuple[Outcome | None, Outcome | None]:
    import psycopg

    dropped: Outcome | None = None
    unreadable: Outcome | None = None
    for scope, cfg, name, setting, source in conn.execute(_ROLE_DEFAULTS).fetchall():
        if text(source) not in _BELOW_DATABASE:
            continue
        value = text(cfg).split("=", 1)[1]
        said = ""
        try:
            with conn.transaction(force_rollback=True):
                conn.execute("SELECT set_config(%s, %s, true)", (text(name), value))
        except psycopg.Error as exc:
            said = f"; the server says of it: {str(exc).strip().splitlines()[0]}"
        dropped = warn(
            f"the setting {text(name)} = {value} {_diagnose.setting_place(t, text(scope))} "
            f"is not in effect: the server dropped it at login, and {text(name)} is "
            f"{text(setting)} ({text(source)})",
            why="a role's or a database's setting whose value is not valid when a session "
            "starts is only a WARNING at login (psycopg shows none) and the session runs "
            f"without it{said}",
            fix=_diagnose.reset_setting(t, text(name), text(scope)),
        )
        break
    for name, query in _FORMATS:
        try:
            with conn.transaction(force_rollback=True):
                conn.execute(query).fetchall()
        except (NotImplementedError, psycopg.DataError, psycopg.InterfaceError) as exc:
            row = conn.execute(
                "SELECT setting, source FROM pg_settings WHERE name = %s", (name,)
            ).fetchone()
            setting, source = (text(row[0]), text(row[1])) if row else ("?", "")
            unreadable = warn(
                f"{name} is {setting!r}, set {_diagnose.setting_place(t, source)}: psycopg "
                f"cannot load what the server sends in it",
                why=f"psycopg's text loaders read DateStyle ISO and IntervalStyle postgres "
                f"only; loading this session's answer it said: {exc}",
                fix=_diagnose.reset_setting(t, name, source),
            )
            break
    return dropped, unreadable


def _from_options(t: Target, names: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    """Settings the connection string's own ``options`` set (pg_settings: ``client``)."""
    from envcheck.checks.postgres.session import given_options

    return given_options(t, names)


# -- extensions -----------------------------------------------------------------------------------

_CONTRIB = {"hstore", "citext", "pg_trgm", "pgcrypto", "uuid-ossp", "btree_gin", "btree_gist"}
#: Debian/Ubuntu package of an extension, and whether the distribution's own archive has it for
#: the distribution's PostgreSQL (Debian 12 bookworm main: postgresql-15-postgis-3,
#: postgresql-15-cron; not pgvector or TimescaleDB)
_PACKAGES = {
    "vector": ("postgresql-{major}-pgvector", False),
    "postgis": ("postgresql-{major}-postgis-3", True),
    "pg_cron": ("postgresql-{major}-cron", True),
    "timescaledb": ("timescaledb-2-postgresql-{major}", False),
}
_PGDG = (
    "the PostgreSQL project's apt repository (sudo apt install -y postgresql-common && sudo "
    "/usr/share/postgresql-common/pgdg/apt.postgresql.org.sh)"
)

_MAY_CREATE = """
SELECT r.rolsuper, coalesce(v.superuser, true), coalesce(v.trusted, false),
       has_database_privilege(current_database(), 'CREATE')
FROM pg_roles r LEFT JOIN pg_available_extension_versions v ON v.name = %s AND v.version = (
    SELECT default_version FROM pg_available_extensions WHERE name = %s)
WHERE r.rolname = current_user
"""


#: extensions that work only with their library in shared_preload_libraries (each one's own
#: documentation says so): extension -> (the library's name there, the prefix of the settings
#: the library defines once loaded)
PRELOADED = {
    # PostgreSQL's docs, F.32: "The module must be loaded by adding pg_stat_statements to
    # shared_preload_libraries"
    "pg_stat_statements": ("pg_stat_statements", "pg_stat_statements"),
    # pg_cron's README: "add pg_cron to shared_preload_libraries"; its settings are cron.*
    "pg_cron": ("pg_cron", "cron"),
    # TimescaleDB's install docs: shared_preload_libraries = 'timescaledb'
    "timescaledb": ("timescaledb", "timescaledb"),
    # Citus's docs: citus in shared_preload_libraries (first)
    "citus": ("citus", "citus"),
    # pgAudit's README: "pgAudit must be loaded in shared_preload_libraries"
    "pgaudit": ("pgaudit", "pgaudit"),
    # pg_wait_sampling's README: shared_preload_libraries = 'pg_wait_sampling'
    "pg_wait_sampling": ("pg_wait_sampling", "pg_wait_sampling"),
    # pglogical's README: shared_preload_libraries = 'pglogical'
    "pglogical": ("pglogical", "pglogical"),
}


#: the extensions the default version of an extension requires that are not installed
_MISSING_REQUIRED = """
SELECT array_to_string(array(SELECT unnest(v.requires) EXCEPT SELECT extname FROM pg_extension),
                       ', ')
FROM pg_available_extension_versions v JOIN pg_available_extensions a
  ON a.name = v.name AND a.default_version = v.version
WHERE v.name = %s
"""


#: what the step's list needs where shared_preload_libraries could not be read
_KEEP = " (with what SHOW shared_preload_libraries lists before it)"


#: an installed extension whose version is not the one the server's files default to, while
#: the files hold an update path to it (extension.c: ALTER EXTENSION ... UPDATE follows it)
_UPDATE_PENDING = """
SELECT e.extversion, a.default_version, pg_get_userbyid(e.extowner),
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname
WHERE e.extname = %(name)s AND e.extversion <> a.default_version
  AND EXISTS (SELECT 1 FROM pg_extension_update_paths(%(name)s) p
              WHERE p.source = e.extversion AND p.target = a.default_version
                AND p.path IS NOT NULL)
"""


def _update_pending(t: Target, extension: str, pending: tuple[Any, ...]) -> Outcome:
    """The extension's SQL objects are an older version than its files: ALTER EXTENSION ...
    UPDATE, by its owner or a superuser."""
    installed, default, owner, is_super = (
        text(pending[0]),
        text(pending[1]),
        text(pending[2]),
        bool(pending[3]),
    )
    sql = f'ALTER EXTENSION "{extension}" UPDATE'
    step: Step = (
        t.sql(sql) if is_super or owner == t.user else t.superuser_sql(sql, database=t.dbname)
    )
    return warn(
        f"{extension} {installed} is installed in {t.dbname}, but the server's files are "
        f"{extension} {default}: the extension was not updated after them",
        why=f"the server loads the library of {default} while the database holds the SQL objects "
        f"of {installed}; what {default} added is missing until ALTER EXTENSION ... UPDATE "
        f"(pg_extension_update_paths has the path {installed} -> {default})",
        fix=Fix([step], text=f"as {owner} (the extension's owner) or a superuser: {step.render()}"),
        installed=installed,
        available=default,
    )


def not_preloaded(
    t: Target, extension: str, version: str, library: str, preloaded: tuple[Any, ...] | None
) -> Outcome:
    """An installed extension whose library the server has not loaded: its settings are not
    there, so shared_preload_libraries (read at start) does not name it."""
    current = text(preloaded[0]) if preloaded else None
    names = [n.strip() for n in (current or "").split(",") if n.strip()]
    wanted = ", ".join([*names, library])
    step = t.superuser_sql(f"ALTER SYSTEM SET shared_preload_libraries = '{wanted}'")
    shown = (
        f"shared_preload_libraries is {current!r}"
        if current is not None
        else "shared_preload_libraries is readable by superusers only"
    )
    raise CheckFailed(
        f"{extension} {version} is installed in {t.dbname}, but the server has not loaded its "
        f"library {library!r} (shared_preload_libraries)",
        why=f"{extension} works only when the server loads {library} at start "
        f"(shared_preload_libraries): none of its settings exist, and every use of it fails "
        f"(55000 object_not_in_prerequisite_state); {shown}",
        fix=Fix(
            [step, Manual("then restart PostgreSQL (a reload is not enough)", ask=_diagnose.ADMIN)],
            text=f"{step.render()}{'' if current is not None else _KEEP}; then restart "
            "PostgreSQL (shared_preload_libraries is read at start only)",
        ),
    )


def _schema_unusable(t: Target, extension: str, version: str, schema: str) -> CheckFailed:
    """An installed extension whose schema (pg_extension.extnamespace) the role has no USAGE
    on: every function, type and operator of it is refused to the role (42501, permission
    denied for schema), whether the application qualifies the names or not."""
    grant = t.superuser_sql(
        f"GRANT USAGE ON SCHEMA {ident(schema)} TO {ident(t.user)}", database=t.dbname
    )
    return CheckFailed(
        f"{extension} {version} is installed in {t.dbname}, in schema {schema}, and role "
        f"{t.user} has no USAGE privilege on that schema: it cannot use any of {extension}",
        why="an extension's functions and types live in the schema it was created in "
        "(pg_extension.extnamespace); without USAGE on that schema every use of them is "
        "refused (SQLSTATE 42501: permission denied for schema)",
        fix=Fix(
            [grant],
            text=f"as the schema's owner or a superuser: {grant.render()}",
        ),
    )


def extension_check(extension: str, instance: str, ctx: Context) -> Outcome:
    t = target(ctx, instance)
    with session(ctx, t) as conn:
        similar = conn.execute(
            "SELECT name FROM pg_available_extensions WHERE lower(name) = lower(%s) "
            "AND name <> %s ORDER BY 1 LIMIT 1",
            (extension, extension),
        ).fetchone()
        installed = conn.execute(
            "SELECT e.extversion, n.nspname, has_schema_privilege(e.extnamespace, 'USAGE') "
            "FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = %s",
            (extension,),
        ).fetchone()
        available = conn.execute(
            "SELECT default_version FROM pg_available_extensions WHERE name = %s", (extension,)
        ).fetchone()
        major = int(show(conn, "server_version_num")) // 10000
        may = conn.execute(_MAY_CREATE, (extension, extension)).fetchone()
        missing = conn.execute(_MISSING_REQUIRED, (extension,)).fetchone()
        library, prefix = PRELOADED.get(extension, (None, ""))
        # a library's own settings exist once the server has loaded it (its _PG_init defines
        # them); shared_preload_libraries itself is readable by superusers only
        loaded = conn.execute(
            "SELECT count(*) > 0 FROM pg_settings WHERE name LIKE %s", (prefix + ".%",)
        ).fetchone()
        preloaded = conn.execute(
            "SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'"
        ).fetchone()
        pending = conn.execute(_UPDATE_PENDING, {"name": extension}).fetchone()
    if installed and installed[2] is False:
        raise _schema_unusable(t, extension, text(installed[0]), text(installed[1]))
    if installed and library and loaded == (False,):
        return not_preloaded(t, extension, text(installed[0]), library, preloaded)
    if installed and pending:
        return _update_pending(t, extension, pending)
    if installed:
        return ok(
            f"{extension} {text(installed[0])} installed in {t.dbname}", version=text(installed[0])
        )
    sql = f'CREATE EXTENSION IF NOT EXISTS "{extension}"'
    if missing and missing[0]:  # it requires extensions not installed: CASCADE creates them
        sql += " CASCADE"
    is_super, needs_super, trusted, can_create = may or (False, True, False, False)
    if is_super or (not needs_super and can_create) or (trusted and can_create):
        create: Step = t.sql(sql)
        shown = create.render()
    else:
        why = "a superuser" if needs_super and not trusted else "CREATE on the database"
        create = t.superuser_sql(sql, database=t.dbname)
        shown = f"(role {t.user} may not: it needs {why}) {create.render()}"
    if available:
        return warn(
            f"{extension} {text(available[0])} is available but not installed in {t.dbname}",
            fix=Fix([create], text=shown),
            available=text(available[0]),
        )
    if available is None and similar is not None:
        other = text(similar[0])
        if other:
            raise CheckFailed(
                f"extension {extension} is not available on {t.address}, but {other} is: "
                "extension names are lower case",
                why="CREATE EXTENSION takes the name exactly as pg_available_extensions lists it",
                fix=Fix(
                    [Manual(f'set extensions = ["{other}"] in {t.section}')],
                    text=f'set extensions = ["{other}"] in {t.section}',
                ),
            )
    package, in_archive = _PACKAGES.get(extension, ("", False))
    package = package.format(major=major)
    if not package and extension in _CONTRIB:
        package, in_archive = "postgresql-contrib", True
    if not package:
        raise CheckFailed(
            f"extension {extension} is not available on {t.address} (PostgreSQL {major})",
            why="the server has no files for it: its package is not installed on the server",
            fix=Fix(
                [
                    Manual(
                        f"install {extension} for PostgreSQL {major} on the server",
                        ask=_diagnose.ADMIN,
                    ),
                    create,
                ],
                text=f"install {extension} for PostgreSQL {major} on the server, then: {shown}",
            ),
        )
    if in_archive:
        where = (
            f"{package} is in Debian's and Ubuntu's own archives for their PostgreSQL version "
            f"(Debian 12: PostgreSQL 15); for another version add {_PGDG} first"
        )
    else:
        where = f"it is not in Debian's or Ubuntu's own archive: add {_PGDG} first, then"
    install = f"sudo apt install {package}"
    step: Step
    if t.socket or t.dial in ("127.0.0.1", "::1", "localhost"):
        step = Command(
            ["sudo", "apt", "install", "-y", package], needs=frozenset({"sudo", "network"})
        )
    else:
        step = Manual(f"on the server's host: {install}", ask=_diagnose.ADMIN)
    raise CheckFailed(
        f"extension {extension} is not available on {t.address} (PostgreSQL {major})",
        why="the server has no files for it: its package is not installed on the server",
        fix=Fix([step, create], text=f"on the server's host: {where}: {install}; then {shown}"),
    )


# -- write ----------------------------------------------------------------------------------------

_SEARCH_PATH = """
SELECT p.entry, n.oid IS NOT NULL, coalesce(has_schema_privilege(n.oid, 'USAGE'), false),
       coalesce(has_schema_privilege(n.oid, 'CREATE'), false)
FROM unnest(string_to_array(current_setting('search_path'), ',')) WITH ORDINALITY AS s(raw, i)
CROSS JOIN LATERAL (SELECT CASE WHEN btrim(s.raw) = '"$user"' OR btrim(s.raw) = '$user'
                                THEN session_user::text
                                ELSE btrim(btrim(s.raw), '"') END AS entry) p
LEFT JOIN pg_namespace n ON n.nspname = p.entry
ORDER BY s.i
"""
_SCHEMA = """
SELECT n.nspname, pg_get_userbyid(n.nspowner), has_schema_privilege(n.oid, 'USAGE'),
       has_schema_privilege(n.oid, 'CREATE'), current_setting('server_version_num')::int,
       pg_get_userbyid(d.datdba)
FROM pg_namespace n, pg_database d WHERE n.nspname = %s AND d.datname = current_database()
"""
#: schemas of PostgreSQL itself: a search_path that puts one first is the mistake, not a privilege
_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")
#: a write the probe waits on for longer than this share of the check's time is reported as
#: blocked (the lock holder named), not as a timeout
LOCK_SHARE = 0.6


def write(instance: str, ctx: Context) -> Outcome:
    import psycopg

    t = target(ctx, instance)
    table = f"envcheck_probe_{uuid.uuid4().hex[:12]}"
    with session(ctx, t) as conn:
        if conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,):
            row = conn.execute(
                "SELECT sender_host, sender_port FROM pg_stat_wal_receiver"
            ).fetchone()
            raise _diagnose.replica(t, f"{text(row[0])}:{row[1]}" if row and row[0] else None)
        if show(conn, "transaction_read_only") == "on":
            source = read_settings(conn, ("default_transaction_read_only",))
            place = source.get("default_transaction_read_only", (0, "unknown"))[1]
            raise _diagnose.read_only_sessions(t, place, _diagnose.read_only_elsewhere(conn, place))
        row = conn.execute("SELECT current_schema()").fetchone()
        schema = text(row[0]) if row and row[0] is not None else None
        if schema is None:
            raise _no_schema(conn, t)
        configured = read_settings(conn, ("lock_timeout",)).get("lock_timeout", (0, ""))
        bound = max(100, int(ctx.remaining() * LOCK_SHARE * 1000))
        own_bound = not configured[0] or configured[0] > bound
        started = time.monotonic()
        statement = "CREATE TABLE"  # the probe's statement that ran last: a failure names it
        handed: str | None = None  # the probe table's owner, when CREATE TABLE left it another's
        try:
            with conn.transaction(force_rollback=True):
                if own_bound:
                    conn.execute(f"SET LOCAL lock_timeout = {bound}")
                # a primary key, as every ORM's tables have: a ddl_command_end policy that
                # refuses tables without one (P0001) is no failure of the application's writes
                conn.execute(
                    f"CREATE TABLE {ident(schema)}.{table} (id int PRIMARY KEY, note text)"
                )
                owner = conn.execute(
                    "SELECT pg_get_userbyid(relowner) <> current_user, pg_get_userbyid(relowner) "
                    "FROM pg_class WHERE oid = %s::regclass",
                    (f"{ident(schema)}.{table}",),
                ).fetchone()
                handed = text(owner[1]) if owner and owner[0] else None
                statement = "INSERT"
                conn.execute(f"INSERT INTO {ident(schema)}.{table} VALUES (1, 'envcheck')")
                statement = "SELECT"
                back = conn.execute(
                    f"SELECT note FROM {ident(schema)}.{table} WHERE id = 1"
                ).fetchone()
                persistence = conn.execute(
                    "SELECT relpersistence FROM pg_class WHERE oid = %s::regclass",
                    (f"{ident(schema)}.{table}",),
                ).fetchone()
        except psycopg.errors.InsufficientPrivilege as exc:
            by_trigger = _event_trigger_refused(conn, t, exc, statement, handed)
            if by_trigger is not None:
                raise by_trigger from None
            acting = _acting_role(conn, t, schema, exc)
            if acting is not None:
                raise acting from None
            defaults = _default_privileges_refused(conn, t, exc, statement, handed)
            if defaults is not None:
                raise defaults from None
            raise _schema_refused(conn, t, schema, exc) from None
        except psycopg.errors.InvalidParameterValue as exc:
            raise _shared_tablespace(conn, t, exc) from None
        except psycopg.errors.LockNotAvailable as exc:
            raise _blocked(conn, t, schema, exc, None if own_bound else configured) from None
        except psycopg.Error as exc:
            if not getattr(exc, "sqlstate", None):
                raise  # no answer from the server: the session's own diagnosis
            if str(exc.sqlstate).startswith("58") and statement == "CREATE TABLE":
                lost = _tablespace_files(conn, t, exc)
                if lost is not None:
                    raise lost from None
            elapsed = (time.monotonic() - started) * 1000
            raise explain_query(ctx, t, exc, f"the write check's {statement}", elapsed) from None
        round_trip_ms = (time.monotonic() - started) * 1000
        if persistence == ("t",):
            raise _temporary_schema(conn, t, schema)
        waits = _commit_waits(conn, t)
        if waits is not None:
            raise waits
    if not back or text(back[0]) != "envcheck":
        raise CheckFailed(
            f"{t.login} did not return the row it was given",
            why="the probe row read back differs from the one written (a trigger, a rule or a "
            "policy changed it)",
            fix=Fix([Manual(f"look at triggers and rules in schema {schema}: {t.psql()}")]),
        )
    return ok(
        f"table created in schema {schema}, written, read and rolled back",
        schema=schema,
        round_trip_ms=round(round_trip_ms, 2),
    )


def _temporary_schema(conn: psycopg.Connection[Any], t: Target, schema: str) -> CheckFailed:
    """The probe table, created without TEMP and without a schema, is temporary: the
    search_path puts ``pg_temp`` first (namespace.c: a relation created in the session's
    temporary schema is temporary), so the application's tables vanish with its session."""
    path = show(conn, "search_path")
    source = read_settings(conn, ("search_path",)).get("search_path", (0, "default"))[1]
    return CheckFailed(
        f"the search_path of {t.user} ({path}, set {_diagnose.setting_place(t, source)}) "
        f"puts pg_temp first: tables the application creates go to the session's temporary "
        f"schema ({schema}) and vanish when its session ends",
        why="CREATE TABLE without a schema goes to the first schema of the search_path; in "
        "pg_temp, the session's own temporary schema, every table is temporary (the write "
        "check's table was created there, and is temporary)",
        fix=_diagnose.reset_setting(t, "search_path", source),
    )


#: what makes a COMMIT wait for a synchronous standby (syncrep.c: SyncRepRequested and a
#: standby named), and how many walsenders may be that standby (sync or quorum; a NULL state
#: is one this role may not see: pg_read_all_stats)
_SYNC_WAIT = """
SELECT current_setting('synchronous_commit'), current_setting('synchronous_standby_names'),
       current_setting('max_wal_senders')::int,
       (SELECT count(*) FROM pg_stat_replication
         WHERE sync_state IS NULL OR sync_state IN ('sync', 'quorum'))
"""
#: the synchronous_commit levels that wait for a standby (``local`` and ``off`` do not)
_WAITING_LEVELS = ("on", "remote_write", "remote_apply")


def _commit_waits(conn: psycopg.Connection[Any], t: Target) -> CheckFailed | None:
    """Every COMMIT of this session that wrote would wait for a synchronous standby that is not
    connected: ``synchronous_standby_names`` names one, ``synchronous_commit`` waits for it, and
    pg_stat_replication shows no walsender that is (or may be) synchronous. The write check
    rolls back, so it never waits itself; the application's commits would hang."""
    row = conn.execute(_SYNC_WAIT).fetchone()
    if row is None:
        return None
    level, names, senders, candidates = text(row[0]), text(row[1]).strip(), int(row[2]), row[3]
    if level not in _WAITING_LEVELS or not names or senders <= 0 or candidates:
        return None
    source = read_settings(conn, ("synchronous_commit",)).get("synchronous_commit", (0, ""))[1]
    local = "synchronous_commit = local"
    if source == "client":
        steps: list[Step] = [
            t.edit_setting("remove -c synchronous_commit=... from options (and from PGOPTIONS)")
        ]
    elif source == "database user":
        steps = [t.sql(f"ALTER ROLE {ident(t.user)} IN DATABASE {ident(t.dbname)} SET {local}")]
    else:
        steps = [t.sql(f"ALTER ROLE {ident(t.user)} SET {local}")]
    clear = t.superuser_sql("ALTER SYSTEM RESET synchronous_standby_names")
    reload = t.superuser_sql("SELECT pg_reload_conf()")
    return CheckFailed(
        f"every COMMIT of {t.user} that writes waits for a synchronous standby that is not "
        f"connected (synchronous_standby_names = '{names}'): the application's writes hang",
        why=f"synchronous_commit is {level} (set {_diagnose.setting_place(t, source)}), so "
        "a COMMIT waits until a standby named in synchronous_standby_names confirms it; "
        "pg_stat_replication shows no such standby (the write check rolls back, so it did not "
        "wait itself)",
        fix=Fix(
            steps,
            text=f"start the standby that synchronous_standby_names names; or, as a superuser, "
            f"clear it: {clear.render()}; then {reload.render()}; or let this role's "
            f"commits not wait: {'; '.join(s.render() for s in steps)}",
        ),
    )


#: the role a session runs as when it is not the login role, and where ``role`` is set for it
#: (``role`` is not in pg_settings: GUC_NO_SHOW_ALL; its defaults are in pg_db_role_setting)
_ACTING = """
SELECT current_user::text, session_user::text,
       (SELECT CASE WHEN s.setrole <> 0 AND s.setdatabase <> 0 THEN 'database user'
                    WHEN s.setrole <> 0 THEN 'user' ELSE 'database' END
        FROM pg_db_role_setting s, unnest(s.setconfig) AS cfg
        WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database
                                    WHERE datname = current_database()))
          AND s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = session_user))
          AND cfg LIKE 'role=%'
        ORDER BY s.setrole = 0, s.setdatabase = 0 LIMIT 1)
"""


_EVENT_TRIGGERS = (
    "SELECT e.evtname, e.evtevent, quote_ident(n.nspname) || '.' || quote_ident(p.proname) || "
    "'(' || pg_get_function_identity_arguments(p.oid) || ')', p.prosecdef, "
    "pg_get_userbyid(p.proowner) FROM pg_event_trigger e JOIN pg_proc p ON p.oid = e.evtfoid "
    "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE e.evtenabled <> 'D' "
    "AND e.evtevent IN ('ddl_command_start', 'ddl_command_end') "
    "AND (e.evttags IS NULL OR 'CREATE TABLE' = ANY (e.evttags)) ORDER BY e.evtname"
)


def _event_trigger_refused(
    conn: psycopg.Connection[Any],
    t: Target,
    exc: psycopg.Error,
    statement: str,
    handed: str | None,
) -> CheckFailed | None:
    """42501 that an event trigger on CREATE TABLE causes (commands/event_trigger.c: its
    function runs as the role whose command fired it unless it is SECURITY DEFINER):

    - on the CREATE TABLE itself, with a CONTEXT field (the error came from inside a function,
      not from the server's check of the statement): the trigger's function needs a privilege
      the role lacks (the server's own privilege check, routine aclcheck_error: a RAISE of
      the function's is not this);
    - on the INSERT into the table the probe has just created, while that table's owner is
      another role right after CREATE TABLE (a trigger handed it over): the role is no member
      of the new owner.

    ``None`` when neither holds or no enabled event trigger fires on CREATE TABLE."""
    if getattr(exc.diag, "source_function", None) != "aclcheck_error":
        return None  # not the server's privilege check (a RAISE of the trigger's own)
    context = getattr(exc.diag, "context", None)
    if statement == "CREATE TABLE" and context:
        kind = "function"
    elif statement == "INSERT" and handed is not None:
        kind = "owner"
    else:
        return None
    rows = [
        (text(name), text(event), text(function), bool(definer))
        for name, event, function, definer, _ in conn.execute(_EVENT_TRIGGERS).fetchall()
    ]
    if not rows:
        return None
    names = ", ".join(f"{name} on {event} ({function})" for name, event, function, _ in rows)
    said = str(getattr(exc.diag, "message_primary", "") or exc)
    admin = "the database's administrator (a superuser or the function's owner)"
    if kind == "owner":
        assert handed is not None
        grant = f"GRANT {ident(handed)} TO {ident(t.user)}"
        return CheckFailed(
            f"a table {t.user} creates is owned by {handed} right after CREATE TABLE, and "
            f"{t.user} may not write it: an event trigger hands new tables over ({names})",
            why=f"the write check's table changed owner inside its own CREATE TABLE (an event "
            f"trigger's function ran ALTER TABLE ... OWNER TO {handed}); {t.user} is no member "
            f"of {handed}, so the INSERT is refused (SQLSTATE 42501); the server said: {said}",
            fix=Fix(
                [Manual(f"as a superuser: {grant}", ask=admin)],
                text=f"make {t.user} a member of the role new tables are handed to (as a "
                f"superuser or a role with ADMIN on {handed}): {grant}",
            ),
        )
    invokers = [function for _, _, function, definer in rows if not definer]
    if not invokers:
        return _definer_refused(conn, t, exc, names, said, str(context), admin)
    alter = "; ".join(f"ALTER FUNCTION {function} SECURITY DEFINER" for function in invokers)
    return CheckFailed(
        f"an event trigger on CREATE TABLE ({names}) fails for {t.user}: its function runs as "
        f"{t.user} and is refused a privilege (SQLSTATE 42501)",
        why="an event trigger's function runs as the role whose DDL fired it unless it is "
        f"SECURITY DEFINER, so every CREATE TABLE of {t.user} fails inside it; the server "
        f"said: {said} (in: {str(context).splitlines()[-1]})",
        fix=Fix(
            [Manual(f"as the function's owner or a superuser: {alter}", ask=admin)],
            text=f"let the trigger's function run as its owner: {alter} (as the function's "
            f"owner or a superuser); or grant {t.user} what the function needs",
        ),
    )


#: aclchk.c ``aclcheck_error``'s format for a table (the only carrier of the object's name) and
#: the statement in PL/pgSQL's CONTEXT line (``SQL statement "..."``) that was refused
_DENIED_TABLE = re.compile(r"^permission denied for table (.+)$")
_CONTEXT_VERB = re.compile(r'SQL statement "\s*(INSERT|UPDATE|DELETE|SELECT)\b', re.IGNORECASE)


def _definer_refused(
    conn: psycopg.Connection[Any],
    t: Target,
    exc: psycopg.Error,
    names: str,
    said: str,
    context: str,
    admin: str,
) -> CheckFailed | None:
    """42501 from inside an event trigger on CREATE TABLE whose functions are all SECURITY
    DEFINER (event_trigger.c: they run as their owners): the privilege refused is an owner's,
    not the role's. The owner named from pg_proc; the table and the statement from the
    server's texts (aclcheck_error's ``permission denied for table %s`` and the CONTEXT line:
    libpq gives no field for them), and the grant printed only when ``has_table_privilege``
    confirms the owner lacks it."""
    owners = sorted(
        {text(row[4]) for row in conn.execute(_EVENT_TRIGGERS).fetchall() if bool(row[3])}
    )
    if not owners:
        return None
    grants: list[str] = []
    table = _DENIED_TABLE.match(said.strip())
    verb = _CONTEXT_VERB.search(context)
    if table and verb:
        found = conn.execute(
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = %s "
            "AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
            (table.group(1).strip('"'),),
        ).fetchall()
        if len(found) == 1:
            relation, privilege = text(found[0][0]), verb.group(1).upper()
            for owner in owners:
                lacks = conn.execute(
                    "SELECT NOT has_table_privilege(%s, %s::regclass, %s)",
                    (owner, relation, privilege),
                ).fetchone()
                if lacks and lacks[0]:
                    grants.append(f"GRANT {privilege} ON {relation} TO {ident(owner)}")
    who = ", ".join(owners)
    where = context.splitlines()[-1] if context else ""
    if grants:
        steps = "; ".join(grants)
        fix = Fix(
            [Manual(f"as the table's owner or a superuser: {steps}", ask=admin)],
            text=f"grant the trigger function's owner what its function does: {steps} (as "
            "the table's owner or a superuser)",
        )
    else:
        fix = Fix(
            [Manual(f"grant {who} the privilege the function needs", ask=admin)],
            text=f"grant {who} (the trigger function's owner) the privilege its function "
            f"needs; the server said: {said}",
        )
    return CheckFailed(
        f"an event trigger on CREATE TABLE ({names}) fails for {t.user}: its SECURITY DEFINER "
        f"function runs as its owner {who}, who is refused a privilege (SQLSTATE 42501)",
        why="an event trigger's SECURITY DEFINER function runs with its owner's privileges, so "
        f"every CREATE TABLE of {t.user} fails inside it whatever {t.user} may do; the server "
        f"said: {said} (in: {where})",
        fix=fix,
    )


def _acting_role(
    conn: psycopg.Connection[Any], t: Target, schema: str, exc: psycopg.Error
) -> CheckFailed | None:
    """42501 while the session runs as another role than the login (``current_user`` is not
    ``session_user``): a ``role`` setting (ALTER ROLE/DATABASE ... SET role, or ``-c role=`` in
    the options) makes every session SET ROLE at login, and privileges are that role's."""
    if getattr(exc.diag, "source_function", None) != "aclcheck_error":
        return None  # not the server's privilege check (an event trigger, a function)
    row = conn.execute(_ACTING).fetchone()
    if row is None or text(row[0]) == text(row[1]):
        return None
    acting = text(row[0])
    if row[2] is not None:
        source = text(row[2])
    elif "role" in _from_options(t, ("role",)):
        source = "client"
    else:
        return None
    reset = _diagnose.reset_setting(t, "role", source, value="none")
    said = str(getattr(exc.diag, "message_primary", "") or exc)
    return CheckFailed(
        f"the sessions of {t.user} run as role {acting} (its setting role = {acting}, set "
        f"{_diagnose.setting_place(t, source)}), and {acting} may not create tables in schema "
        f"{schema}",
        why=f"the role setting makes every session SET ROLE {acting} at login; privileges are "
        f"then checked for {acting}, not for {t.user}; the server said: {said}",
        fix=Fix(
            reset.steps,
            text=f"{reset.text}; or, as the schema's owner or a superuser, let {acting} create "
            f"there: GRANT CREATE ON SCHEMA {ident(schema)} TO {ident(acting)}",
        ),
    )


#: the privileges on a table an application's writes need, and whether the role's global
#: default privileges for tables (pg_default_acl, no schema) leave each to the tables' owner
_OWNER_DEFAULTS = """
SELECT p.privilege_type, EXISTS (
    SELECT 1 FROM aclexplode(d.defaclacl) a
    WHERE a.grantee = d.defaclrole AND a.privilege_type = p.privilege_type)
FROM pg_default_acl d,
     unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS p(privilege_type)
WHERE d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user)
  AND d.defaclnamespace = 0 AND d.defaclobjtype = 'r'
"""


def _default_privileges_refused(
    conn: psycopg.Connection[Any],
    t: Target,
    exc: psycopg.Error,
    statement: str,
    handed: str | None,
) -> CheckFailed | None:
    """42501 on the probe's INSERT or SELECT of the table its own CREATE TABLE has just made
    (and that no trigger handed over): the table's owner lacks the privilege on it. A new
    table's ACL is the owner's global default privileges for tables when it has any
    (pg_default_acl with no schema: ALTER DEFAULT PRIVILEGES FOR ROLE r REVOKE ... ON TABLES
    FROM r, which may revoke the owner's own; per-schema entries only add, aclchk.c
    ``get_user_default_acl``): the server is asked which of them it holds, not its message
    read."""
    if statement not in ("INSERT", "SELECT") or handed is not None:
        return None  # CREATE TABLE itself, or a table another role owns
    if getattr(exc.diag, "source_function", None) != "aclcheck_error":
        return None
    rows = [(text(p), bool(kept)) for p, kept in conn.execute(_OWNER_DEFAULTS).fetchall()]
    missing = [p for p, kept in rows if not kept]
    if statement not in missing:
        return None
    listed = ", ".join(missing)
    grant = t.superuser_sql(
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {ident(t.user)} GRANT {listed} ON TABLES "
        f"TO {ident(t.user)}",
        database=t.dbname,
    )
    said = str(getattr(exc.diag, "message_primary", "") or exc)
    return CheckFailed(
        f"role {t.user} may not {statement} the tables it creates in {t.dbname}: its default "
        f"privileges (ALTER DEFAULT PRIVILEGES) revoke {listed} on new tables from their owner",
        why=f"the write check's CREATE TABLE succeeded and its {statement} of that table, owned by "
        f"{t.user}, was refused (SQLSTATE 42501): pg_default_acl holds {t.user}'s default "
        f"privileges for tables in every schema of {t.dbname}, without {listed} for the owner, "
        f"so every table {t.user} creates is made without them; the server said: {said}",
        fix=Fix(
            [grant],
            text=f"as {t.user} or a superuser, in database {t.dbname}: {grant.render()}; tables "
            f"created before keep their privileges (GRANT {listed} ON ALL TABLES IN SCHEMA "
            f"<schema> TO {ident(t.user)} for them)",
        ),
    )


def _no_schema(conn: psycopg.Connection[Any], t: Target) -> CheckFailed:
    """``current_schema()`` is NULL: the search_path names no schema that exists and that the
    role may use, so an unqualified CREATE TABLE fails (3F000)."""
    entries = [
        (text(entry), bool(exists), bool(usage), bool(create))
        for entry, exists, usage, create in conn.execute(_SEARCH_PATH).fetchall()
    ]
    path = show(conn, "search_path")
    source = read_settings(conn, ("search_path",)).get("search_path", (0, "default"))[1]
    unusable = [(e, create) for e, exists, usage, create in entries if exists and not usage]
    if unusable:
        schema, can_create = unusable[0]
        # a role that has CREATE on it lacks only USAGE
        privilege = "USAGE" if can_create else "USAGE, CREATE"
        grant = t.superuser_sql(
            f"GRANT {privilege} ON SCHEMA {ident(schema)} TO {ident(t.user)}", database=t.dbname
        )
        return CheckFailed(
            f"role {t.user} has no USAGE privilege on schema {schema} (its search_path is "
            f"{path}): the application's tables have no schema to go to",
            why="a schema the role may not USE is skipped in the search_path; with none left, "
            "CREATE TABLE fails with 'no schema has been selected to create in' (3F000)",
            fix=Fix([grant], text=f"as the schema's owner or a superuser: {grant.render()}"),
        )
    where = _diagnose.setting_place(t, source)
    reset = _diagnose.reset_setting(t, "search_path", source)
    if not any(e for e, *_ in entries):
        # an empty search_path ('' or ""): no schema is named, none can be created for it
        shown = path or "''"  # SHOW prints nothing for search_path = ''
        return CheckFailed(
            f"the search_path of {t.user} is empty ({shown}, set {where}): the application's "
            "tables have no schema to go to",
            why="CREATE TABLE without a schema goes to the first schema of the search_path; an "
            "empty search_path names none (3F000: no schema has been selected to create in)",
            fix=reset,
        )
    missing_names = [e for e, exists, *_ in entries if not exists and e]
    missing = "public" if "public" in missing_names else (missing_names or ["public"])[0]
    create = t.superuser_sql(
        f"CREATE SCHEMA IF NOT EXISTS {ident(missing)} AUTHORIZATION {ident(t.user)}",
        database=t.dbname,
    )
    return CheckFailed(
        f"the search_path of {t.user} ({path}, set {where}) names no schema that exists: "
        "the application's tables have no schema to go to",
        why="CREATE TABLE without a schema goes to the first schema of the search_path that "
        "exists; there is none (3F000: no schema has been selected to create in)",
        fix=Fix(
            [create],
            text=f"create the schema, as the database's owner or a superuser: {create.render()}; "
            f"or change the search_path where it is set: {reset}",
        ),
    )


def _schema_refused(
    conn: psycopg.Connection[Any], t: Target, schema: str, exc: psycopg.Error
) -> CheckFailed:
    """42501 on the probe table: which privilege on which object, and who may grant it. Only
    the server's own privilege check (``aclcheck_error``, named by the error's routine field)
    names a privilege; a 42501 raised by anything else (an event trigger, a function) is shown
    in the server's words. Which object refused is asked of the server, not read from its
    message: DefineRelation checks CREATE on the schema first, then on default_tablespace (the
    database's default tablespace needs no grant)."""
    said = str(getattr(exc.diag, "message_primary", "") or exc)
    if getattr(exc.diag, "source_function", None) != "aclcheck_error":
        return _diagnose.query_failed(t, exc, "the write check's CREATE TABLE")
    refused = conn.execute(_REFUSED, (schema,)).fetchone()
    if refused is None:
        return _diagnose.query_failed(t, exc, "the write check's CREATE TABLE")
    schema_ok, tablespace = bool(refused[0]), text(refused[1]) if refused[1] else None
    if schema_ok and tablespace is not None:
        return _tablespace_refused(conn, t, tablespace, said)
    if schema_ok:
        return _diagnose.query_failed(t, exc, "the write check's CREATE TABLE")
    row = conn.execute(_SCHEMA, (schema,)).fetchone()
    if schema in _SYSTEM_SCHEMAS:
        source = read_settings(conn, ("search_path",)).get("search_path", (0, "default"))[1]
        reset = _diagnose.reset_setting(t, "search_path", source)
        return CheckFailed(
            f"the search_path of {t.user} puts the system schema {schema} first (set "
            f"{_diagnose.setting_place(t, source)}): the application's tables cannot go there",
            why=f"{schema} holds PostgreSQL's own catalog; nobody creates tables in it, and no "
            f"GRANT should make it so; the server said: {said}",
            fix=reset,
        )
    if row is None:
        return _diagnose.query_failed(t, exc, "the write check's CREATE TABLE")
    _, owner, usage, create, num, db_owner = row
    owner, db_owner = text(owner), text(db_owner)
    through = _not_inherited(conn, t, schema, int(num))
    if through is not None:
        return through
    privilege = "USAGE, CREATE" if not usage else "CREATE"
    grant = t.superuser_sql(
        f"GRANT {privilege} ON SCHEMA {ident(schema)} TO {ident(t.user)}", database=t.dbname
    )
    why = f"the server said: {said}"
    if schema == "public" and owner == "pg_database_owner" and int(num) >= 150000:
        why = (
            "since PostgreSQL 15 only the database's owner (pg_database_owner) may create in "
            f"schema public; PUBLIC lost CREATE there, and {db_owner} owns {t.dbname}; " + why
        )
        owners = f"the database's owner ({db_owner}) or a superuser"
    else:
        owners = f"the schema's owner ({owner}) or a superuser"
    named = _user_schema(conn, schema)
    if named:
        why = (
            f'the search_path ({named}) begins with "$user": a schema named after the role, '
            f"{schema}, on which it has USAGE, comes first, and CREATE TABLE without a schema "
            "creates there (not in public); " + why
        )
    return CheckFailed(
        f"role {t.user} may not create tables in schema {schema}: no {privilege.split(', ')[-1]} "
        f"privilege on schema {schema}"
        + (' (the "$user" entry of search_path names it)' if named else ""),
        why=why,
        fix=Fix(
            [grant],
            text=f"as {owners}: {grant.render()}; or, if the application only writes tables "
            f"that exist, set {t.section}.write_check = false",
        ),
    )


def _user_schema(conn: psycopg.Connection[Any], schema: str) -> str | None:
    """The search_path, when its "$user" entry is what chose ``schema`` (a schema named after
    the current role, namespace.c ``recomputeNamespacePath``); None otherwise."""
    row = conn.execute("SELECT current_user, current_setting('search_path')").fetchone()
    if row is None or text(row[0]) != schema:
        return None
    path = text(row[1])
    first = path.split(",")[0].strip()
    return path if first == '"$user"' else None


#: the roles the login is a member of, without their privileges (pg_has_role: MEMBER but not
#: USAGE), that may create in the schema; and whether the login role itself inherits
_NOT_INHERITED = """
SELECT r.rolinherit,
       array(SELECT g.rolname::text FROM pg_roles g
             WHERE g.oid <> r.oid
               AND pg_has_role(r.oid, g.oid, 'MEMBER')
               AND NOT pg_has_role(r.oid, g.oid, 'USAGE')
               AND has_schema_privilege(g.oid, %s, 'CREATE')
             ORDER BY 1)
FROM pg_roles r WHERE r.rolname = current_user
"""


def _not_inherited(
    conn: psycopg.Connection[Any], t: Target, schema: str, num: int
) -> CheckFailed | None:
    """42501 on the schema while a role the login is a member of may create there, and the
    login does not inherit that role's privileges (NOINHERIT, or since PostgreSQL 16 a
    membership granted WITH INHERIT FALSE): the right is there only after SET ROLE."""
    row = conn.execute(_NOT_INHERITED, (schema,)).fetchone()
    if row is None or not row[1]:
        return None
    inherits, groups = bool(row[0]), [text(g) for g in row[1]]
    group = groups[0]
    if not inherits and num < 160000:
        step = t.superuser_sql(f"ALTER ROLE {ident(t.user)} INHERIT")
        how = f"role {t.user} is NOINHERIT"
    else:
        step = t.superuser_sql(f"GRANT {ident(group)} TO {ident(t.user)} WITH INHERIT TRUE")
        how = (
            f"role {t.user} is NOINHERIT"
            if not inherits
            else f"the membership of {t.user} in {group} is granted WITH INHERIT FALSE"
        )
    return CheckFailed(
        f"role {t.user} may not create tables in schema {schema}: {how}, and only {group} "
        f"(of which it is a member) may create there",
        why=f"a role uses the privileges of a role it is a member of only when it inherits them; "
        f"otherwise only after SET ROLE {group}, which the application does not run",
        fix=Fix(
            [step],
            text=f"as a superuser: {step.render()}; or let the application SET ROLE {group} "
            "before it creates tables",
        ),
    )


#: which object refused the probe table's CREATE: CREATE on its schema (NULL when the schema is
#: gone), and the default_tablespace that refuses CREATE (NULL when it is unset, is the
#: database's own, or grants CREATE)
_REFUSED = """
SELECT coalesce((SELECT has_schema_privilege(n.oid, 'CREATE') FROM pg_namespace n
                 WHERE n.nspname = %s), false),
       (SELECT s.spcname FROM pg_tablespace s, pg_database d
         WHERE s.spcname = current_setting('default_tablespace')
           AND d.datname = current_database() AND s.oid <> d.dattablespace
           AND NOT has_tablespace_privilege(s.oid, 'CREATE'))
"""


#: the tablespace of the shared catalogs (its OID is fixed: GLOBALTABLESPACE_OID)
_SHARED_TABLESPACE_OID = 1664


def _shared_tablespace(conn: psycopg.Connection[Any], t: Target, exc: psycopg.Error) -> CheckFailed:
    """22023 on the probe table while ``default_tablespace`` names the tablespace of the shared
    catalogs (pg_global): no relation of a database may go there, whatever is granted."""
    row = conn.execute(
        "SELECT spcname FROM pg_tablespace WHERE oid = %s AND spcname = "
        "current_setting('default_tablespace')",
        (_SHARED_TABLESPACE_OID,),
    ).fetchone()
    if row is None:
        return _diagnose.query_failed(t, exc, "the write check's CREATE TABLE")
    name = text(row[0])
    source = read_settings(conn, ("default_tablespace",)).get("default_tablespace", (0, ""))[1]
    where = _diagnose.setting_place(t, source) if source else ""
    said = str(getattr(exc.diag, "message_primary", "") or exc)
    return CheckFailed(
        f"the default_tablespace of {t.user} is {name} (set {where}): the tablespace of the "
        "shared catalogs, where no table of a database may go",
        why=f"CREATE TABLE without a tablespace goes to default_tablespace; {name} takes only "
        f"the cluster's shared catalogs (SQLSTATE 22023); the server said: {said}",
        fix=_diagnose.reset_setting(t, "default_tablespace", source),
    )


def _tablespace_files(
    conn: psycopg.Connection[Any], t: Target, exc: psycopg.Error
) -> CheckFailed | None:
    """Class 58 (a file the server cannot create or open: 58P01 for ENOENT) on the probe table
    while ``default_tablespace`` sends it to a tablespace other than the database's own: that
    tablespace's directory (its disk, its mount) is gone. ``None`` when no such setting."""
    row = conn.execute(
        "SELECT s.spcname, pg_tablespace_location(s.oid) FROM pg_tablespace s, pg_database d "
        "WHERE s.spcname = current_setting('default_tablespace') "
        "AND d.datname = current_database() AND s.oid <> d.dattablespace"
    ).fetchone()
    if row is None:
        return None
    name, location = text(row[0]), text(row[1])
    source = read_settings(conn, ("default_tablespace",)).get("default_tablespace", (0, ""))[1]
    reset = _diagnose.reset_setting(t, "default_tablespace", source)
    where = _diagnose.setting_place(t, source) if source else ""
    said = str(getattr(exc.diag, "message_primary", "") or exc)
    return CheckFailed(
        f"the default_tablespace of {t.user} is {name} (set {where}), whose directory "
        f"{location or '(in the data directory)'} is gone or unusable on the server",
        why=f"CREATE TABLE without a tablespace goes to default_tablespace; the server could "
        f"not create the table's files there (SQLSTATE {exc.sqlstate}: its disk or mount is "
        f"missing, or the directory was removed); the server said: {said}",
        fix=Fix(
            [*reset.steps],
            text=f"reset default_tablespace where it is set: {reset}; or, on the server, mount "
            f"or make {location or name} again (owned by the server's OS user)",
        ),
    )


def _tablespace_refused(
    conn: psycopg.Connection[Any], t: Target, tablespace: str, said: str
) -> CheckFailed:
    """42501 on the tablespace that ``default_tablespace`` names for new tables."""
    source = read_settings(conn, ("default_tablespace",)).get("default_tablespace", (0, ""))[1]
    grant = t.superuser_sql(f"GRANT CREATE ON TABLESPACE {ident(tablespace)} TO {ident(t.user)}")
    reset = _diagnose.reset_setting(t, "default_tablespace", source)
    where = _diagnose.setting_place(t, source) if source else ""
    return CheckFailed(
        f"role {t.user} may not create tables in tablespace {tablespace}: no CREATE privilege "
        f"on tablespace {tablespace}",
        why=f"default_tablespace ({where}) sends new tables there; the server said: {said}",
        fix=Fix(
            [grant],
            text=f"as the tablespace's owner or a superuser: {grant.render()}; or reset "
            f"default_tablespace where it is set: {reset}",
        ),
    )


def _blocked(
    conn: psycopg.Connection[Any],
    t: Target,
    schema: str,
    exc: psycopg.Error,
    configured: tuple[int, str] | None,
) -> CheckFailed:
    """55P03: the probe table waited for a lock (on its schema) longer than lock_timeout (the
    configured one, or envcheck's own bound); the holders are named."""
    rows = conn.execute(
        "SELECT l.pid, a.usename, a.application_name, a.state FROM pg_locks l "
        "JOIN pg_stat_activity a USING (pid) WHERE l.granted AND l.locktype = 'object' "
        "AND l.classid = 'pg_namespace'::regclass AND l.objid = %s::regnamespace "
        "AND l.pid <> pg_backend_pid()",
        (schema,),
    ).fetchall()
    holders = ", ".join(
        f"pid {pid} ({text(user)}, {text(app) or 'no application_name'}, "
        f"{text(state) if state is not None else 'state not visible'})"
        for pid, user, app, state in rows
    )
    held = f" held by {holders}" if holders else ""
    xacts = _prepared_holders(conn, schema)
    if xacts:
        named = ", ".join(
            f"prepared transaction '{gid}' (prepared {when} by {owner} in database {database})"
            for gid, when, owner, database in xacts
        )
        held = f" held by {holders} and {named}" if holders else f" held by {named}"
    if configured is not None:
        failed = _diagnose.timed_out(
            t, "lock_timeout", configured[0], configured[1], "the write check's CREATE TABLE"
        )
        return CheckFailed(failed.summary + held, why=failed.why, fix=failed.fix)
    if xacts and not rows:
        return _prepared_blocks(t, schema, held, xacts)
    steps: list[Step] = [
        Manual(
            f"end or finish the transaction that holds schema {schema}{held}",
            ask="whoever runs that session",
        )
    ]
    steps += [t.superuser_sql(f"SELECT pg_terminate_backend({int(pid)})") for pid, *_ in rows[:1]]
    return CheckFailed(
        f"creating a table in schema {schema} waited for a lock{held}",
        why="another session holds a lock on the schema (a migration, DROP/ALTER SCHEMA in an "
        "open transaction); the application's DDL waits the same way",
        fix=Fix(steps),
    )


def _prepared_holders(conn: psycopg.Connection[Any], schema: str) -> list[tuple[str, ...]]:
    """The prepared transactions (two-phase commit) that hold a granted lock on ``schema``: no
    backend holds such a lock (pg_locks.pid is null); the prepared transaction keeps the
    virtual transaction of its transaction-id lock. Their gid, prepared time, owner and
    database."""
    rows = conn.execute(
        "SELECT DISTINCT x.gid, to_char(x.prepared, 'YYYY-MM-DD HH24:MI:SS TZ'), x.owner, "
        "x.database, x.prepared FROM pg_locks l "
        "JOIN pg_locks t ON t.virtualtransaction = l.virtualtransaction "
        "AND t.locktype = 'transactionid' AND t.pid IS NULL "
        "JOIN pg_prepared_xacts x ON x.transaction = t.transactionid "
        "WHERE l.granted AND l.pid IS NULL AND l.locktype = 'object' "
        "AND l.classid = 'pg_namespace'::regclass AND l.objid = %s::regnamespace "
        "ORDER BY x.prepared",
        (schema,),
    ).fetchall()
    return [tuple(text(v) for v in row[:4]) for row in rows]


def _prepared_blocks(
    t: Target, schema: str, held: str, xacts: list[tuple[str, ...]]
) -> CheckFailed:
    """55P03 by envcheck's own bound, the schema's lock held only by prepared transactions:
    no session to end; COMMIT PREPARED or ROLLBACK PREPARED, as its owner or a superuser in its
    database, ends each."""
    ends = []
    for gid, _when, owner, database in xacts:
        quoted = literal(gid)
        commit = t.psql(f"COMMIT PREPARED {quoted}", user=owner, db=database)
        rollback = t.psql(f"ROLLBACK PREPARED {quoted}", user=owner, db=database)
        ends.append(
            f"to keep its work: {commit}; to discard it: {rollback} (as {owner} or a "
            "superuser, in that database)"
        )
    return CheckFailed(
        f"creating a table in schema {schema} waited for a lock{held}",
        why="a prepared transaction (PREPARE TRANSACTION: the first phase of a two-phase "
        "commit) keeps its locks, across sessions and restarts, until COMMIT PREPARED or "
        "ROLLBACK PREPARED; no session holds this one (its coordinator, a transaction manager "
        "or a migration tool, never finished it), so ending sessions frees nothing; the "
        "application's DDL waits the same way",
        fix=Fix(
            [
                Manual(
                    "ask whoever prepared it whether its work should stay, then end it: "
                    + "; ".join(ends),
                    ask="the transaction's owner or the database's administrator",
                )
            ]
        ),
    )


# -- what the fixture, other plugins and fixes use ------------------------------------------------


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
    so envcheck never holds a second one. A fix's session has the settings it may repair off."""
    import psycopg

    env = os.environ if environ is None else environ
    t = parse_config(
        cfg,
        lambda value, key="dsn": _interpolate.resolve(value, env, secret=True),
        rootdir=rootdir,
    )
    _server.close_all((COMPONENT,))
    kwargs = t.connect_kwargs(f"{APPLICATION_NAME} {purpose}", math.ceil(cfg.timeout))
    if user is not None and user != kwargs.get("user"):
        kwargs["user"] = user
        kwargs["password"] = ""  # that role's own: libpq's password file
    if dbname is not None:
        kwargs["dbname"] = dbname
    if purpose == "fix":
        kwargs["options"] = (kwargs.get("options", "") + " " + FIX_OPTIONS).strip()
        kwargs["target_session_attrs"] = "any"
        # a client_encoding without a Python codec (a role's default) would stop the fix too
        kwargs["client_encoding"] = "UTF8"
    return psycopg.connect(**kwargs)


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
    the server's SQLSTATE. An empty ``user`` is the OS user (what libpq sends). ``libpq_message``
    (the client's text) is shown only when the probe learns nothing. Bounded by ``timeout``
    seconds; ``password`` is registered as a secret."""
    from envcheck.core import redact

    user = user or os_user() or ""
    dbname = dbname or user
    params = {"host": host, "port": str(port), "user": user, "dbname": dbname}
    params["sslmode"] = sslmode
    if password:
        redact.register(password)
        params["password"] = password
    t = Target(host, port, user, dbname, source, sslmode, params=params)
    return _diagnose.diagnose_login(t, Exception(libpq_message), time.monotonic() + timeout)


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
