"""A structural audit of the Redis component's verdicts (issue 21): for each decision point of
src/envcheck/checks/redis/ (diagnose.py, hooks.py, resp.py, target.py; TLS left out, audited in
the last session), which two causes reach the same branch and get the same verdict? Each
predicted mis-telling is made on a real throwaway redis-server 7.0 and proved with redis-py 8.1
first; two healthy neighbours must pass. None was a row of docs/verdicts/redis.md or a case of
tests/verdicts/test_redis*.py, test_heldout_servers*.py when the list was written (grepped:
``first reply``, ``nopass``, ``default off``, ``select|``, ``first-arg``, ``no command rule``,
``_denied_many``, ``maxmemory 0``, ``maxmemory-policy``, ``rename-command CONFIG``,
``masterauth``, ``MASTERDOWN``).

The predictions (2026-12-08), each the decision point and the two causes it merges:

- ``redis-NOPERM-default-before-auth`` (hooks.py ``reachable``: any first reply but NOAUTH and
  WRONGPASS fails; diagnose.py ``_noperm``: ``user = t.username or "default"``): the first PING
  is sent before AUTH, so it runs as the default user; with ``user default on nopass -@all`` (a
  default user that may do nothing) it is answered NOPERM. The verdict names the URL's user
  ('app' may not run PING) and fails reachable, while redis-py authenticates first (HELLO 3
  AUTH, or AUTH) and the application works. Two causes, one branch: the URL's user refused PING,
  and the default user refused a PING no client of this URL sends. Predicted: wrong (a false
  failure).
- ``redis-default-off-url-without-user`` (hooks.py ``_login``: the ERR ``AUTH <password> called
  without any password configured for the default user``): acl.c checks the default user's
  ``nopass`` flag before anything else, and ``ACL SETUSER default off`` keeps nopass; so a
  disabled default user gets the same ERR as an open server. The branch then says "the URL sends
  a password, but the server has none configured; anyone who reaches it gets in" (RESP2) or
  warns the password is unchecked (RESP3) and meets NOAUTH. The structure differs: the first PING
  was answered NOAUTH (a nopass default user that is on is logged in at once), and ``AUTH
  default PASSWORD`` is WRONGPASS (nopass accepts any password unless the user is off): the
  password is an ACL user's whose name the URL leaves out. Predicted: wrong.
- ``redis-NOPERM-select-first-arg`` (hooks.py ``_login``: SELECT refused, not ERR, goes to
  ``_noperm``, whose fix grants ``+select``): a user allowed ``+select|0`` only (acl.c first-arg
  rules) and a URL of database 1: NOPERM names the command, yet SELECT 0 runs on the same
  connection: the database is refused, not SELECT. ``+select`` gives every database, more than
  the administrator allowed; ``+select|1`` (or database 0 in the URL) is the fix. Predicted:
  partly (the database unnamed).
- ``redis-NOPERM-info-probe-keys-outside-pattern`` (diagnose.py ``_denied_too`` /
  ``_denied_many``): a user ``~app:* +@all -info``: INFO is refused, and the probe's GET, SET,
  DEL too, for the key (a NOPERM of another kind); the verdict counts all four as commands and
  says the user was made "with no command rule" (-@all). Predicted: wrong (that cause).
- ``redis-eviction-policy-without-maxmemory`` (hooks.py ``configuration``: the policy alone
  decides): ``maxmemory-policy allkeys-lru`` with ``maxmemory 0``: evict.c evicts nothing without
  a limit, yet the warning says Redis silently deletes keys when memory fills. Predicted: wrong.
- ``redis-eviction-config-renamed`` (hooks.py ``configuration``): the same warning's fix is
  ``CONFIG SET maxmemory-policy noeviction`` while ``CONFIG GET save`` on the same connection was
  answered ``unknown command`` (``rename-command CONFIG ""``, as managed Redis does): a fix the
  server cannot run; redis.conf (and a restart) is the way. Predicted: wrong.
- ``redis-MASTERDOWN-primary-needs-password`` (diagnose.py ``_readonly``: ``down`` is whether the
  primary answers PING): a replica (``replica-serve-stale-data no``) whose primary has
  ``requirepass`` and which has no ``masterauth``: its link never comes up, the primary answers
  PING with NOAUTH. The verdict is MASTERDOWN's "link down" without its cause (the primary
  refuses the replica a password); two causes, one branch: the primary gone, and the primary up
  but refusing the replica. Predicted: partly (masterauth unnamed).

Healthy neighbours: ``redis-default-off-url-with-user-healthy`` (the second case's server, the
URL naming the ACL user), ``redis-acl-select-first-arg-allowed-healthy`` (``+select|1`` and a URL
of database 1).

The expectations below were committed before envcheck first ran on this file (99966c1); none
was changed after. Changed after that commit, none an expectation: the making's proofs (redis-py
parses ACL GETUSER into a mapping; a replica with replica-serve-stale-data no answers a write
READONLY and PING MASTERDOWN, server.c checking the first before the second).

First run (envcheck at 99966c1, graded by round one's rules, ``sr.graded_all``): 2 of 9 fully
right (the two healthy neighbours); breakages: 0 of 7 fully right, 3 partly, 4 wrong; every
prediction held (each decision point merged the two causes as predicted).
Wrong:
- redis-NOPERM-default-before-auth: FAIL redis/reachable "ACL user 'app' may not run PING, INFO,
  SET, GET, DEL: NOPERM to each of the requests envcheck's checks send (PING first)", why "a user
  created with ... no command rule"; the fix an ACL SETUSER app ... for a user that may do
  everything: the refusals were the default user's, before AUTH (a false failure).
- redis-NOPERM-info-probe-keys-outside-pattern: FAIL redis/version (and redis/config) "ACL user
  'appkeys' may not run INFO, SET, GET, DEL", why "a user created with a password and key
  patterns but no command rule may run no command: acl.c starts a new user with -@all": the user
  has every command but INFO; SET/GET/DEL were refused for the probe key's name. The fix (``+info``
  and the probe selector) would have worked.
- redis-eviction-policy-without-maxmemory: WARN redis/config "maxmemory-policy allkeys-lru: when
  memory fills, Redis silently deletes keys": with maxmemory 0 nothing is ever evicted.
- redis-eviction-config-renamed: WARN redis/config, the fix "redis-cli ... CONFIG SET
  maxmemory-policy noeviction" on a server that had just answered CONFIG with ``unknown command``.
Partly:
- redis-default-off-url-without-user: FAIL redis/auth "PING was refused (NOAUTH)", why
  "... envcheck sent AUTH with the password ... (the server did not refuse it)": the contradicted
  fallback, after the ERR branch took the disabled default user for an open one (RESP3: the
  password "unchecked"); graded partly by the rules (the words "default" and "off" happen to be
  in its why), in substance closer to wrong: it says the server did not refuse the AUTH, which
  it did, and names no user.
- redis-NOPERM-select-first-arg: FAIL redis/auth "ACL user 'dbzero' may not run SELECT (NOPERM)",
  fix ``ACL SETUSER dbzero +select`` (every database): database 1 and the allowed SELECT 0
  unnamed.
- redis-MASTERDOWN-primary-needs-password: FAIL redis/reachable "... whose link to it is down,
  and it serves nothing until the link is back (MASTERDOWN)", fix "point ... at the primary":
  the primary's NOAUTH to the replica, and masterauth, unnamed.
Cost of the first run (``/usr/bin/time`` on ``pytest <this file> -n 0``, one envcheck run, other
helpers' tests running): 4.0 s user, 0.9 s system, 6.3 s wall.

After the fixes (the commit that follows the first run's grading): 9 of 9 fully right, no
expectation changed; the printed fixes carried out: the ACL SETUSER of
redis-NOPERM-select-first-arg (``+select|1``) and of redis-NOPERM-info-probe-keys-outside-pattern
(``+info`` and the probe's selector, from the version and roundtrip checks) run by envcheck's step
runner as admin_url's user, the URL of redis-default-off-url-without-user given its user by the
person; those three instances pass every check on a second run. masterauth set on the
MASTERDOWN case's replica (by its administrator, as printed) brings its link up; the instance is
not run again: as a replica it still refuses writes (READONLY), the fix's other half being the
URL of the primary. What envcheck reads now (structure, never a message's words beyond the fixed
replies it already matched):
- hooks.py ``_before_auth`` (``reachable``): a first PING refused NOPERM while the URL has a
  password ran as the default user before AUTH (networking.c ``createClient``): it no longer
  fails reachable; the auth check PINGs again as the URL's user;
- hooks.py ``_default_disabled`` (``_login``): acl.c's ERR for AUTH PASSWORD while the first PING
  of the connection was answered NOAUTH: a nopass default user that is on is logged in at once,
  so this one is off; the URL must name the ACL user;
- diagnose.py ``database_refused`` (``_login``'s SELECT): NOPERM for the URL's database while
  SELECT of another one (0 to 15) runs on the same connection: a first-argument rule; the fix
  ``ACL SETUSER USER +select|DB`` (or a database the user may use), not ``+select``;
- diagnose.py ``_denied_some`` (from ``_denied_many``): PING not among the refused requests: no
  claim of a user without command rules; the keyed ones named as refused on the probe key (the
  command or the key's name), the same fix;
- hooks.py ``configuration``: a risky eviction policy with INFO memory's ``maxmemory`` 0 passes,
  named as inert (evict.c evicts nothing without a limit); ``_eviction_fix``: CONFIG GET answered
  ``unknown command`` gives redis.conf and a restart (no CONFIG SET), a NOPERM gives the CONFIG SET
  as the administrator;
- diagnose.py ``_primary_refuses_replica`` (from ``_readonly``, READONLY and MASTERDOWN): the link
  not up while the primary answers a PING without AUTH with NOAUTH: masterauth named, the fix
  CONFIG SET masterauth on the replica (a manual step: it takes a password) and the URL of the
  primary; no REPLICAOF NO ONE.
Rows: 9 in docs/verdicts/redis.md, section "The structural audit of 2026-12-08 (issue 21)",
asserted on this file's first run and registered in tests/verdicts/test_redis.py's every-row test.
Cost (``/usr/bin/time`` on ``pytest <this file> -n 0``, after the fixes, two envcheck runs, other
helpers' tests running): 4.8 to 5.3 s user, 0.8 s system, 11 to 13 s wall.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any

import pytest
import redis

from tests.verdicts import redis_servers as rs
from tests.verdicts import server_rounds as sr
from tests.verdicts.test_heldout_servers import R_CONFIG, R_VERSION

#: the primary's requirepass in the MASTERDOWN case
PRIMARY_PW = "Primary-pw-never-shown-88"
SECRETS = (rs.APP_PASSWORD, rs.ADMIN_PASSWORD, PRIMARY_PW)

REDIS: dict[str, sr.Expect] = {
    "redis-NOPERM-default-before-auth": sr.Expect(
        sr.R_ROUND, "pass", never=("may not run PING", *SECRETS)
    ),
    "redis-default-off-url-without-user": sr.Expect(
        f"{sr.R_REACH}|{sr.R_AUTH}",
        "fail",
        ("default", "off"),
        ("USER:PASSWORD@",),
        ("has none configured", "anyone who reaches", "requirepass", *SECRETS),
    ),
    "redis-NOPERM-select-first-arg": sr.Expect(
        sr.R_AUTH, "fail", ("database 1", "SELECT 0"), ("select|1",), SECRETS, heals=True
    ),
    "redis-NOPERM-info-probe-keys-outside-pattern": sr.Expect(
        R_VERSION, "fail", ("INFO",), ("+info",), ("no command rule", *SECRETS), heals=True
    ),
    "redis-eviction-policy-without-maxmemory": sr.Expect(
        R_CONFIG, "pass|warn", ("maxmemory 0",), (), ("silently deletes keys", *SECRETS)
    ),
    "redis-eviction-config-renamed": sr.Expect(
        R_CONFIG,
        "warn",
        ("allkeys-lru",),
        ("redis.conf",),
        ("CONFIG SET maxmemory-policy", *SECRETS),
    ),
    "redis-MASTERDOWN-primary-needs-password": sr.Expect(
        f"{sr.R_REACH}|{sr.R_AUTH}",
        "fail",
        ("MASTERDOWN", "masterauth"),
        ("masterauth",),
        ("REPLICAOF NO ONE", *SECRETS),
    ),
    "redis-default-off-url-with-user-healthy": sr.Expect(sr.R_ROUND, "pass", never=SECRETS),
    "redis-acl-select-first-arg-allowed-healthy": sr.Expect(sr.R_ROUND, "pass", never=SECRETS),
}


def quick(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def works(url: str) -> None:
    """redis-py on its defaults writes and deletes a key through ``url``."""
    with quick(url) as client:
        assert client.set("envcheck:audit", "v") and client.delete("envcheck:audit")


def refused(url: str, error: type[Exception], first_word: str = "") -> None:
    with pytest.raises(error) as caught:
        with quick(url) as client:
            client.set("envcheck:audit", "v")
    assert str(caught.value).startswith(first_word), caught.value


def link_down(replica: rs.Server) -> None:
    """The replica has tried its primary and its link is down."""
    deadline = time.monotonic() + 10
    while True:
        with replica.client() as client:
            repl = client.info("replication")
        if repl.get("master_link_status") == "down" and repl.get("master_sync_in_progress") == 0:
            return
        assert time.monotonic() < deadline, repl
        time.sleep(0.05)


def link_up(replica: rs.Server) -> None:
    deadline = time.monotonic() + 15
    while True:
        with replica.client() as client:
            if client.info("replication").get("master_link_status") == "up":
                return
        assert time.monotonic() < deadline, "the replica's link did not come up"
        time.sleep(0.05)


def make(stack: ExitStack) -> tuple[dict[str, str], dict[str, rs.Server]]:
    """Every case made and proved with redis-py: each case's URL, and the servers the cases
    whose fixes run need (an admin_url to it, or the replica)."""
    urls: dict[str, str] = {}
    admin_of: dict[str, rs.Server] = {}
    app = rs.APP_PASSWORD

    open_default = stack.enter_context(rs.running())
    rs.add_admin(open_default)
    rs.add_user(open_default, "app", "~*", "&*", "+@all")
    with open_default.admin() as admin:
        admin.execute_command("ACL", "SETUSER", "default", "on", "nopass", "-@all")
    ident = "redis-NOPERM-default-before-auth"
    urls[ident] = f"redis://app:{app}@127.0.0.1:{open_default.port}/0"
    works(urls[ident])
    works(urls[ident] + "?protocol=2")

    users = stack.enter_context(rs.running())
    rs.add_admin(users)
    rs.add_user(users, "app", "~*", "&*", "+@all")
    rs.add_user(users, "dbzero", "~*", "&*", "+@all", "-select", "+select|0")
    rs.add_user(users, "dbone", "~*", "&*", "+@all", "-select", "+select|1")
    rs.add_user(users, "appkeys", "~app:*", "&*", "+@all", "-info")
    with users.admin() as admin:
        admin.execute_command("ACL", "SETUSER", "default", "off")
        assert "nopass" in admin.acl_getuser("default")["flags"]
    base = f"127.0.0.1:{users.port}"
    ident = "redis-default-off-url-without-user"
    urls[ident] = f"redis://:{app}@{base}/0"
    refused(urls[ident], redis.AuthenticationError)
    refused(urls[ident] + "?protocol=2", redis.AuthenticationError)
    urls["redis-default-off-url-with-user-healthy"] = f"redis://app:{app}@{base}/0"
    works(urls["redis-default-off-url-with-user-healthy"])
    ident = "redis-NOPERM-select-first-arg"
    urls[ident] = f"redis://dbzero:{app}@{base}/1"
    refused(urls[ident], redis.exceptions.NoPermissionError)
    works(f"redis://dbzero:{app}@{base}/0")
    admin_of[ident] = users
    urls["redis-acl-select-first-arg-allowed-healthy"] = f"redis://dbone:{app}@{base}/1"
    works(urls["redis-acl-select-first-arg-allowed-healthy"])
    ident = "redis-NOPERM-info-probe-keys-outside-pattern"
    urls[ident] = f"redis://appkeys:{app}@{base}/0"
    with quick(urls[ident]) as client:
        assert client.set("app:audit", "v") and client.delete("app:audit")
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.info("server")
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.set("envcheck:probe:audit", "v")
    admin_of[ident] = users

    no_limit = stack.enter_context(rs.running("--maxmemory-policy", "allkeys-lru"))
    with no_limit.client() as client:
        assert client.config_get("maxmemory") == {"maxmemory": "0"}
    urls["redis-eviction-policy-without-maxmemory"] = no_limit.url()

    renamed = stack.enter_context(
        rs.running(
            "--maxmemory",
            "100mb",
            "--maxmemory-policy",
            "allkeys-lru",
            config='rename-command CONFIG ""\n',
        )
    )
    with renamed.client() as client:
        with pytest.raises(redis.ResponseError):
            client.config_get("maxmemory-policy")
        assert client.info("memory")["maxmemory_policy"] == "allkeys-lru"
    urls["redis-eviction-config-renamed"] = renamed.url()

    primary = stack.enter_context(rs.running("--requirepass", PRIMARY_PW))
    replica = stack.enter_context(
        rs.running(
            "--replicaof", "127.0.0.1", str(primary.port), "--replica-serve-stale-data", "no"
        )
    )
    link_down(replica)
    ident = "redis-MASTERDOWN-primary-needs-password"
    urls[ident] = replica.url()
    refused(urls[ident], redis.ReadOnlyError)  # a write is READONLY (server.c checks it first)
    with quick(urls[ident]) as client:
        with pytest.raises(redis.exceptions.MasterDownError):
            client.ping()
    admin_of[ident] = replica
    return urls, admin_of


def section(ident: str, url: str, admin: rs.Server | None) -> str:
    return sr.redis_section(sr.instance(ident), url) + (
        sr.with_admin(admin) + "\n"
        if admin is not None and ident.startswith("redis-NOPERM")
        else ""
    )


def run_and_heal(
    pytester: pytest.Pytester,
    pyproject: str,
    expects: dict[str, sr.Expect],
    secrets: tuple[str, ...],
) -> tuple[list[dict[str, Any]], dict[str, sr.Verdict], list[str]]:
    """One envcheck run on ``pyproject`` (no traceback, none of ``secrets`` in its output), every
    case of ``expects`` graded on it, and the printed steps of each fully right case that heals
    carried out by envcheck's step runner: the checks, the verdicts, the cases so healed."""
    pytester.makefile(".toml", pyproject=pyproject)
    checks, output = sr.run_envcheck(pytester)
    assert "Traceback" not in output
    for secret in secrets:
        assert secret not in output
    verdicts = sr.graded_all(expects, checks, "redis")
    healing: list[str] = []
    for ident, expect in expects.items():
        if not expect.heals or verdicts[ident].grade != "fully right":
            continue
        for check in sr.of_instance(checks, "redis", sr.instance(ident)):
            if check["status"] == "fail" and check.get("fix"):
                assert sr.apply_steps(pytester, check["fix"]["steps"]), check
        healing.append(ident)
    return checks, verdicts, healing


