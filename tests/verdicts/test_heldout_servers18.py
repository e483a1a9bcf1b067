"""Eighteenth held-out round for PostgreSQL and Redis (issue 21): kinds that neither the earlier
rounds (tests/verdicts/test_heldout_servers*.py 1-17, tests/verdicts/test_heldout.py) nor the
sweeps (a SQLSTATE at login or at the write, a Redis error reply to each command, a pooler's or
proxy's own answer, TLS, the protocol sweep, the client-side settings sweep) nor a row cover, and
healthy neighbours, each made on a real throwaway server and proved with the real client
(psycopg 3.3 with its libpq 18, redis-py 8.1) first.

How the set was made (2026-12-07), from the sources of truth; of envcheck's code only the round
machinery of the earlier round files and the tables' rows were read:

- libpq (fe-auth.c ``pg_fe_getusername``: with no ``user`` in the DSN and no PGUSER, libpq asks
  the passwd database for the process's effective user ID and fails with ``local user with ID
  %d does not exist`` when it has no entry; fe-connect.c ``connectOptions2`` then gives up before
  any connection): a process whose user ID has no passwd entry (a container started with
  ``--user 54321``, OpenShift's arbitrary user IDs; made with ``unshare --user
  --map-user=54321``, envcheck run in that process) and a DSN without ``user``. The rows are a
  DSN with an empty user (libpq sends the OS user's name) and its pg_hba line.
- libpq (fe-connect.c ``passwordFromFile``: each line is compared byte for byte, field by
  field; a UTF-8 byte order mark is not skipped): a password file saved by an editor that writes
  a byte order mark, its one line ``127.0.0.1:PORT:DB:USER:PW`` then read as the host
  ``\\ufeff127.0.0.1`` that matches no host: ``fe_sendauth: no password supplied``. Healthy
  neighbour: the same mark before a comment line (``#`` is then no comment, but a line that
  matches nothing), the password's line second.
- libpq (fe-connect.c ``parseServiceFile``: ``nested "service" specifications not supported in
  service file "%s", line %d``): a service section that names another service
  (``service=pgcommon18`` inside ``[app18]``, an attempt to share the host and port). Healthy
  neighbour: a service whose port is stale while the DSN beside ``service=`` gives the right
  ``port`` (fe-connect.c: a keyword the connection string sets is never overwritten by the
  service file).
- memcached (doc/protocol.txt: every line is a command; ``ERROR\\r\\n`` "means the client sent a
  nonexistent command name") and redis-py (``_RESP2Parser``: a first byte that is no RESP type is
  ``InvalidResponse: Protocol Error``): a Redis URL at a memcached port (the cache URL of the
  other cache server). A wire replay of memcached's documented answers
  (tests/verdicts/redis_servers.py ``memcached_like``): no memcached server is installed here or
  in CI. The rows are an HTTP server, PostgreSQL, SSH and TLS listeners at the Redis port.
- redis-py (``SSLConnection``: ``ssl_ca_certs`` is "a file of concatenated CA certificates",
  ``ssl_ca_path`` "a directory containing several CA certificates"; ``load_verify_locations``
  raises IsADirectoryError, redis-py's ``connect`` turns it into ``ConnectionError: Error 21
  connecting to HOST:PORT. Is a directory.``): ``?ssl_ca_certs=`` a directory of CA certificates
  (the c_rehash layout of /etc/ssl/certs). Healthy neighbour: the same directory as
  ``?ssl_ca_path=``. The row is ``?ssl_ca_certs=`` a file that does not exist.

Each was grepped in the tables, the rounds and the sweeps first (``user ID``, ``getpwuid``,
``passwd``, ``unshare``, ``54321``, ``byte order``, ``BOM``, ``feff``, ``nested``,
``service=``, ``overrides``, ``memcached``, ``11211``, ``ERROR\\r\\n``, ``ssl_ca_path``,
``capath``, ``Is a directory``, ``IsADirectory``, ``EISDIR``, ``a directory``): none is a row
for these (``unshare`` is the network namespace of the row redis-DENIED; ``BOM`` and ``feff``
are the MCP and venv sweeps'; ``a directory`` is the socket rows' ``host=``; ``service=`` is the
service file rows, none nested or overridden). Ideas left out: ``client_encoding=auto`` under
``LC_ALL=C`` (SQL_ASCII on the client: psycopg then refuses a non-ASCII query, which the probe
never sends), a server certificate naming its host in the CN only (Python's ``ssl`` and libpq
both still read the CN), Redis ``timeout`` closing idle clients (redis-py reconnects an idle
pooled connection before using it), ``maxmemory-clients`` (round 11).

The grading is round one's (``grade`` in tests/verdicts/test_heldout_servers.py); a healthy case
is fully right when every check of its instance passes. One envcheck run for four PostgreSQL
cases, one run (in a process whose user ID has no passwd entry) for the fifth, one run for the
three Redis cases (a memcached replay, one TLS server). The fixes of the fully right breakages
are then carried out by the person as printed (``user=`` added, the mark removed, the service's
own host and port written, the URL's port, ``ssl_ca_path``) and the healed instances run again.

The expectations were committed before envcheck first ran on this file (67c37e5); none was
changed after.

First run (envcheck at 67c37e5, before any change; graded by the rules above, 2026-12-07): 2 of
8 fully right (the password file's mark before a comment, the DSN's port beside ``service=``); 3
partly, 3 wrong.
Partly:
- pg-passfile-utf8-bom: "the server wants a password ... nor a matching line in the password
  file libpq reads", fix "put it in ... dsn or the line 127.0.0.1:PORT:DB:USER:PASSWORD in the
  password file" (the line that is there; the byte order mark not seen).
- redis-url-at-memcached-port: "does not speak the Redis protocol (it answered
  'ERROR\\r\\n...') another service listens on this port" (memcached's answer not named), fix
  at the Redis port.
- redis-url-ssl-ca-path-directory-healthy: a false alarm: reachable fails "the TLS certificate
  ... is not trusted: it is self-signed ... this machine's CA store does not hold it" (the URL's
  ``ssl_ca_path`` not used), fix "set ... ca_file".
Wrong:
- pg-service-nested-service: envcheck's own login went to /var/run/postgresql:5432 (another
  server: the service was never read) and said the role does not exist, with ``CREATE ROLE`` and
  pg_hba.conf in its words; libpq's nested-service error only quoted.
- pg-libpq-uid-without-passwd-entry: the plugin broke before any check: ``envcheck_default_config``
  raised ``KeyError: 'getpwuid(): uid not found: 54321'`` (getpass); no report.
- redis-url-ssl-ca-certs-directory: "IsADirectoryError: [Errno 21] Is a directory the check
  raised an unexpected error" (redis/target.py).
Cost of the first run (``/usr/bin/time`` on ``pytest <this file> -n 0``; its failures end the
tests early): 6.3 s user, 1.5 s system, 12 s wall.

After the fixes of the commit that follows the first run: 8 of 8 fully right, every printed fix
carried out by the person and its instance passing on the second run; no expectation changed.
What envcheck reads now (structure, never a message's words; postgres/target.py,
postgres/dsn.py, postgres/diagnose.py, postgres/config.py, redis/target.py, kit/_net.py):
- no user in the DSN, the service or PGUSER, and no passwd entry for the effective user ID
  (``pwd.getpwuid``, as libpq asks it; ``$USER`` is never read): fails reachable before
  connecting, naming the user ID, with ``user=ROLE`` / ``PGUSER=ROLE`` as the fix; the plugin no
  longer falls back to ``getpass`` (which raised KeyError);
- no password supplied while the password file's first line begins with U+FEFF and matches the
  login without it: the mark named, the fix a ``sed -i`` that removes it;
- a ``service=`` line inside the section of the service the DSN names (in the file libpq takes it
  from): fails reachable with the line's number and the keys of the service it names (never a
  password), the fix replacing the line by them;
- an answer made of memcached's ``ERROR`` lines (or ``CLIENT_ERROR``) is memcached in
  ``looks_like`` (the one place both components recognise what answered), confirmed by
  ``version`` (its ``VERSION`` shown);
- ``ssl_ca_path`` in a rediss:// URL is loaded as redis-py loads it (OpenSSL's capath), and
  ``ssl_ca_certs`` (or ``ca_file``) naming a directory fails reachable with ``ssl_ca_path=`` as
  the fix (was a traceback).
Rows: 5 in docs/verdicts/postgres.md and 3 in docs/verdicts/redis.md, section "The held-out set
of 2026-12-07 (issue 21, eighteenth round)", asserted on each case's own run.
Cost (``/usr/bin/time`` on ``pytest <this file> -n 0``, after the fixes, five envcheck runs, two
of them in a process of their own): 6.9 s user, 1.0 s system (7.9 CPU-s), 8 s wall.
"""

