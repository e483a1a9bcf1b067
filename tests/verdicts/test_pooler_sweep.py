"""What sits between the client and the server: every error reply PgBouncer and twemproxy make
themselves, to the requests envcheck sends (the failure space of the two programs' own sources,
not the rows someone met).

- PgBouncer 1.18 (the installed ``pgbouncer``; src/*.c at tag pgbouncer_1_18_0): every text it
  sends a client through ``disconnect_client`` / ``disconnect_server`` (notify) / ``admin_error``
  / ``send_pooler_error``, kept below as data with its file and line (:data:`PGBOUNCER`). All are
  one shape (proto.c ``send_pooler_error``): an ErrorResponse of exactly the fields S, C = 08P01
  and M, FATAL and the connection closed, or ERROR and ReadyForQuery on the admin console; no V,
  no F/L/R, which every error of PostgreSQL's own backend carries. Made for real where a
  configuration makes it (one cluster, two poolers; :data:`REAL_PG`): a password the auth_file
  does not hold, a user it does not list, a role or database the pooler lists and the server
  does not have or lets in (the server's refusal of the pooler's own login, relayed), a startup
  parameter it does not know, a database DISABLEd or PAUSEd on the admin console, the admin
  console itself as the application's database (as an admin and as a user it does not allow),
  statement pooling meeting the transaction psycopg opens; every text
  once more as PgBouncer's exact bytes on the wire (a fake answering by user name), at the login
  and, for what PgBouncer says to a logged-in client, on the first query.
- twemproxy 0.5.0 (the installed ``nutcracker``; src/proto/nc_redis.c RSP_STRING, nc_message.c
  ``msg_get_error``: ``-ERR <strerror(errno)>`` for each errno its connections set): made for
  real with nutcracker in front of a real Redis (``redis_auth`` set and the URL's password
  missing or wrong; no ``redis_auth`` and a password in the URL; a server behind it with a
  password the proxy does not send; the server down; a server that never answers within the
  pool's ``timeout``), and every reply once more as exact bytes (the Redis sweep's proxy) to each
  command the checks send.

The invariants: the check that met the refusal never passes; never envcheck's own error; the
password never shown; the pooler's or proxy's words verbatim; the layer named as a pooler or
proxy where the answer's structure shows it (PgBouncer's field set; twemproxy's strerror text,
which Redis never answers). Fixes executed: the printed fix of a sample, done, heals.

In numbers (4 tests): PgBouncer, 86 texts (36 to the startup packet, 37 to a logged-in client's
query, 13 on the admin console) and 12 real refusals on two poolers (max_client_conn reached is
tests/verdicts/test_heldout_servers7.py's, for real); twemproxy, 41 pairs (10 errno texts
to PING, SET, GET and DEL, its wrong-password answer to AUTH) and 8 real cases on one nutcracker
(one of them the healthy neighbour), and the ``envcheck_redis`` fixture through it.
On the code before it (84a957c, this file's tests unchanged): 47 of the 86 texts broke the
invariants, 47 of the 50 PgBouncer sends a logged-in client: "the server refused the check's
query (SQLSTATE 08P01: connection exception) ... the server's log", no pooler named (the other
3: the two texts envcheck knew, query_wait_timeout and server_login_retry, and one whose own
words say "pooler"); read for substance, all 36 refused at login carried "ask the pooler's
administrator to accept this client's startup parameters", the fix of one of them; 2 of the 13
real refusals (max_client_conn then among them) named no pooler (the admin console's "invalid
command", statement pooling) and 8 more carried that startup-parameter fix; twemproxy: 10 of
41 (an errno text to the first PING: ERR's generic fallback), 3 of 7 real breakages (NOAUTH
without the reply's words twice, AUTH with a user name "stopped answering ... blocked") and
the healthy neighbour failed (INFO's hang-up met a new connection's NOAUTH: "stopped
answering"); read for substance, the server's password not sent by the proxy got "put the
password in the URL" (the proxy then refuses AUTH) and the proxy's wrong-password and
no-password answers ERR's fallback; the fixture failed (redis-py 8 opens with HELLO 3, then
CLIENT SETINFO; twemproxy hangs up on both). Now none. What changed is in
docs/verdicts/README.md (the sweep's paragraph).
Cost: 4 tests, 8.3 to 10.3 CPU-s over two runs on a machine at load 8 to 12 (``/usr/bin/time`` on
``-p no:xdist --basetemp``, the pgbouncer, nutcracker, redis-server and postgres processes
included; 2.5 of it pytest's and envcheck's start), 16 s wall; each broken setup's envcheck run
selects the checks its requests meet (``-k``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.servers import free_port, need, postgres_cluster, redis_server
from tests.verdicts.child_server import child_server
from tests.verdicts.test_heldout_servers7 import Bouncer, reply
from tests.verdicts.test_redis_sweep import proxies

PASSWORD = "Pooler-sweep-pw-Never-Shown-5"

#: PgBouncer 1.18's own texts to a client: (where in src/, stage, the text as its format has
#: it). Stage ``login``: a FATAL before the session starts; ``session``: a FATAL to a logged-in
#: client (its janitor's timeouts, the reason a server connection linked to it was closed for,
#: packets it refuses); ``admin``: an ERROR on the admin console, followed by ReadyForQuery.
PGBOUNCER: tuple[tuple[str, str, str], ...] = (
    ("admin.c:1576", "login", "not allowed"),
    ("client.c:134", "login", "pause failed"),
    ("client.c:180", "login", "certificate authentication failed"),
    ("client.c:194", "login", "unix socket login rejected"),
    ("client.c:213", "login", "no memory for pool"),
    ("client.c:262", "login", '"trust" authentication failed'),
    ("client.c:279", "login", "login rejected"),
    ("client.c:310", "login", "username too long"),
    ("client.c:316", "login", "password too long"),
    ("client.c:327", "login", "bouncer config error"),
    ("client.c:341", "login", "bouncer resources exhaustion"),
    ("client.c:478", "login", "no such user"),
    ("client.c:554", "login", "unsupported startup parameter: %s"),
    ("client.c:559", "login", "no username supplied"),
    ("client.c:576", "login", "no more connections allowed (max_client_conn)"),
    ("client.c:701", "login", "client sent partial pkt in startup phase"),
    ("client.c:752", "login", "old V2 protocol not supported"),
    ("client.c:757", "login", "SSL required"),
    ("client.c:762", "login", "client re-sent startup pkt"),
    ("client.c:778", "login", "client password pkt before startup packet"),
    ("client.c:793", "login", "client selected an invalid SASL authentication mechanism"),
    ("client.c:801", "login", "SASL authentication failed"),
    ("client.c:840", "login", "empty password returned by client"),
    ("client.c:857", "login", "password authentication failed"),
    ("client.c:1014", "login", "bad packet header: '%s'"),
    ("client.c:1030", "login", "received unencrypted data after SSL request"),
    ("client.c:1034", "login", "received unencrypted data after GSSAPI encryption request"),
    ("janitor.c:428", "login", "client_login_timeout (server down)"),
    ("janitor.c:590", "login", "client_login_timeout"),
    (
        "objects.c:626",
        "login",
        "server login has been failing, try again later (server_login_retry)",
    ),
    ("objects.c:1459", "login", "no such database: %s"),
    ("objects.c:1464", "login", 'database "%s" is disabled'),
    ("pam.c:287", "login", "PAM authentication failed"),
    ("proto.c:266", "login", "failed to prepare welcome message"),
    ("proto.c:273", "login", "failed to send welcome message"),
    ("janitor.c:404", "login", "query_wait_timeout"),
    ("client.c:894", "session", "PQexec disallowed"),
    ("client.c:930", "session", "unknown pkt"),
    ("janitor.c:68", "session", "suspend_timeout"),
    ("janitor.c:145", "session", "idle server got dirty"),
    ("janitor.c:385", "session", "client_idle_timeout"),
    ("janitor.c:402", "session", "query_timeout"),
    ("janitor.c:404", "session", "query_wait_timeout"),
    ("janitor.c:448", "session", "database configuration changed"),
    ("janitor.c:450", "session", "SV_IDLE server got dirty"),
    ("janitor.c:452", "session", "SV_USED server got dirty"),
    ("janitor.c:455", "session", "server idle timeout"),
    ("janitor.c:458", "session", "server lifetime over"),
    ("janitor.c:462", "session", "pause mode"),
    ("janitor.c:488", "session", "too many servers in the pool"),
    ("janitor.c:549", "session", "query timeout"),
    ("janitor.c:554", "session", "idle transaction timeout"),
    ("janitor.c:569", "session", "connect timeout"),
    (
        "objects.c:626",
        "session",
        "server login has been failing, try again later (server_login_retry)",
    ),
    ("objects.c:665", "session", "obsolete connection"),
    ("objects.c:683", "session", "var change failed"),
    ("objects.c:833", "session", "close_needed"),
    ("objects.c:1010", "session", "client disconnect while server was not ready"),
    ("objects.c:1015", "session", "client disconnect before everything was sent to the server"),
    ("objects.c:1114", "session", "server DNS lookup failed"),
    ("objects.c:1133", "session", "unknown address family: %d"),
    ("objects.c:1263", "session", "evicted"),
    ("objects.c:1864", "session", "connect string changed"),
    ("server.c:57", "session", "broken ParameterStatus packet"),
    ("server.c:60", "session", "failed to store ParameterStatus"),
    ("server.c:97", "session", "partial pkt in login phase"),
    ("server.c:120", "session", "unknown pkt from server"),
    ("server.c:129", "session", "login failed"),
    ("server.c:175", "session", "bad cancel key"),
    ("server.c:273", "session", "transaction blocks not allowed in statement pooling mode"),
    ("server.c:316", "session", "invalid server parameter"),
    ("server.c:566", "session", "bad pkt header"),
    ("admin.c:85", "admin", "invalid command '%s', use SHOW HELP;"),
    ("admin.c:199", "admin", "no mem"),
    ("admin.c:248", "admin", "SET failed"),
    ("admin.c:251", "admin", "admin access needed"),
    ("admin.c:1051", "admin", "pooler is not paused/suspended"),
    ("admin.c:1058", "admin", "database %s is not paused"),
    ("admin.c:1074", "admin", "already suspended/paused"),
    ("admin.c:1078", "admin", "cannot suspend with paused databases"),
    ("admin.c:1110", "admin", "cannot pause admin db: %s"),
    ("admin.c:1162", "admin", "a database is required"),
    ("admin.c:1470", "admin", "bad arguments"),
    ("admin.c:1507", "admin", "extended query protocol not supported by admin console"),
    ("admin.c:1511", "admin", "unsupported packet type for admin console: %d"),
    ("pktbuf.c:161", "admin", "result prepare failed"),
)


def filled(text: str) -> str:
    """The text as PgBouncer sends it, its format's arguments given (a database, a parameter,
    a packet's bytes, a number)."""
    return text.replace("'%s'", "'5100000004'").replace("%s", "appdb").replace("%d", "80")


