"""What the checks do when the server's bytes break the protocol, at each phase the checks reach:
the failure space of the protocols' own message formats and the clients' own errors, not the
faults someone met.

PostgreSQL (protocol-flow and protocol-message-formats of PostgreSQL's documentation; libpq's
fe-connect.c, fe-protocol3.c, fe-auth.c, fe-auth-scram.c; RFC 5802/7677 for SCRAM): a server
that speaks the real protocol (SSL answer, SCRAM-SHA-256 itself, then a real server's
ParameterStatus, BackendKeyData, ReadyForQuery and query answers relayed) places one fault at one
phase (:data:`PG_PHASES` x :data:`PG_FAULTS`, and the SCRAM and ParameterStatus kinds of
:data:`PG_SPECIAL`). Redis (RESP2/RESP3 specification; redis-py 8's ``redis/_parsers``): a proxy
in front of a real redis-server answers one command with one fault's bytes
(:data:`REDIS_COMMANDS` x :data:`REDIS_FAULTS`).

Ground truth is the real client: psycopg logs in (and runs ``SELECT 1``) through every login
fault; where it works, the checks may pass. Where it fails, and for every query and Redis fault,
the invariants hold: the check whose request met the fault fails (never passes, never envcheck's
own error, never the password); its verdict names the protocol layer and the phase or request,
and quotes the client's words (libpq's text) verbatim; it never names a cause not established
(no "not PostgreSQL" once a real authentication request was answered, no wrong password for a
server signature the client refused).
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
from typing import Any

import pytest

from tests.verdicts import table
from tests.verdicts.protocol_faults import (
    CLOSE,
    GO,
    HOLD,
    PgPlan,
    RedisPlan,
    pg_faults,
    redis_faults,
)
from tests.verdicts.test_heldout_servers9 import of_instance

PASSWORD = "Proto-pw-Never-Shown-5"

#: the phases of a login the checks reach, in order (protocol-flow, "Start-up"), and the name
#: the verdict must give each (the protocol's own message names)
PG_PHASES = {
    "ssl": "SSLRequest",  # the one-byte answer to SSLRequest
    "auth": "authentication request",  # AuthenticationSASL, the first answer to StartupMessage
    "scram-first": "SCRAM",  # AuthenticationSASLContinue: server-first-message (RFC 5802 3)
    "scram-final": "SCRAM",  # AuthenticationSASLFinal: server-final-message
    "auth-ok": "AuthenticationOk",
    "param": "ParameterStatus",
    "key": "BackendKeyData",
    "ready": "ReadyForQuery",
}
#: faults at any message (protocol-message-formats: a Byte1 type and an Int32 length that
#: counts itself): a type no message has; a length one short of the contents ("message
#: contents do not agree with length"); half a message, then close ("server closed the
#: connection unexpectedly"); a close with no message; a length near 2 GiB; a message of
#: another phase; 2000 NoticeResponses before it (legal after authentication only)
PG_FAULTS = ("unknown", "length", "truncated", "close", "huge", "wrong-phase", "flood")
#: faults only a phase has: SCRAM's server-first without the client's nonce as its prefix
#: (fe-auth-scram.c "invalid SCRAM response (nonce mismatch)"), without the salt, the server's
#: signature that does not verify ("incorrect server signature"), the server-error attribute
#: ``e=`` ("error received from server in SCRAM exchange"); ReadyForQuery's status byte neither
#: I, T nor E; ParameterStatus values the client meets
PG_SPECIAL = [
    PgPlan("scram-first", "nonce"),
    PgPlan("scram-first", "malformed"),
    PgPlan("scram-final", "signature"),
    PgPlan("scram-final", "server-error"),
    PgPlan("ready", "status"),
    PgPlan("param", "value", "server_version", "garbage"),
    PgPlan("param", "value", "server_encoding", "KOI9"),
    PgPlan("param", "value", "server_encoding", "SQL_ASCII"),
    PgPlan("param", "value", "client_encoding", "KOI9"),
    PgPlan("param", "value", "client_encoding", "LATIN1"),
    PgPlan("param", "value", "integer_datetimes", "off"),
    PgPlan("param", "value", "standard_conforming_strings", "off"),
]
#: the kinds with a row of docs/verdicts/postgres.md of their own (the rest: the fallback)
PG_ROWS = {
    PgPlan("scram-final", "signature"): "pg-protocol-scram-signature",
    PgPlan("scram-first", "nonce"): "pg-protocol-scram-nonce",
}
#: each check's statements (a piece of the text the proxy knows them by) -> the check
PG_QUERIES = {
    "SELECT 1": "connect",
    "server_version_num": "version",
    "current_setting('server_encoding')": "settings",
    "CREATE TABLE": "write",
}
#: faults at a query's answer (its first RowDescription or CommandComplete); ``wrong-phase`` is
#: a DataRow without RowDescription (fe-protocol3.c 'server sent data ("D" message) without
#: prior row description')
PG_QUERY_FAULTS = ("unknown", "length", "truncated", "close", "huge", "wrong-phase")


def pg_plans() -> list[PgPlan]:
    plans = [PgPlan(phase, fault) for phase in PG_PHASES for fault in PG_FAULTS]
    plans = [p for p in plans if not (p.phase == "ssl" and p.fault in ("length", "huge"))]
    plans += PG_SPECIAL
    plans += [PgPlan("query", f, q) for q in PG_QUERIES for f in PG_QUERY_FAULTS]
    return plans + [PgPlan("query", "flood", "SELECT 1")]


#: commands the checks send (a run through the proxy logs them; HELLO 2 with ``protocol=3``)
REDIS_COMMANDS = ("AUTH", "HELLO", "PING", "INFO", "CONFIG", "SET", "GET", "DEL")
#: a reply of the right protocol and the wrong shape for each command
WRONG_SHAPE = {
    "AUTH": b":1\r\n",
    "HELLO": b"+OK\r\n",
    "PING": b":1\r\n",
    "INFO": b":1\r\n",
    "CONFIG": b"+OK\r\n",
    "SET": b":1\r\n",
    "GET": b"+OK\r\n",
    "DEL": b"+OK\r\n",
}
#: RESP (redis.io/docs/latest/develop/reference/protocol-spec): the type byte, bulk lengths,
#: -1 nulls; RESP3's types, which a RESP2 client never asked for
REDIS_FAULTS: dict[str, tuple[bytes, str]] = {
    "unknown-type": (b"?garbage\r\n", HOLD),
    "bulk-truncated-close": (b"$10\r\nabc", CLOSE),
    "bulk-negative": (b"$-5\r\n", HOLD),
    "bulk-longer-than-sent": (b"$100\r\nabc\r\n", HOLD),
    "huge-length": (b"$99999999999\r\n", HOLD),
    "array-cut-close": (b"*2\r\n$1\r\na\r\n", CLOSE),
    "close": (b"", CLOSE),
    "extra-reply": (b"+EXTRA\r\n", GO),
    "resp3-null": (b"_\r\n", HOLD),
    "resp3-boolean": (b"#t\r\n", HOLD),
    "resp3-double": (b",1.5\r\n", HOLD),
    "resp3-big-number": (b"(3492890328409238509324850943850943825024385\r\n", HOLD),
    "resp3-map": (b"%1\r\n+a\r\n+b\r\n", HOLD),
    "resp3-set": (b"~1\r\n+a\r\n", HOLD),
    "resp3-push": (b">2\r\n+message\r\n+x\r\n", HOLD),
    "resp3-attribute": (b"|1\r\n+ttl\r\n:1\r\n+OK\r\n", HOLD),
    "resp3-blob-error": (b"!9\r\nERR oops!\r\n", HOLD),
    "resp3-verbatim": (b"=8\r\ntxt:abcd\r\n", HOLD),
}


#: a RESP3 type is one kind to a RESP2 parser: two of them to every command, all to INFO
RESP3_EVERYWHERE = ("resp3-null", "resp3-map")


def redis_plans() -> list[RedisPlan]:
    plans = [
        RedisPlan(c, name, reply, then)
        for c in REDIS_COMMANDS
        for name, (reply, then) in REDIS_FAULTS.items()
        if not name.startswith("resp3") or name in RESP3_EVERYWHERE or c == "INFO"
    ]
    return plans + [RedisPlan(c, "wrong-shape", WRONG_SHAPE[c], HOLD) for c in REDIS_COMMANDS]


def run_envcheck(pytester: pytest.Pytester, component: str, sections: str) -> dict[str, Any]:
    from envcheck.checks.shared import server

    pytester.makefile(".toml", pyproject=sections)
    try:
        pytester.runpytest_inprocess(
            "-m", component, "-p", "no:cacheprovider", "--envcheck-report", "-qq", "--tb=no", "-rN"
        )
    finally:
        server.close_all((component,))
    report = pytester.path / "envcheck-report.json"
    assert report.is_file(), "envcheck wrote no report"
    assert PASSWORD not in report.read_text(), "the password is in the report"
    return {c["id"]: c for c in json.loads(report.read_text())["checks"]}


def shown(check: dict[str, Any]) -> str:
    return f"{check['summary']} | {check.get('why') or ''} | {check.get('hint') or ''}"


def libpq_words(exc: BaseException) -> str:
    """libpq's own text, without its ``connection to server at ... failed:`` preamble."""
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return re.sub(r"^.*? failed: ", "", line).strip()


