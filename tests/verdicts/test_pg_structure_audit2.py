"""The PostgreSQL structural audit, second round (issue 21): the leftovers the first audit named
(tests/verdicts/test_pg_structure_audit.py) and the checks' own queries beyond the login. For
each decision point, which two causes reach the same branch and get the same verdict or fix;
each predicted mis-telling made on a real throwaway PostgreSQL 15 and proved with the real
client (psycopg 3.3, libpq 18) first; healthy neighbours that must pass.

How the set was made (2026-12-08), from envcheck's decision points read against PostgreSQL's
and libpq's sources (fe-connect.c's sslcertmode and require_auth; postgres.c
``ProcessInterrupts``; postmaster.c ``canAcceptConnections``/``ProcessStartupPacket``; guc.c's
order of pg_db_role_setting); each grepped in docs/verdicts/postgres.md, test_postgres*.py and
test_heldout_servers*.py first (``sslcertmode``, ``did not request``, ``pg_cancel_backend``,
``57014``, ``57P03``, ``starting up``, ``smart``, ``25006``, ``default_transaction_read_only``):
the rows that exist (pg-57014-write, pg-57P03-shutdown, pg-57P03-starting as a replay, the
25006 rows of one place each) are kept; the cases below are the causes they share a verdict
with.

- diagnose._client_refused, its last branch: whenever the DSN sets ``require_auth``, the verdict
  is "require_auth=X, and the server asks for M", even when M is one require_auth allows. A
  later rule of libpq then gets require_auth's words: ``sslcertmode=require`` with a client
  certificate, at a server that asks for none (no ``ssl_ca_file``: no CertificateRequest);
  libpq: "server did not request an SSL certificate". Predicted: wrong (require_auth named,
  its fix "allow the server's method in require_auth" with the allowed method). Healthy
  neighbour: the same DSN with ``sslcertmode=allow``.
- session.explain_query: 57014 is "stopped by statement_timeout = N ms" whenever one is set.
  postgres.c ``ProcessInterrupts`` sends 57014 for a statement timeout and for a cancel request
  alike (``pg_cancel_backend`` from another session, a client's or a pooler's cancel); the
  elapsed time against the setting tells them apart (a statement that ran less than
  statement_timeout was not stopped by it). Made: the role's statement_timeout is 30 s, the
  write probe waits on a lock (a migration's uncommitted DROP SCHEMA) and another session
  cancels it. Predicted: wrong (statement_timeout named, its RESET as the fix). Healthy
  neighbour: the role's statement_timeout of 30 s with nothing in the way.
- hooks.write / diagnose.read_only_sessions: default_transaction_read_only is named by the one
  place pg_settings.source gives (the winner of guc.c's order), and the fix resets only that
  one. Set in two places (for the role and for the database; in the DSN's options and for the
  role), the fix undoes the first and the next one takes over: the application stays
  read-only. Predicted: partly (the cause right, the fix does not heal).
- diagnose.cannot_connect_now: 57P03 names its causes together ("starting up, shutting down, in
  recovery, or a standby with hot_standby = off"), with one fix (pg_isready, wait). Made: a
  server starting up whose recovery waits (a base backup without its WAL, a restore_command
  that waits: the postmaster stays in PM_STARTUP), and a smart shutdown in progress (a session
  open; waiting ends with the server stopped, not accepting). Predicted: both wrong (every
  cause named; for the shutdown, waiting as the fix).

- hooks.extension_check (added after the first run, its expectation committed before envcheck
  ran on it): "installed" is read from pg_extension alone, so an extension in a schema the role
  has no USAGE on passes like one it can use (the neighbour of pg-ext-own-schema-healthy, which
  grants USAGE): nothing of pgcrypto in schema ``crypto`` is usable by the role (42501 on
  ``crypto.gen_random_bytes``). Predicted: wrong (a pass).

Not made here: ``pg_ctl promote`` in progress (a hot standby accepts connections while it is
promoted, and a small cluster's promotion ends within milliseconds: no 57P03 to meet); 25006
from ``SET SESSION CHARACTERISTICS`` (it sets default_transaction_read_only for one session:
envcheck's own session never runs it, so it is the client source, already a row); 53100 and
53200 (a full disk or exhausted memory under a shared test machine); 40001 and 40P01 on the
write probe (its table is new and its own: no concurrent writer can conflict or deadlock with
it; test_heldout_servers23.py says the same); 42P01/3F000 from a dropped schema against the
search_path (the probe reads current_schema() first: pg-3F000-search-path,
pg-3F000-public-dropped).

The grading is round one's (``grade`` in tests/verdicts/test_heldout_servers.py); a healthy case
is fully right when every check of its instance passes. One envcheck run for the eight cases
(nine with the extension's, added after the first run); the fixes of the fully right breakages
are then carried out (SQL steps by envcheck's step runner, the DSNs by the person) and the
healed instances run again. (After the first run the two 57P03 cases moved to a run of their
own, a strict xfail: see Left.)

The expectations were committed before envcheck first ran on this file (d1f56d6). None was
changed after the first run. Changed in the making after the first attempt, which stopped
before envcheck ran, no expectation: the 57014 proof rolls back its aborted transaction before
it reads statement_timeout.

First run (envcheck at 16e7668 in checks/postgres, other helpers' uncommitted hunks in the
working tree, none in checks/postgres; graded by the rules above, 2026-12-08): 2 of 8 fully right
(the two healthy neighbours); breakages: 0 of 6 fully right, 2 partly, 4 wrong; no false pass.
Wrong:
- pg-sslcertmode-require-auth-allowed: FAIL postgres/connect "require_auth=scram-sha-256, and
  127.0.0.1:PORT asks for scram-sha-256", fix "allow the server's method in require_auth
  (scram-sha-256), or ask for a pg_hba.conf line with the required method": the method named
  is the one require_auth allows; sslcertmode=require (libpq: "server did not request an SSL
  certificate") unnamed.
- pg-57014-cancelled-by-another-session: FAIL postgres/write "the write check's CREATE TABLE
  ... was stopped by statement_timeout = 30000 ms, set for role ...", fix "ALTER ROLE ...
  RESET statement_timeout": the statement was cancelled by another session within a second.
- pg-57P03-starting-up and pg-57P03-smart-shutdown: FAIL postgres/connect "does not accept
  connections now (SQLSTATE 57P03)", why "the server is starting up, shutting down, in
  recovery, or a standby with hot_standby = off; the server said: ...", one fix for both
  ("wait and retry: pg_isready ... -t 60"): every cause named; for the smart shutdown,
  waiting ends with the server stopped.
Partly:
- pg-25006-role-and-database: the cause named the role's setting only, the fix (ALTER ROLE ...
  RESET) leaves the database's, which then makes every session read-only.
- pg-25006-options-and-role: the cause named the DSN's options only, the fix (remove them from
  options) leaves the role's.
Cost of the first run (``/usr/bin/time`` on ``pytest <this file> -n 0``): 6.9 s user, 4.0 s
system, 21 s wall.

After the fixes (49a6041 for 4 of the first run's 6 breakages; 3401112 for 57P03, 37f0d38 for
the extension, below): 6 of 8 fully
right (2/8 -> 6/8), every printed fix carried out and its instance passing on the next run: the
DSN written without sslcertmode=require and without the options by the person, the role's and
the database's default_transaction_read_only reset by envcheck's step runner (as the role, and
as the superuser for the database), the canceller stopped (the administrator's part: the
verdict names pg_stat_activity and the server's log to find it). What envcheck reads now
(structure: which login was sent, the elapsed time against the setting, the catalog; never a
message's words):
- postgres/diagnose.py ``_client_refused``: the require_auth branch answers only when a method
  the server asked for (the probe's AuthenticationRequest codes) is one require_auth does not
  allow (``_require_auth_allows``: libpq's list, or its negations with ``!``); then
  ``_certificate_not_requested``: with sslcertmode=require, libpq's own login again with
  sslcertmode=allow; let in, it was the certificate the server never asked for. Otherwise the
  honest fallback (libpq refused for a reason of its own), not require_auth's words.
- postgres/session.py ``explain_query`` (from the write check with the time since before its
  first statement, from ``session`` with the time since the check took the connection: both
  upper bounds of the statement's time): a 57014 sooner than statement_timeout, or with none
  set, is ``diagnose.cancelled``: a cancel request (pg_cancel_backend from another session, a
  pooler's or a driver's cancel), with the elapsed time and the setting; the fix asks the
  administrator to find it (pg_stat_activity, log_min_error_statement), never to reset the
  timeout. A 57014 at or after the setting stays statement_timeout's (pg-57014-write).
- postgres/hooks.py ``write`` and diagnose ``read_only_sessions``: besides pg_settings.source,
  pg_db_role_setting's scopes for this role and database that also turn
  default_transaction_read_only on (``read_only_elsewhere``); each named ("and also for
  database ...") and each undone by the fix, in guc.c's order.
57P03, after the grade above: postmaster.c ``ProcessStartupPacket`` sends each state with the
same SQLSTATE, severity (FATAL) and routine; they differ only in the message's words
(translated by the server's lc_messages) and in the source line (``L``, which moves with every
release), and no login gets in to read pg_is_in_recovery(). The postmaster's own status is
structure, though: line 8 of postmaster.pid (``starting``, ``stopping``, ``ready``,
``standby``), in the data directory that line 2 of its Unix socket's lock file names (both
files its owner's alone: readable where the developer owns the cluster, or as root). So two
cases were added, the same two servers reached over their Unix sockets
(pg-57P03-starting-up-socket, pg-57P03-smart-shutdown-socket, the same expectations, committed
in 036f84f before envcheck ran on them): first run 0 of 2 (both wrong, as over TCP); then
postgres/diagnose.py ``postmaster_status`` (the socket's lock file, for a DSN on a socket or on
the loopback at the usual socket directories; the same pid in both files) and
``cannot_connect_now``: ``stopping`` is a shutdown that waiting does not end (the
administrator ends the sessions a smart shutdown waits for, then starts the server again),
``starting`` a recovery to wait for (pg_isready; the server's log if it stays so); now 2 of 2.
Their fixes are not carried out: the recovery waits for WAL by design, and the shutdown's is
the administrator's (end the sessions, start the server).
The extension check (pg-ext-schema-no-usage, added after the first run, expectation committed
in eae9f04 before envcheck ran on it): first run wrong (PASS "pgcrypto 1.3 installed in ...");
then postgres/hooks.py ``extension_check`` reads pg_extension's extnamespace and
has_schema_privilege(..., 'USAGE') with the version (``_schema_unusable``): an installed
extension whose schema the role may not use is a FAIL naming the schema, fixed by
``GRANT USAGE ON SCHEMA`` (the schema's owner or a superuser; carried out here by envcheck's step
runner as the superuser, and the check passes on the next run).
Rows: 9 in docs/verdicts/postgres.md, section "The structural audit of 2026-12-08, second round
(issue 21)", asserted on each case's own run and registered in the every-row test
(tests/verdicts/test_postgres.py).
Cost (``/usr/bin/time`` on ``pytest <this file> -n 0``, the three tests, after the fixes, load
average 1.4): 6.0 s user, 5.2 s system, 11.5 s wall (6.9 + 6.0 s at load average 4); over
the ~8 s asked, by the copies of clusters the 57P03 states need (a base backup, a second
cluster) and four envcheck runs.

Left:
- 57P03 reached over TCP where no socket lock file of the port is readable (pg-57P03-starting-up,
  pg-57P03-smart-shutdown; ``test_postgres_57p03_states``, a strict xfail): the verdict still
  names every state with one fix (pg_isready, wait), which for a smart shutdown ends with the
  server stopped. Nothing the protocol carries tells them apart (above); a server on another
  machine, or a cluster of another user, stays so. A standby with hot_standby = off also says
  ``starting`` in postmaster.pid: it is told by the detail text first (as before), and a
  translated one gets "starting up: wait" with the server's log named if it stays so.
- ``pg_ctl promote`` in progress: not made (a hot standby accepts logins while promoted).
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.servers import free_port, postgres_bindir, postgres_cluster
from tests.verdicts import server_rounds as sr
from tests.verdicts.pg_lab import PASSWORD, Lab, for_one_test, lab_cluster
from tests.verdicts.test_pg_structure_audit import NOT_LIBPQ, writes


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The lab's cluster without ``ssl_ca_file``: the server asks no client for a certificate
    (be-secure-openssl.c sends a CertificateRequest only with one)."""
    with lab_cluster(tmp_path_factory.mktemp("pgaudit2-lab"), ("ssl_ca_file=",)) as lab:
        yield lab