#: the fake PgBouncer: ``python -c FAKE texts.json``; prints its port, answers until stdin
#: closes. User ``l<i>``: text i as a FATAL to the startup packet; ``s<i>`` / ``a<i>``: the
#: login completes (as PgBouncer's welcome), then text i answers the first query (FATAL and
#: close; ERROR and ReadyForQuery on every query for the admin console's)
FAKE = r"""
import asyncio, json, sys

texts = json.loads(open(sys.argv[1]).read())

def message(kind, body):
    return kind + (len(body) + 4).to_bytes(4, "big") + body

def pooler_error(text, severity):  # proto.c send_pooler_error: S, C, M and nothing else
    return message(b"E", b"S" + severity + b"\0C08P01\0M" + text.encode() + b"\0\0")

READY = message(b"Z", b"I")

def welcome():
    out = message(b"R", (0).to_bytes(4, "big"))
    for k, v in (("server_version", "15.5"), ("client_encoding", "UTF8"),
                 ("server_encoding", "UTF8"), ("DateStyle", "ISO, MDY"),
                 ("integer_datetimes", "on"), ("standard_conforming_strings", "on")):
        out += message(b"S", k.encode() + b"\0" + v.encode() + b"\0")
    return out + message(b"K", (1).to_bytes(4, "big") + (2).to_bytes(4, "big")) + READY

async def one(reader, writer):
    try:
        while True:
            head = await reader.readexactly(8)
            length = int.from_bytes(head[:4], "big")
            if int.from_bytes(head[4:8], "big") in (80877103, 80877104):
                writer.write(b"N")
                continue
            parts = (await reader.readexactly(length - 8)).split(b"\0")
            params = {parts[i].decode(): parts[i + 1].decode()
                      for i in range(0, len(parts) - 1, 2) if parts[i]}
            user = params.get("user", "l0")
            text = texts[int(user[1:])]
            if user[0] == "l":
                writer.write(pooler_error(text, b"FATAL"))
                await writer.drain()
                break
            writer.write(welcome())
            await writer.drain()
            while True:
                kind = await reader.readexactly(1)
                size = int.from_bytes(await reader.readexactly(4), "big")
                await reader.readexactly(size - 4)
                if kind == b"X":
                    break
                if kind not in (b"Q", b"S"):
                    continue  # Parse, Bind, Describe, Execute: answered at the Sync
                if user[0] == "s":
                    writer.write(pooler_error(text, b"FATAL"))
                    await writer.drain()
                    break
                writer.write(pooler_error(text, b"ERROR") + READY)
                await writer.drain()
            break
    except (asyncio.IncompleteReadError, OSError, ValueError, IndexError):
        pass
    writer.close()

async def main():
    server = await asyncio.start_server(one, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.close()

asyncio.run(main())
"""


