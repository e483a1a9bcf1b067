"""Fourteenth held-out round for PostgreSQL and Redis (issue 21): kinds that neither the earlier
rounds (tests/verdicts/test_heldout_servers*.py 1-13) nor the sweeps (a SQLSTATE at login or at
the write, a Redis error reply to each command, a pooler's or proxy's own answer, TLS, the
protocol sweep, the client-side settings sweep) nor a row cover, and healthy neighbours, each
made on a real throwaway server and proved with the real client (psycopg 3.3 with its libpq 18,
redis-py 8.1) first.

How the set was made (2026-12-07), from the sources of truth; of envcheck's code only the round
machinery of the earlier round files, the tables' rows and the shared recogniser of foreign
protocols (kit/_net.py ``looks_like``, to know what the sweeps and rows already name) were read:

- PostgreSQL 15 (postgresql.conf ``listen_addresses``; libpq's "Connection refused" names one
  address): a server that listens on ``::1`` only and a DSN for ``127.0.0.1``: refused, while
  the same port answers as PostgreSQL on the other loopback address. Made with a listener on
  ``[::1]:PORT`` alone that relays to the lab's server (what a client sees of a server with
  ``listen_addresses = '::1'``: a refusal at 127.0.0.1, PostgreSQL at ::1).
- libpq (fe-auth-scram.c ``pg_fe_scram_build_secret`` / ``read_server_first_message`` call
  ``pg_saslprep``; RFC 4013 and RFC 5802: the password is normalised with NFKC before the
  SCRAM proof) and the server (``pg_be_scram_build_secret`` does the same at CREATE ROLE): a
  password with a combining accent (``e`` + U+0301, NFD as macOS keyboards and some password
  managers write it) logs in; its healthy neighbour is that role. The breakage: the same kind
  of role with ``CONNECTION LIMIT 0`` (53300 after authentication): whatever diagnoses the
  refusal must send what libpq sends (issue 21 section 3), never call the password wrong.
- PostgreSQL 15 (guc.c ``transaction_read_only``: each transaction starts from
  ``default_transaction_read_only``; xact.c ``StartTransaction``): ``ALTER ROLE ... SET
  transaction_read_only = on`` is accepted and changes nothing a later transaction does
  (healthy; the rows pg-25006-* are default_transaction_read_only).
- PostgreSQL 15 (hba.c ``check_hostname``: a host-name line matches only when the client's
  address resolves back (reverse lookup) to that name and the name forward to the address): the
  only line for a group names ``app.envcheck.invalid``; 127.0.0.1 resolves back to
  ``localhost``: 28000 ``no pg_hba.conf entry``.
- redis-server (``bind``; ``connect()`` ECONNREFUSED): a server bound to ``127.0.0.1`` and a URL
  for ``[::1]``: refused, while the port answers as Redis on 127.0.0.1 (the reverse direction
  of the PostgreSQL case, so that neither address family is the special one).
- PostgreSQL's startup packet (protocol-flow: the first 4 bytes are a length; postmaster.c
  ``ProcessStartupPacket``: "invalid length of startup packet", the connection closed without
  a reply) met by a Redis client: a Redis URL with the port of a PostgreSQL server (a pasted
  5432); the rows pg-redis (Redis on the PostgreSQL port) and the SSH/HTTP/TLS rows are the
  other directions.
- Linux unix(7) (``sun_path`` is 108 bytes with its NUL) and CPython's ``socket.connect``
  (``AF_UNIX path too long``): a ``unix://`` URL whose path is longer than 107 bytes (a symlink
  in a deep project directory to the server's socket): redis-py cannot even try; the socket's
  own short path works.
- unix(7) and redis-server (``unixsocket`` is removed at a clean shutdown, left behind by a kill
  -9 or a crash): ECONNREFUSED on an existing socket file: a stale socket.
- Redis 7.0 (acl.c ``ACLSetUser`` ``nopass``: "any password will work"): an ACL user with
  ``nopass`` and a URL giving a password: healthy.

Each was grepped in the tables, the rounds and the sweeps first (``listen_addresses``, ``::1``
with a refusal, ``saslprep``/``NFKC``/``normalize``, ``transaction_read_only`` as a role
setting, a host name in pg_hba.conf / ``check_hostname``, ``bind`` with another address,
PostgreSQL on a Redis port, ``too long`` for a unix:// URL, ``stale`` for Redis, ``nopass``
with a password): none is a row (pg-refused and redis-ECONNREFUSED are ports where nothing
listens at all; the ``::1`` rows are a URL literal that works; pg-socket-path-long is libpq's
own limit; pg-socket-stale is PostgreSQL's; the unix rows of Redis are ENOENT, EACCES, the
socket's mode and a plain file; redis-ERR-AUTH-nopass is the default user without a password).
The brief's other ideas were rows or rounds already (hostssl/hostnossl, a server certificate
expired or of another name, sslrootcert=system, options=-c search_path,
target_session_attrs against a standby, load_balance_hosts, an md5 secret under scram-sha-256,
default_transaction_read_only per database, idle_in_transaction_session_timeout, requirepass with
the default user off, rename-command, maxclients, %R~/%W~, replica-serve-stale-data no) or stop
nothing the probe does (client-output-buffer-limit and enable-protected-configs, round 13); an
SSH banner on the Redis port is tests/test_redis.py's.

The grading is round one's (``grade`` in tests/verdicts/test_heldout_servers.py); a healthy case
is fully right when every check of its instance passes. One envcheck run per state: the five
PostgreSQL cases are five instances of one run on one lab (its pg_hba.conf gets the host-name
line for the group ``lab_hostname`` first), the five Redis cases five instances of one run. The
fixes of the fully right breakages are then carried out as printed (the person's: the DSN's or
URL's host or path, a pg_hba.conf line and a reload, the role's limit lifted, the server
started again) and the healed instances run again.

The expectations were committed before envcheck first ran on this file (5387079).

First run (envcheck at 5387079, before any change; graded by the rules above, 2026-12-07): 4 of
10 fully right (the three healthy neighbours and redis-unix-socket-stale, whose fix, Redis
started again, healed it); of the 7 breakages 1 fully right, 3 partly, 3 wrong.
Partly:
- pg-hba-hostname-line-not-client: FAIL postgres/connect "pg_hba.conf does not let ... in ...
  (no matching line, a 'reject' line, or a line that requires a client certificate)", fix "add
  'host DB USER <client address>/32 scram-sha-256'" (works once the address is filled in, but
  neither the host-name line nor what 127.0.0.1 resolves back to is named).
- redis-url-at-postgres-port: FAIL redis/reachable "does not speak the Redis protocol: it closed
  the connection without answering ... (or is Redis refusing all clients, e.g. overloaded)",
  fix "check that 127.0.0.1:PORT really is Redis" (PostgreSQL, which answers an SSLRequest
  there, not named).
- redis-unix-path-too-long: FAIL redis/reachable "cannot connect to the socket ...: None", fix
  "check the URL" (neither the path's length nor the limit nor the socket's own path).
Wrong:
- pg-listen-ipv6-only-dsn-ipv4: "connection refused at 127.0.0.1:PORT ... PostgreSQL is not
  running (or listens elsewhere)", fix "start PostgreSQL: sudo systemctl start postgresql ..."
  (it runs: ::1 on the same port answers as PostgreSQL).
- pg-scram-saslprep-role-connection-limit: "the password for role ... is wrong ... the server
  said: password authentication failed", fix "\\password ROLE" (a wrong cause: libpq's login
  was refused with 53300 too many connections for role; envcheck's own login sent the password
  without SASLprep and was refused for that).
- redis-url-ipv6-server-ipv4-only: "connection refused at ::1:PORT ... Redis is not running",
  fix "start Redis: sudo systemctl start redis-server" (it runs: 127.0.0.1 answers as Redis).
Cost of the first run (``/usr/bin/time``, ``-p no:xdist``, one fix run): 5.3 s user, 2.2 s
system, 15 s wall.

After the fixes of the commit that follows the first run: 10 of 10 fully right, every printed fix
carried out and its instance passing on the second run; no expectation and no proof changed.
What envcheck reads now (structure, never a message's words):
- a refused connection to a loopback address (or a name that resolves only to loopback ones):
  the other family's loopback address on the same port, asked in the component's own protocol
  (an SSLRequest, a PING) and recognised by kit/_net.py ``looks_like``
  (``loopback_elsewhere``, shared by both components): the address it answers on, the fix the
  DSN's host or the URL (an edit of the project file where the URL is written there), or the
  server's listen_addresses / bind;
- envcheck's own SCRAM login hashes the password after SASLprep as ``pg_saslprep`` does
  (postgres/wire.py ``saslprep``: RFC 4013 with Python's stringprep tables, the password as it
  is where SASLprep refuses it), so a diagnosis of another refusal is no longer a wrong password;
- a login no pg_hba.conf line admits while a line would but for its address, a host name
  (postgres/hba.py ``host_name_miss``): the line, the name the client's address resolves back
  to here (getnameinfo), or that the name does not resolve forward to it; the fix a line with the
  client's address above it and a reload;
- a port that closes on RESP without a word is asked an SSLRequest (kit/_net.py
  ``not_the_protocol``, for every caller but PostgreSQL's own): PostgreSQL's one-byte answer
  names it;
- a unix:// path longer than 107 bytes (redis/hooks.py ``_path_too_long``): its length, the
  limit, and the socket's own shorter path (the symlink resolved) as the URL to set, or a short
  symlink.
Rows: 5 in docs/verdicts/postgres.md and 5 in docs/verdicts/redis.md, section "The held-out set
of 2026-12-07 (issue 21, fourteenth round)", asserted on each case's own run; a test of
``saslprep`` and one of ``loopback_elsewhere`` in both directions.
Cost (``/usr/bin/time`` on ``pytest <this file> -p no:xdist``, after the fixes, four envcheck
runs and the two small tests; a machine at load 11): 5.0 to 5.5 s user, 1.6 to 2.5 s system
(6.6 to 7.6 CPU-s), 24 s wall.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path

import psycopg
import pytest
import redis

from tests.verdicts import redis_servers as rs
from tests.verdicts import server_rounds as sr
from tests.verdicts.pg_lab import Lab, lab_fixtures

lab_server, lab = lab_fixtures("heldout14-pglab")

#: the group whose only pg_hba.conf line names a host
HOSTNAME_GROUP = "lab_hostname"
#: the host name of that line (no resolver knows it; 127.0.0.1 resolves back to localhost)
HOSTNAME = "app.envcheck.invalid"
#: a password as NFD writes it (e + COMBINING ACUTE ACCENT); SASLprep (NFKC) changes it
NFD_PASSWORD = "Cafe\u0301-pw-Never-Shown-9"
assert unicodedata.normalize("NFKC", NFD_PASSWORD) != NFD_PASSWORD

# -- relaying [::1]:PORT to the lab ------------------------------------------------------------


@contextmanager
def listening_on_ipv6_only(target: int) -> Iterator[int]:
    """A listener on ``[::1]:PORT`` alone (nothing on 127.0.0.1:PORT) that relays each
    connection to the lab's server at 127.0.0.1:``target``."""
    listener = socket.socket(socket.AF_INET6)
    listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    listener.bind(("::1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def pump(client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", target)) as upstream:
            pair = {client: upstream, upstream: client}
            while not stop.is_set():
                ready, _, _ = select.select(list(pair), [], [], 0.2)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=pump, args=(client,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        listener.close()


# -- PostgreSQL: five instances of one envcheck run -----------------------------------------------

NOT_STARTED = ("start PostgreSQL", "pg_ctl", "systemctl", "is not running")

PG: dict[str, sr.Expect] = {
    "pg-listen-ipv6-only-dsn-ipv4": sr.Expect(
        sr.REACHABLE, "fail", ("::1",), ("::1",), NOT_STARTED
    ),
    "pg-scram-saslprep-password-healthy": sr.Expect(sr.WRITE, "pass"),
    "pg-scram-saslprep-role-connection-limit": sr.Expect(
        sr.CONNECT,
        "fail",
        ("CONNECTION LIMIT",),
        ("CONNECTION LIMIT -1",),
        (*sr.NOT_PW, "pg_hba.conf"),
    ),
    "pg-role-transaction-read-only-setting-healthy": sr.Expect(sr.WRITE, "pass"),
    "pg-hba-hostname-line-not-client": sr.Expect(
        sr.CONNECT,
        "fail",
        (HOSTNAME, "localhost"),
        ("127.0.0.1/32",),
        (*sr.NOT_PW, "start PostgreSQL"),
    ),
}
#: the words of the printed fix that the person's act follows
PERSON_FOLLOWS = {
    "pg-listen-ipv6-only-dsn-ipv4": "::1",
    "pg-scram-saslprep-role-connection-limit": "CONNECTION LIMIT -1",
    "pg-hba-hostname-line-not-client": "127.0.0.1/32",
}


def hostname_line(lab: Lab) -> None:
    """The only line for :data:`HOSTNAME_GROUP`: ``host all +GROUP HOSTNAME scram-sha-256``."""
    hba = lab.pg.data / "pg_hba.conf"
    if HOSTNAME_GROUP in hba.read_text():
        return
    hba.write_text(f"host all +{HOSTNAME_GROUP} {HOSTNAME} scram-sha-256\n" + hba.read_text())
    lab.sql(f"CREATE ROLE {HOSTNAME_GROUP} NOLOGIN", "SELECT pg_reload_conf()")


def address_line(lab: Lab, dsn: str) -> None:
    """The person's fix: a line for the client's address above the host-name line."""
    hba = lab.pg.data / "pg_hba.conf"
    hba.write_text(f"host all +{HOSTNAME_GROUP} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
    sr.reload_until(lab, dsn)


def make_pg(lab: Lab, stack: ExitStack) -> sr.PgMade:
    """Every PostgreSQL case made on the lab and proved with psycopg."""
    hostname_line(lab)
    made: dict[str, sr.Instance] = {}
    people: dict[str, Callable[[], None]] = {}

    user, db = lab.app()
    v6 = stack.enter_context(listening_on_ipv6_only(lab.port))
    dsn = sr.kw(lab, user, db, port=str(v6))
    sr.login_fails(dsn, "refused")
    with psycopg.connect(sr.kw(lab, user, db, host="::1", port=str(v6))) as conn:
        conn.execute("CREATE TEMP TABLE proof (id int)")
    made["pg-listen-ipv6-only-dsn-ipv4"] = sr.Instance(dsn)
    healed = sr.Instance(sr.kw(lab, user, db, host="::1", port=str(v6)))

    def person_writes_ipv6(inst: sr.Instance = made["pg-listen-ipv6-only-dsn-ipv4"]) -> None:
        inst.dsn = healed.dsn

    people["pg-listen-ipv6-only-dsn-ipv4"] = person_writes_ipv6

    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} PASSWORD '{NFD_PASSWORD}'")
    dsn = sr.kw(lab, user, db, password=NFD_PASSWORD)
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE proof_kept (id int)")
        conn.rollback()
    made["pg-scram-saslprep-password-healthy"] = sr.Instance(dsn)

    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} PASSWORD '{NFD_PASSWORD}' CONNECTION LIMIT 0")
    dsn = sr.kw(lab, user, db, password=NFD_PASSWORD)
    sr.login_fails(dsn, "too many connections for role")
    made["pg-scram-saslprep-role-connection-limit"] = sr.Instance(dsn)
    people["pg-scram-saslprep-role-connection-limit"] = partial(
        lab.sql, f"ALTER ROLE {user} CONNECTION LIMIT -1"
    )

    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} SET transaction_read_only = on")
    dsn = sr.kw(lab, user, db)
    with psycopg.connect(dsn) as conn:
        assert conn.execute(
            "SELECT setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
            "WHERE r.rolname = current_user"
        ).fetchone() == (["transaction_read_only=on"],)
        conn.execute("CREATE TABLE proof_kept (id int)")
        conn.rollback()
    made["pg-role-transaction-read-only-setting-healthy"] = sr.Instance(dsn)

    user = lab.role(HOSTNAME_GROUP)
    db = lab.database(user)
    dsn = sr.kw(lab, user, db)
    sr.login_fails(dsn, "no pg_hba.conf entry")
    assert socket.getnameinfo(("127.0.0.1", 0), socket.NI_NAMEREQD)[0] == "localhost"
    made["pg-hba-hostname-line-not-client"] = sr.Instance(dsn)
    people["pg-hba-hostname-line-not-client"] = partial(address_line, lab, dsn)
    return sr.PgMade(made, people)