@pytest.fixture
def lab(
    lab_server: Lab, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Lab]:
    yield from for_one_test(lab_server, pytester, monkeypatch, tmp_path)


#: what the 57P03 verdict of one state must not say of another
NOT_OTHER_STATES = ("hot_standby = off", "in recovery, or")
PG: dict[str, sr.Expect] = {
    "pg-sslcertmode-require-auth-allowed": sr.Expect(
        sr.CONNECT,
        "fail",
        ("sslcertmode=require", "certificate"),
        ("sslcertmode",),
        (*NOT_LIBPQ, *sr.NOT_PW, "allow the server's method in require_auth", "pg_hba.conf"),
    ),
    "pg-sslcertmode-allow-require-auth-healthy": sr.Expect(sr.WRITE, "pass"),
    "pg-57014-cancelled-by-another-session": sr.Expect(
        sr.WRITE,
        "fail",
        ("cancel request", "statement_timeout"),
        ("pg_stat_activity",),
        ("stopped by statement_timeout", "RESET statement_timeout", *sr.NOT_PW),
    ),
    "pg-statement-timeout-long-healthy": sr.Expect(sr.WRITE, "pass"),
    "pg-25006-role-and-database": sr.Expect(
        sr.WRITE,
        "fail",
        ("read-only", "for role", "for database"),
        ("ALTER ROLE", "ALTER DATABASE", "RESET default_transaction_read_only"),
        (*sr.NOT_PW, "read-only replica"),
        heals=True,
    ),
    "pg-25006-options-and-role": sr.Expect(
        sr.WRITE,
        "fail",
        ("read-only", "by the connection itself", "for role"),
        ("options", "ALTER ROLE", "RESET default_transaction_read_only"),
        (*sr.NOT_PW, "read-only replica"),
        heals=True,
    ),
    "pg-ext-schema-no-usage": sr.Expect(
        "postgres/extension[pgcrypto]",
        "fail|warn",
        ("USAGE", "crypto"),
        ("GRANT USAGE ON SCHEMA crypto",),
        (*sr.NOT_PW, "CREATE EXTENSION"),
        heals=True,
    ),
}
#: the 57P03 states envcheck does not tell apart yet (see the docstring's Left): graded on a run
#: of their own, a strict xfail
LEFT: dict[str, sr.Expect] = {
    "pg-57P03-starting-up": sr.Expect(
        sr.CONNECT,
        "fail",
        ("starting up",),
        ("pg_isready",),
        (*NOT_OTHER_STATES, "shutting down", *sr.NOT_PW, "pg_hba.conf"),
    ),
    "pg-57P03-smart-shutdown": sr.Expect(
        sr.CONNECT,
        "fail",
        ("shutting down", "sessions"),
        ("sessions",),
        (*NOT_OTHER_STATES, "starting up", *sr.NOT_PW, "pg_hba.conf"),
    ),
}
#: the same two states at their Unix sockets (added after the first run, expectations before
#: envcheck ran on them: see the docstring's After)
LOCAL = {f"{ident}-socket": expect for ident, expect in LEFT.items()}
#: the words of the printed fix that the person's act (the DSN written without them) follows
PERSON_FOLLOWS = {
    "pg-sslcertmode-require-auth-allowed": "sslcertmode",
    "pg-25006-options-and-role": "options",
    # the administrator finds the watchdog and stops it (here: the canceller has ended)
    "pg-57014-cancelled-by-another-session": "pg_stat_activity",
}
#: the role's statement_timeout in the 57014 cases: far longer than the probe's wait
LONG_TIMEOUT = "30s"