@contextmanager
def fake_pgbouncer(texts: list[str], directory: Path) -> Iterator[int]:
    with child_server(FAKE, texts, directory / "pooler-texts.json") as port:
        yield port


def run(
    pytester: pytest.Pytester, toml: str, marker: str, select: str = ""
) -> dict[str, list[dict[str, Any]]]:
    """One envcheck session over every instance in ``toml`` (only the checks ``select`` names,
    as ``-k`` does): the JSON report's checks, by instance."""
    from envcheck.checks.shared import server

    pytester.makefile(".toml", pyproject=toml)
    report = pytester.path / "envcheck-report.json"
    report.unlink(missing_ok=True)
    try:
        pytester.runpytest_inprocess(
            "-m",
            marker,
            *(("-k", select) if select else ()),
            "-p",
            "no:cacheprovider",
            "--envcheck-report",
            "--envcheck-only",
            "-q",
        )
    finally:
        server.close_all(("postgres", "redis"))
    assert report.is_file(), "envcheck wrote no report"
    text = report.read_text()
    assert PASSWORD not in text, "the password is in the report"
    by_instance: dict[str, list[dict[str, Any]]] = {}
    for check in json.loads(text)["checks"]:
        by_instance.setdefault(check["id"].split("/")[1].split(".")[0], []).append(check)
    return by_instance


