"""Seventeenth held-out round for PostgreSQL and Redis (issue 21): kinds that neither the earlier
rounds (tests/verdicts/test_heldout_servers*.py 1-16, tests/verdicts/test_heldout.py) nor the
sweeps (a SQLSTATE at login or at the write, a Redis error reply to each command, a pooler's or
proxy's own answer, TLS, the protocol sweep, the client-side settings sweep) nor a row cover, and
healthy neighbours, each made on a real throwaway server and proved with the real client
(psycopg 3.3 with its libpq 18, redis-py) first.

How the set was made (2026-12-07), from the sources of truth; of envcheck's code only the round
machinery of the earlier round files and the tables' rows were read:

- PostgreSQL 15 (namespace.c ``recomputeNamespacePath``: the default ``search_path`` is
  ``"$user", public``; a schema named after the role, on which the role has USAGE, comes first and
  is where ``CREATE TABLE`` creates; aclchk.c: 42501 ``permission denied for schema %s``): an
  administrator made a schema named after the role (owned by postgres) and granted USAGE only;
  the write lands there, not in public. Healthy neighbour: the same schema made ``AUTHORIZATION``
  the role.
- libpq (fe-secure-common.c ``pq_verify_peer_name_matches_certificate``: ``host name must be
  specified for a verified SSL connection``): ``sslmode=verify-full`` with ``hostaddr`` and no
  ``host``. Healthy neighbour: ``host`` the certificate's name (no resolver knows it) beside
  ``hostaddr``.
- PostgreSQL 15 (be-secure-openssl.c: the server verifies a client certificate against
  ``ssl_ca_file``; OpenSSL's X509_V_ERR_CERT_HAS_EXPIRED / X509_V_ERR_CERT_NOT_YET_VALID end the
  handshake with an alert): a client certificate (``sslcert``, signed by the server's CA, a
  ``cert`` line) that has expired, and one whose notBefore is tomorrow (a clock or an issuer
  ahead). The rows are a server certificate expired (the client verifying) and a Redis client
  certificate expired; no PostgreSQL client certificate's dates.
- Redis 7 (replication.c ``replicaofCommand``: no check that the master is the server itself;
  ``syncCommand`` answers ``-NOMASTERLINK`` to a replica that is itself not connected, so the
  link never comes up; server.c: ``-READONLY`` to writes): ``REPLICAOF`` its own address and
  port. The rows are a replica of another server (READONLY, link down); none of a replica of
  itself.
- Redis 7 (acl.c; redis-py sends ``SELECT`` only for a database other than 0): a user with
  ``+@all -select`` and a URL of database 0 (healthy neighbour of the row redis-NOPERM-SELECT).

Each was grepped in the tables, the rounds and the sweeps first (``sslpassword``, ``bad
decrypt``, ``encrypted``, ``VALID UNTIL``, ``rolvaliduntil``, ``expired``, ``CONNECTION LIMIT``,
``too many connections for``, ``datconnlimit``, ``allow_connections``, ``SET role``,
``NOREPLICAS``, ``min-replicas``, ``MASTERDOWN``, ``serve-stale``, ``max number of clients``,
``maxclients``, ``nopass``, ``sslcrl``, ``revoked``, ``default_tablespace``,
``default_table_access``, ``NOINHERIT``, ``3F000``, ``no schema has been selected``,
``search_path = ''``, ``clientcert=verify-full``, ``usermap``, ``pg_ident``, ``backslash``,
``pgpass``, ``called without any password``, ``SETINFO``, ``protocol=3``, ``hostaddr values``,
``port numbers``, ``purpose``, ``extendedKeyUsage``, ``clientAuth``, ``%40``, ``%25``,
``percent``, ``selector``, ``user is disabled``, ``default user``, ``CLUSTERDOWN``, ``not yet
valid``, ``alert certificate expired``, ``keyUsage``, ``55P03``, ``lock_timeout``, ``DROP
SCHEMA``, ``@dangerous``, ``out of range``, ``verify-full``, ``notAfter``,
``idle_in_transaction``, ``PGREQUIREAUTH``, ``require_auth``, ``PGMINPROTOCOLVERSION``,
``PGCHANNELBINDING``, ``PGSSLCERTMODE``, ``sslcertmode=require``, ``replica-read-only no``,
``two passwords``, ``LOADING``, ``"$user"``, ``schema named``, ``host name must be specified``,
``MOVED``, ``PAUSE``, ``resetpass``, ``-select``, ``hello``): most are rows already (a
password expired, both connection limits, NOINHERIT, a dropped public schema, 55P03, an
encrypted key, a CRL, a client certificate's purpose, a Redis client certificate expired,
NOREPLICAS, MASTERDOWN, a default user off, a user with no password, CLIENT PAUSE ALL); none is
a row for the kinds above (``"$user"``, ``host name must be specified`` and ``PGSSLCERTMODE``
nowhere; ``not yet valid`` and ``not_valid_before`` only the server's or Redis' certificate).
Ideas left out: PGSSLCERTMODE=require left in the shell (the row of sslcertmode=require in the
DSN has the verdict), a busy Lua script (-BUSY: it burns a core for the whole run), a writable
replica (a row).

The grading is round one's (``grade`` in tests/verdicts/test_heldout_servers.py); a healthy case
is fully right when every check of its instance passes. One envcheck run for the six PostgreSQL
cases (six instances), one for the two Redis cases (two instances, two servers). The fixes of
the fully right breakages are then carried out as printed (SQL steps through envcheck's step
runner; the person's: ``host`` added, a certificate issued again; the Redis administrator's
``REPLICAOF NO ONE``) and the healed instances run again.

The expectations were committed before envcheck first ran on this file (5919705); none was
changed after.

First run (envcheck at 5919705, before any change; graded by the rules above, 2026-12-07): 3 of
8 fully right (the three healthy neighbours); of the 5 breakages none fully right, 5 partly,
0 wrong.
Partly:
- pg-42501-user-schema-not-writable: "role R may not create tables in schema R: no CREATE
  privilege on schema R", fix GRANT CREATE ON SCHEMA R (right, but not that the default
  search_path's "$user" entry chose the schema).
- pg-verify-full-hostaddr-without-host: "cannot connect ...: host name must be specified for a
  verified SSL connection", why "libpq refused or failed the connection for a reason of its own",
  fix "check ... dsn" (envcheck's own login took hostaddr for host: neither verify-full, hostaddr
  nor host= named).
- pg-sslcert-expired: "the TLS handshake with ... failed after the server accepted SSL:
  SSLV3_ALERT_CERTIFICATE_EXPIRED", fix "look at the server's log" (sslcert not named).
- pg-sslcert-not-yet-valid: "... does not trust the client certificate ...", fix "get a client
  certificate signed by the CA in the server's ssl_ca_file" (the dates not read).
- redis-READONLY-replica-of-itself: "is a read-only replica of 127.0.0.1:PORT" (its own
  address), fix "point ... url at the primary (127.0.0.1:PORT)": the URL it already has.
Cost of the first run (``/usr/bin/time``, ``-n 0``, PostgreSQL's test; Redis' run apart): 6.2 s
user, 2.2 s system.

After the fixes of the commit that follows the first run: 8 of 8 fully right, every printed fix
carried out and its instance passing on the second run; no expectation changed. What envcheck
reads now (structure, never a message's words; postgres/hooks.py, postgres/target.py,
postgres/diagnose.py, redis/diagnose.py):
- 42501 on the probe table in a schema that is current_user's name while search_path's first
  entry is ``"$user"``: the cause says the ``"$user"`` entry chose it (the GRANT step as before);
- a DSN (or PGSSLMODE) with ``sslmode=verify-full``, ``hostaddr`` and no ``host``: fails reachable
  before connecting, the fix adds ``host=`` beside hostaddr;
- a TLS failure (libpq's, or envcheck's own handshake) while sslcert's certificate is outside its
  notBefore / notAfter against this machine's clock: expired / not valid before, the fix a
  certificate issued again;
- READONLY (or MASTERDOWN) from a replica whose master_port is its own INFO server tcp_port at
  the URL's host or a loopback address: a replica of itself, the fix ``REPLICAOF NO ONE``.
Rows: 6 in docs/verdicts/postgres.md and 2 in docs/verdicts/redis.md, section "The held-out set
of 2026-12-07 (issue 21, seventeenth round)", asserted on each case's own run.
Cost (``/usr/bin/time`` on ``pytest <this file> -n 0``, after the fixes, four envcheck runs):
5.2 s user, 2.7 s system (7.8 CPU-s), 11 s wall.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg
import pytest
import redis
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.verdicts import redis_servers as rs
from tests.verdicts import server_rounds as sr
from tests.verdicts.pg_lab import CERT_NAME, PASSWORD, Lab, lab_fixtures

lab_server, lab = lab_fixtures("heldout17-pglab")


# -- PostgreSQL: six instances of one envcheck run ------------------------------------------------

PG: dict[str, sr.Expect] = {
    "pg-42501-user-schema-not-writable": sr.Expect(
        sr.WRITE,
        "fail",
        ('"$user"', "search_path"),
        ("ON SCHEMA",),
        (*sr.NOT_PW, *sr.NOT_STARTED, "pg_hba.conf", "ON SCHEMA public"),
        heals=True,
    ),
    "pg-verify-full-hostaddr-without-host": sr.Expect(
        f"{sr.REACHABLE}|{sr.CONNECT}",
        "fail",
        ("verify-full", "hostaddr"),
        ("host=",),
        (*sr.NOT_PW, *sr.NOT_STARTED, "pg_hba.conf", "sslrootcert="),
    ),
    "pg-sslcert-expired": sr.Expect(
        sr.CONNECT,
        "fail",
        ("sslcert", "expired"),
        ("sslcert",),
        (*sr.NOT_PW, *sr.NOT_STARTED, "pg_hba.conf", "does not exist", "chmod"),
    ),
    "pg-sslcert-not-yet-valid": sr.Expect(
        sr.CONNECT,
        "fail",
        ("sslcert", "not valid before"),
        ("sslcert",),
        (*sr.NOT_PW, *sr.NOT_STARTED, "pg_hba.conf", "does not exist", "chmod"),
    ),
    "pg-user-schema-owned-healthy": sr.Expect(sr.WRITE, "pass"),
    "pg-verify-full-host-and-hostaddr-healthy": sr.Expect(sr.WRITE, "pass"),
}
#: the word of the printed fix that the person's act follows
PERSON_FOLLOWS = {
    "pg-verify-full-hostaddr-without-host": "host=",
    "pg-sslcert-expired": "sslcert",
    "pg-sslcert-not-yet-valid": "sslcert",
}


def dated_cert(
    tmp: Path, cn: str, lab: Lab, not_before: dt.datetime, not_after: dt.datetime
) -> tuple[Path, Path]:
    """A client certificate for ``cn`` signed by the lab's certificate (the server's
    ssl_ca_file), valid from ``not_before`` to ``not_after``."""
    ca_cert = x509.load_pem_x509_certificate(lab.certificate.cert.read_bytes())
    ca_key = serialization.load_pem_private_key(lab.certificate.key.read_bytes(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return sr.write_pem(tmp, cn, cert, key)


def addr_dsn(lab: Lab, user: str, db: str, **params: str) -> str:
    """A keyword DSN with hostaddr=127.0.0.1 (and ``params``), verify-full against the lab's
    certificate."""
    base = {"hostaddr": "127.0.0.1", "port": str(lab.port), "user": user, "dbname": db}
    base.update(password=PASSWORD, sslmode="verify-full", sslrootcert=str(lab.certificate.cert))
    base.update(params)
    return " ".join(f"{k}='{v}'" for k, v in base.items())


def make_pg(lab: Lab, tmp: Path) -> sr.PgMade:
    """Every PostgreSQL case made on the lab and proved with psycopg."""
    pg = sr.PgMade()
    made, person_writes = pg.made, pg.person_writes

    user, db = lab.app()
    lab.sql(
        f"CREATE SCHEMA {user} AUTHORIZATION postgres",
        f"GRANT USAGE ON SCHEMA {user} TO {user}",
        dbname=db,
    )
    dsn = sr.kw(lab, user, db)
    sr.write_fails(dsn, "42501")
    made["pg-42501-user-schema-not-writable"] = sr.Instance(dsn)

    user, db = lab.app()
    lab.sql(f"CREATE SCHEMA {user} AUTHORIZATION {user}", dbname=db)
    dsn = sr.kw(lab, user, db)
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE proof (id int)")
        where = conn.execute("SELECT schemaname FROM pg_tables WHERE tablename = 'proof'")
        assert where.fetchone() == (user,)
        conn.rollback()
    made["pg-user-schema-owned-healthy"] = sr.Instance(dsn)

    user, db = lab.app()
    dsn = addr_dsn(lab, user, db)
    sr.login_fails(dsn, "host name must be specified")
    right = addr_dsn(lab, user, db, host=CERT_NAME)
    psycopg.connect(right).close()
    made["pg-verify-full-hostaddr-without-host"] = sr.Instance(dsn)
    person_writes("pg-verify-full-hostaddr-without-host", right)

    user, db = lab.app()
    dsn = addr_dsn(lab, user, db, host=CERT_NAME)
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE proof_kept (id int)")
        conn.rollback()
    made["pg-verify-full-host-and-hostaddr-healthy"] = sr.Instance(dsn)

    now = dt.datetime.now(dt.timezone.utc)
    day = dt.timedelta(days=1)
    for ident, start, end in (
        ("pg-sslcert-expired", now - 30 * day, now - day),
        ("pg-sslcert-not-yet-valid", now + day, now + 30 * day),
    ):
        user, db = lab.app("lab_cert")
        (tmp / ident).mkdir()
        crt, key = dated_cert(tmp / ident, user, lab, start, end)
        dsn = sr.kw(lab, user, db, sslmode="require", sslcert=str(crt), sslkey=str(key))
        sr.login_fails(dsn)
        (tmp / ident / "new").mkdir()
        crt, key = dated_cert(tmp / ident / "new", user, lab, now - day, now + 30 * day)
        right = sr.kw(lab, user, db, sslmode="require", sslcert=str(crt), sslkey=str(key))
        psycopg.connect(right).close()
        made[ident] = sr.Instance(dsn)
        person_writes(ident, right)
    return pg


def test_postgres(lab: Lab, tmp_path: Path) -> None:
    """The six cases on one run; the fixes of the fully right breakages carried out as printed
    and the healed instances passing on one more run; each case's row held on its first run."""
    pg = make_pg(lab, tmp_path)
    checks = sr.run_pg(lab, pg.made)
    verdicts = sr.pg_round(lab, PG, pg, checks, PERSON_FOLLOWS)
    sr.report_grades(verdicts)
    sr.rows_hold("postgres", PG, checks)