from __future__ import annotations

import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis

from tests.servers import free_port
from tests.verdicts import redis_servers as rs
from tests.verdicts import server_rounds as sr
from tests.verdicts.pg_lab import PASSWORD, Lab, lab_fixtures

lab_server, lab = lab_fixtures("heldout18-pglab")

#: a user ID with no entry in the passwd database (``pwd.getpwuid`` checked)
NO_PASSWD_UID = 54321
#: the services: one that names another, the other, and one whose port is stale
NESTED, COMMON, STALE = "app18", "pgcommon18", "stale18"
BOM = "\ufeff"

# -- PostgreSQL: four instances of one envcheck run, one of a run as a user ID without a name ---

PG: dict[str, sr.Expect] = {
    "pg-libpq-uid-without-passwd-entry": sr.Expect(
        f"{sr.REACHABLE}|{sr.CONNECT}",
        "fail",
        (str(NO_PASSWD_UID), "passwd"),
        ("user=",),
        (*sr.NOT_PW, *sr.NOT_STARTED, "pg_hba.conf", "CREATE ROLE"),
    ),
    "pg-passfile-utf8-bom": sr.Expect(
        sr.CONNECT,
        "fail",
        ("byte order mark", "line 1"),
        ("byte order mark",),
        (*sr.NOT_PW, *sr.NOT_STARTED, "pg_hba.conf", "chmod"),
    ),
    "pg-passfile-utf8-bom-comment-first-healthy": sr.Expect(sr.WRITE, "pass"),
    "pg-service-nested-service": sr.Expect(
        f"{sr.REACHABLE}|{sr.CONNECT}",
        "fail",
        ("nested", "line 6"),
        ("line 6", COMMON),
        (*sr.NOT_PW, *sr.NOT_STARTED, "pg_hba.conf", "not found"),
    ),
    "pg-service-dsn-port-overrides-healthy": sr.Expect(sr.WRITE, "pass"),
}
#: the words of the printed fix that the person's act follows
PERSON_FOLLOWS = {
    "pg-passfile-utf8-bom": "byte order mark",
    "pg-service-nested-service": COMMON,
}
UID_FOLLOWS = {"pg-libpq-uid-without-passwd-entry": "user="}
#: the case run in a process whose user ID has no passwd entry
AS_UID = "pg-libpq-uid-without-passwd-entry"


