"""Eighth held-out round for PostgreSQL and Redis (issue 21), after the pooler sweep
(tests/verdicts/test_pooler_sweep.py): kinds outside the three sweeps (a code or reply of the
server, a pooler's or proxy's answer) and the earlier rounds: certificates whose time or
revocation is wrong, a libpq option checked on the client's side of a Unix socket, an extension
that is installed but cannot work, and ACL users redis-py connects as. Each made on a real
throwaway server and proved with the real client (psycopg, redis-py) first.

How the set was made (2026-12-06), from the sources of truth before reading how envcheck
diagnoses them (of envcheck's code only the round machinery of the earlier round files and the
tables' rows were read):

- libpq (fe-secure-openssl.c: the server's certificate checked by OpenSSL, ``sslcrl`` loaded into
  the verify store with CRL checking on; fe-connect.c: ``requirepeer`` compared with the socket
  peer's user name from ``getpeereid``): the server's certificate expired (verify-full, the
  certificate as sslrootcert), not yet valid (a clock behind the server's), revoked by the CRL in
  ``sslcrl``, and a CRL that revokes another serial (healthy); ``requirepeer`` naming a user that
  does not run the server.
- pg_stat_statements.c: ``pg_stat_statements must be loaded via shared_preload_libraries``
  (55000) on every use of the view when the extension is created but the library is not
  preloaded; an extension created in a schema of its own (``CREATE EXTENSION pgcrypto SCHEMA``,
  healthy: it is installed).
- Redis TLS (tls.c: OpenSSL verifies the client side): the server's certificate expired; acl.c:
  an ACL user without ``HELLO`` (redis-py 8 opens with HELLO 3 and falls back to RESP2 on an error
  reply) and one without ``CLIENT`` (redis-py ignores an error reply to CLIENT SETINFO): both
  healthy for redis-py.

Each id and its breakage was grepped in the tables and earlier rounds first (``expired``,
``not yet valid``, ``revoked``, ``sslcrl``, ``requirepeer``, ``shared_preload``,
``pg_stat_statements``, ``SCHEMA``, ``-hello``, ``-client``): none is a row (``expired`` is the
role's VALID UNTIL and a timeout; ``-hello`` was met only with ``?protocol=3``). The grading is
round one's (``grade`` in tests/verdicts/test_heldout_servers.py). The expectations were
committed before envcheck first ran on this file (1f5d1d7).

Four proofs were corrected after that commit, none of the expectations: cryptography is imported
at the module's top (pytester restores ``sys.modules`` after each in-process session, and a
second copy of its Python classes no longer matches its compiled part); libpq 18 prints only
"certificate verify failed", so the expired and not-yet-valid proofs read OpenSSL's reason with
``openssl verify``; the extension in its own schema needs USAGE on the schema for the proof's
call.

First run (envcheck at 1f5d1d7, before any change; graded by the rules above, 2026-12-06):
4 of 10 fully right (the four healthy neighbours: pg-crl-other-serial-healthy,
pg-ext-own-schema-healthy, redis-acl-no-hello-healthy, redis-acl-no-client-healthy), 4 partly,
2 wrong; of the 6 breakages none fully right.
Partly:
- pg-server-cert-expired: "the certificate of <host> is not trusted (sslmode=verify-full):
  certificate has expired", why "it is not signed by the CA in <sslrootcert> (self-signed,
  another CA, or expired)", fix "set sslrootcert=/path/to/ca.pem to the CA that signed the
  server's certificate" (the CA is the right one: read for substance a wrong fix).
- pg-server-cert-not-yet-valid: the same shape, "certificate is not yet valid ... it is not
  signed by the CA", no clock named.
- pg-server-cert-revoked: libpq's text only, "SSL error: certificate verify failed ... libpq
  refused or failed the connection for a reason of its own (the server let envcheck's own login
  in)": neither the revocation nor sslcrl named (envcheck's own login sends no CRL).
- redis-tls-server-cert-expired: "the TLS certificate of <host> is not trusted: certificate has
  expired", fix "ca_file ... does not hold the CA that signed the server's certificate" (it does:
  read for substance a wrong fix).
Wrong:
- pg-requirepeer-mismatch: "the authentication method pg_hba.conf chose ... failed (ident, peer,
  cert or gss)", fix "on the server, put 'local ...' in pg_hba.conf" (libpq refused before any
  authentication: requirepeer names a user that does not run the server).
- pg-ext-not-preloaded: PASS "pg_stat_statements 1.10 installed" (every use of it fails with
  55000 until shared_preload_libraries loads it).
Cost of the first run: 10 tests in 60 s wall on -n 2 (user CPU 14 s, with the lab's start).

After the fixes of ab35d21: 10 of 10 fully right, none wrong; no expectation changed. One proof
changed after the fixes: pg-requirepeer-mismatch logs in as the superuser over the socket's
scram-sha-256 line instead of a member of lab_app (whose socket line is ``peer``), so that the
printed fix (requirepeer set to the server's user) can heal; the code before the fixes (8e6fc5b)
graded this form partly: libpq's text quoted ("cannot connect ...: requirepeer specifies
...") with "libpq refused or failed the connection for a reason of its own", the fix "check
tool.envcheck.postgres.dsn". What envcheck reads now (structure):
- OpenSSL's verify result of the server's certificate (``verify_code``): 10 expired and 9 not yet
  valid name the dates and who renews (ssl_cert_file, tls-cert-file; the clock), 23 revoked names
  the list; envcheck's own login loads ``sslcrl`` / ``sslcrldir`` (PGSSLCRL, PGSSLCRLDIR,
  ~/.postgresql/root.crl) into its TLS context with CRL checks on the chain, as libpq does, so a
  revocation is met there too; 3, 11 and 12 name a list that does not fit.
- ``requirepeer``: the socket's peer credentials (SO_PEERCRED) read before any login and compared.
- An installed extension of those whose documentation says they need shared_preload_libraries
  (``PRELOADED`` in postgres/hooks.py) whose library defines none of its settings in pg_settings:
  not loaded; FAIL with ALTER SYSTEM and a restart (shared_preload_libraries itself is readable
  by superusers only).
Rows: 7 in docs/verdicts/postgres.md and 3 in docs/verdicts/redis.md, section "The held-out set
of 2026-12-06 (issue 21, eighth round)". Fixes executed, each after its case's graded run on the
same broken setup (``graded_then_healed``, ``renewed``): the server's certificate renewed for the
expired and the not-yet-valid cases, requirepeer set to the server's user, Redis's certificate
renewed; not executed: pg-ext-not-preloaded's (its
ALTER SYSTEM needs a restart of the shared lab) and pg-server-cert-revoked's (a self-signed
certificate replaced means a new CA and a new list).
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

# loaded before any in-process pytest session: pytester restores sys.modules after each, and a
# second copy of cryptography's Python classes no longer matches its compiled part
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.servers import free_port
from tests.verdicts import redis_servers as rs
from tests.verdicts import server_rounds as sr
from tests.verdicts import table
from tests.verdicts.pg_lab import CERT_NAME, Lab, for_one_test, lab_cluster
from tests.verdicts.test_heldout_servers import (
    CONNECT,
    R_AUTH,
    R_REACH,
    R_ROUND,
    WRITE,
    Expect,
    PgCase,
    PgCases,
    RedisCase,
    RedisCases,
    grade,
    held_out_postgres,
    held_out_redis,
    judged,
    kw,
    login_fails,
)
from tests.verdicts.test_redis import run_envcheck, section


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with lab_cluster(tmp_path_factory.mktemp("heldout8-pglab")) as lab:
        yield lab


@pytest.fixture
def lab(
    lab_server: Lab, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Lab]:
    yield from for_one_test(lab_server, pytester, monkeypatch, tmp_path)


# -- certificates made with cryptography: the times and serials a case needs ----------------------


def certificate(
    directory: Path,
    name: str,
    *,
    start: datetime.timedelta,
    end: datetime.timedelta,
    host: str = CERT_NAME,
) -> tuple[Path, Path]:
    """A self-signed certificate (its own CA) for 127.0.0.1 and ``host``, valid from now +
    ``start`` to now + ``end`` (negative: in the past)."""
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + start)
        .not_valid_after(now + end)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return sr.write_pem(directory, name, cert, key)


def crl(directory: Path, issuer_crt: Path, issuer_key: Path, serial: int | None) -> Path:
    """A CRL of the lab's CA (its own certificate) revoking ``serial`` (None: the CA's own)."""
    ca = x509.load_pem_x509_certificate(issuer_crt.read_bytes())
    key = serialization.load_pem_private_key(issuer_key.read_bytes(), password=None)
    now = datetime.datetime.now(datetime.timezone.utc)
    revoked = (
        x509.RevokedCertificateBuilder()
        .serial_number(ca.serial_number if serial is None else serial)
        .revocation_date(now - datetime.timedelta(hours=1))
        .build()
    )
    made = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.subject)
        .last_update(now - datetime.timedelta(hours=1))
        .next_update(now + datetime.timedelta(days=1))
        .add_revoked_certificate(revoked)
        .sign(key, hashes.SHA256())  # type: ignore[arg-type]
    )
    path = directory / "lab.crl"
    path.write_bytes(made.public_bytes(serialization.Encoding.PEM))
    return path


def serve_certificate(lab: Lab, crt: Path, key: Path) -> None:
    """The lab's server presents ``crt`` from now on (ssl_cert_file, a reload); the lab's own
    certificate again when the case ends."""
    for source, name in ((crt, "heldout8.crt"), (key, "heldout8.key")):
        target = lab.pg.data / name
        shutil.copy(source, target)
        target.chmod(0o600)
        if lab.pg.owner:
            shutil.chown(target, lab.pg.owner)
    lab.sql(
        "ALTER SYSTEM SET ssl_cert_file = 'heldout8.crt'",
        "ALTER SYSTEM SET ssl_key_file = 'heldout8.key'",
        "SELECT pg_reload_conf()",
    )

    def back() -> None:
        lab.sql(
            "ALTER SYSTEM RESET ssl_cert_file",
            "ALTER SYSTEM RESET ssl_key_file",
            "SELECT pg_reload_conf()",
        )

    lab.cleanups.append(back)


def verify_reason(crt: Path) -> str:
    """OpenSSL's reason for refusing ``crt`` (libpq prints only "certificate verify failed"): a
    verification of ``crt`` by itself, as sslrootcert makes it the only trusted certificate."""
    done = subprocess.run(
        ["openssl", "verify", "-CAfile", str(crt), str(crt)], capture_output=True, text=True
    )
    found = re.search(r"depth lookup: (.+)", done.stdout + done.stderr)
    return found.group(1).strip() if found else ""


DAY = datetime.timedelta(days=1)
PG = PgCases()
pg = PG.case
ALSO: dict[str, tuple[Expect, ...]] = {}
#: a certificate's verdict never lowers verification nor blames the login
NOT_LOWER = ("sslmode=require", "sslmode=prefer", "sslmode=disable", "pg_hba.conf", "password")


@pg(
    "pg-server-cert-expired",
    Expect(CONNECT, "fail", ("expired",), ("ssl_cert_file",), NOT_LOWER),
)
def _expired(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    crt, key = certificate(tmp, "expired", start=-10 * DAY, end=-DAY)
    serve_certificate(lab, crt, key)
    dsn = kw(lab, user, db, host=CERT_NAME, hostaddr="127.0.0.1", sslmode="verify-full")
    dsn += f" sslrootcert='{crt}'"
    login_fails(dsn, "certificate verify failed")
    assert verify_reason(crt) == "certificate has expired"
    yield PgCase(dsn)


@pg(
    "pg-server-cert-not-yet-valid",
    Expect(CONNECT, "fail", ("not yet valid", "clock"), ("clock",), NOT_LOWER),
)
def _not_yet(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    crt, key = certificate(tmp, "future", start=DAY, end=30 * DAY)
    serve_certificate(lab, crt, key)
    dsn = kw(lab, user, db, host=CERT_NAME, hostaddr="127.0.0.1", sslmode="verify-full")
    dsn += f" sslrootcert='{crt}'"
    login_fails(dsn, "certificate verify failed")
    assert verify_reason(crt) == "certificate is not yet valid"
    yield PgCase(dsn)


@pg(
    "pg-server-cert-revoked",
    Expect(CONNECT, "fail", ("revoked", "sslcrl"), ("certificate",), NOT_LOWER),
)
def _revoked(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    revoking = crl(tmp, lab.certificate.cert, lab.certificate.key, None)
    dsn = kw(lab, user, db, sslmode="verify-ca", sslrootcert=str(lab.certificate.cert))
    dsn += f" sslcrl='{revoking}'"
    login_fails(dsn, "certificate verify failed")
    yield PgCase(dsn)


@pg("pg-crl-other-serial-healthy", Expect(CONNECT, "pass"))
def _crl_healthy(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    other = crl(tmp, lab.certificate.cert, lab.certificate.key, 4242)
    dsn = kw(lab, user, db, sslmode="verify-ca", sslrootcert=str(lab.certificate.cert))
    dsn += f" sslcrl='{other}'"
    psycopg.connect(dsn).close()
    yield PgCase(dsn)


ALSO["pg-crl-other-serial-healthy"] = (Expect(WRITE, "pass"),)


@pg(
    "pg-requirepeer-mismatch",
    Expect(
        CONNECT,
        "fail",
        ("requirepeer", "postgres"),
        ("requirepeer",),
        ("pg_hba.conf", "correct the password", "start PostgreSQL"),
    ),
)
def _requirepeer(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    # the superuser's socket line (scram-sha-256) lets the login in once requirepeer agrees
    dsn = kw(
        lab,
        "postgres",
        "postgres",
        host=str(lab.pg.socket_dir),
        password=lab.pg.password,
        requirepeer="envcheck_nobody",
    )
    login_fails(dsn, "requirepeer")
    yield PgCase(dsn)


@pg(
    "pg-ext-not-preloaded",
    Expect(
        "postgres/extension[pg_stat_statements]",
        "fail|warn",
        ("shared_preload_libraries",),
        ("shared_preload_libraries",),
        ("CREATE EXTENSION",),
    ),
)
def _not_preloaded(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    lab.sql("CREATE EXTENSION pg_stat_statements", dbname=db)
    with psycopg.connect(kw(lab, user, db)) as conn:
        with pytest.raises(psycopg.Error) as caught:
            conn.execute("SELECT count(*) FROM pg_stat_statements")
    assert caught.value.sqlstate == "55000", caught.value
    yield PgCase(kw(lab, user, db), 'extensions = ["pg_stat_statements"]\n')


@pg("pg-ext-own-schema-healthy", Expect("postgres/extension[pgcrypto]", "pass"))
def _own_schema(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    lab.sql(
        "CREATE SCHEMA crypto",
        "CREATE EXTENSION pgcrypto SCHEMA crypto",
        f"GRANT USAGE ON SCHEMA crypto TO {user}",
        dbname=db,
    )
    with psycopg.connect(kw(lab, user, db)) as conn:
        assert conn.execute("SELECT length(crypto.gen_random_bytes(4))").fetchone() == (4,)
    yield PgCase(kw(lab, user, db), 'extensions = ["pgcrypto"]\n')


def last_report(pytester: pytest.Pytester) -> list[dict[str, Any]]:
    """The checks of the envcheck run a held-out case just made (its own report file)."""
    checks: list[dict[str, Any]] = json.loads((pytester.path / "envcheck-report.json").read_text())[
        "checks"
    ]
    return checks


@pytest.mark.parametrize("ident", sorted(PG))
def test_postgres(ident: str, lab: Lab, tmp_path: Path) -> None:
    """The case graded (and its row held) on one envcheck run; the other checks a fully right
    verdict needs, on the same run."""
    if ident in PERSON:
        graded_then_healed(ident, lab, tmp_path)
        return
    held_out_postgres(ident, *PG[ident], lab, tmp_path)
    assert lab.pytester is not None
    for also in ALSO.get(ident, ()):
        found = grade(also, last_report(lab.pytester))
        assert found.grade == "fully right", (also.check, found.problems)


# -- Redis -------------------------------------------------------------------------------------

REDIS = RedisCases()
rd = REDIS.case
R_ALSO: dict[str, tuple[Expect, ...]] = {}


@rd(
    "redis-tls-server-cert-expired",
    Expect(
        R_REACH,
        "fail",
        ("expired",),
        ("tls-cert-file",),
        ("tls_verify = false", "--insecure", "password", "not Redis"),
    ),
)
def _redis_expired(tmp: Path) -> Iterator[RedisCase]:
    crt, key = certificate(tmp, "redis-expired", start=-10 * DAY, end=-DAY, host="localhost")
    port = free_port()
    server = rs.make("--port", "0", *rs.tls_args(crt, key, port), port=port)
    server.start()
    try:
        client = redis.Redis("127.0.0.1", port, ssl=True, ssl_ca_certs=str(crt))
        with pytest.raises(redis.ConnectionError) as caught:
            client.ping()
        assert "certificate has expired" in str(caught.value), caught.value
        yield RedisCase(section(f"rediss://127.0.0.1:{port}/0", f'ca_file = "{crt}"'))
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)


def _acl_user(tmp: Path, rule: str) -> Iterator[RedisCase]:
    with rs.running() as server:
        rs.add_admin(server)
        password = "Acl-pw-never-shown-81"
        with server.admin() as admin:
            admin.execute_command(
                "ACL", "SETUSER", "app", "on", f">{password}", "~*", "&*", "+@all", rule
            )
        # redis-py on its defaults (8: HELLO 3 first, CLIENT SETINFO) works as this user
        url = server.url(auth=f"app:{password}@")
        with redis.Redis.from_url(url) as client:
            assert client.set("envcheck:heldout8", "v") and client.get("envcheck:heldout8")
            client.delete("envcheck:heldout8")
        yield RedisCase(section(url))


@rd("redis-acl-no-hello-healthy", Expect(R_AUTH, "pass"))
def _no_hello(tmp: Path) -> Iterator[RedisCase]:
    yield from _acl_user(tmp, "-hello")


@rd("redis-acl-no-client-healthy", Expect(R_AUTH, "pass"))
def _no_client(tmp: Path) -> Iterator[RedisCase]:
    yield from _acl_user(tmp, "-client")


R_ALSO["redis-acl-no-hello-healthy"] = (Expect(R_ROUND, "pass"),)
R_ALSO["redis-acl-no-client-healthy"] = (Expect(R_ROUND, "pass"),)


@pytest.mark.parametrize("ident", sorted(REDIS))
def test_redis(ident: str, pytester: pytest.Pytester, tmp_path: Path) -> None:
    held_out_redis(ident, *REDIS[ident], pytester, tmp_path)
    for also in R_ALSO.get(ident, ()):
        found = grade(also, last_report(pytester))
        assert found.grade == "fully right", (also.check, found.problems)
    if ident == "redis-tls-server-cert-expired":
        renewed(pytester, tmp_path)


# -- the person's fixes, executed against the broken setup ---------------------------------------


def _renewed(lab: Lab, case: PgCase, tmp: Path) -> str:
    """The server's administrator renews the self-signed certificate (valid from now on); the
    application's sslrootcert is the new one, as it must be for a self-signed certificate."""
    crt, key = certificate(tmp, "renewed", start=-datetime.timedelta(minutes=5), end=30 * DAY)
    serve_certificate(lab, crt, key)
    return case.dsn.split(" sslrootcert=")[0] + f" sslrootcert='{crt}'"


