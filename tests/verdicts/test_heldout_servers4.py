"""Fourth held-out round for PostgreSQL and Redis (issue 21): breakages that no row of
docs/verdicts/postgres.md or docs/verdicts/redis.md lists, each made on a real throwaway server,
to measure whether the verdicts hold beyond the rows they were written for.

How the set was made (2026-12-06), before reading how envcheck diagnoses anything, from the sources
of truth: libpq's conninfo keywords and their checks (fe-connect.c: a ``gssencmode`` and a
``channel_binding`` value it does not know, a ``hostaddr`` where nothing listens while ``host``
names the server, ``replication=true``, which asks pg_hba.conf for a ``replication`` line), libpq's
environment (PGCHANNELBINDING=require without SSL) and a role's attributes (NOINHERIT, its write
privilege only through the role that owns the database); redis-py's URL (a ``socket_timeout`` it
cannot read, ``client_name`` met by an ACL rule ``-client|setname`` and by ``rename-command
CLIENT``, ``protocol=3`` met by a wrong password in HELLO's AUTH) and acl.c (``+@all -get``). Every
id and its breakage was checked against the tables first (``grep '^| pg-'`` / ``'^| redis-'`` and
their descriptions): none is a row (the brief's other ideas, datallowconn, lock_timeout, noeviction
at maxmemory, replica-serve-stale-data, uncovered cluster slots, ``databases`` with an index out of
range, a renamed HELLO, are rows already; REPLICATION-only login, session_replication_role,
default_transaction_deferrable, temp_file_limit and row-level security stop nothing the probe does).
The grading is round one's (``grade`` in tests/verdicts/test_heldout_servers.py): *fully right* when
the check, status, the cause's and fix's words hold (and the fix, applied, heals where ``heals``),
*wrong* when a forbidden word appears, a broken server passes or the plugin breaks, else *partly*.

First run (envcheck at a4b36d0, the commit that added this file, before any change; graded by
the rules above, 2026-12-06): 5 of 11 fully right (pg-dsn-gssencmode-value,
pg-dsn-channel-binding-value, redis-url-socket-timeout-not-number, redis-WRONGPASS-hello,
redis-NOPERM-GET-command), 5 partly, 1 wrong. A twelfth case, redis-NOPERM-hello-default (the
default user's ACL ``-hello`` met by ``?protocol=3``), was dropped, no expectation changed: its
proof failed, the breakage cannot be made (Redis 7.0 checks no ACL for HELLO, a command flagged
``no-auth``; HELLO 3 is answered).
Partly:
- pg-28000-replication-connection: "libpq refused or failed the connection for a reason of its
  own", fix "check tool.envcheck.postgres.dsn" (replication=true, which asks pg_hba.conf for a
  ``replication`` line, not named).
- pg-env-channel-binding: "channel binding required, but SSL not in use", fix "check
  tool.envcheck.postgres.dsn" (the requirement came from PGCHANNELBINDING, not named).
- pg-42501-noinherit: "no CREATE privilege on schema public since PostgreSQL 15", fix "GRANT
  CREATE ON SCHEMA public" (the role is a member of the database's owner but NOINHERIT: not
  named).
- redis-ERR-client-renamed-client-name: "has no CLIENT command, renamed or disabled", fix "remove
  rename-command CLIENT ... or give the application the new name" (the URL's client_name, which
  is what sends CLIENT SETNAME, not named).
- redis-NOPERM-client-setname: "may not run CLIENT (NOPERM)", fix "ACL SETUSER app +client" (the
  URL's client_name not named).
Wrong:
- pg-dsn-hostaddr-refused: "connection refused at 127.0.0.2 ... PostgreSQL is not running", fix
  "sudo systemctl start postgresql" (the server runs; the DSN's hostaddr sends libpq to another
  address than host names).

After the fixes of the commit that follows the first run: 11 of 11 fully right, none wrong, no
expectation and no proof changed. What envcheck reads now (structure, never a message's words):
connection refused at ``hostaddr`` while an address ``host`` resolves to answers SSLRequest as
PostgreSQL on the same port; ``replication`` set to a physical value (true, on, yes, 1) while
envcheck's own login without it is let in; ``channel_binding`` from PGCHANNELBINDING (and no
pg_hba.conf line named when the login's line already asks for SCRAM: the authentication
request); 42501 on the schema while a role the login is a member of (pg_has_role MEMBER, not
USAGE) may create there (has_schema_privilege), pg_roles.rolinherit telling NOINHERIT. Redis:
any refusal of the CLIENT SETNAME redis-py sends for ``?client_name=`` (NOPERM, a renamed
CLIENT) names the option and offers to drop it. Each case is now a row of its table (6 in
docs/verdicts/postgres.md, section "The held-out set of 2026-12-06 (issue 21, fourth round)", 5
in docs/verdicts/redis.md), asserted on the case's own run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.verdicts import redis_servers as rs
from tests.verdicts.pg_lab import Lab, lab_fixtures
from tests.verdicts.test_heldout_servers import (
    CONNECT,
    NOT_ACL,
    NOT_AUTH,
    R_AUTH,
    R_REACH,
    R_ROUND,
    WRITE,
    Expect,
    PgCase,
    PgCases,
    RedisCase,
    RedisCases,
    _acl_server,
    held_out_postgres,
    held_out_redis,
    kw,
    login_fails,
    refuses,
    renamed,
    write_fails,
)
from tests.verdicts.test_heldout_servers2 import REACHABLE, READ, setenv, url_fails
from tests.verdicts.test_redis import section, with_admin

PG = PgCases()
pg = PG.case


# -- PostgreSQL: libpq's conninfo and environment -----------------------------------------------


@pg(
    "pg-dsn-gssencmode-value",
    Expect(READ, "fail", ("gssencmode", "envcheck_bogus"), ("gssencmode",), (*NOT_AUTH, "kinit")),
)
def _gssencmode_value(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    dsn = kw(lab, user, db, gssencmode="envcheck_bogus")
    login_fails(dsn, "gssencmode")
    yield PgCase(dsn)


@pg(
    "pg-dsn-channel-binding-value",
    Expect(READ, "fail", ("channel_binding", "envcheck_bogus"), ("channel_binding",), NOT_AUTH),
)
def _channel_binding_value(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    dsn = kw(lab, user, db, channel_binding="envcheck_bogus")
    login_fails(dsn, "channel_binding")
    yield PgCase(dsn)


@pg(
    "pg-dsn-hostaddr-refused",
    Expect(
        REACHABLE,
        "fail",
        ("hostaddr", "127.0.0.2"),
        ("hostaddr",),
        ("systemctl start", "\\password", "pg_hba.conf"),
    ),
)
def _hostaddr_refused(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    dsn = kw(lab, user, db, host="localhost", hostaddr="127.0.0.2")
    login_fails(dsn, "refused")
    yield PgCase(dsn)


@pg(
    "pg-env-channel-binding",
    Expect(CONNECT, "fail", ("PGCHANNELBINDING",), ("PGCHANNELBINDING",), NOT_AUTH),
)
def _env_channel_binding(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    setenv(lab, "PGCHANNELBINDING", "require")
    dsn = kw(lab, user, db, sslmode="disable")
    login_fails(dsn, "channel binding")
    yield PgCase(dsn)


@pg(
    "pg-28000-replication-connection",
    Expect(CONNECT, "fail", ("replication",), ("replication=",), ("\\password", "CREATE ROLE")),
)
def _replication(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    dsn = kw(lab, user, db, replication="true")
    login_fails(dsn, "replication connection")
    yield PgCase(dsn)


# -- PostgreSQL: the write ------------------------------------------------------------------------


@pg(
    "pg-42501-noinherit",
    Expect(
        WRITE,
        "fail",
        ("NOINHERIT", "{group}"),
        ("INHERIT",),
        ("pg_hba.conf", "CREATE ROLE"),
        heals=True,
    ),
)
def _noinherit(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    group = lab.role(password=None, attrs="NOLOGIN")
    user = lab.role("lab_app", group, attrs="LOGIN NOINHERIT")
    db = lab.database(group)
    dsn = kw(lab, user, db)
    write_fails(dsn, "42501")
    yield PgCase(dsn, names={"group": group})


lab_server, lab = lab_fixtures("heldout4-pglab")


@pytest.mark.parametrize("ident", sorted(PG))
def test_postgres(ident: str, lab: Lab, tmp_path: Path) -> None:
    held_out_postgres(ident, *PG[ident], lab, tmp_path)


# -- Redis ----------------------------------------------------------------------------------------

REDIS = RedisCases()
rd = REDIS.case
R_ANY = f"{R_REACH}|{R_AUTH}"
APP = f"app:{rs.APP_PASSWORD}@"


@rd(
    "redis-url-socket-timeout-not-number",
    Expect(
        R_REACH, "fail", ("socket_timeout", "soon"), ("socket_timeout",), ("refused", "password")
    ),
)
def _socket_timeout(tmp: Path) -> Iterator[RedisCase]:
    with rs.running() as server:
        url = server.url() + "?socket_timeout=soon"
        url_fails(url, ValueError, "socket_timeout")
        yield RedisCase(section(url))


@rd(
    "redis-NOPERM-client-setname",
    Expect(R_AUTH, "fail", ("client_name", "NOPERM"), ("client_name",), ("WRONGPASS", "spaces")),
)
def _setname_denied(tmp: Path) -> Iterator[RedisCase]:
    with _acl_server("+@all", "-client|setname", "~*", "&*") as server:
        refuses(
            server,
            "CLIENT",
            "SETNAME",
            "envcheck-app",
            says="no permissions",
            username="app",
            password=rs.APP_PASSWORD,
        )
        url = server.url(auth=APP) + "?client_name=envcheck-app"
        url_fails(url, redis.RedisError)
        yield RedisCase(section(url))


@rd(
    "redis-ERR-client-renamed-client-name",
    Expect(R_AUTH, "fail", ("CLIENT", "renamed or disabled"), ("client_name",), NOT_ACL),
)
def _client_renamed(tmp: Path) -> Iterator[RedisCase]:
    with rs.running(config=renamed("CLIENT")) as server:
        refuses(server, "CLIENT", "SETNAME", "envcheck-app")
        url = server.url() + "?client_name=envcheck-app"
        url_fails(url, redis.RedisError)
        yield RedisCase(section(url))


@rd(
    "redis-WRONGPASS-hello",
    Expect(
        R_AUTH,
        "fail",
        ("WRONGPASS",),
        ("password",),
        ("renamed or disabled", "NOPERM", "protocol=3"),
    ),
)
def _hello_wrongpass(tmp: Path) -> Iterator[RedisCase]:
    with rs.running("--requirepass", rs.APP_PASSWORD) as server:
        url = server.url(auth=":Wrong-pw-9@") + "?protocol=3"
        url_fails(url, redis.AuthenticationError)
        yield RedisCase(section(url))


@rd(
    "redis-NOPERM-GET-command",
    Expect(
        R_ROUND,
        "fail",
        ("GET", "NOPERM"),
        ("ACL SETUSER",),
        ("WRONGPASS", "key patterns"),
        heals=True,
    ),
)
def _get_denied(tmp: Path) -> Iterator[RedisCase]:
    with _acl_server("+@all", "-get", "~*", "&*") as server:
        refuses(server, "GET", "k", says="no permissions", username="app", password=rs.APP_PASSWORD)
        yield RedisCase(section(server.url(auth=APP), with_admin(server)))


@pytest.mark.parametrize("ident", sorted(REDIS))
def test_redis(ident: str, pytester: pytest.Pytester, tmp_path: Path) -> None:
    held_out_redis(ident, *REDIS[ident], pytester, tmp_path)