def test_postgres(lab: Lab) -> None:
    """The five cases on one run; the person's part of each fully right fix carried out as
    printed and the healed instances passing on a second run; each case's row held."""
    with ExitStack() as stack:
        pg = make_pg(lab, stack)
        checks = sr.run_pg(lab, pg.made)
        assert NFD_PASSWORD not in str(checks), "a password shown"
        verdicts = sr.pg_round(lab, PG, pg, checks, PERSON_FOLLOWS)
    sr.report_grades(verdicts)
    sr.rows_hold("postgres", PG, checks)


# -- Redis: five instances of one envcheck run ----------------------------------------------------

NOT_STOPPED = ("start Redis", "systemctl", "is not running")
#: the socket's own name; the long path reaches it through a symlink named otherwise
SOCKET_NAME = "redis.sock"

REDIS: dict[str, sr.Expect] = {
    "redis-url-ipv6-server-ipv4-only": sr.Expect(
        sr.R_REACH, "fail", ("127.0.0.1",), ("127.0.0.1",), NOT_STOPPED
    ),
    "redis-url-at-postgres-port": sr.Expect(
        sr.R_REACH,
        "fail",
        ("is not Redis", "PostgreSQL"),
        ("Redis port",),
        (*NOT_STOPPED, "password"),
    ),
    "redis-unix-path-too-long": sr.Expect(
        sr.R_REACH,
        "fail",
        ("too long", "107"),
        (SOCKET_NAME,),
        (*NOT_STOPPED, "No such file", "permission", "is not a socket"),
    ),
    "redis-unix-socket-stale": sr.Expect(
        sr.R_REACH,
        "fail",
        ("nothing listens", "stale"),
        ("start Redis",),
        ("No such file", "permission", "is not a socket", "password"),
    ),
    "redis-acl-nopass-user-healthy": sr.Expect(sr.R_ROUND, "pass"),
}


