"""Thirteenth held-out round for PostgreSQL and Redis (issue 21): kinds that neither the earlier
rounds (tests/verdicts/test_heldout_servers*.py 1-12) nor the sweeps (a SQLSTATE at login or at
the write, a Redis error reply to each command, a pooler's or proxy's own answer, TLS, the
protocol sweep, the client-side settings sweep of every libpq keyword and redis-py URL argument)
nor a row cover, and healthy neighbours, each made on a real throwaway server and proved with the
real client (psycopg 3.3 with its libpq 18, redis-py 8.1) first.

How the set was made (2026-12-07), from the sources of truth before reading how envcheck
diagnoses them (of envcheck's code only the round machinery of the earlier round files, the
tables' rows and the instance configuration's fields were read):

- libpq (fe-connect.c ``passwordFromFile``): the host field is compared with the connection's
  ``host`` as written, never resolved: a line for ``localhost`` gives no password to a DSN whose
  host is ``127.0.0.1`` (``fe_sendauth: no password supplied``; round twelve's row is a socket
  outside libpq's default directory); its healthy neighbour: ``host=localhost
  hostaddr=127.0.0.1`` takes the ``localhost`` line (the name is compared, the address dialled).
- PostgreSQL 15 (hba.c ``check_usermap``, pg_hba.conf ``peer map=``): a ``local ... peer
  map=envcheck_map`` line whose map in pg_ident.conf has no line for the OS user (root) and the
  role: 28000 ``Peer authentication failed`` (the row pg-hba-peer is peer without a map); its
  healthy neighbour: the map's line ``envcheck_map root ROLE`` (logs in as a role that is not
  the OS user).
- PostgreSQL 15 (hba.c ``check_db``: ``samerole`` matches when the user is a member of the role
  named like the database): the only line for the group is ``host samerole ...``; a user who is
  not a member of the role named like the database gets 28000 ``no pg_hba.conf entry``.
- PostgreSQL 15 (postinit.c ``InitPostgres``): a database whose directory is gone (created in a
  tablespace whose directory was lost, pg_database still lists it): 3D000 ``database "%s" does
  not exist`` with DETAIL ``The database subdirectory "%s" is missing.``
- PostgreSQL 15 (tablespace.c ``TablespaceCreateDbspace``): the role's ``default_tablespace`` is
  a tablespace the role may use whose directory is gone (a mount lost): the write's ``CREATE
  TABLE`` gets 58P01 ``could not create directory``; its healthy neighbour: ``temp_tablespaces``
  naming a tablespace since dropped (``check_temp_tablespaces`` skips names that do not exist
  outside an interactive SET).
- redis-py 8 (``parse_url``: urllib splits the user information at its first ``:``): an ACL user
  whose name holds a colon (``app:ro``) written as it is in the URL: redis-py sends user
  ``app`` and a password ``ro:...``: WRONGPASS; ``app%3Aro`` is the URL that logs in.
- Redis 7.0 (acl.c ``ACLCheckAllUserCommandPerm``: a command is allowed when the root
  permissions or any selector allow it): a user whose root has no command and no key, every right
  in one selector ``(+@all ~* &*)``, is healthy.
- redis-py 8 (``AbstractConnection.on_connect`` sends SELECT only when the db is not 0): a user
  with ``+@all -select ~* &*`` and a URL for db 0 is healthy.

Each was grepped in the tables, the rounds and the sweeps first (``localhost`` with
``127.0.0.1`` in a password file line, ``map=``, ``pg_ident``, ``samerole``, ``samehost``,
``subdirectory``, ``is missing``, ``58P01`` at the write, ``temp_tablespaces``, ``%3A`` / a
colon in a Redis user name, ``selector`` with a root of no rights, ``-select``): none is a row
(the password file's rows are its mode, its path, a trailing space, a wildcard line first, an
unescaped colon and ``localhost`` for a socket; pg-hba-peer has no map; pg-hba-no-entry is no
line at all; the 3D000 rows are a database that is not there, its case or whitespace; the
tablespace rows are a missing privilege, pg_global and a ``default_tablespace`` that does not
exist; redis-WRONGPASS-percent-password is a ``%`` in a password; redis-selector and
redis-NOPERM-selector-other-keys are selectors that allow less; redis-NOPERM-SELECT is a db
other than 0). The brief's other ideas were rows or rounds already (default_transaction_read_only
per database, search_path, event triggers, a role's and a database's connection limit,
datallowconn, hostssl/hostnossl, the service file's syntax, ACL selectors %R~/%W~, resetkeys and
resetchannels, rename-command, replica-read-only, NOREPLICAS, MOVED/CROSSSLOT, the maxmemory
policies, ``databases`` with an index beyond it; ``+@all -@dangerous`` denies INFO, the row
redis-NOPERM-INFO) or stop nothing the probe does (row-level security and temp_file_limit,
round four; enable-protected-configs guards CONFIG SET only; a normal client's
client-output-buffer-limit is not checked for a reply that fits the client's 16 KB buffer).

The grading is round one's (``grade`` in tests/verdicts/test_heldout_servers.py); a healthy case
is fully right when every check of its instance passes. One envcheck run per state: the eight
PostgreSQL cases are eight instances of one run on one lab (its pg_hba.conf gets a ``local``
peer line with a map for the group ``lab_peermap`` and a ``samerole`` line for ``lab_samerole``
first), the three Redis cases three instances of one run. The fixes of the fully right
breakages are then carried out as printed (the person's: a password file line, pg_ident.conf's
line, a GRANT, the database made again, the role's setting reset, the URL with %3A) and the
healed instances run again.

The expectations were committed before envcheck first ran on this file (e0fa42b).

First run (envcheck at e0fa42b, before any change; graded by the rules above, 2026-12-07): 5 of
11 fully right (the five healthy neighbours), of the 6 breakages none; 5 partly, 1 wrong.
Partly:
- pg-passfile-localhost-line-tcp: FAIL postgres/connect "the server wants a password ... nor a
  matching line in the password file libpq reads, .../tcp.pgpass" (true, but the file's line 1
  for ``localhost``, which libpq compares with ``127.0.0.1`` as written, not named).
- pg-hba-peer-map-missing: FAIL postgres/connect "the authentication method pg_hba.conf chose
  ... failed (ident, peer, cert or gss ...)", fix "put 'local DB USER scram-sha-256' above the
  line" (works, but neither the map nor pg_ident.conf's missing line for root).
- pg-hba-samerole-not-member: FAIL postgres/connect "pg_hba.conf does not let ... in (no matching
  line ...)", fix "add 'host DB USER <client address>/32 scram-sha-256'" (works, but the
  ``samerole`` line and the missing membership not named).
- pg-58P01-default-tablespace-directory-gone: FAIL postgres/write "(SQLSTATE 58P01: system
  error) the server layer failed; the server said: could not create directory ...", fix "look at
  the server's log" (the fallback: neither the role's default_tablespace nor its directory).
- redis-url-username-colon: FAIL redis/auth "authentication failed for user 'app' ...
  (WRONGPASS)", fix "check the password ...; ACL GETUSER app" (the user name cut at the colon not
  named; no %3A).
Wrong:
- pg-3D000-database-directory-missing: "database ... does not exist on ... has no such
  database" (DETAIL quoted: "The database subdirectory ... is missing"), fix "role ... may not
  create databases (no CREATEDB); as a superuser: createdb ... -O ..." (a wrong cause: pg_database
  lists it; createdb fails with ``already exists``).
Cost of the first run (``/usr/bin/time``, ``-p no:xdist``, no fix run): 5.3 s user, 2.1 s
system, 15 s wall.

After the fixes of the commit that follows the first run: 11 of 11 fully right, every printed fix
carried out and its instance passing on the second run; no expectation and no proof changed.
What envcheck reads now (structure, never a message's words):
- a password file line for this machine's loopback under another spelling (``localhost`` for
  ``127.0.0.1``, or the reverse: postgres/target.py ``passfile_spelling_line``), when libpq
  found no password, named by number (never its password), its host field to write as the
  connection's host;
- pg_hba.conf and pg_ident.conf as the server loaded them (postgres/hba.py: pg_hba_file_rules,
  pg_ident_file_mappings and the role's memberships, read as the superuser when libpq logs one in
  without a password of envcheck's), and the first line a login matches (type, database with
  ``all``/``sameuser``/``samerole``/``samegroup``, user with ``+group``, address): a failed
  peer or ident login whose line has ``map=`` and whose map has no line from this process's OS
  user to the role names the line, the map and its lines, the fix the pg_ident.conf line and a
  reload; a login no line admits while a line would but for ``samerole``/``samegroup`` names the
  line and the membership, the fix ``GRANT db TO user`` (``CREATE ROLE`` first where no role is
  named like the database); ``sameuser`` names the database to use;
- 3D000 for a database pg_database lists (its owner and tablespace read): the database's
  directory is missing; the fix mounts the tablespace's disk again, or DROP DATABASE and CREATE
  DATABASE with the same owner (and a backup restored), never createdb alone;
- class 58 at the write's CREATE TABLE while ``default_tablespace`` sends it to a tablespace
  other than the database's: that tablespace and its location (pg_tablespace_location), the fix
  its RESET where it is set, or the directory mounted or made again;
- WRONGPASS for a URL whose user information holds more than one ``:``: AUTH again on the same
  connection with the user name ending at each later colon; the one that logs in is the ACL
  user's name, written with ``%3A`` in the fix (no password shown).
The fixes carried out here: the password file's line with 127.0.0.1, pg_ident.conf's line and a
reload, the GRANT, DROP and CREATE DATABASE, ALTER ROLE ... RESET default_tablespace, the URL
with ``app%3Aro``. Rows: 8 in docs/verdicts/postgres.md, 3 in docs/verdicts/redis.md, section "The
held-out set of 2026-12-07 (issue 21, thirteenth round)", asserted on each case's own run; one
test of the password file's spellings.
Cost (``/usr/bin/time`` on ``pytest <this file> -p no:xdist``, after the fixes, four envcheck
runs and the test of the password file): 5.5 s user, 1.2 to 1.6 s system (6.7 to 7.2
CPU-s), 11 s wall.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path

import psycopg
import pytest
import redis

from tests.verdicts import redis_servers as rs
from tests.verdicts import server_rounds as sr
from tests.verdicts.pg_lab import PASSWORD, Lab, lab_fixtures

lab_server, lab = lab_fixtures("heldout13-pglab")

#: the group whose members log in over the socket with peer and a user name map
PEERMAP = "lab_peermap"
#: the map pg_ident.conf holds for PEERMAP's line
MAP = "envcheck_map"
#: the group whose only line is ``host samerole``
SAMEROLE = "lab_samerole"
#: the OS user the tests run as (the peer's name)
OS_USER = "root"

# -- PostgreSQL: eight instances of one envcheck run ----------------------------------------------

NOT_PW = ("\\password", "start PostgreSQL", "pg_ctl", "CREATE ROLE")

PG: dict[str, sr.Expect] = {
    "pg-passfile-localhost-line-tcp": sr.Expect(
        sr.CONNECT,
        "fail",
        ("localhost", "line 1"),
        ("127.0.0.1",),
        (*NOT_PW, "pg_hba.conf", "group or world", "trailing"),
    ),
    "pg-passfile-localhost-hostaddr-healthy": sr.Expect(sr.WRITE, "pass"),
    "pg-hba-peer-map-missing": sr.Expect(
        sr.CONNECT,
        "fail",
        (MAP, "pg_ident.conf"),
        ("pg_ident.conf", OS_USER),
        NOT_PW,
    ),
    "pg-hba-peer-map-healthy": sr.Expect(sr.WRITE, "pass"),
    "pg-hba-samerole-not-member": sr.Expect(
        sr.CONNECT,
        "fail",
        ("samerole",),
        ("GRANT",),
        NOT_PW,
    ),
    "pg-3D000-database-directory-missing": sr.Expect(
        sr.CONNECT,
        "fail",
        ("directory", "missing"),
        ("DROP DATABASE",),
        ("does not exist on", "may not create databases", "differ only in case", "whitespace"),
    ),
    "pg-58P01-default-tablespace-directory-gone": sr.Expect(
        sr.WRITE,
        "fail",
        ("default_tablespace", "58P01"),
        ("default_tablespace",),
        ("GRANT CREATE ON SCHEMA", "GRANT CREATE ON TABLESPACE", "GRANT USAGE"),
    ),
    "pg-role-temp-tablespaces-dropped-healthy": sr.Expect(sr.WRITE, "pass"),
}
#: the words of the printed fix that the person's act follows
PERSON_FOLLOWS = {
    "pg-passfile-localhost-line-tcp": "127.0.0.1",
    "pg-hba-peer-map-missing": "pg_ident.conf",
    "pg-hba-samerole-not-member": "GRANT",
    "pg-3D000-database-directory-missing": "DROP DATABASE",
    "pg-58P01-default-tablespace-directory-gone": "default_tablespace",
}


def hba_lines(lab: Lab) -> None:
    """A ``local`` peer line with :data:`MAP` for :data:`PEERMAP` and a ``samerole`` line for
    :data:`SAMEROLE`, above the lab's lines; pg_ident.conf's map with one line for another user."""
    hba = lab.pg.data / "pg_hba.conf"
    if PEERMAP in hba.read_text():
        return
    hba.write_text(
        f"local all +{PEERMAP} peer map={MAP}\n"
        f"host samerole +{SAMEROLE} 127.0.0.1/32 scram-sha-256\n" + hba.read_text()
    )
    (lab.pg.data / "pg_ident.conf").write_text(f"{MAP} envcheck-nobody envcheck_nobody\n")
    lab.sql(f"CREATE ROLE {PEERMAP} NOLOGIN", f"CREATE ROLE {SAMEROLE} NOLOGIN")
    # the lines take effect: a member of SAMEROLE in the role named like its database logs in
    user = lab.role(SAMEROLE)
    db = lab.database(user)
    lab.sql(f"CREATE ROLE {db} NOLOGIN", f"GRANT {db} TO {user}")
    sr.reload_until(lab, sr.kw(lab, user, db))


def ident_line(lab: Lab, user: str, reload: bool = False) -> None:
    with (lab.pg.data / "pg_ident.conf").open("a") as ident:
        ident.write(f"{MAP} {OS_USER} {user}\n")
    if reload:
        lab.sql("SELECT pg_reload_conf()")


def tablespace(lab: Lab) -> tuple[str, Path]:
    where = Path(tempfile.mkdtemp(prefix="envcheck-ts13-"))
    if lab.pg.owner:
        shutil.chown(where, lab.pg.owner)
    name = lab.name("ts")
    lab.sql(f"CREATE TABLESPACE {name} LOCATION '{where}'")
    lab.cleanups.append(lambda: shutil.rmtree(where, ignore_errors=True))
    lab.cleanups.append(lambda: lab.sql(f"DROP TABLESPACE IF EXISTS {name}"))
    return name, where


def make_pg(lab: Lab, tmp: Path) -> sr.PgMade:
    """Every PostgreSQL case made on the lab and proved with psycopg."""
    hba_lines(lab)
    sock = str(lab.pg.socket_dir)
    made: dict[str, sr.Instance] = {}
    people: dict[str, Callable[[], None]] = {}

    user, db = lab.app()
    tcp_file = tmp / "tcp.pgpass"
    fields = f"{lab.port}:{db}:{user}:{PASSWORD}"
    tcp_file.write_text(f"localhost:{fields}\n")
    tcp_file.chmod(0o600)
    base = f"port='{lab.port}' user='{user}' dbname='{db}' passfile='{tcp_file}'"
    dsn = f"host='127.0.0.1' {base}"
    sr.login_fails(dsn, "no password supplied")
    made["pg-passfile-localhost-line-tcp"] = sr.Instance(dsn)

    def person_writes_the_address() -> None:
        tcp_file.write_text(f"127.0.0.1:{fields}\n")

    people["pg-passfile-localhost-line-tcp"] = person_writes_the_address

    user, db = lab.app()
    name_file = tmp / "name.pgpass"
    name_file.write_text(f"localhost:{lab.port}:{db}:{user}:{PASSWORD}\n")
    name_file.chmod(0o600)
    dsn = (
        f"host='localhost' hostaddr='127.0.0.1' port='{lab.port}' user='{user}' "
        f"dbname='{db}' passfile='{name_file}'"
    )
    with psycopg.connect(dsn) as conn:
        assert conn.info.hostaddr == "127.0.0.1"
        conn.execute("CREATE TEMP TABLE proof (id int)")
    made["pg-passfile-localhost-hostaddr-healthy"] = sr.Instance(dsn)

    user, db = lab.app(PEERMAP)
    dsn = f"host='{sock}' port='{lab.port}' user='{user}' dbname='{db}'"
    sr.login_fails(dsn, "Peer authentication failed")
    made["pg-hba-peer-map-missing"] = sr.Instance(dsn)
    people["pg-hba-peer-map-missing"] = partial(ident_line, lab, user, reload=True)

    user, db = lab.app(PEERMAP)
    ident_line(lab, user)
    dsn = f"host='{sock}' port='{lab.port}' user='{user}' dbname='{db}'"
    sr.reload_until(lab, dsn)
    with psycopg.connect(dsn) as conn:
        assert conn.info.user == user != OS_USER
        conn.execute("CREATE TEMP TABLE proof (id int)")
    made["pg-hba-peer-map-healthy"] = sr.Instance(dsn)

    user = lab.role(SAMEROLE)
    db = lab.database(user)
    lab.sql(f"CREATE ROLE {db} NOLOGIN")
    dsn = sr.kw(lab, user, db)
    sr.login_fails(dsn, "no pg_hba.conf entry")
    made["pg-hba-samerole-not-member"] = sr.Instance(dsn)
    people["pg-hba-samerole-not-member"] = partial(lab.sql, f"GRANT {db} TO {user}")

    user = lab.role("lab_app")
    name, where = tablespace(lab)
    lab.sql(f"GRANT CREATE ON TABLESPACE {name} TO {user}")
    db = lab.database(user, f"TABLESPACE {name} STRATEGY file_copy")
    lab.sql("CHECKPOINT")  # no dirty page of it left for a later checkpoint to write
    lab.cleanups.append(partial(lab.sql, f"DROP DATABASE IF EXISTS {db}"))
    for sub in where.iterdir():  # PG_15_...: the directory lost with its mount
        shutil.rmtree(sub)
    dsn = sr.kw(lab, user, db)
    sr.login_fails(dsn, "does not exist", "subdirectory")
    made["pg-3D000-database-directory-missing"] = sr.Instance(dsn)

    def person_makes_it_again(d: str = db, u: str = user) -> None:
        lab.sql(f"DROP DATABASE {d}", f"CREATE DATABASE {d} OWNER {u}")

    people["pg-3D000-database-directory-missing"] = person_makes_it_again

    user, db = lab.app()
    name, where = tablespace(lab)
    lab.sql(
        f"GRANT CREATE ON TABLESPACE {name} TO {user}",
        f"ALTER ROLE {user} SET default_tablespace = {name}",
    )
    shutil.rmtree(where)
    dsn = sr.kw(lab, user, db)
    sr.write_fails(dsn, "58P01")
    made["pg-58P01-default-tablespace-directory-gone"] = sr.Instance(dsn)
    people["pg-58P01-default-tablespace-directory-gone"] = partial(
        lab.sql, f"ALTER ROLE {user} RESET default_tablespace"
    )

    user, db = lab.app()
    name, _ = tablespace(lab)
    lab.sql(f"ALTER ROLE {user} SET temp_tablespaces = {name}", f"DROP TABLESPACE {name}")
    dsn = sr.kw(lab, user, db)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SHOW temp_tablespaces").fetchone() == (name,)
        conn.execute("CREATE TEMP TABLE proof (id int)")
        conn.execute("CREATE TABLE proof_kept (id int)")
        conn.rollback()
    made["pg-role-temp-tablespaces-dropped-healthy"] = sr.Instance(dsn)
    return sr.PgMade(made, people)


def test_postgres(lab: Lab, tmp_path: Path) -> None:
    """The eight cases on one run; the person's part of each fully right fix carried out as
    printed and the healed instances passing on a second run; each case's row held."""
    pg = make_pg(lab, tmp_path)
    checks = sr.run_pg(lab, pg.made)
    verdicts = sr.pg_round(lab, PG, pg, checks, PERSON_FOLLOWS, settle=0.2)
    sr.report_grades(verdicts)
    sr.rows_hold("postgres", PG, checks)


