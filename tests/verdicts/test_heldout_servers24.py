"""Twenty-fourth held-out round for PostgreSQL and Redis (issue 21): CLIENT-side kinds that neither
the earlier rounds (tests/verdicts/test_heldout_servers*.py 1-23, tests/verdicts/test_heldout.py)
nor the sweeps (postgres, redis, pooler, tls, protocol, client_settings, compat_servers) nor a row
cover, and healthy neighbours, each made on a real throwaway server and proved with the real
client (psycopg 3.3 with its libpq 18, redis-py 8.1) first.

How the set was made (2026-12-07), from the clients' own sources; of envcheck's code only the
round machinery and the tables' rows were read:

- libpq (fe-secure-openssl.c ``initialize_SSL``: with no ``sslcert`` the client certificate is
  ``~/.postgresql/postgresql.crt`` and its key ``~/.postgresql/postgresql.key``, loaded whenever
  they exist, HOME first) and PostgreSQL 15 (be-secure-openssl.c: with ``ssl_ca_file`` set the
  server asks every client for a certificate and verifies one that is sent, ``SSL_VERIFY_PEER``):
  a certificate of another CA left in HOME's ``.postgresql`` (another project's, another
  cluster's) and a DSN that says nothing of certificates or SSL, on a scram line that needs no
  certificate: the handshake fails with the server's alert ``unknown ca``, and libpq's default
  ``sslmode=prefer`` does not try again without SSL after a failed handshake (it does only when
  the server answers the SSLRequest with ``N``). The row pg-ssl-client-cert-unknown-ca is a
  certificate the DSN names (``sslcert=``).
- psycopg 3.3 (``_conninfo_attempts.conninfo_attempts``: each host of the list is resolved with
  ``getaddrinfo`` before libpq sees it; a host that does not resolve is dropped with a debug log
  as long as another one does) and libpq's lists (``host`` split at commas, nothing trimmed): a
  failover list written with a space after the comma, ``host='127.0.0.1, 127.0.0.1'
  port=DOWN,UP``, whose first server is down: the second host, ``' 127.0.0.1'``, resolves to
  nothing and is never tried; the error names only the first host's refusal.
- libpq (fe-connect.c ``conninfo_uri_decode``: only ``%XX`` is decoded; a ``+`` in a URI's query
  stays a ``+``): healthy, ``postgresql://HOST:PORT/DB?user=U&password=P`` whose password holds
  ``+``.
- redis-py 8.1 (connection.py ``parse_url``: the query is read with ``urllib.parse.parse_qs``,
  which decodes ``+`` as a space, the form encoding; the user information with ``unquote``, which
  does not): ``redis://HOST:PORT/0?password=P`` whose password holds ``+``: redis-py sends it with
  spaces, WRONGPASS.
- redis-py 8.1, healthy: the same password in the user information, ``redis://:P@HOST:PORT/0``.

Each was grepped in the tables, the rounds and the sweeps first (``postgresql.crt``,
``postgresql.key``, ``~/.postgresql``, ``unknown ca``, ``sslcertmode``, ``host=A,B``, ``several
hosts``, ``load_balance``, ``resolve``, ``conninfo_attempts``, ``whitespace``, ``space`` with
``host``, ``+``, ``%2B``, ``plus``, ``parse_qs``, ``unquote``, ``?password=``): the client
certificate rows name it in the DSN (``sslcert=``: unknown CA, missing, DER, expired, its key);
the host-list rows are refusals and a reject line on hosts that resolve; the client-settings
sweep's host values are one host each; ``?password=`` is round 11's healthy unix:// URL without
a ``+``. Ideas left out as covered: ``require_auth``, ``sslnegotiation=direct``,
``min_protocol_version``, ``load_balance_hosts``, ``target_session_attrs``, ``sslrootcert=system``,
``sslcertmode`` (rows of rounds 1-15 and the sweep), a ``#`` or ``?`` in a Redis password
(redis-url-port), a URI with a space (libpq refuses it before any host: the sweep's syntax),
``?ssl_cert_reqs=`` (redis-url-ssl-cert-reqs, redis-tls-cert-reqs-none-unverified); an encrypted
``ssl_keyfile`` without ``ssl_password`` (OpenSSL would prompt on the terminal: a test that may
hang, left out).

The grading is round one's (``grade`` in tests/verdicts/test_heldout_servers.py); a healthy case
is fully right when every check of its instance passes. Two envcheck runs for the PostgreSQL cases
(the certificate in HOME is process-wide: its case runs alone, so that it reaches no other
instance), one for the two Redis cases. The fixes of the fully right breakages are then carried
out as printed and the healed instances run again.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

from tests.servers import free_port
from tests.verdicts import redis_servers as rs
from tests.verdicts import server_rounds as sr
from tests.verdicts.pg_lab import Lab, lab_fixtures

lab_server, lab = lab_fixtures("heldout24-pglab")

#: a password holding ``+`` (a PostgreSQL role's and a Redis server's), and what form decoding
#: makes of it
PLUS_PW = "Plus+pw+Never+Shown-24"
SPACED = PLUS_PW.replace("+", " ")
NEVER_SHOWN = (PLUS_PW, SPACED)

# -- PostgreSQL: three instances, two envcheck runs ------------------------------------------------

PG: dict[str, sr.Expect] = {
    "pg-home-client-cert-unknown-ca": sr.Expect(
        sr.CONNECT,
        "fail",
        ("postgresql.crt", "unknown ca"),
        ("postgresql.crt",),
        (*sr.NOT_PW, *sr.NOT_STARTED, "pg_hba.conf", "sslrootcert="),
    ),
    "pg-dsn-host-list-space-after-comma": sr.Expect(
        f"{sr.REACHABLE}|{sr.CONNECT}",
        "fail",
        ("space", "resolve"),
        ("127.0.0.1,127.0.0.1",),
        (*sr.NOT_PW, "pg_hba.conf"),
    ),
    "pg-uri-query-password-plus-healthy": sr.Expect(sr.WRITE, "pass", never=NEVER_SHOWN),
}
#: the words of the printed fix that the person's act follows
PERSON_FOLLOWS = {
    "pg-home-client-cert-unknown-ca": "postgresql.crt",
    "pg-dsn-host-list-space-after-comma": "127.0.0.1,127.0.0.1",
}


def make_pg(lab: Lab) -> sr.PgMade:
    """The host list and the '+' password, made on the lab and proved with psycopg."""
    pg = sr.PgMade()
    made = pg.made

    user, db = lab.app()
    down = free_port()
    dsn = sr.kw(lab, user, db, host="127.0.0.1, 127.0.0.1", port=f"{down},{lab.port}")
    sr.login_fails(dsn, f"port {down} failed", "connection refused")
    with pytest.raises(OSError):  # what psycopg drops: the second host resolves to nothing
        socket.getaddrinfo(" 127.0.0.1", lab.port)
    right = sr.kw(lab, user, db, host="127.0.0.1,127.0.0.1", port=f"{down},{lab.port}")
    psycopg.connect(right, connect_timeout=10).close()
    made["pg-dsn-host-list-space-after-comma"] = sr.Instance(dsn)
    pg.person_writes("pg-dsn-host-list-space-after-comma", right)

    user = lab.role("lab_app", password=PLUS_PW)
    db = lab.database(user)
    uri = f"postgresql://127.0.0.1:{lab.port}/{db}?user={user}&password={PLUS_PW}"
    assert psycopg.conninfo.conninfo_to_dict(uri)["password"] == PLUS_PW
    with psycopg.connect(uri, connect_timeout=10) as conn:
        conn.execute("CREATE TABLE proof_kept (id int)")
        conn.rollback()
    sr.login_fails(sr.kw(lab, user, db, password=SPACED), "password authentication failed")
    made["pg-uri-query-password-plus-healthy"] = sr.Instance(uri)
    return pg


def make_home_certificate(lab: Lab, pg: sr.PgMade, tmp: Path) -> None:
    """A certificate of another CA (self-signed) as HOME's ~/.postgresql/postgresql.crt and .key,
    a DSN that names none and no sslmode; proved with psycopg (HOME is the pytester's directory,
    as envcheck's; libpq reads HOME first). Every login over TCP of this process sends it until
    the person moves it away: its case runs alone."""
    assert lab.pytester is not None
    user, db = lab.app()
    crt, key = sr.client_cert(tmp, "another-project24", None)
    home = lab.pytester.path / ".postgresql"
    home.mkdir()
    (home / "postgresql.crt").write_bytes(crt.read_bytes())
    (home / "postgresql.key").write_bytes(key.read_bytes())
    (home / "postgresql.key").chmod(0o600)
    lab.cleanups.append(lambda: shutil.rmtree(home, ignore_errors=True))  # whatever the grade
    dsn = sr.kw(lab, user, db)
    sr.login_fails(dsn, "unknown ca")
    sr.login_fails(f"{dsn} sslmode=require", "unknown ca")
    psycopg.connect(f"{dsn} sslcertmode=disable", connect_timeout=10).close()
    pg.made["pg-home-client-cert-unknown-ca"] = sr.Instance(dsn)

    aside = lab.pytester.path / "another-project"

    def person_moves_the_certificate_away() -> None:
        aside.mkdir()
        for name in ("postgresql.crt", "postgresql.key"):
            (home / name).rename(aside / name)

    pg.people["pg-home-client-cert-unknown-ca"] = person_moves_the_certificate_away


def test_postgres(lab: Lab, tmp_path: Path) -> None:
    """The host list and the '+' password on one run, the certificate in HOME on a run of its
    own; the person's part of each fully right fix carried out as printed and the healed
    instances passing on one more run; each case's row held."""
    pg = make_pg(lab)
    checks = sr.run_pg(lab, pg.made)
    make_home_certificate(lab, pg, tmp_path)
    alone = "pg-home-client-cert-unknown-ca"
    checks += sr.run_pg(lab, {alone: pg.made[alone]})
    verdicts = sr.pg_round(lab, PG, pg, checks, PERSON_FOLLOWS)
    sr.report_grades(verdicts)
    sr.rows_hold("postgres", PG, checks)


# -- Redis: two instances of one envcheck run -----------------------------------------------------

REDIS: dict[str, sr.Expect] = {
    "redis-url-query-password-plus": sr.Expect(
        sr.R_AUTH,
        "fail",
        ("?password=", "space"),
        ("%2B",),
        ("CONFIG SET", "ACL SETUSER", *NEVER_SHOWN),
    ),
    "redis-url-userinfo-password-plus-healthy": sr.Expect(sr.R_ROUND, "pass", never=NEVER_SHOWN),
}


def test_redis(pytester: pytest.Pytester) -> None:
    """The two cases on one run; the person's fix of the breakage, if fully right (the '+'
    written as %2B), and the instance passing on a second run; each row held."""
    with rs.running("--requirepass", PLUS_PW) as server:
        query = f"redis://127.0.0.1:{server.port}/0?password={PLUS_PW}"
        userinfo = server.url(auth=f":{PLUS_PW}@")
        parse_url: Any = redis.connection.parse_url  # redis-py's own reading of the URL
        assert parse_url(query)["password"] == SPACED
        with pytest.raises(redis.AuthenticationError):
            with redis.Redis.from_url(query, socket_timeout=5) as client:
                client.ping()
        with redis.Redis.from_url(userinfo, socket_timeout=5) as client:
            assert client.set("envcheck:heldout24", "v") and client.delete("envcheck:heldout24")
        healed = query.replace("+", "%2B")
        with redis.Redis.from_url(healed, socket_timeout=5) as client:
            assert client.ping()

        urls = {
            "redis-url-query-password-plus": query,
            "redis-url-userinfo-password-plus-healthy": userinfo,
        }
        checks, verdicts = sr.redis_first_run(pytester, REDIS, urls)
        ident = "redis-url-query-password-plus"
        if verdicts[ident].grade == "fully right":
            failed = sr.failed_check(checks, "redis", ident)
            assert "%2b" in (failed.get("hint") or "").lower(), failed
            sr.redis_again(pytester, sr.redis_sections({ident: healed}), verdicts, [ident])
    sr.report_grades(verdicts)
    sr.rows_hold("redis", REDIS, checks)
