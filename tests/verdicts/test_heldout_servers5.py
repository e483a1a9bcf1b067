"""Fifth held-out round for PostgreSQL and Redis (issue 21): breakages that no row of
docs/verdicts/postgres.md or docs/verdicts/redis.md lists, and healthy neighbours, each made on a
real throwaway server.

How the set was made (2026-12-06), from the sources of truth before reading how envcheck
diagnoses them: a role's settings (guc.c: ``search_path`` naming only a schema that does not
exist, so ``current_schema()`` is NULL; ``default_transaction_isolation = serializable``, healthy),
libpq's ``application_name`` (non-ASCII, healthy), and Redis ACL (acl.c: a selector that grants
SET on other keys only; ``acl-pubsub-default resetchannels``, healthy). Each id was grepped in the
tables first (``grep '^| pg-'`` / ``'^| redis-'``): none is a row. The grading is round one's
(``grade`` in tests/verdicts/test_heldout_servers.py). The expectations were committed before
envcheck first ran on this file.

First run (envcheck at 9180236, the commit before 48af1aa that added this file, graded by the rules
above, 2026-12-06): 5 of 5 fully right (pg-role-search-path-missing-schema: "names no schema that
exists", fix on search_path; redis-NOPERM-selector-other-keys: "may not run SET ... (NOPERM)", fix
ACL SETUSER; the three healthy neighbours pass), none partly, none wrong; nothing to fix. Each case
is a row of its table (3 in docs/verdicts/postgres.md, section "The held-out set of 2026-12-06
(issue 21, fifth round)", 2 in docs/verdicts/redis.md), asserted on the case's own run.
Cost: 5 passed in 8.6 s wall on -n 2 (the lab's start, ~5 s, is most of it).
The set is small (5 of the ~12 asked): the rest of the brief's ideas were rows already
(target_session_attrs, load_balance_hosts, require_auth, keepalives, options=-c, %R~/%W~,
NOREPLICAS, BUSY, READONLY, rename-command) or were not made before the deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.verdicts import redis_servers as rs
from tests.verdicts.pg_lab import Lab, lab_fixtures
from tests.verdicts.test_heldout_servers import (
    NOT_AUTH,
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
    refuses,
)
from tests.verdicts.test_redis import section, with_admin

PG = PgCases()
pg = PG.case


@pg(
    "pg-role-search-path-missing-schema",
    Expect(
        WRITE,
        "fail",
        ("search_path", "envcheck_nosuch"),
        ("search_path",),
        (*NOT_AUTH, "GRANT CREATE"),
    ),
)
def _search_path_missing(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} SET search_path = envcheck_nosuch")
    dsn = kw(lab, user, db)
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        assert conn.execute("SELECT current_schema()").fetchone() == (None,)
    yield PgCase(dsn)


@pg("pg-role-serializable-healthy", Expect(WRITE, "pass"))
def _serializable(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    lab.sql(f"ALTER ROLE {user} SET default_transaction_isolation = 'serializable'")
    yield PgCase(kw(lab, user, db))


@pg("pg-dsn-application-name-unicode-healthy", Expect(WRITE, "pass"))
def _application_name(lab: Lab, tmp: Path) -> Iterator[PgCase]:
    user, db = lab.app()
    yield PgCase(kw(lab, user, db, application_name="envcheck \u2713 app"))


lab_server, lab = lab_fixtures("heldout5-pglab")


@pytest.mark.parametrize("ident", sorted(PG))
def test_postgres(ident: str, lab: Lab, tmp_path: Path) -> None:
    held_out_postgres(ident, *PG[ident], lab, tmp_path)


REDIS = RedisCases()
rd = REDIS.case
APP = f"app:{rs.APP_PASSWORD}@"


@rd(
    "redis-NOPERM-selector-other-keys",
    Expect(R_ROUND, "fail", ("SET", "NOPERM"), ("ACL SETUSER",), ("WRONGPASS",)),
)
def _selector(tmp: Path) -> Iterator[RedisCase]:
    with _acl_server("+@all", "-set", "~*", "&*", "(+set ~other:*)") as server:
        refuses(
            server, "SET", "k", "v", says="no permissions", username="app", password=rs.APP_PASSWORD
        )
        yield RedisCase(section(server.url(auth=APP), with_admin(server)))


@rd("redis-acl-pubsub-resetchannels-healthy", Expect(R_ROUND, "pass"))
def _pubsub_default(tmp: Path) -> Iterator[RedisCase]:
    with rs.running("--acl-pubsub-default", "resetchannels") as server:
        yield RedisCase(section(server.url()))


@pytest.mark.parametrize("ident", sorted(REDIS))
def test_redis(ident: str, pytester: pytest.Pytester, tmp_path: Path) -> None:
    held_out_redis(ident, *REDIS[ident], pytester, tmp_path)