# -- Redis: two instances of one envcheck run -----------------------------------------------------

#: the user refused SELECT, whose URL names database 0
NO_SELECT = "noselect"

REDIS: dict[str, sr.Expect] = {
    "redis-READONLY-replica-of-itself": sr.Expect(
        f"{sr.R_ROUND}|{sr.R_AUTH}|{sr.R_REACH}",
        "fail",
        ("READONLY", "itself"),
        ("REPLICAOF NO ONE",),
        ("start Redis", "WRONGPASS", "ACL SETUSER"),
    ),
    "redis-acl-no-select-database-0-healthy": sr.Expect(sr.R_ROUND, "pass"),
}


def test_redis(pytester: pytest.Pytester) -> None:
    """The two cases on one run (two servers); the breakage's fix, if fully right, carried out by
    the Redis administrator (REPLICAOF NO ONE) and its instance passing on a second run; each row
    held."""
    pw = rs.APP_PASSWORD
    with rs.running() as itself, rs.running() as other:
        rs.add_admin(itself)
        with itself.admin() as admin:
            admin.execute_command("REPLICAOF", "127.0.0.1", str(itself.port))
        looped = f"redis://:{pw}@127.0.0.1:{itself.port}/0"
        with itself.admin() as admin:
            admin.execute_command("CONFIG", "SET", "requirepass", pw)
            assert admin.info("replication")["master_port"] == itself.port
        with redis.Redis.from_url(looped) as client:
            with pytest.raises(redis.ReadOnlyError):
                client.set("envcheck:heldout17", "v")

        rs.add_admin(other)
        rs.add_user(other, NO_SELECT, "+@all", "-select", "~*", "&*")
        no_select = f"redis://{NO_SELECT}:{pw}@127.0.0.1:{other.port}/0"
        with redis.Redis.from_url(no_select) as client:
            assert client.set("envcheck:heldout17", "v") and client.delete("envcheck:heldout17")
        with redis.Redis.from_url(no_select.replace("/0", "/1")) as client:
            with pytest.raises(redis.exceptions.NoPermissionError):
                client.ping()

        servers = {
            "redis-READONLY-replica-of-itself": (looped, itself),
            "redis-acl-no-select-database-0-healthy": (no_select, other),
        }

        def sections(chosen: list[str]) -> str:
            return "".join(
                sr.redis_section(sr.instance(i), servers[i][0])
                + sr.with_admin(servers[i][1])
                + "\n"
                for i in chosen
            )

        pytester.makefile(".toml", pyproject=sections(list(servers)))
        checks, output = sr.run_envcheck(pytester)
        assert "Traceback" not in output
        assert pw not in output and pw not in str(checks), "a password shown"
        assert rs.ADMIN_PASSWORD not in output, "the admin's password shown"
        verdicts = sr.graded_all(REDIS, checks, "redis")
        ident = "redis-READONLY-replica-of-itself"
        if verdicts[ident].grade == "fully right":
            with itself.admin() as admin:
                admin.execute_command("REPLICAOF", "NO", "ONE")
            sr.redis_again(pytester, sections([ident]), verdicts, [ident])
    sr.report_grades(verdicts)
    sr.rows_hold("redis", REDIS, checks)