def client_says(dsn: str, plan: PgPlan) -> str | None:
    """What psycopg raises logging in through the fault and running SELECT 1; None when it
    works (a query fault on another statement: not asked)."""
    import psycopg

    if plan.phase == "query" and plan.name != "SELECT 1":
        return None
    try:
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            # a held answer: libpq would wait for the proxy's own 60 s; the connection is shut
            # down after 3 s instead, as the checks' watchdog does (libpq then says the server
            # closed it, as at the proxy's close)
            cut = threading.Timer(3.0, _shut_down, (conn,))
            cut.start()
            try:
                with conn.transaction():  # as the checks (and Django's atomic) do
                    conn.execute("SELECT 1").fetchone()
            finally:
                cut.cancel()
    except psycopg.Error as exc:  # a SQLSTATE: the words are the server's, not the client's
        return "" if getattr(exc, "sqlstate", None) else libpq_words(exc)
    return None


def _shut_down(conn: Any) -> None:
    try:
        sock = socket.socket(fileno=os.dup(conn.pgconn.socket))
    except (OSError, ValueError, AttributeError):
        return
    with sock:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


#: words a verdict must not say about a protocol fault: a cause nobody established
NOT_ESTABLISHED = ("is not PostgreSQL", "password is wrong", "wrong password", "does not speak")


