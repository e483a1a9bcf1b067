"""Twenty-first held-out round for PostgreSQL and Redis (issue 21): kinds that neither the earlier
rounds (tests/verdicts/test_heldout_servers*.py 1-20, tests/verdicts/test_heldout.py) nor the
sweeps nor a row cover, and healthy neighbours, each made on a real throwaway server and proved
with the real client (psycopg 3.3 with its libpq 18, redis-py 8.1) first.

How the set was made (2026-12-07), from the sources of truth; of envcheck's code only the round
machinery of the earlier round files and the tables' rows were read:

- libpq (fe-secure-openssl.c ``initialize_SSL``: ``SSL_CTX_load_verify_locations`` for
  ``sslrootcert``, PEM only): ``sslrootcert`` the right CA saved in DER form (what Windows'
  certificate export and many cloud consoles give): ``could not read root certificate file
  "%s": no certificate or crl found``. The row pg-sslrootcert-garbage is a text file; round 20's
  redis-url-ssl-ca-certs-der is redis-py's option.
- libpq (fe-secure-openssl.c: ``SSL_CTX_use_certificate_chain_file`` for ``sslcert``, PEM
  only): ``sslcert`` a client certificate in DER form: ``could not read certificate file "%s":
  no start line``.
- libpq (fe-connect.c ``conninfo_uri_parse_options``: the URI's path is the dbname,
  percent-decoded, nothing trimmed) and the backend (postinit.c, 3D000): ``DATABASE_URL``
  exported from a ``.env`` saved with CRLF line ends, the URL ending in a carriage return:
  ``database "app\\r" does not exist``. Round 20 made PGPASSWORD's line end a row.
- libpq (fe-connect.c ``parseServiceFile``: each line's trailing white space, ``\\r`` among it,
  is cut): a service file with CRLF line ends (healthy).
- Python's ``SSLContext.load_cert_chain`` (PEM only) through redis-py's ``ssl_certfile``: a DER
  client certificate: ``[SSL] PEM lib``, against a server with ``tls-auth-clients optional``.
- Python's ``urllib.parse.urlsplit`` (it removes ``\\t``, ``\\r``, ``\\n`` from a URL) through
  redis-py's ``from_url``: ``REDIS_URL`` ending in a carriage return (healthy: redis-py connects).

Each was grepped in the tables, the rounds and the sweeps first (``DER``, ``inform``, ``no start
line``, ``PEM lib``, ``sslcert`` with ``DER``, ``carriage``, ``\\r``, ``CRLF``, ``DATABASE_URL``
with ``\\r``, ``REDIS_URL``, ``trailing``): none is a row for these (``CRLF`` is the password
file's healthy row and round 20's PGPASSWORD; ``DER`` round 20's CA file for redis-py). Ideas left
out: ``sslkey`` in DER (libpq loads it with ``SSL_FILETYPE_PEM`` as well: the same kind as
sslcert's), ``ssl_keyfile`` in DER (the same as ``ssl_certfile``'s).

The grading is round one's (``grade`` in tests/verdicts/test_heldout_servers.py); a healthy case
is fully right when every check of its instance passes. One envcheck run for the four PostgreSQL
cases, one for the two Redis cases (one TLS server, one plain). The fixes of the fully right
breakages are then carried out as printed (the DER files converted with the printed ``openssl
x509 -inform der`` and named; DATABASE_URL without its carriage return) and the healed instances
run again.

The expectations were committed before envcheck first ran on this file (e7321a5); none was
changed after.

First run (envcheck at e7321a5, after round 20's fixes; graded by the rules above, 2026-12-07):
2 of 6 fully right (the two healthy neighbours); 4 partly, none wrong.
Partly:
- pg-sslrootcert-der: "the root certificate file is not one libpq can read (no PEM certificate
  in it)", fix "set sslrootcert= a readable file of the right kind": the file is the right CA,
  in DER form; no conversion.
- pg-sslcert-der: "libpq could not read the client certificate", fix "set sslcert= a readable
  file of the right kind": the same for the client certificate.
- pg-database-url-carriage-return: "database 'app\\r' does not exist ...; 'app' does: the name
  in the connection has leading or trailing whitespace": right about the name, but neither
  DATABASE_URL (where the line end comes from) nor the carriage return named, and the server's
  words cut at the carriage return.
- redis-url-ssl-certfile-der: fix "point ssl_certfile= and ssl_keyfile= ... at a PEM certificate
  and its key": the certificate is the right one, in DER form; no conversion.
Cost of the first run (``/usr/bin/time`` on ``pytest <this file> -n 0``): 6.4 s user, 0.9 s
system, 35 s wall.

After the fixes of the commit that follows the first run: 6 of 6 fully right, every printed fix
carried out and its instance passing on the second run; no expectation changed. (The person's
acts for the two DER cases first rewrote the wrong instance's DSN, a closure bound late in this
file; each act now binds its own DSN. Machinery only: no case or expectation changed.) What
envcheck reads now (structure, never a message's words; postgres/diagnose.py, redis/target.py,
kit/_net.py):
- libpq's ``could not read root certificate file`` / ``could not read certificate file`` while
  the named file's bytes are one certificate in DER form (``_net.der_certificate``: an ASN.1
  SEQUENCE that OpenSSL loads as ``cadata``): the fix a Command ``openssl x509 -inform der -in
  FILE -out FILE.pem`` and ``sslrootcert=`` / ``sslcert=`` that PEM (was "a readable file of the
  right kind"); round 20's ``ssl_ca_certs`` in DER uses the same helper;
- redis-py's ``ssl_certfile`` refused by ``load_cert_chain`` while it holds a DER certificate:
  the same conversion and ``ssl_certfile=`` the PEM;
- 3D000 for a database name ending in ``\\r`` while the name without it exists: the carriage
  return named, and the variable the DSN comes from when its value ends in a line end, the fix
  its removal where it is exported (was "leading or trailing whitespace (a space, tab or
  newline)", the dbname to edit).
Rows: 4 in docs/verdicts/postgres.md and 2 in docs/verdicts/redis.md, section "The held-out set
of 2026-12-07 (issue 21, twenty-first round)", asserted on each case's own run.
Cost (``/usr/bin/time`` on ``pytest <this file> -n 0``, after the fixes, three envcheck runs, a
sweep running beside it): 5.9 s user, 1.3 s system (7.2 CPU-s), 14 s wall.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
import redis

from tests.servers import free_port
from tests.verdicts import redis_servers as rs
from tests.verdicts import server_rounds as sr
from tests.verdicts.pg_lab import PASSWORD, Lab, lab_fixtures

lab_server, lab = lab_fixtures("heldout21-pglab")

#: the service defined in a file with CRLF line ends
SERVICE = "app21"
CONVERT = "openssl x509 -inform der"

# -- PostgreSQL: four instances of one envcheck run ------------------------------------------------

NOT_HBA = (*sr.NOT_STARTED, "pg_hba.conf")
PG: dict[str, sr.Expect] = {
    "pg-sslrootcert-der": sr.Expect(
        sr.CONNECT,
        "fail",
        ("sslrootcert", "DER"),
        (CONVERT, "sslrootcert="),
        (*sr.NOT_PW, *NOT_HBA, "is a directory"),
    ),
    "pg-sslcert-der": sr.Expect(
        sr.CONNECT,
        "fail",
        ("sslcert", "DER"),
        (CONVERT, "sslcert="),
        (*sr.NOT_PW, *NOT_HBA, "private key"),
    ),
    "pg-database-url-carriage-return": sr.Expect(
        f"{sr.REACHABLE}|{sr.CONNECT}",
        "fail",
        ("DATABASE_URL", "carriage return"),
        ("DATABASE_URL",),
        (*sr.NOT_PW, *NOT_HBA, "CREATE DATABASE", "createdb"),
    ),
    "pg-service-file-crlf-healthy": sr.Expect(sr.WRITE, "pass"),
}
#: the words of the printed fix that the person's act follows
PERSON_FOLLOWS = {
    "pg-sslrootcert-der": CONVERT,
    "pg-sslcert-der": CONVERT,
    "pg-database-url-carriage-return": "DATABASE_URL",
}


def der_of(pem: Path) -> Path:
    """``pem``'s certificate in DER form, beside it (``<name>-export.der``)."""
    der = pem.with_name(f"{pem.stem}-export.der")
    subprocess.run(
        ["openssl", "x509", "-in", str(pem), "-outform", "der", "-out", str(der)],
        check=True,
        capture_output=True,
    )
    return der


