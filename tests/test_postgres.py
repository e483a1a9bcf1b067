"""The postgres component against a real PostgreSQL (this test process's own, trust auth), and
throwaway clusters and broken servers the tests make."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import (
    PostgresCluster,
    blackhole,
    free_port,
    garbage_server,
    hung_postgres,
    left_on_postgres,
    postgres_cluster,
    postgres_standby,
    self_signed_certificate,
    silent_listener,
)

PASSWORD = "pw-Never-Shown-4711"
APP_PASSWORD = "App-pw-Never-Shown-12"
#: the throwaway cluster's pg_hba.conf: one database per rule under test
HBA = """
hostnossl envcheck_plainreject all 127.0.0.1/32 reject
hostssl   envcheck_sslonly,envcheck_plainreject all 127.0.0.1/32 scram-sha-256
host      envcheck_app all 127.0.0.1/32 scram-sha-256
host      replication postgres 127.0.0.1/32 scram-sha-256
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster]:
    """A throwaway cluster (scram-sha-256, SSL on, pg_hba.conf above) with roles and databases."""
    certificate = self_signed_certificate(tmp_path_factory.mktemp("pg-cert"))
    with postgres_cluster(HBA, certificate=certificate) as pg:
        pg.sql(
            f"CREATE ROLE envcheck_app LOGIN PASSWORD '{APP_PASSWORD}'",
            f"CREATE ROLE envcheck_reader LOGIN PASSWORD '{APP_PASSWORD}'",
            "ALTER ROLE envcheck_reader SET default_transaction_read_only = on",
            "CREATE DATABASE envcheck_app OWNER envcheck_app",
            "CREATE DATABASE envcheck_sslonly OWNER envcheck_app",
            "CREATE DATABASE envcheck_plainreject OWNER envcheck_app",
        )
        pg.sql("GRANT CREATE ON SCHEMA public TO envcheck_reader", dbname="envcheck_app")
        yield pg


@pytest.fixture
def no_stored_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """libpq finds no password but the DSN's: no PGPASSWORD, no ~/.pgpass."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))


@pytest.fixture(scope="module")
def pg(postgres_server: PostgresCluster) -> Iterator[PostgresCluster]:
    """This process's own PostgreSQL; after the module: no probe tables and no databases the
    tests made on it."""
    yield postgres_server
    with postgres_server.connect("test") as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'envcheck_probe%'"
        ).fetchone()
        databases = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'envcheck%'"
        ).fetchone()
    assert tables == (0,) and databases == (0,)


def run(
    pytester: pytest.Pytester, toml: str, *args: str, own_process: bool = False
) -> pytest.RunResult:
    """A pytest session on the project, in this process (``own_process``: in a process of its
    own, where a connection envcheck kept from an earlier session cannot be reused)."""
    pytester.makefile(".toml", pyproject=toml)
    session = pytester.runpytest_subprocess if own_process else pytester.runpytest_inprocess
    return session("-m", "postgres", "-p", "no:cacheprovider", "-v", *args)


def test_healthy_server_passes_with_facts(pytester: pytest.Pytester, pg: PostgresCluster) -> None:
    result = run(
        pytester,
        f"""
[tool.envcheck.postgres]
dsn = "{pg.dsn("postgres", "test")}"
min_version = "13"
extensions = ["plpgsql"]
""",
        "--envcheck-report",
    )
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines_random(
        [
            f"  PASS  reachable * 127.0.0.1:{pg.port} answers as PostgreSQL*",
            f"  PASS  connect * connected to postgres@127.0.0.1:{pg.port}/test (PostgreSQL *",
            "  PASS  version * PostgreSQL * (>= 13)*",
            "  PASS  settings * UTF8, timezone *, */* connections in use*",
            "  PASS  extension[[]plpgsql] * plpgsql * installed in test*",
            "  PASS  write * table created in schema public, written, read and rolled back*",
        ]
    )
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    facts = {c["name"]: c["facts"] for c in report["checks"]}
    assert facts["connect"]["connect_ms"] > 0 and "query_ms" in facts["connect"]
    assert facts["version"]["server_version"].startswith("1")


def test_descriptor_numbers_above_1024_are_no_failure(
    pytester: pytest.Pytester, pg: PostgresCluster
) -> None:
    """A process with more than 1024 descriptors open (a big test session, a server) gives
    envcheck's sockets numbers that select() cannot wait on ("filedescriptor out of range in
    select()" failed the connect check of a sweep); the checks wait with a selector instead."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"this machine allows {hard} open files: no descriptor above 1024")
    if soft != resource.RLIM_INFINITY and soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1200, hard))
    held: list[int] = []
    try:
        while not held or held[-1] < 1030:
            held.append(os.open(os.devnull, os.O_RDONLY))
        result = run(pytester, f'[tool.envcheck.postgres]\ndsn = "{pg.dsn("postgres", "test")}"\n')
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["  PASS  connect * connected to postgres@*"])