def pg_judged(plan: PgPlan, checks: dict[str, Any], name: str, said: str | None) -> list[str]:
    by = {c: checks.get(f"postgres/{name}.{c}") for c in ("reachable", "connect", "version")}
    by.update({c: checks.get(f"postgres/{name}.{c}") for c in ("settings", "write")})
    if any(c is None for c in by.values()):
        return [f"checks missing: {[c for c, v in by.items() if v is None]}"]
    failing = {c: v for c, v in by.items() if v and v["status"] in ("fail", "warn")}
    texts = {c: shown(v) for c, v in failing.items()}
    if any("bug" in t.lower() or "Traceback" in t for t in texts.values()):
        return [f"envcheck's own error: {texts}"]
    if plan.phase != "query" and said is None:
        return [] if not failing else [f"the client works, a check fails: {texts}"]
    if plan.phase == "query" and plan.fault == "flood":
        return [] if not failing else [f"legal notices, a check fails: {texts}"]
    meets = (
        "reachable"
        if plan.phase == "ssl"
        else PG_QUERIES[plan.name] if plan.phase == "query" else "connect"
    )
    found = by[meets]
    assert found is not None
    if found["status"] != "fail":
        return [f"{meets} {found['status']}: {shown(found)}"]
    text = shown(found)
    if plan.phase == "ssl":
        return []
    problems = []
    label = f"{meets} check's" if plan.phase == "query" else PG_PHASES[plan.phase]
    wants = ["protocol", label, *([said] if said else [])]
    if plan.fault == "value":  # a value the client cannot use: the parameter is named
        wants = [plan.name]
    for wanted in wants:
        if wanted.lower() not in text.lower():
            problems.append(f"does not say {wanted!r}")
    if problems:
        problems = [f"{meets} {', '.join(problems)}: {text}"]
    for wrong in NOT_ESTABLISHED:
        if wrong in text:
            problems.append(f"{meets} names a cause not established ({wrong!r})")
    if plan.fault == "signature" and "could not prove" not in text:
        problems.append(f"a server signature refused is not told as unproven: {text}")
    return problems