def text_of(check: dict[str, Any]) -> str:
    return f"{check['summary']} | {check.get('why') or ''} | {check.get('hint') or ''}"


def problems_of(checks: list[dict[str, Any]], met: str, words: str, layer: str | None) -> list[str]:
    """What breaks the invariants for one instance: the check ``met`` (the one whose request got
    the refusal) passes or is missing; a check is envcheck's own error; the failing check does
    not quote ``words`` or (``layer``) name the pooler or proxy."""
    by_name = {c["id"].rsplit(".", 1)[1]: c for c in checks}
    found = by_name.get(met)
    if found is None:
        return [f"no {met} check: {sorted(by_name)}"]
    own = [text_of(c) for c in checks if "bug" in text_of(c).lower() or "Traceback" in text_of(c)]
    if own:
        return [f"envcheck's own error: {own}"]
    if found["status"] not in ("fail", "warn"):
        return [f"{met} {found['status']}: {text_of(found)}"]
    said = text_of(found)
    missing = [w for w in (words, layer) if w and w.lower() not in said.lower()]
    return [f"{met} does not say {missing}: {said}"] if missing else []


# -- PgBouncer, for real ---------------------------------------------------------------------

#: instance -> (the database and user it logs in as, the check that meets the refusal, the words
#: the client reads, its password (None: the right one), extra DSN parameters)
REAL_PG: dict[str, tuple[str, str, str, str, str | None, str]] = {
    "wrong_password": ("appdb", "app", "connect", "SASL authentication failed", "Not-the-pw-9", ""),
    "user_not_listed": ("appdb", "stranger", "connect", "SASL authentication failed", None, ""),
    "role_not_on_server": (
        "appdb",
        "ghost",
        "connect",
        'password authentication failed for user "ghost"',
        None,
        "",
    ),
    "role_nologin": (
        "appdb",
        "nolog",
        "connect",
        'role "nolog" is not permitted to log in',
        None,
        "",
    ),
    "database_not_on_server": (
        "gonedb",
        "app",
        "connect",
        'database "gonedb" does not exist',
        None,
        "",
    ),
    "startup_options": (
        "appdb",
        "app",
        "connect",
        "unsupported startup parameter: options",
        None,
        " options='-csearch_path=public'",
    ),
    "database_disabled": ("disdb", "app", "connect", 'database "disdb" is disabled', None, ""),
    "database_paused": ("pausedb", "app", "connect", "query_wait_timeout", None, ""),
    "admin_console_not_allowed": ("pgbouncer", "app", "connect", "not allowed", None, ""),
    "admin_console": ("pgbouncer", "pgbadmin", "connect", "invalid command", None, ""),
    "not_listed_database": ("otherdb", "app", "connect", "no such database: otherdb", None, ""),
}
#: on the statement-pooling pooler: the transaction psycopg opens for the connect check's query
STATEMENT = ("appdb", "app", "connect", "transaction blocks not allowed in statement pooling mode")


