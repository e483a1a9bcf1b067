"""Sixteenth held-out round for PostgreSQL and Redis (issue 21): kinds that neither the earlier
rounds (tests/verdicts/test_heldout_servers*.py 1-15, tests/verdicts/test_heldout.py) nor the
sweeps (a SQLSTATE at login or at the write, a Redis error reply to each command, a pooler's or
proxy's own answer, TLS, the protocol sweep, the client-side settings sweep) nor a row cover, and
healthy neighbours, each made on a real throwaway server and proved with the real client
(psycopg 3.3 with its libpq 18, redis-py 8.1) first.

How the set was made (2026-12-07), from the sources of truth; of envcheck's code only the round
machinery of the earlier round files and the tables' rows were read:

- libpq (fe-protocol3.c ``build_startup_packet``: the environment variables PGDATESTYLE, PGTZ and
  PGGEQO become startup parameters ``datestyle``, ``timezone``, ``geqo`` unless ``default``) and
  PostgreSQL 15 (guc.c, ``check_timezone``: 22023 ``invalid value for parameter "TimeZone"``):
  ``PGTZ=CEST`` (an abbreviation, not a zone: tzdata has CET, no CEST) left in the shell refuses
  every login of the process. Round 11 left it out because it fails every instance of a run; here
  it is an envcheck run of its own (PGTZ set for that run only).
- PostgreSQL 15 (dfmgr.c, guc.c ``local_preload_libraries``: an unprivileged setting whose
  libraries are loaded from ``$libdir/plugins/`` only; FATAL 58P01 ``could not access file
  "$libdir/plugins/auto_explain"``): ``ALTER ROLE ... SET local_preload_libraries =
  'auto_explain'`` (the module is in ``$libdir``, Debian installs no ``plugins`` directory); the
  row pg-58P01-session-preload is ``session_preload_libraries`` naming a library that is nowhere.
- libpq (fe-secure-openssl.c ``initialize_SSL``: ``SSL_check_private_key``, ``certificate does
  not match private key file "%s"``): a client certificate renewed (a new key) while ``sslkey``
  still names the old key (the rows are a key that does not exist and a key's mode).
- libpq (the same, ``SSL_CTX_use_certificate_chain_file``: ``could not read certificate file
  "%s"``): ``sslcert`` and ``sslkey`` given the other's file.
- libpq (fe-connect.c ``parseServiceInfo``: the user's service file, ``PGSERVICEFILE`` or
  ``~/.pg_service.conf``, is read first; a service found there is never looked up in
  ``$PGSYSCONFDIR/pg_service.conf``): a stale copy of the service in the user's file (a port
  where nothing listens) shadows the system file's right one (the rows are a service missing, a
  service file missing and a service file's syntax); its healthy neighbour: a service defined in
  ``$PGSYSCONFDIR/pg_service.conf`` only.
- libpq (fe-connect.c, ``target_session_attrs=prefer-standby``: a second pass accepts any server
  when no standby answered): a single primary (healthy; the value is the person's fix in the rows
  pg-tsa-*, never a case).
- Redis 7.0 (acl.c ``ACLSetUser``: ``#<hash>`` stores a SHA-256 hex digest as the password;
  ``ACLCheckUserCredentials`` compares the digest of what AUTH sends): a user whose digest was
  made with ``echo PASSWORD | sha256sum`` (the newline hashed with it): WRONGPASS for the right
  password; its healthy neighbour: a user whose ``#`` digest is of the password alone.

Each was grepped in the tables, the rounds and the sweeps first (``PGTZ``, ``PGDATESTYLE``,
``PGGEQO``, ``TimeZone``, ``timezone``, ``local_preload``, ``plugins``, ``auto_explain``,
``does not match private key``, ``private key``, ``could not read certificate``, ``no start
line``, ``swap``, ``pg_service.conf``, ``PGSYSCONFDIR``, ``sysconf``, ``shadow``,
``prefer-standby``, ``sha256``, ``hash``, ``#[0-9a-f]``, ``newline``, ``echo``, ``GETUSER``,
``maxmemory-clients``, ``evict``, ``client-output``, ``PGHOSTADDR``, ``PGPORT``, ``PGUSER``,
``PGCLIENTENCODING``, ``exit_on_error``, ``db_user_namespace``, ``authentication_timeout``,
``pre_auth_delay``): none is a row for these (``could not read certificate file`` is in the
table of text-matched verdicts for the sslcert rows, which are a certificate that does not exist
or is not sent; ``shadow`` is a stale PGPASSWORD; ``PGTZ`` and ``maxmemory-clients`` are round
11's left-out ideas; ``hash`` in the Redis table is a cluster's hash slot). Ideas left out:
``maxmemory-clients`` and a normal client's ``client-output-buffer-limit`` (rounds 11 and 13:
they stop nothing a probe this small does), PGHOSTADDR / PGPORT / PGUSER left in the shell (the
DSN rows pg-dsn-hostaddr-refused and pg-dsn-empty-user in another place), ``db_user_namespace``
(it changes every role's name on the shared lab, and PostgreSQL 17 removed it), an LDAP server
that hangs until ``authentication_timeout`` (the row pg-hba-ldap's line), ``exit_on_error`` (no
refusal), a hashed ``requirepass`` (Redis 7.0 stores requirepass as the default user's ``>``
password).

The grading is round one's (``grade`` in tests/verdicts/test_heldout_servers.py); a healthy case
is fully right when every check of its instance passes. One envcheck run per state: the six
PostgreSQL cases of the lab are six instances of one run (PGSERVICEFILE and PGSYSCONFDIR set for
it), PGTZ's case one instance of a run of its own, the two Redis cases two instances of one run.
The fixes of the fully right breakages are then carried out as printed (SQL steps through
envcheck's step runner; the person's: PGTZ unset, the DSN's sslkey / sslcert, the stale section
of the user's service file removed; the Redis administrator's ACL SETUSER) and the healed
instances run again (one run for all of PostgreSQL's).

The expectations were committed before envcheck first ran on this file (1c9e717). One proof was
corrected before the graded run, no expectation: the renewed certificate's old key was proved
with ``certificate does not match private key file``; libpq 18 stops earlier, at
``SSL_use_PrivateKey_file``: ``could not load private key file "%s": key values mismatch``.

First run (envcheck at 1c9e717, before any change; graded by the rules above, 2026-12-07): 3 of
9 fully right (the three healthy neighbours); of the 6 breakages none fully right, 5 partly,
1 wrong.
Partly:
- pg-env-pgtz-not-a-zone: "cannot connect ...: FATAL: invalid value for parameter "TimeZone":
  "CEST"", why "libpq refused or failed the connection for a reason of its own (the server let
  envcheck's own login in)" (PGTZ not named: envcheck's own login did not send it).
- pg-local-preload-libraries-not-in-plugins: "cannot log in ... (SQLSTATE 58P01: system error)
  the server layer failed", fix "look at the server's log" (the role's setting not found: the
  message quotes ``$libdir/plugins/auto_explain``, the setting ``auto_explain``).
- pg-sslkey-of-another-certificate: "libpq could not load the private key file .../old/....key
  (sslkey in ...)", fix "set sslkey= a readable file of the right kind" (not that it is another
  certificate's key; the sslcert not named).
- pg-sslcert-sslkey-swapped: "libpq could not read the client certificate .../....key (sslcert
  in ...)" (not that the file is a private key and the two are swapped).
- redis-acl-digest-of-password-and-newline: "authentication failed for user 'hashnl' ...
  (WRONGPASS)", the three causes (the digest of the password and a newline not found).
Wrong:
- pg-service-user-file-shadows-system-file: "connection refused at 127.0.0.1:PORT ...
  PostgreSQL is not running", fix "start PostgreSQL: sudo systemctl start postgresql ..." (the
  server the system file's copy names answers).
Cost of the first run (``/usr/bin/time``, ``-n 0``, no fix run): 6.3 s user, 3.1 s system, 12 s
wall.

After the fixes of the commit that follows the first run: 9 of 9 fully right, every printed fix
carried out and its instance passing on the second run; no expectation changed. What envcheck
reads now (structure, never a message's words; postgres/diagnose.py, postgres/dsn.py,
postgres/hooks.py, redis/diagnose.py):
- PGDATESTYLE, PGTZ and PGGEQO (``ENV_STARTUP``) are sent by envcheck's own login as libpq sends
  them, so it meets the same 22023; the refused setting (``parameter "%s"``, or the one name the
  packet carried) that came from the environment names the variable and its value, and the fix
  unsets it;
- 58P01 after authentication whose quoted file is ``$libdir/plugins/NAME``: the role's or the
  database's ``local_preload_libraries`` holding NAME (pg_db_role_setting, as the superuser) and
  whether NAME is a file of PKGLIBDIR (pg_config, pg_stat_file); the fix moves it to
  ``session_preload_libraries`` (when it is in $libdir) and resets ``local_preload_libraries``,
  both SQL steps envcheck runs as the superuser;
- libpq stopped on the file of sslcert or sslkey (the file it quotes is one of them): the PEM
  blocks of both files (a key where the certificate should be and a certificate where the key
  should be: swapped), and OpenSSL's KEY_VALUES_MISMATCH for the pair, with the key beside the
  certificate that does belong to it named;
- connection refused at a service's address: every service file's section of that service
  (``service_definitions``); a later file's copy whose address answers an SSLRequest is the one
  the user's file shadows, and the fix removes the user's stale section;
- Redis WRONGPASS: ``ACL GETUSER`` (admin_url) lists a stored digest equal to the SHA-256 of the
  URL's password followed by a newline (or CR LF): ``echo`` hashed with it; the fix sets the
  password again (no password or digest shown).
Rows: 7 in docs/verdicts/postgres.md and 2 in docs/verdicts/redis.md, section "The held-out set
of 2026-12-07 (issue 21, sixteenth round)", asserted on each case's own run.
Cost (``/usr/bin/time`` on ``pytest <this file> -n 0``, after the fixes, five envcheck runs; a
machine at load 2 to 6): 5.3 s user, 3.5 s system (8.8 CPU-s), 9 s wall.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
import redis

from tests.servers import free_port
from tests.verdicts import redis_servers as rs
from tests.verdicts import server_rounds as sr
from tests.verdicts.pg_lab import PASSWORD, Lab, lab_fixtures

lab_server, lab = lab_fixtures("heldout16-pglab")

#: an abbreviation PGTZ is given (tzdata has CET, no zone named CEST)
NOT_A_ZONE = "CEST"
#: the module local_preload_libraries is given (in $libdir, not in $libdir/plugins)
LIBRARY = "auto_explain"
#: the service defined in both files, and the one in the system file only
SHADOWED, SYSTEM_ONLY = "app16", "app16sys"
#: the user's service file (PGSERVICEFILE)
USER_SERVICES = "user-services.conf"


# -- PostgreSQL: six instances of one envcheck run, and PGTZ's run --------------------------------

PG: dict[str, sr.Expect] = {
    "pg-env-pgtz-not-a-zone": sr.Expect(
        sr.CONNECT,
        "fail",
        ("PGTZ", NOT_A_ZONE),
        ("PGTZ",),
        (*sr.NOT_PW, *sr.NOT_STARTED, "pg_hba.conf", "ALTER ROLE"),
    ),
    "pg-local-preload-libraries-not-in-plugins": sr.Expect(
        sr.CONNECT,
        "fail",
        ("local_preload_libraries", "plugins"),
        ("local_preload_libraries", "session_preload_libraries"),
        (*sr.NOT_PW, *sr.NOT_STARTED, "pg_hba.conf", "CONNECT ON DATABASE"),
        heals=True,
    ),
    "pg-sslkey-of-another-certificate": sr.Expect(
        sr.CONNECT,
        "fail",
        ("sslkey", "sslcert"),
        ("sslkey",),
        (*sr.NOT_PW, *sr.NOT_STARTED, "pg_hba.conf", "chmod", "does not exist"),
    ),
    "pg-sslcert-sslkey-swapped": sr.Expect(
        sr.CONNECT,
        "fail",
        ("sslcert", "private key"),
        ("sslcert", "sslkey"),
        (*sr.NOT_PW, *sr.NOT_STARTED, "pg_hba.conf", "chmod", "does not exist"),
    ),
    "pg-service-user-file-shadows-system-file": sr.Expect(
        f"{sr.REACHABLE}|{sr.CONNECT}",
        "fail",
        (USER_SERVICES, "pg_service.conf"),
        (USER_SERVICES,),
        (*sr.NOT_PW, *sr.NOT_STARTED, "pg_hba.conf"),
    ),
    "pg-service-in-sysconfdir-healthy": sr.Expect(sr.WRITE, "pass"),
    "pg-tsa-prefer-standby-primary-healthy": sr.Expect(sr.WRITE, "pass"),
}
#: the word of the printed fix that the person's act follows
PERSON_FOLLOWS = {
    "pg-env-pgtz-not-a-zone": "PGTZ",
    "pg-sslkey-of-another-certificate": "sslkey",
    "pg-sslcert-sslkey-swapped": "sslcert",
    "pg-service-user-file-shadows-system-file": USER_SERVICES,
}


def service_section(name: str, port: int, user: str, db: str) -> str:
    return f"[{name}]\nhost=127.0.0.1\nport={port}\nuser={user}\ndbname={db}\npassword={PASSWORD}\n"


def make_pg(lab: Lab, tmp: Path) -> sr.PgMade:
    """Every PostgreSQL case made on the lab and proved with psycopg (PGSERVICEFILE and
    PGSYSCONFDIR set for the rest of the test)."""
    assert lab.monkeypatch is not None
    pg = sr.PgMade()
    made, people, person_writes = pg.made, pg.people, pg.person_writes

    user, db = lab.app()
    dsn = sr.kw(lab, user, db)
    lab.monkeypatch.setenv("PGTZ", NOT_A_ZONE)
    sr.login_fails(dsn, 'invalid value for parameter "TimeZone"')
    lab.monkeypatch.delenv("PGTZ")
    psycopg.connect(dsn).close()
    made["pg-env-pgtz-not-a-zone"] = sr.Instance(dsn)
    people["pg-env-pgtz-not-a-zone"] = lambda: None  # PGTZ is unset after its own run

    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} SET local_preload_libraries = '{LIBRARY}'")
    dsn = sr.kw(lab, user, db)
    sr.login_fails(dsn, f"plugins/{LIBRARY}")
    made["pg-local-preload-libraries-not-in-plugins"] = sr.Instance(dsn)

    user, db = lab.app("lab_cert")
    (tmp / "old").mkdir()
    (tmp / "new").mkdir()
    _, old_key = sr.client_cert(tmp / "old", user, lab)
    crt, key = sr.client_cert(tmp / "new", user, lab)
    dsn = sr.kw(lab, user, db, sslmode="require", sslcert=str(crt), sslkey=str(old_key))
    sr.login_fails(dsn, "could not load private key file")
    right = sr.kw(lab, user, db, sslmode="require", sslcert=str(crt), sslkey=str(key))
    with psycopg.connect(right) as conn:
        conn.execute("CREATE TEMP TABLE proof (id int)")
    made["pg-sslkey-of-another-certificate"] = sr.Instance(dsn)
    person_writes("pg-sslkey-of-another-certificate", right)

    user, db = lab.app("lab_cert")
    (tmp / "swapped").mkdir()
    crt, key = sr.client_cert(tmp / "swapped", user, lab)
    dsn = sr.kw(lab, user, db, sslmode="require", sslcert=str(key), sslkey=str(crt))
    sr.login_fails(dsn, "could not read certificate file")
    right = sr.kw(lab, user, db, sslmode="require", sslcert=str(crt), sslkey=str(key))
    psycopg.connect(right).close()
    made["pg-sslcert-sslkey-swapped"] = sr.Instance(dsn)
    person_writes("pg-sslcert-sslkey-swapped", right)

    sysconf = tmp / "sysconf"
    sysconf.mkdir()
    user_file = tmp / USER_SERVICES
    shadow_user, shadow_db = lab.app()
    sys_user, sys_db = lab.app()
    stale = free_port()
    (sysconf / "pg_service.conf").write_text(
        service_section(SHADOWED, lab.port, shadow_user, shadow_db)
        + service_section(SYSTEM_ONLY, lab.port, sys_user, sys_db)
    )
    user_file.write_text(service_section(SHADOWED, stale, shadow_user, shadow_db))
    user_file.chmod(0o600)
    lab.monkeypatch.setenv("PGSERVICEFILE", str(user_file))
    lab.monkeypatch.setenv("PGSYSCONFDIR", str(sysconf))
    sr.login_fails(f"service={SHADOWED}", str(stale))
    with psycopg.connect(f"service={SYSTEM_ONLY}") as conn:
        conn.execute("CREATE TABLE proof_kept (id int)")
        conn.rollback()
    made["pg-service-user-file-shadows-system-file"] = sr.Instance(f"service={SHADOWED}")
    people["pg-service-user-file-shadows-system-file"] = writes(user_file, "")
    made["pg-service-in-sysconfdir-healthy"] = sr.Instance(f"service={SYSTEM_ONLY}")

    user, db = lab.app()
    dsn = sr.kw(lab, user, db, target_session_attrs="prefer-standby")
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (False,)
        conn.execute("CREATE TABLE proof_kept (id int)")
        conn.rollback()
    made["pg-tsa-prefer-standby-primary-healthy"] = sr.Instance(dsn)
    return pg


def writes(path: Path, text: str) -> Callable[[], None]:
    def act() -> None:
        path.write_text(text)

    return act


def test_postgres(lab: Lab, tmp_path: Path) -> None:
    """PGTZ's case on a run of its own (PGTZ set for it only), the six others on one run; the
    fixes of the fully right breakages carried out as printed and the healed instances passing
    on one more run; each case's row held on its first run."""
    assert lab.monkeypatch is not None
    pg = make_pg(lab, tmp_path)
    alone = "pg-env-pgtz-not-a-zone"
    lab.monkeypatch.setenv("PGTZ", NOT_A_ZONE)
    try:
        checks = sr.run_pg(lab, {alone: pg.made[alone]})
    finally:
        lab.monkeypatch.delenv("PGTZ")
    checks += sr.run_pg(lab, {i: m for i, m in pg.made.items() if i != alone})
    verdicts = sr.pg_round(lab, PG, pg, checks, PERSON_FOLLOWS)
    sr.report_grades(verdicts)
    sr.rows_hold("postgres", PG, checks)