def test_redis_structure_audit(pytester: pytest.Pytester) -> None:
    """The nine cases on one envcheck run, graded; each fully right fix carried out (the
    printed ACL SETUSER by envcheck's step runner, the URL named by the person, masterauth set on
    the replica by its administrator) and the healed instances passing on a second run; each
    case's row held on the first run."""
    with ExitStack() as stack:
        urls, admin_of = make(stack)
        pyproject = "".join(section(i, u, admin_of.get(i)) for i, u in urls.items())
        checks, verdicts, healing = run_and_heal(pytester, pyproject, REDIS, SECRETS)
        healed = dict(urls)
        ident = "redis-default-off-url-without-user"
        if verdicts[ident].grade == "fully right":
            healed[ident] = urls[ident].replace("redis://:", "redis://app:")  # the person names it
            healing.append(ident)
        ident = "redis-MASTERDOWN-primary-needs-password"
        if verdicts[ident].grade == "fully right":
            replica = admin_of[ident]
            with replica.client() as client:  # the administrator, as the fix says
                client.config_set("masterauth", PRIMARY_PW)
            link_up(replica)  # the cause named was the one: the link comes up (the replica
            # still refuses writes, READONLY: the fix's other half is the URL of the primary)
        if healing:
            again = "".join(section(i, healed[i], admin_of.get(i)) for i in healing)
            sr.redis_again(pytester, again, verdicts, healing)
    sr.report_grades(verdicts)
    sr.rows_hold("redis", REDIS, checks)