def as_uid_without_name() -> tuple[str, ...]:
    """The words that start a program as :data:`NO_PASSWD_UID` (a user namespace whose one user
    is root outside it, so that the files stay readable); skips where that cannot be done."""
    try:
        pwd.getpwuid(NO_PASSWD_UID)
        pytest.skip(f"user ID {NO_PASSWD_UID} has a passwd entry here")
    except KeyError:
        pass
    words = ("unshare", "--user", f"--map-user={NO_PASSWD_UID}", f"--map-group={NO_PASSWD_UID}")
    if shutil.which("unshare") is None or subprocess.run([*words, "true"]).returncode != 0:
        pytest.skip("unshare --user (a user namespace) is not allowed here")
    return words


def service_file(lab: Lab, path: Path, app: tuple[str, str], stale: tuple[str, str]) -> None:
    """:data:`COMMON` (host and port), :data:`NESTED` naming it on line 6, :data:`STALE` at a
    port where nothing listens."""
    path.write_text(
        f"[{COMMON}]\nhost=127.0.0.1\nport={lab.port}\n\n"
        f"[{NESTED}]\nservice={COMMON}\ndbname={app[1]}\nuser={app[0]}\npassword={PASSWORD}\n\n"
        f"[{STALE}]\nhost=127.0.0.1\nport={free_port()}\ndbname={stale[1]}\nuser={stale[0]}\n"
        f"password={PASSWORD}\n"
    )
    path.chmod(0o600)


