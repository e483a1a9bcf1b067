"""Third held-out round for PostgreSQL and Redis (issue 21): breakages that no row of
docs/verdicts/postgres.md or docs/verdicts/redis.md lists, each made on a real throwaway server,
to measure whether the verdicts hold beyond the rows they were written for.

How the set was made (2026-12-06), before reading how envcheck diagnoses anything, from the
sources of truth: libpq's conninfo keywords and their checks (fe-connect.c: ``sslrootcert=system``
with a weak sslmode, ``sslcertmode=require``, ``require_auth`` negated, ``sslpassword``, a
``sslcert`` file that does not exist, met by a ``cert`` line), libpq's environment
(PGSSLROOTCERT), the startup packet's options (``-c search_path=``, met at the write as 3F000)
and a role's ``default_tablespace`` (pg_global, met at the write as 22023 once CREATE on it is
granted); redis-py's URL (a query option it does not know, ``ssl=true``; ``ssl_cert_reqs``,
``ssl_ca_certs``, ``ssl_certfile``/``ssl_keyfile`` that do not go together; a password
percent-decoded; a ``client_name`` the server refuses, server.c ``CLIENT SETNAME``). Every id
and its breakage was checked against the tables first (``grep '^| pg-'`` / ``'^| redis-'``):
none is a row (the brief's other ideas, a reject or hostnossl line, an MD5 secret, connection
limits, idle-in-transaction timeouts, verify-full names, PGSSLMODE, client_encoding, -@write,
key patterns, rename-command, maxclients, NOREPLICAS, READONLY, TLS/plain mismatches, a
sentinel, a database index out of range, are rows already). The grading is round one's
(``grade`` in tests/verdicts/test_heldout_servers.py): *fully right* when the check, status, the
cause's and fix's words hold (and the fix, applied, heals where ``heals``), *wrong* when a
forbidden word appears, a broken server passes or the plugin breaks, else *partly*.

First run (envcheck at ea05337, the commit that added this file, before any change; graded by
the rules above, 2026-12-06): 3 of 14 fully right (pg-3F000-options-search-path,
pg-require-auth-negated, redis-tls-key-mismatch), 8 partly, 3 wrong. One case's construction was
corrected, no expectation: pg-require-auth-negated's proof looked for "SASL" in libpq's text, but
over SSL (sslmode=prefer) libpq names the mechanism, SCRAM-SHA-256-PLUS; it now looks for
"authentication method requirement".
Partly:
- pg-22023-pg-global-tablespace: "SQLSTATE 22023 ... the settings layer failed", fix "look at the
  server's log" (the role's default_tablespace, pg_global, not named; no RESET).
- pg-env-sslrootcert-missing: "there is no file ...", fix "set sslrootcert= ... in
  tool.envcheck.postgres.dsn" (the path came from PGSSLROOTCERT, not named).
- pg-28000-sslcert-missing: "pg_hba.conf does not let ... in", fix "add 'host ... scram-sha-256'
  to pg_hba.conf" (the sslcert file does not exist, so no certificate was sent: a wrong cause and
  fix that no forbidden word caught).
- pg-sslcertmode-require-no-cert: "libpq refused or failed the connection for a reason of its
  own", fix "check tool.envcheck.postgres.dsn" (sslcertmode=require not named).
- pg-sslpassword-wrong: fix "set sslkey= a readable file of the right kind" (the key is
  encrypted; sslpassword does not open it).
- pg-sslrootcert-system-require: fix "check tool.envcheck.postgres.dsn" (no verify-full).
- redis-url-ssl-ca-certs-missing: fix "set tool.envcheck.redis.ca_file" (the URL's ssl_ca_certs,
  a file that does not exist, not named).
- redis-url-ssl-query: "plain Redis to a port that speaks TLS" (right in substance; ?ssl=true,
  which redis-py refuses, not named).
Wrong:
- redis-WRONGPASS-percent-password: "the password is wrong, there is no such ACL user, or the
  user is disabled", fix with "ACL SETUSER" (the password is right; redis-py percent-decodes the
  URL's %41 to A).
- redis-url-client-name-space: every check passes (redis-py's CLIENT SETNAME is refused: the
  application cannot connect).
- redis-url-ssl-cert-reqs: redis/reachable passes (redis-py refuses ssl_cert_reqs=bogus).

After the fixes of the commit that follows the first run: 14 of 14 fully right, none wrong, no
expectation and no proof changed. What envcheck reads now (structure, never a message's words):
sslrootcert=system with any sslmode but verify-full is refused while reading the DSN (libpq 16+,
by psycopg's libpq version); sslcertmode=require with no client certificate file; an explicit
sslcert (or PGSSLCERT) that does not exist, met by a pg_hba.conf refusal; an encrypted client key
(its PEM header) when libpq cannot load it names sslpassword; a missing root certificate named
by PGSSLROOTCERT names the variable; 22023 at the write while default_tablespace is the
tablespace of OID 1664 (pg_global) resets default_tablespace where pg_settings says it is set.
Redis: the query options a URL hands to redis-py's connection are checked against the keywords
of its connection class's and pool's ``__init__`` (``ssl=true`` on redis:// is a TLS option
without TLS), ``ssl_cert_reqs`` against SSLConnection's values; ``ssl_ca_certs`` missing is
fixed in the URL; ``client_name`` is sent as redis-py sends it (CLIENT SETNAME after AUTH), an
ERR reply naming the option; after WRONGPASS, AUTH with the password as the URL writes it (not
percent-decoded) on the same connection tells a password that itself holds '%'. Each case is now
a row of its table (8 in docs/verdicts/postgres.md, section "The held-out set of 2026-12-06
(issue 21, third round)", 6 in docs/verdicts/redis.md), asserted on the case's own run.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.servers import free_port
from tests.verdicts import redis_servers as rs
from tests.verdicts.pg_lab import Lab, lab_fixtures
from tests.verdicts.test_heldout_servers import (
    CONNECT,
    NOT_AUTH,
    R_AUTH,
    R_REACH,
    WRITE,
    Expect,
    PgCase,
    PgCases,
    RedisCase,
    RedisCases,
    _client_cert,
    held_out_postgres,
    held_out_redis,
    kw,
    login_fails,
    write_fails,
)
from tests.verdicts.test_heldout_servers2 import READ, setenv, url_fails
from tests.verdicts.test_redis import section

PG = PgCases()
pg = PG.case


def cert_user(lab: Lab) -> tuple[str, str]:
    """A role the lab's ``cert`` line authenticates (its client certificate's CN is its name) and
    a database it owns."""
    user = lab.role("lab_cert")
    return user, lab.database(user)


# -- PostgreSQL: libpq's conninfo and environment -----------------------------------------------


@pg(
    "pg-sslrootcert-system-require",
    Expect(
        READ,
        "fail",
        ("sslrootcert=system", "require"),
        ("verify-full",),
        (*NOT_AUTH, "DNS"),
    ),
)
def _rootcert_system(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    dsn = kw(lab, user, db, sslmode="require", sslrootcert="system")
    login_fails(dsn, "verify-full")
    yield PgCase(dsn)


@pg(
    "pg-sslcertmode-require-no-cert",
    Expect(CONNECT, "fail", ("sslcertmode=require",), ("sslcert",), NOT_AUTH),
)
def _certmode_require(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    dsn = kw(lab, user, db, sslmode="require", sslcertmode="require")
    login_fails(dsn, "certificate")
    yield PgCase(dsn)


@pg(
    "pg-require-auth-negated",
    Expect(
        CONNECT,
        "fail",
        ("!scram-sha-256",),
        ("require_auth",),
        ("password authentication failed", "\\password", "pg_ctl"),
    ),
)
def _require_auth_negated(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    dsn = kw(lab, user, db, require_auth="!scram-sha-256")
    login_fails(dsn, "authentication method requirement")
    yield PgCase(dsn)


@pg(
    "pg-28000-sslcert-missing",
    Expect(
        CONNECT,
        "fail",
        ("envcheck-nosuch.crt", "does not exist"),
        ("sslcert",),
        ("\\password", "CREATE ROLE", "sslmode=prefer"),
    ),
)
def _sslcert_missing(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = cert_user(lab)
    crt, key = tmp / "envcheck-nosuch.crt", tmp / "envcheck-nosuch.key"
    dsn = kw(lab, user, db, sslmode="require", sslcert=str(crt), sslkey=str(key))
    login_fails(dsn, "valid client certificate")
    yield PgCase(dsn)


@pg(
    "pg-sslpassword-wrong",
    Expect(CONNECT, "fail", ("sslpassword",), ("sslpassword",), (*NOT_AUTH, "chmod")),
)
def _sslpassword_wrong(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = cert_user(lab)
    crt, key = _client_cert(tmp, user, lab)
    locked = tmp / "envcheck-locked.key"
    subprocess.run(
        ["openssl", "pkey", "-in", str(key), "-aes256", "-passout", "pass:Key-pw-right-5"]
        + ["-out", str(locked)],
        check=True,
        capture_output=True,
    )
    locked.chmod(0o600)
    dsn = kw(
        lab,
        user,
        db,
        sslmode="require",
        sslcert=str(crt),
        sslkey=str(locked),
        sslpassword="Key-pw-wrong-6",
    )
    login_fails(dsn, "private key")
    yield PgCase(dsn)


@pg(
    "pg-env-sslrootcert-missing",
    Expect(CONNECT, "fail", ("PGSSLROOTCERT",), ("PGSSLROOTCERT",), NOT_AUTH),
)
def _env_rootcert(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    setenv(lab, "PGSSLROOTCERT", str(tmp / "envcheck-nosuch-root.crt"))
    dsn = kw(lab, user, db, sslmode="verify-ca")
    login_fails(dsn, "does not exist")
    yield PgCase(dsn)


# -- PostgreSQL: the write ------------------------------------------------------------------------


@pg(
    "pg-3F000-options-search-path",
    Expect(
        WRITE,
        "fail",
        ("search_path", "options"),
        ("options",),
        ("CREATE SCHEMA", "GRANT CREATE", "ALTER ROLE"),
    ),
)
def _options_search_path(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    dsn = kw(lab, user, db, options="-c search_path=")
    write_fails(dsn, "3F000")
    yield PgCase(dsn)


@pg(
    "pg-22023-pg-global-tablespace",
    Expect(
        WRITE,
        "fail",
        ("pg_global", "default_tablespace"),
        ("RESET default_tablespace",),
        ("GRANT CREATE ON TABLESPACE",),
        heals=True,
    ),
)
def _pg_global(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    lab.sql(
        f"GRANT CREATE ON TABLESPACE pg_global TO {user}",
        f"ALTER ROLE {user} SET default_tablespace = pg_global",
    )
    lab.cleanups.append(lambda: lab.sql(f"REVOKE CREATE ON TABLESPACE pg_global FROM {user}"))
    dsn = kw(lab, user, db)
    write_fails(dsn, "22023")
    yield PgCase(dsn)


lab_server, lab = lab_fixtures("heldout3-pglab")


@pytest.mark.parametrize("ident", sorted(PG))
def test_postgres(ident: str, lab: Lab, tmp_path: Path) -> None:
    held_out_postgres(ident, *PG[ident], lab, tmp_path)


# -- Redis ----------------------------------------------------------------------------------------

REDIS = RedisCases()
rd = REDIS.case
R_ANY = f"{R_REACH}|{R_AUTH}"


@contextmanager
def tls_server(tmp: Path) -> Iterator[tuple[int, Path]]:
    """A redis-server that speaks TLS only (no plaintext port): its TLS port and certificate
    (self-signed, its own CA)."""
    cert, key = rs.certificate(tmp, "DNS:localhost,IP:127.0.0.1")
    port = free_port()
    server = rs.make("--port", "0", *rs.tls_args(cert, key, port), port=port)
    server.start()
    try:
        yield port, cert
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)


@rd(
    "redis-url-ssl-query",
    Expect(R_ANY, "fail", ("ssl", "true"), ("rediss://",), ("refused", "password", "Traceback")),
)
def _ssl_query(tmp: Path) -> Iterator[RedisCase]:
    with tls_server(tmp) as (port, cert):
        url = f"redis://127.0.0.1:{port}/0?ssl=true"
        url_fails(url, TypeError, "ssl")
        yield RedisCase(section(url, f'ca_file = "{cert}"'))


@rd(
    "redis-url-ssl-cert-reqs",
    Expect(
        R_ANY,
        "fail",
        ("ssl_cert_reqs", "bogus"),
        ("ssl_cert_reqs",),
        ("refused", "password", "certificate verify failed", "Traceback"),
    ),
)
def _cert_reqs(tmp: Path) -> Iterator[RedisCase]:
    with tls_server(tmp) as (port, cert):
        url = f"rediss://127.0.0.1:{port}/0?ssl_cert_reqs=bogus"
        url_fails(url, redis.RedisError, "requirements")
        yield RedisCase(section(url, f'ca_file = "{cert}"'))


@rd(
    "redis-url-ssl-ca-certs-missing",
    Expect(
        R_REACH,
        "fail",
        ("ssl_ca_certs", "does not exist"),
        ("ssl_ca_certs",),
        ("refused", "password", "self-signed"),
    ),
)
def _ca_certs_missing(tmp: Path) -> Iterator[RedisCase]:
    with tls_server(tmp) as (port, cert):
        url = f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={tmp / 'envcheck-nosuch-ca.pem'}"
        url_fails(url, redis.ConnectionError)
        yield RedisCase(section(url))


@rd(
    "redis-tls-key-mismatch",
    Expect(
        R_REACH,
        "fail",
        ("ssl_keyfile", "ssl_certfile"),
        ("ssl_keyfile",),
        ("refused", "password", "self-signed", "tls-auth-clients"),
    ),
)
def _key_mismatch(tmp: Path) -> Iterator[RedisCase]:
    other = tmp / "other"
    other.mkdir()
    _, other_key = rs.certificate(other, "DNS:localhost")
    with tls_server(tmp) as (port, cert):
        url = (
            f"rediss://127.0.0.1:{port}/0?ssl_certfile={cert}&ssl_keyfile={other_key}"
            f"&ssl_ca_certs={cert}"
        )
        url_fails(url, redis.ConnectionError)
        yield RedisCase(section(url))


@rd(
    "redis-WRONGPASS-percent-password",
    Expect(R_AUTH, "fail", ("percent",), ("%25",), ("ACL SETUSER",)),
)
def _percent_password(tmp: Path) -> Iterator[RedisCase]:
    password = "pw%41-" + rs.APP_PASSWORD
    with rs.running("--requirepass", password) as server:
        url = server.url(auth=f":{password}@")
        url_fails(url, redis.AuthenticationError, "invalid username-password pair")
        yield RedisCase(section(url))


@rd(
    "redis-url-client-name-space",
    Expect(R_ANY, "fail", ("client_name",), ("client_name",), ("refused", "password", "NOPERM")),
)
def _client_name(tmp: Path) -> Iterator[RedisCase]:
    with rs.running() as server:
        url = server.url() + "?client_name=envcheck%20app"
        url_fails(url, redis.RedisError, "client names")
        yield RedisCase(section(url))


@pytest.mark.parametrize("ident", sorted(REDIS))
def test_redis(ident: str, pytester: pytest.Pytester, tmp_path: Path) -> None:
    held_out_redis(ident, *REDIS[ident], pytester, tmp_path)