# -- Redis: three instances of one envcheck run ---------------------------------------------------

#: the ACL user whose name holds a colon
COLON_USER = "app:ro"

REDIS: dict[str, sr.Expect] = {
    "redis-url-username-colon": sr.Expect(
        f"{sr.R_REACH}|{sr.R_AUTH}",
        "fail",
        ("app", ":"),
        ("%3A",),
        ("start Redis", "requirepass", "is not running", "nopass"),
    ),
    "redis-acl-all-in-selector-healthy": sr.Expect(sr.R_ROUND, "pass"),
    "redis-acl-no-select-db0-healthy": sr.Expect(sr.R_ROUND, "pass"),
}


def test_redis(pytester: pytest.Pytester) -> None:
    """The three cases on one run; the person's fix (the user name's colon as %3A) and the
    instance passing on a second run; each row held."""
    with ExitStack() as stack:
        server = stack.enter_context(rs.running())
        rs.add_admin(server)
        pw = rs.APP_PASSWORD
        rs.add_user(server, COLON_USER, "~*", "&*", "+@all")
        colon = f"redis://{COLON_USER}:{pw}@127.0.0.1:{server.port}/0"
        with pytest.raises(redis.AuthenticationError):
            with redis.Redis.from_url(colon) as client:
                client.ping()
        encoded = colon.replace(COLON_USER, COLON_USER.replace(":", "%3A"))
        with redis.Redis.from_url(encoded) as client:
            assert client.acl_whoami() == COLON_USER

        rs.add_user(server, "selonly", "(+@all ~* &*)")
        selector = f"redis://selonly:{pw}@127.0.0.1:{server.port}/0"
        with server.admin() as admin:
            rules = admin.acl_getuser("selonly")
            assert rules["commands"] in ([], "-@all") and not rules["keys"], rules
        with redis.Redis.from_url(selector) as client:
            assert client.set("envcheck:heldout13", "v") and client.delete("envcheck:heldout13")
            assert client.info("server")["redis_version"]

        rs.add_user(server, "noselect", "~*", "&*", "+@all", "-select")
        noselect = f"redis://noselect:{pw}@127.0.0.1:{server.port}/0"
        with redis.Redis.from_url(noselect) as client:
            assert client.set("envcheck:heldout13", "v") and client.delete("envcheck:heldout13")
        with pytest.raises(redis.ResponseError):
            with redis.Redis.from_url(noselect.replace("/0", "/1")) as client:
                client.ping()

        urls = {
            "redis-url-username-colon": colon,
            "redis-acl-all-in-selector-healthy": selector,
            "redis-acl-no-select-db0-healthy": noselect,
        }
        pytester.makefile(
            ".toml", pyproject="".join(sr.redis_section(sr.instance(i), u) for i, u in urls.items())
        )
        checks, output = sr.run_envcheck(pytester)
        assert "Traceback" not in output
        assert pw not in output and pw not in str(checks), "a password shown"
        verdicts = sr.graded_all(REDIS, checks, "redis")
        ident = "redis-url-username-colon"
        if verdicts[ident].grade == "fully right":
            mine = sr.of_instance(checks, "redis", sr.instance(ident))
            failed = next(c for c in mine if c["status"] != "pass")
            assert "%3a" in (failed.get("hint") or "").lower(), failed
            sr.redis_again(
                pytester, sr.redis_section(sr.instance(ident), encoded), verdicts, [ident]
            )
    sr.report_grades(verdicts)
    sr.rows_hold("redis", REDIS, checks)