@contextmanager
def canceller(lab: Lab, user: str) -> Iterator[list[int]]:
    """Another session that cancels ``user``'s statement once it waits on a lock
    (``pg_cancel_backend``, as an administrator or a watchdog would); the pids it cancelled."""
    done, cancelled = threading.Event(), []

    def watch() -> None:
        with lab.pg.connect() as admin:
            while not done.is_set():
                row = admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE usename = %s "
                    "AND wait_event_type = 'Lock' AND state = 'active'",
                    (user,),
                ).fetchone()
                if row is not None:
                    admin.execute("SELECT pg_cancel_backend(%s)", (row[0],))
                    cancelled.append(int(row[0]))
                    return
                done.wait(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield cancelled
    finally:
        done.set()
        thread.join(10)


def held_schema(lab: Lab, user: str, db: str) -> psycopg.Connection[tuple[object, ...]]:
    """The role's tables go to schema ``held``, which a superuser's open transaction holds (an
    uncommitted DROP SCHEMA, as a migration would): the write probe's CREATE TABLE waits."""
    lab.sql("CREATE SCHEMA held", f"GRANT ALL ON SCHEMA held TO {user}", dbname=db)
    lab.sql(f"ALTER ROLE {user} SET search_path = held, public")
    holder = psycopg.connect(lab.pg.dsn("postgres", db, lab.pg.password))
    holder.execute("DROP SCHEMA held")  # in the transaction psycopg opened, not committed
    return holder


def cancel_proved(lab: Lab, dsn: str, user: str) -> None:
    """psycopg's own CREATE TABLE in the held schema, cancelled by another session, gets 57014
    well before the role's statement_timeout."""
    with canceller(lab, user) as cancelled, psycopg.connect(dsn, connect_timeout=10) as conn:
        started = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("CREATE TABLE cancel_proof (id int)")
        assert time.monotonic() - started < 10 and cancelled
        conn.rollback()
        assert conn.execute("SHOW statement_timeout").fetchone() == (LONG_TIMEOUT,)


def _as_owner(argv: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *argv] if owner else argv


@contextmanager
def starting_up(lab: Lab) -> Iterator[tuple[int, Path]]:
    """A copy of the lab's cluster that stays starting up: a base backup without its WAL
    (``-X none``) started as a standby whose restore_command waits for the first segment, so the
    startup process never reads its checkpoint and the postmaster stays in PM_STARTUP (57P03
    ``starting up`` to every login). Its port and socket directory."""
    bindir = postgres_bindir()
    assert bindir is not None
    owner = lab.pg.owner
    root = Path(tempfile.mkdtemp(prefix="envcheck-pgaudit2-"))
    if owner:
        os.chown(root, *_ids(owner))
    data = root / "data"
    proc: subprocess.Popen[bytes] | None = None
    try:
        backup = [str(bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(lab.port)]
        backup += ["-U", "postgres", "-D", str(data), "-X", "none", "-c", "fast", "--no-sync"]
        subprocess.run(
            _as_owner(
                ["env", f"PGPASSWORD={lab.pg.password}", "PGPASSFILE=/dev/null", *backup], owner
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        signal_file = data / "standby.signal"
        signal_file.write_text("")
        if owner:
            os.chown(signal_file, *_ids(owner))
        port = free_port()
        argv = [str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(root)]
        argv += ["-c", "listen_addresses=127.0.0.1", "-c", "ssl=off"]
        argv += ["-c", "restore_command=sleep 60; false", "-c", "fsync=off"]
        with (root / "log").open("wb") as log:
            proc = subprocess.Popen(
                _as_owner(argv, owner),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        yield port, root
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
        subprocess.run(["rm", "-rf", str(root)], check=False)


def _ids(owner: str) -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(owner)
    return entry.pw_uid, entry.pw_gid


def refuses_now(dsn: str, seconds: float = 30) -> str:
    """Wait until the server answers a login with 57P03 (its postmaster is up, refusing): the
    FATAL libpq shows."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            psycopg.connect(dsn, connect_timeout=5).close()
        except psycopg.OperationalError as exc:
            if "FATAL" in str(exc):
                return str(exc)
        else:
            raise AssertionError(f"{dsn} let the login in")
        assert time.monotonic() < deadline, "the server never answered"
        time.sleep(0.05)


@contextmanager
def smart_shutdown(stack: ExitStack) -> Iterator[tuple[str, str]]:
    """A cluster of its own in a smart shutdown (``pg_ctl -m smart -W stop``) that waits for a
    session still open: every new login gets 57P03. The DSNs of a role on it: TCP, socket."""
    pg = stack.enter_context(postgres_cluster("host all all 127.0.0.1/32 scram-sha-256"))
    pg.sql(f"CREATE ROLE envcheck_audit2_down LOGIN PASSWORD '{PASSWORD}'")
    dsn = pg.dsn("envcheck_audit2_down", "postgres", PASSWORD)
    with psycopg.connect(dsn):
        bindir = postgres_bindir()
        assert bindir is not None
        stop = [str(bindir / "pg_ctl"), "-D", str(pg.data), "-m", "smart", "-W", "stop"]
        subprocess.run(_as_owner(stop, pg.owner), check=True, capture_output=True, timeout=60)
        yield dsn, f"host={pg.socket_dir} port={pg.port} user=envcheck_audit2_down dbname=postgres"


def make_pg(lab: Lab, tmp: Path, stack: ExitStack) -> sr.PgMade:
    """Every case made and proved with psycopg."""
    pg = sr.PgMade()
    made = pg.made

    user, db = lab.app()
    crt, key = sr.client_cert(tmp, user, lab)
    certs = {"sslmode": "require", "sslcert": str(crt), "sslkey": str(key)}
    base = dict(certs, require_auth="scram-sha-256")
    sr.login_fails(sr.kw(lab, user, db, sslcertmode="require", **base), "did not request")
    made["pg-sslcertmode-require-auth-allowed"] = sr.Instance(
        sr.kw(lab, user, db, sslcertmode="require", **base)
    )
    pg.person_writes("pg-sslcertmode-require-auth-allowed", sr.kw(lab, user, db, **base))
    user, db = lab.app()
    crt, key = sr.client_cert(tmp, user, lab)
    healthy = sr.kw(lab, user, db, sslcertmode="allow", require_auth="scram-sha-256", **certs)
    writes(healthy)
    made["pg-sslcertmode-allow-require-auth-healthy"] = sr.Instance(healthy)

    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} SET statement_timeout = '{LONG_TIMEOUT}'")
    dsn = sr.kw(lab, user, db)
    holder = held_schema(lab, user, db)
    stack.callback(holder.close)
    cancel_proved(lab, dsn, user)
    made["pg-57014-cancelled-by-another-session"] = sr.Instance(dsn)
    stack.enter_context(canceller(lab, user))
    pg.people["pg-57014-cancelled-by-another-session"] = lambda: None

    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} SET statement_timeout = '{LONG_TIMEOUT}'")
    writes(sr.kw(lab, user, db))
    made["pg-statement-timeout-long-healthy"] = sr.Instance(sr.kw(lab, user, db))

    user, db = lab.app()
    lab.sql(
        f"ALTER ROLE {user} SET default_transaction_read_only = on",
        f"ALTER DATABASE {db} SET default_transaction_read_only = on",
    )
    sr.write_fails(sr.kw(lab, user, db), "25006")
    made["pg-25006-role-and-database"] = sr.Instance(sr.kw(lab, user, db))

    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} SET default_transaction_read_only = on")
    options = "-c default_transaction_read_only=on"
    sr.write_fails(sr.kw(lab, user, db, options=options), "25006")
    made["pg-25006-options-and-role"] = sr.Instance(sr.kw(lab, user, db, options=options))
    pg.person_writes("pg-25006-options-and-role", sr.kw(lab, user, db))

    user, db = lab.app()
    lab.sql("CREATE SCHEMA crypto", "CREATE EXTENSION pgcrypto SCHEMA crypto", dbname=db)
    with psycopg.connect(sr.kw(lab, user, db), connect_timeout=10) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT crypto.gen_random_bytes(4)")
    made["pg-ext-schema-no-usage"] = sr.Instance(
        sr.kw(lab, user, db), 'extensions = ["pgcrypto"]\n'
    )
    return pg


@pytest.fixture(scope="module")
def states(lab_server: Lab) -> Iterator[dict[str, sr.Instance]]:
    """The two 57P03 states, made once for the module's two tests of them and proved with
    psycopg: each reached over TCP (``LEFT``) and over its Unix socket (``LOCAL``)."""
    made = {}
    with ExitStack() as stack:
        user, db = lab_server.app()
        port, directory = stack.enter_context(starting_up(lab_server))
        dsn = f"host=127.0.0.1 port={port} user={user} dbname={db} password={PASSWORD}"
        assert "starting up" in refuses_now(dsn)
        made["pg-57P03-starting-up"] = sr.Instance(dsn)
        socket = f"host={directory} port={port} user={user} dbname={db}"
        assert "starting up" in refuses_now(socket)
        made["pg-57P03-starting-up-socket"] = sr.Instance(socket)

        dsn, socket = stack.enter_context(smart_shutdown(stack))
        assert "shutting down" in refuses_now(dsn)
        made["pg-57P03-smart-shutdown"] = sr.Instance(dsn)
        assert "shutting down" in refuses_now(socket)
        made["pg-57P03-smart-shutdown-socket"] = sr.Instance(socket)
        yield made


def test_postgres(lab: Lab, tmp_path: Path) -> None:
    """The nine cases on one run; each fully right fix carried out (SQL by envcheck's step
    runner, DSNs by the person, the canceller stopped) and the healed instances passing on one
    more run; each case's row held."""
    with ExitStack() as stack:
        pg = make_pg(lab, tmp_path, stack)
        checks = sr.run_pg(lab, pg.made)
    verdicts = sr.pg_round(lab, PG, pg, checks, PERSON_FOLLOWS)
    sr.report_grades(verdicts)
    sr.rows_hold("postgres", PG, checks)


@pytest.mark.xfail(
    strict=True,
    reason="57P03's states differ in the ErrorResponse only by the message's words and its "
    "source line (same SQLSTATE, severity and routine ProcessStartupPacket); over TCP no socket "
    "lock file leads to postmaster.pid: envcheck names every state (see the docstring's Left)",
)
def test_postgres_57p03_states(lab: Lab, states: dict[str, sr.Instance]) -> None:
    """A server starting up and one in a smart shutdown, reached over TCP, each told as its own
    state."""
    checks = sr.run_pg(lab, {ident: states[ident] for ident in LEFT})
    sr.report_grades(sr.graded_all(LEFT, checks, "postgres"))


def test_postgres_57p03_states_local(lab: Lab, states: dict[str, sr.Instance]) -> None:
    """The same two states reached over their Unix sockets, each told as its own state; each
    case's row held."""
    checks = sr.run_pg(lab, {ident: states[ident] for ident in LOCAL})
    sr.report_grades(sr.graded_all(LOCAL, checks, "postgres"))
    sr.rows_hold("postgres", LOCAL, checks)