def pg_instance(
    name: str,
    port: int,
    db: str,
    user: str,
    password: str | None,
    extra: str,
    timeout: float = 6.0,
) -> str:
    dsn = (
        f"host=127.0.0.1 port={port} dbname={db} user={user} "
        f"password={password or PASSWORD} sslmode=disable{extra}"
    )
    return f'[tool.envcheck.postgres.{name}]\ndsn = "{dsn}"\ntimeout = {timeout}\n'


@contextmanager
def pg_world(directory: Path) -> Iterator[dict[str, Any]]:
    """One cluster and two poolers in front of it: the main one (auth_file, admin console,
    four databases) and one in statement pooling mode (max_client_conn reached is the seventh
    held-out round's, for real). Yields the live pieces."""
    hba = "host all all 127.0.0.1/32 scram-sha-256"
    with ExitStack() as stack:
        pg = stack.enter_context(postgres_cluster(hba))
        pg.sql(
            f"CREATE ROLE app LOGIN PASSWORD '{PASSWORD}'",
            f"CREATE ROLE nolog NOLOGIN PASSWORD '{PASSWORD}'",
            "CREATE DATABASE appdb OWNER app",
        )
        target = f"host=127.0.0.1 port={pg.port} dbname="
        users = {u: PASSWORD for u in ("app", "ghost", "nolog", "pgbadmin")}
        poolers = {}
        for name, databases, settings in (
            (
                "main",
                {"appdb": "appdb", "gonedb": "gonedb", "disdb": "appdb", "pausedb": "appdb"},
                {"admin_users": "pgbadmin", "query_wait_timeout": "1"},
            ),
            ("statement", {"appdb": "appdb"}, {"pool_mode": "statement"}),
        ):
            # the pooler runs as postgres when this runs as root: a directory of its own
            where = Path(tempfile.mkdtemp(prefix=f"envcheck-pooler-{name}-"))
            stack.callback(shutil.rmtree, where, True)
            made = Bouncer(
                where,
                free_port(),
                {db: target + real for db, real in databases.items()},
                users,
                settings,
            )
            made.start()
            stack.callback(made.stop)
            poolers[name] = made
        admin = stack.enter_context(
            psycopg.connect(
                f"host=127.0.0.1 port={poolers['main'].port} dbname=pgbouncer user=pgbadmin "
                f"password={PASSWORD} sslmode=disable",
                autocommit=True,
            )
        )
        admin.execute("DISABLE disdb")
        admin.execute("PAUSE pausedb")
        yield {"pg": pg, "poolers": poolers, "admin": admin}