def refused(url: str) -> None:
    with pytest.raises(redis.ConnectionError):
        with redis.Redis.from_url(url, socket_timeout=5) as client:
            client.ping()


def test_redis(lab_server: Lab, pytester: pytest.Pytester, tmp_path: Path) -> None:
    """The five cases on one run; the person's fix of each fully right breakage and the
    instance passing on a second run; each row held."""
    with ExitStack() as stack:
        server = stack.enter_context(rs.running())
        rs.add_admin(server)
        pw = rs.APP_PASSWORD

        v6 = f"redis://[::1]:{server.port}/0"
        refused(v6)
        v4 = f"redis://127.0.0.1:{server.port}/0"
        with redis.Redis.from_url(v4) as client:
            assert client.ping()

        at_pg = f"redis://127.0.0.1:{lab_server.port}/0"
        with pytest.raises(redis.ConnectionError):
            with redis.Redis.from_url(at_pg, socket_timeout=5) as client:
                client.ping()

        short = Path(server.directory) / SOCKET_NAME
        sock_server = rs.make("--unixsocket", str(short), "--unixsocketperm", "700")
        sock_server.socket_path = str(short)
        sock_server.start()
        stack.callback(sock_server.stop)
        deep = tmp_path / ("d" * 60) / ("e" * 60)
        deep.mkdir(parents=True)
        (deep / "app.sock").symlink_to(short)
        long_url = f"unix://{deep / 'app.sock'}?db=0"
        assert len(str(deep / "app.sock")) > 107
        with pytest.raises((redis.ConnectionError, OSError)) as caught:
            with redis.Redis.from_url(long_url, socket_timeout=5) as client:
                client.ping()
        assert "too long" in str(caught.value), caught.value
        with redis.Redis.from_url(f"unix://{short}?db=0") as client:
            assert client.ping()

        stale_path = tmp_path / "stale.sock"
        stale = rs.make("--unixsocket", str(stale_path), "--unixsocketperm", "700")
        stale.socket_path = str(stale_path)
        stale.start()
        assert stale.proc is not None
        os.kill(stale.proc.pid, signal.SIGKILL)  # a crash: the socket file stays
        stale.proc.wait(10)
        stack.callback(stale.stop)
        assert stale_path.is_socket()
        stale_url = f"unix://{stale_path}?db=0"
        refused(stale_url)

        with server.admin() as admin:
            admin.execute_command("ACL", "SETUSER", "openuser", "on", "nopass", "~*", "&*", "+@all")
        nopass = f"redis://openuser:{pw}@127.0.0.1:{server.port}/0"
        with redis.Redis.from_url(nopass) as client:
            assert client.acl_whoami() == "openuser"
            assert client.set("envcheck:heldout14", "v") and client.delete("envcheck:heldout14")

        urls = {
            "redis-url-ipv6-server-ipv4-only": v6,
            "redis-url-at-postgres-port": at_pg,
            "redis-unix-path-too-long": long_url,
            "redis-unix-socket-stale": stale_url,
            "redis-acl-nopass-user-healthy": nopass,
        }
        #: the person's fix of each breakage, and the words of the printed fix it follows
        people: dict[str, tuple[str, Callable[[], str]]] = {
            "redis-url-ipv6-server-ipv4-only": ("127.0.0.1", lambda: v4),
            "redis-url-at-postgres-port": ("Redis port", lambda: v4),
            "redis-unix-path-too-long": (str(short), lambda: f"unix://{short}?db=0"),
        }

        def person_starts_it() -> str:
            stale.start()
            return stale_url

        people["redis-unix-socket-stale"] = ("start Redis", person_starts_it)
        expects = {**REDIS}
        expects["redis-unix-path-too-long"] = replace(
            REDIS["redis-unix-path-too-long"], fix=(str(short),)
        )
        pytester.makefile(
            ".toml", pyproject="".join(sr.redis_section(sr.instance(i), u) for i, u in urls.items())
        )
        checks, output = sr.run_envcheck(pytester)
        assert "Traceback" not in output
        assert pw not in output and pw not in str(checks), "a password shown"
        verdicts = sr.graded_all(expects, checks, "redis")
        healed: dict[str, str] = {}
        for ident, (follows, person) in people.items():
            if verdicts[ident].grade != "fully right":
                continue
            mine = sr.of_instance(checks, "redis", sr.instance(ident))
            failed = next(c for c in mine if c["status"] != "pass")
            assert follows.lower() in (failed.get("hint") or "").lower(), failed
            healed[ident] = person()
        if healed:
            sr.redis_again(
                pytester,
                "".join(sr.redis_section(sr.instance(i), u) for i, u in healed.items()),
                verdicts,
                healed,
            )
    sr.report_grades(verdicts)
    sr.rows_hold("redis", REDIS, checks)


