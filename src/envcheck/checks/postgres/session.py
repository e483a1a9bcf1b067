"""The shared connection of a postgres instance: opened by the first check that needs it (a failed
login is explained by :func:`.diagnose.diagnose_login`), used by one check after the other; a
query that fails is explained by its SQLSTATE (:mod:`.diagnose`)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from envcheck.checks.postgres import diagnose as _diagnose
from envcheck.checks.postgres import wire as _pgwire
from envcheck.checks.postgres.target import Target
from envcheck.checks.shared import server as _server
from envcheck.core.model import CheckFailed, Context

if TYPE_CHECKING:
    import psycopg

COMPONENT = "postgres"
#: ``application_name`` of envcheck's own connections (unless the DSN sets one), so that a DBA can
#: tell them apart in pg_stat_activity
APPLICATION_NAME = "envcheck"
#: the SQLSTATEs of a statement stopped by a timeout setting, and the setting
_TIMEOUT_CODES = {
    "57014": "statement_timeout",
    "55P03": "lock_timeout",
    "57P05": "idle_session_timeout",
    "25P03": "idle_in_transaction_session_timeout",
}


@contextmanager
def session(ctx: Context, t: Target) -> Iterator[psycopg.Connection[Any]]:
    """The instance's shared connection. A connection lost during a check is closed (by the
    shared holder) before it is reported; a query error is explained by its SQLSTATE."""
    import psycopg

    holder = _server.shared((COMPONENT, t.instance, t.identity), _close)
    what = f"the {ctx.check.name} check's query"
    stalled: list[str] = []
    began = time.monotonic()
    try:
        with holder.use(ctx, lambda: _opened(ctx, t)) as conn:
            with _watchdog(ctx, conn, stalled):
                yield conn
    except psycopg.Error as exc:
        if stalled:
            raise _diagnose.answer_stalled(t, what, stalled[0], ctx.check.seconds) from None
        elapsed = (time.monotonic() - began) * 1000
        raise explain_query(ctx, t, exc, what, elapsed) from None


def _opened(ctx: Context, t: Target) -> psycopg.Connection[Any]:
    """:func:`_open`; a login that fails at a port the settings leave empty names it."""
    try:
        return _open(ctx, t)
    except CheckFailed as failed:
        raise _diagnose.defaulted_port(t, failed) from None


@contextmanager
def _watchdog(ctx: Context, conn: psycopg.Connection[Any], stalled: list[str]) -> Iterator[None]:
    """Half a second before the check's deadline, a query still waiting on the server is cut
    (the socket shut down), so the check explains it instead of the runner abandoning it:
    libpq's words so far go to ``stalled`` (a protocol error it met and keeps waiting after,
    e.g. an unknown message type, on which it waits for ReadyForQuery)."""
    import socket
    import threading

    def cut() -> None:
        try:
            said = conn.pgconn.error_message.decode("utf-8", "replace").strip()
            sock = socket.socket(fileno=os.dup(conn.pgconn.socket))
        except (OSError, ValueError, AttributeError):
            return
        stalled.append(said)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    timer = threading.Timer(max(0.05, ctx.remaining() - 0.5), cut)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def explain_query(
    ctx: Context, t: Target, exc: psycopg.Error, what: str, elapsed_ms: float | None = None
) -> CheckFailed:
    """Why a check's statement failed: a timeout setting (named with where it is set), a cancel
    request (57014 sooner than statement_timeout: ``elapsed_ms`` is an upper bound of the
    statement's time, from before it was sent), a server that ended the session, or the honest
    fallback with the SQLSTATE and the server's words."""
    import psycopg

    code = getattr(exc, "sqlstate", None) or ""
    name = _TIMEOUT_CODES.get(code)
    if name:
        found = settings_of(ctx, t, (name,)).get(name)
        ms, source = found if found else (0, "")
        if code == "57014" and elapsed_ms is not None and (ms <= 0 or elapsed_ms < ms):
            return _diagnose.cancelled(t, max(ms, 0), source, elapsed_ms, what)
        if ms > 0:
            return _diagnose.timed_out(t, name, ms, source, what)
    if code == "25006":
        found_ro = read_only_source(ctx, t)
        return _diagnose.read_only_sessions(t, found_ro)
    if code:
        return _diagnose.query_failed(t, exc, what)
    if isinstance(exc, (psycopg.OperationalError, psycopg.DatabaseError)) and not isinstance(
        exc, psycopg.errors.ConnectionTimeout
    ):
        return _diagnose.answer_broken(t, exc, what)
    return _diagnose.query_failed(t, exc, what)


def settings_of(ctx: Context, t: Target, names: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    """Session settings (``(value in ms, pg_settings.source)``) read on a short connection of
    their own whose timeouts are off: what a failed session was subject to."""
    import psycopg

    own = t.params.get("options", "")
    given = given_options(t, names)
    if given:  # set by the connection string itself
        return given
    kwargs = t.connect_kwargs(f"{APPLICATION_NAME} diagnosis", ctx.remaining())
    kwargs["options"] = (own + " " + _FIX_OFF).strip()
    try:
        with psycopg.connect(**kwargs, autocommit=True) as conn:
            return read_settings(conn, names, tuple(n for n in names if n in _FIX_OFF))
    except psycopg.Error:
        return {}


def read_aside(
    ctx: Context, t: Target, names: tuple[str, ...], query: str
) -> tuple[dict[str, tuple[int, str]], tuple[Any, ...] | None]:
    """The settings ``names`` (as :func:`read_settings` reads them) and one row of ``query``, on a
    short connection of its own whose timeouts are off: for a check whose own statements the
    session's timeouts stopped (a 1 ms statement_timeout can cancel even ``SET LOCAL``). Errors
    are explained as the shared session's are."""
    import psycopg

    kwargs = t.connect_kwargs(f"{APPLICATION_NAME} diagnosis", ctx.remaining())
    kwargs["options"] = (t.params.get("options", "") + " " + _FIX_OFF).strip()
    try:
        with psycopg.connect(**kwargs, autocommit=True) as conn:
            off = tuple(n for n in names if n in _FIX_OFF)
            return read_settings(conn, names, off), conn.execute(query).fetchone()
    except psycopg.Error as exc:
        raise explain_query(ctx, t, exc, f"the {ctx.check.name} check's query") from None


_OPTION = re.compile(r"(?:-c\s*|--)([a-z_]+)=(\S+)")


def given_options(t: Target, names: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    """``-c name=value`` in the connection string's ``options``: ``(ms, "client")``."""
    own = t.params.get("options", "")
    return {n: (_ms(v), "client") for n, v in _OPTION.findall(own) if n in names}


def _ms(value: str) -> int:
    """A timeout setting's value (``1ms``, ``2s``, ``500``) in milliseconds, 0 if unreadable."""
    return time_ms(value) or 0


#: the units of a time setting whose base unit is the millisecond, as the server's GUC parser
#: takes them (case-sensitive, optional space after the number)
_TIME_UNITS = {"us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}


def time_ms(value: str) -> int | None:
    """A millisecond time setting (``1ms``, ``1.5 s``, ``500``) as the server reads it: the number
    (fractions allowed) times its unit, rounded to a whole millisecond; None if not such a value.
    Read here, not by setting it: ``SET LOCAL statement_timeout = '1ms'`` would let the server
    cancel the very query that reads it back."""
    found = re.fullmatch(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([a-z]*)", value.strip().strip("'\""))
    if not found:
        return None
    unit = found.group(2)
    if unit and unit not in _TIME_UNITS:
        return None
    return int(round(float(found.group(1)) * _TIME_UNITS.get(unit, 1)))


#: a diagnosis connection is not stopped by what it diagnoses (its own session only)
_FIX_OFF = "-c statement_timeout=0 -c lock_timeout=0 -c idle_session_timeout=0"


def read_settings(
    conn: psycopg.Connection[Any], names: tuple[str, ...], overridden: tuple[str, ...] = ()
) -> dict[str, tuple[int, str]]:
    """``name -> (value in ms, source)`` from pg_settings. For a setting this session overrides
    itself (``overridden``: envcheck's own options or ``SET LOCAL``), the role and database
    defaults are read instead (pg_db_role_setting), else the server's."""
    rows = conn.execute(
        "SELECT name, setting, source FROM pg_settings WHERE name = ANY(%s)", (list(names),)
    ).fetchall()
    found: dict[str, tuple[int, str]] = {}
    for name, setting, source in rows:
        name, setting, source = text(name), text(setting), text(source)
        if name in overridden:
            setting, source = _default_of(conn, name)
        found[name] = (int(setting) if setting.lstrip("-").isdigit() else 0, source)
    return found


_DEFAULTS = """
SELECT s.setrole = 0, s.setdatabase = 0, cfg
FROM pg_db_role_setting s, unnest(s.setconfig) AS cfg
WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
  AND s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = session_user))
  AND cfg LIKE %s
"""


def _default_of(conn: psycopg.Connection[Any], name: str) -> tuple[str, str]:
    """What ``name`` would be without this session's options: a role or database default (from
    pg_db_role_setting), else the server's (``reset_val`` and ``source`` of the configuration)."""
    found = _role_or_database_default(conn, name)
    if found is not None:
        value, source = found
        return _as_ms(conn, name, value), source
    row = conn.execute(
        "SELECT reset_val, CASE WHEN reset_val = boot_val THEN 'default' "
        "ELSE 'configuration file' END FROM pg_settings WHERE name = %s",
        (name,),
    ).fetchone()
    return (text(row[0]), text(row[1])) if row else ("0", "default")


def _role_or_database_default(conn: psycopg.Connection[Any], name: str) -> tuple[str, str] | None:
    """The role or database default of ``name`` that applies to this session (the most specific
    of pg_db_role_setting's rows) and its pg_settings source name, or None."""
    rows = conn.execute(_DEFAULTS, (f"{name}=%",)).fetchall()
    ranked = sorted(
        ((bool(no_role), bool(no_db), text(cfg)) for no_role, no_db, cfg in rows),
        key=lambda r: (r[0], r[1]),
    )
    if not ranked:
        return None
    no_role, no_db, cfg = ranked[0]
    source = "database user" if not no_role and not no_db else "user" if not no_role else "database"
    return cfg.split("=", 1)[1], source


def _as_ms(conn: psycopg.Connection[Any], name: str, value: str) -> str:
    """A setting's value (``1ms``, ``2s``, ``500``) in its base unit, as the server reads it."""
    known = time_ms(value)
    if known is not None:
        return str(known)
    try:
        with conn.transaction():
            conn.execute(f"SET LOCAL {name} = {_literal(value)}")
            row = conn.execute(
                "SELECT setting FROM pg_settings WHERE name = %s", (name,)
            ).fetchone()
    except Exception:  # noqa: B902 - a value the server refuses reads as unknown
        return "0"
    return text(row[0]) if row else "0"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read_only_source(ctx: Context, t: Target) -> str:
    """Where ``default_transaction_read_only`` is set (pg_settings.source)."""
    found = settings_of(ctx, t, ("default_transaction_read_only",))
    return found.get("default_transaction_read_only", (0, "unknown"))[1]


def _close(conn: psycopg.Connection[Any]) -> None:
    conn.close()


def _open(ctx: Context, t: Target) -> psycopg.Connection[Any]:
    import psycopg

    # psycopg never waits less than 2 s. Rounded down, its timeout ends inside the check's (from a
    # 3 s timeout up), so a login that hangs gets its own diagnosis; below that, the runner
    # abandons the check at its timeout.
    kwargs = t.connect_kwargs(
        f"{APPLICATION_NAME} {ctx.check.component}/{t.instance}", ctx.remaining()
    )
    timeout = int(kwargs["connect_timeout"])
    try:
        conn = psycopg.connect(**kwargs, autocommit=True)
    except psycopg.errors.ConnectionTimeout as exc:
        raise _diagnose.probe_timeout(t, timeout, _server.deadline_of(ctx), exc) from None
    except psycopg.OperationalError as exc:
        raise _diagnose.diagnose_login(t, exc, _server.deadline_of(ctx)) from None
    if conn.pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        # ReadyForQuery ended the login with a status byte other than I (idle): libpq keeps
        # it as unknown (fe-protocol3.c), and psycopg then takes every transaction for a
        # nested one (SAVEPOINT)
        status = psycopg.pq.TransactionStatus(conn.pgconn.transaction_status).name
        conn.close()
        raise _diagnose.protocol_broken(
            t,
            _pgwire.ProtocolViolation(
                _pgwire.EXPECT_READY,
                f"ReadyForQuery's transaction status is not I (idle) after the login: libpq "
                f"reads it as {status}",
            ),
            f"transaction status {status} after the login",
        ) from None
    try:
        conn.info.encoding  # psycopg's codec for the session's client_encoding
    except psycopg.NotSupportedError:
        # libpq's own copy: psycopg's parameter_status needs the codec itself
        encoding = text(conn.pgconn.parameter_status(b"client_encoding") or b"?")
        conn.close()
        raise _diagnose.no_python_codec(t, encoding, _encoding_source(ctx, t)) from None
    return conn


def _encoding_source(ctx: Context, t: Target) -> str:
    """Where the session's client_encoding comes from (pg_settings' words): the connection's own
    (the DSN, PGCLIENTENCODING), else a role or database default, else the server's. Read on a
    connection of its own that asks for UTF8 (the startup packet's value wins over the
    defaults, which stay readable in pg_db_role_setting)."""
    import psycopg

    if t.libpq_value("client_encoding"):
        return "client"
    kwargs = t.connect_kwargs(f"{APPLICATION_NAME} diagnosis", ctx.remaining())
    kwargs["client_encoding"] = "UTF8"
    try:
        with psycopg.connect(**kwargs, autocommit=True) as conn:
            found = _role_or_database_default(conn, "client_encoding")
    except psycopg.Error:
        return "unknown"
    return found[1] if found else "configuration file"


def text(value: Any) -> str:
    """A value as text, whatever the connection's encoding (SQL_ASCII gives bytes)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def show(conn: psycopg.Connection[Any], name: str) -> str:
    row = conn.execute(f"SHOW {name}").fetchone()
    return text(row[0]) if row else "?"