def _peer(lab: Lab, case: PgCase, tmp: Path) -> str:
    owner = lab.pg.owner or __import__("getpass").getuser()
    return case.dsn.replace("requirepeer='envcheck_nobody'", f"requirepeer='{owner}'")


#: (words the printed fix holds, what the person or the server's administrator then does)
PERSON = {
    "pg-server-cert-expired": ("ssl_cert_file", _renewed),
    "pg-server-cert-not-yet-valid": ("ssl_cert_file", _renewed),
    "pg-requirepeer-mismatch": ("set requirepeer=", _peer),
}


def graded_then_healed(ident: str, lab: Lab, tmp_path: Path) -> None:
    """held_out_postgres's grading and row on one run, then the printed fix done as printed
    against the same broken setup: every check passes after."""
    expect, make = PG[ident]
    says, act = PERSON[ident]
    with make(lab, tmp_path) as case:
        report = lab.run(case.dsn, case.extra)
        judged(expect, report.checks)
        row = {r.id: r for r in table.rows("postgres")}[ident]
        assert not table.verdict_problems(row, report.checks)
        failing = [c for c in report.checks if c["status"] == "fail"]
        assert any(says in (c.get("hint") or "") for c in failing), failing
        dsn = act(lab, case, tmp_path)
        after = lab.run(dsn, case.extra)
        assert [c for c in after.checks if c["status"] not in ("pass", "skip")] == [], after.checks


def renewed(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """redis-tls-server-cert-expired's printed fix (renew the server's certificate,
    tls-cert-file), done after its graded run: the checks pass."""
    found = next(c for c in last_report(pytester) if c["id"] == R_REACH)
    assert "tls-cert-file" in (found.get("hint") or ""), found
    crt, key = certificate(tmp_path, "redis-renewed", start=-DAY, end=30 * DAY, host="localhost")
    port = free_port()
    server = rs.make("--port", "0", *rs.tls_args(crt, key, port), port=port)
    server.start()
    try:
        pytester.makefile(
            ".toml", pyproject=section(f"rediss://127.0.0.1:{port}/0", f'ca_file = "{crt}"')
        )
        again, _ = run_envcheck(pytester)
        assert [c for c in again if c["status"] == "fail"] == [], again
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)