def test_pgbouncer_refusals_made_for_real(pytester: pytest.Pytester, tmp_path: Path) -> None:
    with pg_world(tmp_path) as world:
        main = world["poolers"]["main"].port
        toml = "".join(
            pg_instance(name, main, db, user, password, extra)
            for name, (db, user, _, _, password, extra) in REAL_PG.items()
        )
        db, user, _, _ = STATEMENT
        toml += pg_instance(
            "statement_pooling", world["poolers"]["statement"].port, db, user, None, ""
        )
        found = run(pytester, toml, "postgres", "connect")
        expected = {name: (met, words) for name, (_, _, met, words, _, _) in REAL_PG.items()}
        expected["statement_pooling"] = STATEMENT[2:]
        problems = [
            f"{name}: {p}"
            for name, (met, words) in expected.items()
            for p in problems_of(found.get(name, []), met, words, "pooler")
        ]
        dump(found)
        assert not problems, f"{len(problems)} of {len(expected)}:\n" + "\n".join(problems)
        # the printed fixes of four, done as printed: every check of those instances passes
        hints = {
            name: next(c.get("hint") or "" for c in checks if c["id"].endswith(".connect"))
            for name, checks in found.items()
        }
        assert "ENABLE disdb" in hints["database_disabled"]
        world["admin"].execute("ENABLE disdb")
        assert "RESUME" in hints["database_paused"]
        world["admin"].execute("RESUME pausedb")
        assert "pool_mode = transaction (or session)" in hints["statement_pooling"]
        statement = world["poolers"]["statement"]
        statement.settings["pool_mode"] = "session"
        statement.restart()
        assert "correct the password" in hints["wrong_password"]
        after = run(
            pytester,
            pg_instance("database_disabled", main, "disdb", "app", None, "")
            + pg_instance("database_paused", main, "pausedb", "app", None, "")
            + pg_instance("statement_pooling", statement.port, "appdb", "app", None, "")
            + pg_instance("wrong_password", main, "appdb", "app", None, ""),
            "postgres",
        )
        failing = [c for checks in after.values() for c in checks if c["status"] != "pass"]
        assert len(after) == 4 and not failing, failing


def dump(found: dict[str, list[dict[str, Any]]]) -> None:
    if os.environ.get("SWEEP_DUMP"):
        for name, checks in found.items():
            for c in checks:
                if c["status"] != "pass":
                    print(name, c["id"], c["status"], text_of(c)[:600])