def make_uid(lab: Lab, words: tuple[str, ...]) -> sr.PgMade:
    """The user ID's case, proved with psycopg in a process started behind ``words``."""
    pg = sr.PgMade()
    user, db = lab.app()
    dsn = f"host=127.0.0.1 port={lab.port} dbname={db} password={PASSWORD}"
    proof = "import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=10).close()"
    run = [*words, sys.executable, "-c", proof]
    done = subprocess.run([*run, dsn], capture_output=True, text=True, timeout=60)
    assert f"local user with ID {NO_PASSWD_UID} does not exist" in done.stderr, done.stderr
    right = f"{dsn} user={user}"
    done = subprocess.run([*run, right], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    pg.made[AS_UID] = sr.Instance(dsn)
    pg.person_writes(AS_UID, right)
    return pg


def make_pg(lab: Lab, tmp: Path) -> sr.PgMade:
    """The other PostgreSQL cases made on the lab and proved with psycopg (PGSERVICEFILE set for
    the rest of the test)."""
    assert lab.monkeypatch is not None
    pg = sr.PgMade()
    made = pg.made

    user, db = lab.app()
    line = f"127.0.0.1:{lab.port}:{db}:{user}:{PASSWORD}\n"
    marked = tmp / "pgpass-bom"
    marked.write_bytes((BOM + line).encode())
    marked.chmod(0o600)
    dsn = f"host=127.0.0.1 port={lab.port} dbname={db} user={user} passfile={marked}"
    sr.login_fails(dsn, "no password supplied")
    made["pg-passfile-utf8-bom"] = sr.Instance(dsn)

    def person_removes_the_mark() -> None:
        marked.write_text(line)

    pg.people["pg-passfile-utf8-bom"] = person_removes_the_mark

    user, db = lab.app()
    commented = tmp / "pgpass-bom-comment"
    commented.write_bytes(
        (BOM + f"# {user}\n" + f"127.0.0.1:{lab.port}:{db}:{user}:{PASSWORD}\n").encode()
    )
    commented.chmod(0o600)
    dsn = f"host=127.0.0.1 port={lab.port} dbname={db} user={user} passfile={commented}"
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE proof_kept (id int)")
        conn.rollback()
    made["pg-passfile-utf8-bom-comment-first-healthy"] = sr.Instance(dsn)

    services = tmp / "services.conf"
    app, stale = lab.app(), lab.app()
    service_file(lab, services, app, stale)
    lab.monkeypatch.setenv("PGSERVICEFILE", str(services))
    sr.login_fails(f"service={NESTED}", "nested", "line 6")
    sr.login_fails(f"service={STALE}", "refused")
    with psycopg.connect(f"service={STALE} port={lab.port}") as conn:
        conn.execute("CREATE TABLE proof_kept (id int)")
        conn.rollback()
    made["pg-service-nested-service"] = sr.Instance(f"service={NESTED}")
    made["pg-service-dsn-port-overrides-healthy"] = sr.Instance(f"service={STALE} port={lab.port}")

    def person_writes_the_host_and_port() -> None:
        text = services.read_text()
        services.write_text(
            text.replace(f"service={COMMON}\n", f"host=127.0.0.1\nport={lab.port}\n")
        )

    pg.people["pg-service-nested-service"] = person_writes_the_host_and_port
    return pg


def test_postgres(lab: Lab, tmp_path: Path) -> None:
    """Four cases on one run; the person's part of each fully right fix carried out as printed
    and the healed instances passing on one more run; each case's row held on its first run."""
    pg = make_pg(lab, tmp_path)
    expects = {i: PG[i] for i in pg.made}
    checks = sr.run_pg(lab, pg.made)
    verdicts = sr.pg_round(lab, expects, pg, checks, PERSON_FOLLOWS)
    sr.report_grades(verdicts)
    sr.rows_hold("postgres", expects, checks)


def test_postgres_as_uid_without_name(lab: Lab) -> None:
    """The user ID's case on a run in a process of that user ID; the person's ``user=`` carried
    out if the fix is fully right and the instance passing on a second run there; its row held."""
    words = as_uid_without_name()
    pg = make_uid(lab, words)
    expects = {AS_UID: PG[AS_UID]}
    checks = sr.run_pg(lab, pg.made, words)
    verdicts = sr.pg_round(lab, expects, pg, checks, UID_FOLLOWS, prefix=words)
    sr.report_grades(verdicts)
    sr.rows_hold("postgres", expects, checks)


# -- Redis: three instances of one envcheck run ---------------------------------------------------

REDIS: dict[str, sr.Expect] = {
    "redis-url-at-memcached-port": sr.Expect(
        sr.R_REACH,
        "fail",
        ("is not Redis", "memcached"),
        ("Redis port",),
        ("start Redis", "WRONGPASS", "requirepass", "rediss://"),
    ),
    "redis-url-ssl-ca-certs-directory": sr.Expect(
        sr.R_REACH,
        "fail",
        ("ssl_ca_certs", "directory"),
        ("ssl_ca_path",),
        ("start Redis", "does not exist", "is not trusted", "WRONGPASS"),
    ),
    "redis-url-ssl-ca-path-directory-healthy": sr.Expect(sr.R_ROUND, "pass"),
}
#: the words of the printed fix that the person's act follows
REDIS_FOLLOWS = {
    "redis-url-at-memcached-port": "Redis port",
    "redis-url-ssl-ca-certs-directory": "ssl_ca_path",
}


def hashed_directory(directory: Path, cert: Path) -> Path:
    """A directory of CA certificates as c_rehash lays it out: the certificate and a link
    ``<subject hash>.0`` to it (what OpenSSL's ``capath`` looks up)."""
    directory.mkdir()
    shutil.copy(cert, directory / "envcheck-ca.pem")
    digest = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", str(cert)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (directory / f"{digest}.0").symlink_to("envcheck-ca.pem")
    return directory


def test_redis(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """The three cases on one run; the person's fix of each fully right breakage (the URL's
    port, ``ssl_ca_path``) and the instance passing on a second run; each row held."""
    cert, key = rs.certificate(tmp_path, "DNS:localhost,IP:127.0.0.1")
    cas = hashed_directory(tmp_path / "cas", cert)
    port = free_port()
    tls = rs.make("--port", "0", *rs.tls_args(cert, key, port), port=port)
    with rs.memcached_like() as cache_port, rs.running() as plain:
        tls.start()
        try:
            at_cache = f"redis://127.0.0.1:{cache_port}/0"
            with pytest.raises(redis.exceptions.InvalidResponse):
                with redis.Redis.from_url(at_cache, socket_timeout=5) as client:
                    client.ping()
            at_redis = f"redis://127.0.0.1:{plain.port}/0"
            with redis.Redis.from_url(at_redis) as client:
                assert client.ping()

            as_file = f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={cas}"
            with pytest.raises(redis.ConnectionError, match="Is a directory"):
                with redis.Redis.from_url(as_file, socket_timeout=5) as client:
                    client.ping()
            as_path = f"rediss://127.0.0.1:{port}/0?ssl_ca_path={cas}"
            with redis.Redis.from_url(as_path, socket_timeout=5) as client:
                assert client.set("envcheck:heldout18", "v") and client.delete("envcheck:heldout18")

            urls = {
                "redis-url-at-memcached-port": at_cache,
                "redis-url-ssl-ca-certs-directory": as_file,
                "redis-url-ssl-ca-path-directory-healthy": as_path,
            }
            healed_urls = {
                "redis-url-at-memcached-port": at_redis,
                "redis-url-ssl-ca-certs-directory": as_path,
            }

            checks, verdicts = sr.redis_first_run(pytester, REDIS, urls)
            healed: dict[str, str] = {}
            for ident, word in REDIS_FOLLOWS.items():
                if verdicts[ident].grade != "fully right":
                    continue
                failed = sr.failed_check(checks, "redis", ident)
                assert word.lower() in (failed.get("hint") or "").lower(), failed
                healed[ident] = healed_urls[ident]
            if healed:
                sr.redis_again(pytester, sr.redis_sections(healed), verdicts, healed)
        finally:
            tls.stop()
            shutil.rmtree(tls.directory, ignore_errors=True)
    sr.report_grades(verdicts)
    sr.rows_hold("redis", REDIS, checks)