def test_password_file_spellings_of_this_machine(tmp_path: Path) -> None:
    """What :func:`envcheck.checks.postgres.target.passfile_spelling_line` finds: a line for
    another spelling of the loopback (``localhost``, an address in 127.0.0.0/8, ``::1``) that
    matches the login otherwise; never the connection's own spelling, a wildcard, another machine
    or a socket."""
    from envcheck.checks.postgres.target import passfile_spelling_line

    path = tmp_path / "pgpass"
    path.write_text("db.example:5432:*:u:pw\nlocalhost:5432:app:u:pw\n127.0.0.2:5433:*:u:pw\n")
    path.chmod(0o600)
    found = passfile_spelling_line(str(path), "127.0.0.1", 5432, "app", "u")
    assert found is not None and found.line == 2 and found.password == ""
    assert passfile_spelling_line(str(path), "localhost", 5432, "app", "u") is None
    assert passfile_spelling_line(str(path), "127.0.0.1", 5432, "other", "u") is None
    assert passfile_spelling_line(str(path), "db2.example", 5432, "app", "u") is None
    assert passfile_spelling_line(str(path), "/tmp", 5432, "app", "u") is None
    other = passfile_spelling_line(str(path), "localhost", 5433, "x", "u")
    assert other is not None and other.line == 3