def test_missing_extension_names_the_package_and_the_statement(
    pytester: pytest.Pytester, pg: PostgresCluster
) -> None:
    result = run(
        pytester,
        f'[tool.envcheck.postgres]\ndsn = "{pg.dsn("postgres", "test")}"\n'
        'extensions = ["vector", "pg_trgm"]\n',
        "-k",
        "extension",
    )
    result.assert_outcomes(failed=1, passed=1, deselected=5)
    result.stdout.fnmatch_lines_random(
        [
            f"*postgres/extension[[]vector]: extension vector is not available on "
            f"127.0.0.1:{pg.port}*",
            "*fix: on the server's host: it is not in Debian's or Ubuntu's own archive: add the "
            "PostgreSQL project's apt repository * first, then: sudo apt install "
            f"postgresql-*-pgvector; then psql -h 127.0.0.1 -p {pg.port} -U postgres -d test -c "
            "'CREATE EXTENSION IF NOT EXISTS \"vector\"'",
            "  WARN  extension[[]pg_trgm] * pg_trgm * is available but not installed in test*",
        ]
    )


def test_stopped_port_silent_listener_and_foreign_protocol(pytester: pytest.Pytester) -> None:
    with silent_listener() as silent, garbage_server() as garbage:
        result = run(
            pytester,
            f"""
[tool.envcheck.postgres.stopped]
dsn = "postgresql://postgres@127.0.0.1:{free_port()}/test"
[tool.envcheck.postgres.silent]
dsn = "postgresql://postgres@127.0.0.1:{silent}/test"
timeout = 1.0
[tool.envcheck.postgres.http]
dsn = "postgresql://postgres@127.0.0.1:{garbage}/test"
""",
            "-k",
            "reachable or connect",
            "--envcheck-report",
        )
    result.assert_outcomes(failed=3, skipped=3, deselected=9)
    result.stdout.fnmatch_lines_random(
        [
            "*postgres/stopped.reachable: connection refused at 127.0.0.1:*",
            "*fix: start PostgreSQL: sudo systemctl start postgresql*",
            "*postgres/silent.reachable: 127.0.0.1:* accepted the connection but did not answer",
            "*postgres/http.reachable: 127.0.0.1:* is not PostgreSQL: it answered like HTTP "
            "('HTTP/1.1 400 Bad Request*",
            "*SKIP  stopped.connect * blocked by postgres/stopped.reachable*",
        ]
    )
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    silent_check = next(c for c in checks if c["name"] == "silent.reachable")
    assert silent_check["duration"] <= 1.1  # its timeout, +10%