def to_pem(der: Path) -> Path:
    """The person runs the printed conversion: ``openssl x509 -inform der`` to ``.pem``."""
    pem = der.with_suffix(".pem")
    subprocess.run(
        ["openssl", "x509", "-inform", "der", "-in", str(der), "-out", str(pem)],
        check=True,
        capture_output=True,
    )
    return pem


def make_pg(lab: Lab, tmp: Path) -> sr.PgMade:
    """Every PostgreSQL case made on the lab and proved with psycopg (PGSERVICEFILE and
    DATABASE_URL set for the rest of the test)."""
    assert lab.monkeypatch is not None
    pg = sr.PgMade()
    made = pg.made
    monkeypatch = lab.monkeypatch

    user, db = lab.app()
    ca = tmp / "lab-ca.crt"
    shutil.copy(lab.certificate.cert, ca)
    ca_der = der_of(ca)
    dsn = sr.kw(lab, user, db, sslmode="verify-ca", sslrootcert=str(ca_der))
    sr.login_fails(dsn, "could not read root certificate file", "no certificate or crl found")
    made["pg-sslrootcert-der"] = sr.Instance(dsn)

    def person_converts_the_ca(dsn: str = dsn) -> None:
        pem = to_pem(ca_der)
        made["pg-sslrootcert-der"].dsn = dsn.replace(str(ca_der), str(pem))

    pg.people["pg-sslrootcert-der"] = person_converts_the_ca

    user, db = lab.app()
    crt, key = sr.client_cert(tmp, user, lab)
    crt_der = der_of(crt)
    base = sr.kw(lab, user, db, sslmode="require", sslkey=str(key))
    dsn = f"{base} sslcert='{crt_der}'"
    sr.login_fails(dsn, "could not read certificate file", "no start line")
    psycopg.connect(f"{base} sslcert='{crt}'").close()
    made["pg-sslcert-der"] = sr.Instance(dsn)

    def person_converts_the_certificate(dsn: str = dsn) -> None:
        pem = to_pem(crt_der)
        made["pg-sslcert-der"].dsn = dsn.replace(str(crt_der), str(pem))

    pg.people["pg-sslcert-der"] = person_converts_the_certificate

    user, db = lab.app()
    url = f"postgresql://{user}:{PASSWORD}@127.0.0.1:{lab.port}/{db}"
    sr.login_fails(url + "\r", f'database "{db}\r" does not exist')
    psycopg.connect(url).close()
    monkeypatch.setenv("DATABASE_URL", url + "\r")
    made["pg-database-url-carriage-return"] = sr.Instance("${DATABASE_URL}")
    pg.people["pg-database-url-carriage-return"] = lambda: monkeypatch.setenv("DATABASE_URL", url)

    user, db = lab.app()
    services = tmp / "pg_service.conf"
    lines = [f"[{SERVICE}]", "host=127.0.0.1", f"port={lab.port}", f"dbname={db}", f"user={user}"]
    services.write_bytes(
        "".join(f"{line}\r\n" for line in [*lines, f"password={PASSWORD}"]).encode()
    )
    services.chmod(0o600)
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    with psycopg.connect(f"service={SERVICE}") as conn:
        conn.execute("CREATE TABLE proof_kept (id int)")
        conn.rollback()
    made["pg-service-file-crlf-healthy"] = sr.Instance(f"service={SERVICE}")
    return pg