# -- Redis: two instances of one envcheck run -----------------------------------------------------

#: the user whose digest hashed the newline too, and the one whose digest is right
NEWLINE_USER, DIGEST_USER = "hashnl", "hashok"

REDIS: dict[str, sr.Expect] = {
    "redis-acl-digest-of-password-and-newline": sr.Expect(
        sr.R_AUTH,
        "fail",
        ("WRONGPASS", "newline"),
        ("ACL SETUSER",),
        ("requirepass", "differ only in case"),
    ),
    "redis-acl-password-digest-healthy": sr.Expect(sr.R_ROUND, "pass"),
}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_redis(pytester: pytest.Pytester) -> None:
    """The two cases on one run; the breakage's fix, if fully right, carried out by the Redis
    administrator (the user's password set again) and its instance passing on a second run; each
    row held."""
    pw = rs.APP_PASSWORD
    with rs.running() as server:
        rs.add_admin(server)
        rs.add_user(server, NEWLINE_USER, "+@all", "~*", "&*")
        rs.add_user(server, DIGEST_USER, "+@all", "~*", "&*")
        with server.admin() as admin:
            # as `echo "$PW" | sha256sum` writes it; and as `printf %s "$PW" | sha256sum` does
            with_newline, alone = digest(pw + "\n"), digest(pw)
            admin.execute_command("ACL", "SETUSER", NEWLINE_USER, "resetpass", f"#{with_newline}")
            admin.execute_command("ACL", "SETUSER", DIGEST_USER, "resetpass", f"#{alone}")

        newline = f"redis://{NEWLINE_USER}:{pw}@127.0.0.1:{server.port}/0"
        with pytest.raises(redis.AuthenticationError):
            with redis.Redis.from_url(newline) as client:
                client.ping()
        hashed = f"redis://{DIGEST_USER}:{pw}@127.0.0.1:{server.port}/0"
        with redis.Redis.from_url(hashed) as client:
            assert client.set("envcheck:heldout16", "v") and client.delete("envcheck:heldout16")

        urls = {
            "redis-acl-digest-of-password-and-newline": newline,
            "redis-acl-password-digest-healthy": hashed,
        }

        def sections(chosen: dict[str, str]) -> str:
            return "".join(
                sr.redis_section(sr.instance(ident), url) + sr.with_admin(server) + "\n"
                for ident, url in chosen.items()
            )

        pytester.makefile(".toml", pyproject=sections(urls))
        checks, output = sr.run_envcheck(pytester)
        assert "Traceback" not in output
        assert pw not in output and pw not in str(checks), "a password shown"
        assert digest(pw) not in output and digest(pw) not in str(checks), "a digest shown"
        assert rs.ADMIN_PASSWORD not in output, "the admin's password shown"
        verdicts = sr.graded_all(REDIS, checks, "redis")
        ident = "redis-acl-digest-of-password-and-newline"
        if verdicts[ident].grade == "fully right":
            with server.admin() as admin:
                admin.execute_command("ACL", "SETUSER", NEWLINE_USER, "resetpass", f">{pw}")
            sr.redis_again(pytester, sections({ident: newline}), verdicts, [ident])
    sr.report_grades(verdicts)
    sr.rows_hold("redis", REDIS, checks)