def test_every_pgbouncer_text_on_the_wire(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """Each text of :data:`PGBOUNCER` as PgBouncer's exact bytes, where it sends it: to the
    startup packet, or to a logged-in client's first query."""
    texts = [filled(text) for _, _, text in PGBOUNCER]
    with fake_pgbouncer(texts, tmp_path) as port:
        # each where PgBouncer sends it: to the startup packet, or to a logged-in client
        stages = {"login": "l", "session": "s", "admin": "a"}
        users = [stages[stage] + str(i) for i, (_, stage, _) in enumerate(PGBOUNCER)]
        # 86 instances at once on a busy machine: a generous timeout
        toml = "".join(pg_instance(u, port, "appdb", u, None, "", 15.0) for u in users)
        found = run(pytester, toml, "postgres", "connect")
    problems = [
        f"{u} {PGBOUNCER[int(u[1:])][0]}: {p}"
        for u in users
        for p in problems_of(found.get(u, []), "connect", texts[int(u[1:])], "pooler")
    ]
    dump(found)
    assert not problems, f"{len(problems)} of {len(users)}:\n" + "\n".join(problems)


# -- twemproxy, for real ---------------------------------------------------------------------


@contextmanager
def nutcracker(pools: dict[str, str]) -> Iterator[dict[str, int]]:
    """One nutcracker process serving ``pools`` (name -> the pool's YAML lines after ``listen``),
    each on a free port of its own: the ports by name."""
    binary = shutil.which("nutcracker") or (
        "/usr/sbin/nutcracker" if Path("/usr/sbin/nutcracker").exists() else None
    )
    if binary is None:
        need("nutcracker (twemproxy): scripts/services installs it")
    assert binary is not None
    where = Path(tempfile.mkdtemp(prefix="envcheck-nutcracker-"))
    ports = {name: free_port() for name in pools}
    (where / "nutcracker.yml").write_text(
        "".join(
            f"{name}:\n  listen: 127.0.0.1:{ports[name]}\n  redis: true\n  hash: fnv1a_64\n"
            f"  distribution: ketama\n  auto_eject_hosts: false\n{lines}"
            for name, lines in pools.items()
        )
    )
    proc = subprocess.Popen(
        [binary, "-c", str(where / "nutcracker.yml"), "-s", str(free_port())]
        + ["-o", str(where / "nutcracker.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        for port in ports.values():
            while True:
                assert proc.poll() is None and time.monotonic() < deadline, "nutcracker died"
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.01)
        yield ports
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(where, ignore_errors=True)


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers (a Redis server stuck)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        held: list[socket.socket] = []
        stop = threading.Event()

        def accept() -> None:
            listener.settimeout(0.1)
            while not stop.is_set():
                try:
                    held.append(listener.accept()[0])
                except OSError:
                    continue

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        try:
            yield listener.getsockname()[1]
        finally:
            stop.set()
            thread.join(5)
            for conn in held:
                conn.close()


#: the checks whose requests twemproxy answers or forwards (INFO and CONFIG, which it hangs up on,
#: are the seventh held-out round's)
FORWARDING = "reachable or auth or roundtrip"

#: instance -> (pool, the URL's user info, the checks that may meet the refusal, the words, the
#: layer the verdict must name)
REAL_REDIS: dict[str, tuple[str, str, tuple[str, ...], str, str | None]] = {
    "proxy_password_missing": ("auth", "", ("auth",), "Authentication required", None),
    "proxy_password_wrong": ("auth", ":Not-the-pw-9@", ("auth",), "invalid password", None),
    # nc_redis.c takes AUTH's first argument as the password; AUTH with two: it hangs up
    "proxy_acl_user": ("auth", f"app:{PASSWORD}@", ("auth",), "AUTH", "proxy"),
    "proxy_has_no_password": (
        "open",
        f":{PASSWORD}@",
        ("auth",),
        "Client sent AUTH, but no password is set",
        None,
    ),
    "server_password_not_sent": ("open", "", ("roundtrip",), "Authentication required", None),
    "server_down": ("down", "", ("roundtrip",), "Connection refused", "proxy"),
    "server_silent": ("silent", "", ("roundtrip",), "Connection timed out", "proxy"),
}


def test_twemproxy_refusals_made_for_real(pytester: pytest.Pytester) -> None:
    with ExitStack() as stack:
        backend = stack.enter_context(redis_server("--requirepass", PASSWORD))
        silent = stack.enter_context(silent_server())
        dead = free_port()
        ports = stack.enter_context(
            nutcracker(
                {
                    "auth": f"  redis_auth: {PASSWORD}\n  servers:\n   - 127.0.0.1:{backend}:1\n",
                    "open": f"  servers:\n   - 127.0.0.1:{backend}:1\n",
                    "down": f"  servers:\n   - 127.0.0.1:{dead}:1\n",
                    "silent": f"  timeout: 300\n  servers:\n   - 127.0.0.1:{silent}:1\n",
                }
            )
        )
        assert reply(ports["auth"], "SET", "k", "v") == b"-NOAUTH Authentication required\r\n"
        toml = "".join(
            f'[tool.envcheck.redis.{name}]\nurl = "redis://{auth}127.0.0.1:{ports[pool]}/0"\n'
            "timeout = 5.0\n"
            for name, (pool, auth, *_) in REAL_REDIS.items()
        )
        toml += (
            f"[tool.envcheck.redis.proxy_password_right]\n"
            f'url = "redis://:{PASSWORD}@127.0.0.1:{ports["auth"]}/0"\ntimeout = 5.0\n'
        )
        found = run(pytester, toml, "redis", FORWARDING)
        # the printed fixes, done as printed: every check that failed passes after
        hint = {
            name: " ".join(c.get("hint") or "" for c in checks if c["status"] == "fail")
            for name, checks in found.items()
        }
        right = f"redis://:{PASSWORD}@127.0.0.1:{ports['auth']}/0"
        assert "redis://:PASSWORD@" in hint["proxy_acl_user"]  # the user name dropped
        assert "correct the password" in hint["proxy_password_wrong"]
        for name in ("proxy_has_no_password", "server_password_not_sent"):
            assert "redis_auth" in hint[name], hint[name]
        fixed = stack.enter_context(
            nutcracker(
                {"fixed": f"  redis_auth: {PASSWORD}\n  servers:\n   - 127.0.0.1:{backend}:1\n"}
            )
        )
        healed = f"redis://:{PASSWORD}@127.0.0.1:{fixed['fixed']}/0"
        after = run(
            pytester,
            "".join(
                f'[tool.envcheck.redis.{name}]\nurl = "{url}"\ntimeout = 5.0\n'
                for name, url in (
                    ("proxy_acl_user", right),
                    ("proxy_password_wrong", right),
                    ("proxy_has_no_password", healed),
                    ("server_password_not_sent", healed),
                )
            ),
            "redis",
        )
        still = [
            c
            for checks in after.values()
            for c in checks
            if c["status"] == "fail"
            or (c["id"].endswith((".auth", ".roundtrip")) and c["status"] != "pass")
        ]
        assert len(after) == 4 and not still, still
        fixture_through(pytester, ports["open"], healed)
    dump(found)
    problems = []
    for name, (_, _, met, words, layer) in REAL_REDIS.items():
        checks = found.get(name, [])
        failing = [c["id"].rsplit(".", 1)[1] for c in checks if c["status"] in ("fail", "warn")]
        first = next((m for m in met if m in failing), met[0])
        problems += [f"{name}: {p}" for p in problems_of(checks, first, words, layer)]
    healthy = {c["id"]: c["status"] for c in found.get("proxy_password_right", [])}
    if healthy.get("redis/proxy_password_right.roundtrip") != "pass":
        problems.append(f"proxy_password_right: {healthy}")
    assert not problems, f"{len(problems)}:\n" + "\n".join(problems)


#: the errno values twemproxy 0.5.0 puts in ``-ERR <strerror>`` (nc_server.c, nc_core.c,
#: nc_response.c, nc_request.c, nc_connection.c: its connect, read and write to the server, the
#: server's timeout, a host it ejected or could not resolve, a reply it could not parse)
TWEMPROXY_ERRNOS = (
    "ECONNREFUSED",
    "ETIMEDOUT",
    "EHOSTDOWN",
    "ECONNRESET",
    "ENOTCONN",
    "EINVAL",
    "EPIPE",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "ENOMEM",
)
#: the requests envcheck sends that twemproxy forwards (INFO and CONFIG it hangs up on), and
#: PING, which it answers itself (the first reply envcheck reads: a path of its own)
FORWARDED = ("PING", "SET", "GET", "DEL")


def test_every_twemproxy_reply_on_the_wire(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """twemproxy's replies as its exact bytes, by the Redis sweep's proxy in front of a real
    Redis with a password: ``-ERR <strerror>`` to each forwarded request, its refusal of a wrong
    password to AUTH. The failing check quotes the reply; a strerror is named a proxy's."""
    import errno

    plans = [
        {"command": c, "reply": f"-ERR {os.strerror(getattr(errno, name))}"}
        for name in TWEMPROXY_ERRNOS
        for c in FORWARDED
    ]
    plans.append({"command": "AUTH", "reply": "-ERR invalid password"})
    with redis_server("--requirepass", PASSWORD) as port:
        with proxies(port, plans, tmp_path) as ports:
            found = run(
                pytester,
                "".join(
                    f'[tool.envcheck.redis.p{i}]\nurl = "redis://:{PASSWORD}@127.0.0.1:{p}/0"\n'
                    "timeout = 10.0\n"
                    for i, p in enumerate(ports)
                ),
                "redis",
                FORWARDING,
            )
    problems = []
    for i, plan in enumerate(plans):
        checks = found.get(f"p{i}", [])
        failing = [c["id"].rsplit(".", 1)[1] for c in checks if c["status"] in ("fail", "warn")]
        words = plan["reply"][1:].partition(" ")[2]
        layer = "proxy" if plan["command"] != "AUTH" else None
        met = failing[0] if failing else "auth"
        said = problems_of(checks, met, words, layer)
        problems += [f"{plan['command']} {plan['reply']}: {p}" for p in said]
    dump(found)
    assert not problems, f"{len(problems)} of {len(plans)}:\n" + "\n".join(problems)


def fixture_through(pytester: pytest.Pytester, bare: int, url: str) -> None:
    """redis-py sends HELLO 3 and CLIENT SETINFO on every new connection and twemproxy hangs up
    on both: the ``envcheck_redis`` fixture's client, built where a new connection is hung up on
    them, sends neither, so the user's test gets a working client through the proxy."""
    assert reply(bare, "CLIENT", "SETINFO", "LIB-NAME", "redis-py") == b""
    assert reply(bare, "HELLO", "3") == b""
    pytester.makepyfile(test_cache="""
        def test_cache(envcheck_redis):
            envcheck_redis.set("envcheck:pooler-sweep", "v")
            assert envcheck_redis.get("envcheck:pooler-sweep") == b"v"
            assert envcheck_redis.delete("envcheck:pooler-sweep") == 1
        """)
    pytester.makefile(".toml", pyproject=f'[tool.envcheck.redis]\nurl = "{url}"\n')
    from envcheck.checks.shared import server

    try:
        result = pytester.runpytest_inprocess("test_cache.py", "-p", "no:cacheprovider")
    finally:
        server.close_all(("redis",))
    result.assert_outcomes(passed=1)