def redis_judged(plan: RedisPlan, checks: dict[str, Any], name: str) -> list[str]:
    mine = {k.split(".", 1)[1]: v for k, v in checks.items() if k.startswith(f"redis/{name}.")}
    failing = {c: v for c, v in mine.items() if v["status"] in ("fail", "warn")}
    texts = {c: shown(v) for c, v in failing.items()}
    if not failing:
        return ["every check passed"]
    if any("bug" in t.lower() or "Traceback" in t for t in texts.values()):
        return [f"envcheck's own error: {texts}"]
    named = [t for t in texts.values() if "protocol" in t.lower() and plan.command in t]
    if plan.fault == "close" or (plan.command == "PING" and plan.fault == "unknown-type"):
        # a close with no reply is a proxy's hang-up (redis.md's rows: a new connection tells),
        # and bytes that are no RESP to the first PING are another program's (redis-http ...)
        named += [t for t in texts.values() if "hung up on " + plan.command in t]
        named += [t for t in texts.values() if "does not speak the Redis protocol" in t]
    if not named:
        return [f"no failing check names the protocol and {plan.command}: {texts}"]
    if plan.then != HOLD:
        blamed = [t for t in named if "blocked" in t or "no answer in time" in t]
        if blamed:
            return [f"a reply or close told as silence: {blamed}"]
    return []


def test_every_protocol_fault_at_every_phase(pytester: pytest.Pytester) -> None:
    """Both components' pairs in one envcheck session: one instance per pair."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.servers import postgres_cluster, redis_server

    pg_list, redis_list = pg_plans(), redis_plans()
    hba = "host all all 127.0.0.1/32 trust"
    with (
        postgres_cluster(hba, local="local all all trust", settings=("max_connections=400",)) as pg,
        redis_server("--requirepass", PASSWORD) as redis_port,
    ):
        with (
            pg_faults(pg_list, pg.port, PASSWORD) as pg_ports,
            redis_faults(redis_list, redis_port) as redis_ports,
        ):
            dsns = [f"postgresql://sweep:{PASSWORD}@127.0.0.1:{p}/sweep" for p in pg_ports]
            # one thread per pair: most of the time is libpq waiting out held answers
            with ThreadPoolExecutor(len(dsns)) as pool:
                truth = list(pool.map(client_says, dsns, pg_list))
            sections = "".join(
                f'[tool.envcheck.postgres.f{i}]\ndsn = "{d}"\ntimeout = 20.0\n'
                for i, d in enumerate(dsns)
            )
            sections += "".join(
                f"[tool.envcheck.redis.r{i}]\n"
                f'url = "redis://:{PASSWORD}@127.0.0.1:{p}/0'
                + ("?protocol=3" if plan.command == "HELLO" else "")
                + '"\ntimeout = 20.0\n'
                for i, (plan, p) in enumerate(zip(redis_list, redis_ports))
            )
            checks = run_envcheck(pytester, "postgres or redis", sections)
    # the real client through the query faults it meets: every one but the notices breaks it
    for plan, said in zip(pg_list, truth):
        if plan.phase == "query" and plan.name == "SELECT 1":
            assert (said is None) == (plan.fault == "flood"), (plan, said)
    problems = []
    for i, (plan, said) in enumerate(zip(pg_list, truth)):
        found = pg_judged(plan, checks, f"f{i}", said)
        if found:
            problems.append(f"postgres {plan.phase}/{plan.fault}/{plan.name}: " + "; ".join(found))
    for i, rplan in enumerate(redis_list):
        found = redis_judged(rplan, checks, f"r{i}")
        if found:
            problems.append(f"redis {rplan.command}/{rplan.fault}: " + "; ".join(found))
    for plan, ident in PG_ROWS.items():
        row = next(r for r in table.rows("postgres") if r.id == ident)
        name = f"f{pg_list.index(plan)}"
        mine = of_instance(list(checks.values()), "postgres", name)
        for p in table.verdict_problems(row, mine):
            problems.append(f"row {ident}: {p}")
    total = len(pg_list) + len(redis_list)
    assert not problems, f"{len(problems)} of {total} pairs:\n" + "\n".join(problems)