def test_postgres(lab: Lab, tmp_path: Path) -> None:
    """The four cases on one run; the person's part of each fully right fix carried out as
    printed and the healed instances passing on one more run; each case's row held."""
    pg = make_pg(lab, tmp_path)
    checks = sr.run_pg(lab, pg.made)
    verdicts = sr.pg_round(lab, PG, pg, checks, PERSON_FOLLOWS)
    sr.report_grades(verdicts)
    sr.rows_hold("postgres", PG, checks)


# -- Redis: two instances of one envcheck run -----------------------------------------------------

REDIS: dict[str, sr.Expect] = {
    "redis-url-ssl-certfile-der": sr.Expect(
        sr.R_REACH,
        "fail",
        ("ssl_certfile", "DER"),
        (CONVERT,),
        ("start Redis", "WRONGPASS", "requirepass", "is not trusted", "TypeError"),
    ),
    "redis-url-env-carriage-return-healthy": sr.Expect(sr.R_ROUND, "pass"),
}


def test_redis(pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The two cases on one run; the person's fix of the breakage, if fully right (the
    certificate converted as printed and named), and the instance passing on a second run; each
    row held."""
    cert, key = rs.certificate(tmp_path, "IP:127.0.0.1")
    port = free_port()
    args = [a if a != "no" else "optional" for a in rs.tls_args(cert, key, port)]
    tls = rs.make("--port", "0", *args, port=port)
    tls.start()
    try:
        with rs.running() as plain:
            cert_der = der_of(cert)
            base = f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={cert}&ssl_keyfile={key}"
            der_url = f"{base}&ssl_certfile={cert_der}"
            with pytest.raises(redis.ConnectionError, match="PEM lib"):
                with redis.Redis.from_url(der_url, socket_timeout=5) as client:
                    client.ping()
            with redis.Redis.from_url(f"{base}&ssl_certfile={cert}", socket_timeout=5) as client:
                assert client.ping()

            crlf = f"redis://127.0.0.1:{plain.port}/0\r"
            with redis.Redis.from_url(crlf, socket_timeout=5) as client:
                assert client.set("envcheck:heldout21", "v") and client.delete("envcheck:heldout21")
            monkeypatch.setenv("REDIS_URL", crlf)

            urls = {
                "redis-url-ssl-certfile-der": der_url,
                "redis-url-env-carriage-return-healthy": "${REDIS_URL}",
            }
            checks, verdicts = sr.redis_first_run(pytester, REDIS, urls)
            ident = "redis-url-ssl-certfile-der"
            if verdicts[ident].grade == "fully right":
                failed = sr.failed_check(checks, "redis", ident)
                assert CONVERT in (failed.get("hint") or "").lower(), failed
                healed = der_url.replace(str(cert_der), str(to_pem(cert_der)))
                sr.redis_again(pytester, sr.redis_sections({ident: healed}), verdicts, [ident])
    finally:
        tls.stop()
        shutil.rmtree(tls.directory, ignore_errors=True)
    sr.report_grades(verdicts)
    sr.rows_hold("redis", REDIS, checks)