def test_connection_diagnoses(pytester: pytest.Pytester, pg: PostgresCluster) -> None:
    port = pg.port
    result = run(
        pytester,
        f"""
[tool.envcheck.postgres.nodb]
dsn = "postgresql://postgres@127.0.0.1:{port}/envcheck_no_such_db"
[tool.envcheck.postgres.norole]
dsn = "postgresql://envcheck_no_such_role@127.0.0.1:{port}/test"
[tool.envcheck.postgres.ssl]
dsn = "postgresql://postgres@127.0.0.1:{port}/test?sslmode=require"
[tool.envcheck.postgres.dns]
dsn = "postgresql://postgres@envcheck-no-such-host.invalid:5432/test"
[tool.envcheck.postgres.typo]
dsn = "postgresql://postgres@127.0.0.1:port/test"
""",
        "-k",
        "connect or reachable",
    )
    result.stdout.fnmatch_lines_random(
        [
            "*postgres/nodb.connect: database 'envcheck_no_such_db' does not exist on "
            f"127.0.0.1:{port}",
            f"*fix: createdb -h 127.0.0.1 -p {port} -U postgres envcheck_no_such_db",
            "*why: the server is up and accepted the login, but has no such database; the "
            'server said: database "envcheck_no_such_db" does not exist',
            f"*postgres/norole.connect: role 'envcheck_no_such_role' does not exist on "
            f"127.0.0.1:{port}",
            f"*fix: as a superuser: psql -h 127.0.0.1 -p {port} -U postgres -d postgres -c "
            "'CREATE ROLE envcheck_no_such_role LOGIN'; or set the user in "
            "tool.envcheck.postgres.norole.dsn",
            f"*postgres/ssl.connect: 127.0.0.1:{port} refuses SSL, but the connection string "
            "requires it",
            "*fix: drop sslmode=require from tool.envcheck.postgres.ssl.dsn*",
            "*postgres/dns.reachable: cannot resolve host 'envcheck-no-such-host.invalid': no "
            "such name*",
            "*postgres/typo.reachable: tool.envcheck.postgres.typo.dsn is not a valid PostgreSQL "
            "connection string: its port is not a number*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_password_never_appears_anywhere(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, pg: PostgresCluster
) -> None:
    monkeypatch.setenv("DATABASE_URL", pg.dsn("postgres", "test", PASSWORD))
    monkeypatch.setenv("OTHER_DB", pg.dsn("postgres", "envcheck_x", PASSWORD))
    result = run(
        pytester,
        """
[tool.envcheck.postgres]
dsn = "${DATABASE_URL}"
[tool.envcheck.postgres.other]
dsn = "${OTHER_DB}"
""",
        "--envcheck-report",
        "--junitxml=junit.xml",
    )
    result.assert_outcomes(passed=6, failed=1, skipped=3)
    result.stdout.fnmatch_lines(["*postgres/other.connect: database 'envcheck_x' does not exist*"])
    outputs = [result.stdout.str(), result.stderr.str()]
    for name in ("envcheck-report.md", "envcheck-report.json", "junit.xml"):
        outputs.append((pytester.path / name).read_text())
    assert not [text for text in outputs if PASSWORD in text]


def test_named_instances_and_typos(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
[tool.envcheck.postgres]
dsn = "postgresql://postgres@127.0.0.1:5432/test"
[tool.envcheck.postgres.analytics]
dns = "postgresql://postgres@127.0.0.1:5432/postgres"
min_version = "fifteen"
""",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*tool.envcheck.postgres.analytics.min_version: 'fifteen' is not a "
            "version like '15' or '15.4' (got 'fifteen')",
            "*tool.envcheck.postgres.analytics.dns: unknown key; did you mean 'dsn'?",
        ]
    )


FIXTURE_TEST = """
def test_uses_the_database(envcheck_postgres):
    assert envcheck_postgres.execute("SELECT 40 + 2").fetchone() == (42,)
"""


def test_fixture_hands_over_a_verified_connection(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, pg: PostgresCluster
) -> None:
    pytester.makepyfile(test_db=FIXTURE_TEST)
    toml = f'[tool.envcheck.postgres]\ndsn = "{pg.dsn("postgres", "test")}"\n'
    pytester.makefile(".toml", pyproject=toml)
    pytester.runpytest_inprocess("test_db.py").assert_outcomes(passed=1)

    broken = f"[tool.envcheck.postgres]\ndsn = '{pg.dsn('postgres', 'envcheck_nope')}'\n"
    pytester.makefile(".toml", pyproject=broken)
    result = pytester.runpytest_inprocess("test_db.py", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["*environment not ready: postgres/connect: database 'envcheck_nope' does not exist*"]
    )
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest_inprocess("test_db.py")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [f"*fix: createdb -h 127.0.0.1 -p {pg.port} -U postgres envcheck_nope"]
    )


def test_wrong_and_missing_password(
    pytester: pytest.Pytester, cluster: PostgresCluster, no_stored_password: None
) -> None:
    port = cluster.port
    result = run(
        pytester,
        f"""
[tool.envcheck.postgres.wrong]
dsn = "{cluster.dsn("envcheck_app", "envcheck_app", "not-the-password")}"
[tool.envcheck.postgres.nopw]
dsn = "{cluster.dsn("envcheck_app", "envcheck_app")}"
[tool.envcheck.postgres.right]
dsn = "{cluster.dsn("envcheck_app", "envcheck_app", APP_PASSWORD)}"
""",
        "-k",
        "connect or write",
        "--envcheck-report",
    )
    result.assert_outcomes(passed=2, failed=2, skipped=2, deselected=9)
    result.stdout.fnmatch_lines_random(
        [
            f"*postgres/wrong.connect: password authentication failed for user 'envcheck_app' at "
            f"127.0.0.1:{port}",
            "*why: the password is wrong, there is no role named 'envcheck_app', or its password "
            "expired (VALID UNTIL): with password logins (scram-sha-256, md5) the server does not "
            "tell which*",
            f"*fix: see which, as a superuser: psql -h 127.0.0.1 -p {port} -U postgres -d "
            'postgres -c "SELECT rolname, rolcanlogin, rolvaliduntil, rolpassword IS NOT NULL AS '
            "has_password FROM pg_authid WHERE rolname = 'envcheck_app'\"*for a wrong one, "
            "correct tool.envcheck.postgres.wrong.dsn",
            # PGPASSFILE names a missing file (no_stored_password): libpq reads it, not ~/.pgpass
            "*postgres/nopw.connect: the server wants a password for user 'envcheck_app', and "
            "the password file *no-pgpass (PGPASSFILE) does not exist",
            "*fix: put it in tool.envcheck.postgres.nopw.dsn (postgresql://envcheck_app:PASSWORD"
            f"@127.0.0.1:{port}/envcheck_app) or the line 127.0.0.1:{port}:envcheck_app:"
            "envcheck_app:PASSWORD in the password file *no-pgpass (PGPASSFILE: create it*",
            "*SKIP  wrong.write * blocked by postgres/wrong.connect*",
            f"  PASS  right.connect * connected to envcheck_app@127.0.0.1:{port}/envcheck_app *",
            "  PASS  right.write * table created in schema public, written, read and rolled back*",
        ]
    )
    texts = [result.stdout.str(), (pytester.path / "envcheck-report.json").read_text()]
    assert not [t for t in texts if APP_PASSWORD in t or "not-the-password" in t]


def test_ssl_required_by_pg_hba(pytester: pytest.Pytester, cluster: PostgresCluster) -> None:
    port = cluster.port
    app = ("envcheck_app", APP_PASSWORD)
    result = run(
        pytester,
        f"""
[tool.envcheck.postgres.sslonly]
dsn = "{cluster.dsn(app[0], "envcheck_sslonly", app[1], sslmode="disable")}"
[tool.envcheck.postgres.reject]
dsn = "{cluster.dsn(app[0], "envcheck_plainreject", app[1], sslmode="disable")}"
[tool.envcheck.postgres.fixed]
dsn = "{cluster.dsn(app[0], "envcheck_sslonly", app[1], sslmode="require")}"
""",
        "-k",
        "connect",
    )
    result.assert_outcomes(passed=1, failed=2, deselected=12)
    result.stdout.fnmatch_lines_random(
        [
            "*postgres/sslonly.connect: the server requires SSL: its pg_hba.conf accepts "
            f"envcheck_app@127.0.0.1:{port}/envcheck_sslonly from this host only over SSL",
            "*why: an SSL attempt passed pg_hba.conf, the unencrypted one was refused; the "
            'server said: no pg_hba.conf entry for host "127.0.0.1", user "envcheck_app", '
            'database "envcheck_sslonly", no encryption',
            "*fix: set sslmode=require instead of sslmode=disable in "
            "tool.envcheck.postgres.sslonly.dsn",
            "*postgres/reject.connect: the server requires SSL: its pg_hba.conf accepts "
            f"envcheck_app@127.0.0.1:{port}/envcheck_plainreject from this host only over SSL",
            "*fix: set sslmode=require instead of sslmode=disable in "
            "tool.envcheck.postgres.reject.dsn",
            f"  PASS  fixed.connect * connected to envcheck_app@127.0.0.1:{port}/envcheck_sslonly "
            "*",
        ]
    )


def test_read_only_replica_and_read_only_sessions(
    pytester: pytest.Pytester, cluster: PostgresCluster
) -> None:
    port = cluster.port
    reader = f"""
[tool.envcheck.postgres.reader]
dsn = "{cluster.dsn("envcheck_reader", "envcheck_app", APP_PASSWORD)}"
"""
    with postgres_standby(cluster) as standby:
        replica = f"""
[tool.envcheck.postgres.replica]
dsn = "{standby.dsn("envcheck_app", "envcheck_app", APP_PASSWORD)}"
"""
        result = run(pytester, replica + reader, "-k", "write")
    result.assert_outcomes(failed=2, deselected=8)
    hint = (
        f"PGOPTIONS='-c default_transaction_read_only=off' psql -h 127.0.0.1 -p {port} -U "
        "envcheck_reader -d envcheck_app -c 'ALTER ROLE envcheck_reader RESET "
        "default_transaction_read_only'"
    )
    result.stdout.fnmatch_lines_random(
        [
            f"*postgres/replica.write: 127.0.0.1:{standby.port} is a read-only replica (in "
            "recovery)",
            "*fix: point tool.envcheck.postgres.replica.dsn at the primary server; on the "
            "replica, *pg_stat_wal_receiver*",
            f"*postgres/reader.write: sessions on envcheck_reader@127.0.0.1:{port}/envcheck_app "
            "are read-only: default_transaction_read_only is on for role envcheck_reader "
            "(ALTER ROLE ... SET)",
            f"*fix: {hint}",
        ]
    )
    # the fix, run as printed by the role itself (its own default), once the checks' own
    # sessions are gone, makes the check pass
    assert not [s for s in left_on_postgres(cluster, wait=10.0) if "connection" in s]
    done = subprocess.run(
        ["bash", "-c", hint],
        env=dict(os.environ, PGPASSWORD=APP_PASSWORD),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "ALTER ROLE" in done.stdout, done.stdout + done.stderr
    run(pytester, reader, "-k", "write", own_process=True).assert_outcomes(passed=1, deselected=4)


def test_connect_timeouts(pytester: pytest.Pytester) -> None:
    with blackhole() as hole, hung_postgres() as busy:
        result = run(
            pytester,
            f"""
[tool.envcheck.postgres.blackholed]
dsn = "postgresql://postgres@127.0.0.1:{hole}/test"
timeout = 1.0
[tool.envcheck.postgres.busy]
dsn = "postgresql://postgres@127.0.0.1:{busy}/test"
timeout = 3.0
""",
            "-k",
            "reachable or connect",
            "--envcheck-report",
        )
    result.assert_outcomes(passed=1, failed=2, skipped=1, deselected=6)
    result.stdout.fnmatch_lines_random(
        [
            f"*postgres/blackholed.reachable: no answer from 127.0.0.1:{hole} within 1 s",
            "*fix: check the host and port of PostgreSQL, and that this machine may reach it",
            "*SKIP  blackholed.connect * blocked by postgres/blackholed.reachable*",
            f"*postgres/busy.connect: 127.0.0.1:{busy} accepted the connection but did not "
            "complete the login within 2 s",
            f"*fix: look at the server's log and load; `pg_isready -h 127.0.0.1 -p {busy} -t "
            "10` tells whether it lets anyone in; if logins are just slow, raise "
            "tool.envcheck.postgres.busy.timeout; behind a pooler such as PgBouncer: its log*",
        ]
    )
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    durations = {c["name"]: c["duration"] for c in checks}
    assert durations["blackholed.reachable"] <= 1.1  # its timeout, +10%
    assert durations["busy.connect"] <= 3.3