def test_saslprep_as_postgres() -> None:
    """What :func:`envcheck.checks.postgres.wire.saslprep` hashes, as ``pg_saslprep`` does:
    ASCII as it is; non-ASCII spaces mapped to a space, characters mapped to nothing dropped,
    NFKC; a prohibited character or broken bidirectional rules leave the password as it is."""
    from envcheck.checks.postgres.wire import saslprep

    assert saslprep("plain ascii\t\x01") == "plain ascii\t\x01"
    assert saslprep(NFD_PASSWORD) == unicodedata.normalize("NFC", NFD_PASSWORD)
    assert saslprep("a\u00a0b\u00adc\ufb01") == "a bcfi"  # NBSP, soft hyphen, the fi ligature
    assert saslprep("pw\u0007\u00e9") == "pw\u0007\u00e9"  # a control character: prohibited
    assert saslprep("\u05d0a\u05d1") == "\u05d0a\u05d1"  # RandALCat with LCat: as it is
    assert saslprep("\u05d0\u05d1") == "\u05d0\u05d1"


def test_the_other_loopback_both_ways(lab_server: Lab) -> None:
    """:func:`envcheck.kit._net.loopback_elsewhere` in both directions and for both protocols:
    the lab's server listens on 127.0.0.1 only, a Redis on ::1 only; nothing is found where
    nothing listens, or where the other address is another protocol."""
    from envcheck.kit._net import PG_SSL_REQUEST, loopback_elsewhere

    ping = b"*1\r\n$4\r\nPING\r\n"
    soon = time.monotonic() + 5
    assert loopback_elsewhere("::1", lab_server.port, PG_SSL_REQUEST, "PostgreSQL", soon) == (
        "127.0.0.1"
    )
    assert loopback_elsewhere("::1", lab_server.port, ping, "Redis", soon) is None
    with rs.running(bind="::1") as server:
        assert loopback_elsewhere("127.0.0.1", server.port, ping, "Redis", soon) == "::1"
        assert loopback_elsewhere("localhost", server.port, ping, "Redis", soon) == "::1"
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        free = unused.getsockname()[1]
    assert loopback_elsewhere("127.0.0.1", free, ping, "Redis", soon) is None
