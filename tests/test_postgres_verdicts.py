"""postgres verdicts against throwaway clusters: each breakage is set up for real, the printed fix
is run as printed where a test can, and the rerun passes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.servers import (
    PostgresCluster,
    _postgres_bindir,
    free_port,
    http_server,
    isolated,
    postgres_cluster,
    redis_server,
    run_at_default_addresses,
    self_signed_certificate,
)

APP = "envcheck_app"
APP_PASSWORD = "App-pw-Never-Shown-12"
HBA = """
host all postgres 127.0.0.1/32 scram-sha-256
host postgres,envcheck_app,envcheck_noconnect,envcheck_notemp,envcheck_notemp2,envcheck_created all 127.0.0.1/32 scram-sha-256
"""  # noqa: E501 - one pg_hba.conf line
PLAIN_HBA = """
host all postgres 127.0.0.1/32 scram-sha-256
host envcheck_app all 127.0.0.1/32 scram-sha-256
hostssl envcheck_sslonly all 127.0.0.1/32 scram-sha-256
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster]:
    """SSL on, scram-sha-256, roles and databases for each verdict."""
    certificate = self_signed_certificate(tmp_path_factory.mktemp("pg-cert"))
    with postgres_cluster(HBA, certificate=certificate) as pg:
        pg.sql(
            f"CREATE ROLE {APP} LOGIN PASSWORD '{APP_PASSWORD}'",
            f"CREATE ROLE envcheck_plain LOGIN PASSWORD '{APP_PASSWORD}'",
            f"CREATE DATABASE {APP} OWNER {APP}",
            "CREATE DATABASE envcheck_nohba",
            "CREATE DATABASE envcheck_noconnect",
            "REVOKE CONNECT ON DATABASE envcheck_noconnect FROM PUBLIC",
            "CREATE DATABASE envcheck_notemp",
            "REVOKE TEMPORARY ON DATABASE envcheck_notemp FROM PUBLIC",
            "CREATE DATABASE envcheck_notemp2",
            "REVOKE TEMPORARY ON DATABASE envcheck_notemp2 FROM PUBLIC",
        )
        pg.sql(
            "CREATE TABLE notes (id int)",
            f"GRANT INSERT ON notes TO {APP}",
            dbname="envcheck_notemp",
        )
        pg.sql(f"GRANT CREATE ON SCHEMA public TO {APP}", dbname="envcheck_notemp2")
        yield pg


@pytest.fixture
def no_stored_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))


def run(pytester: pytest.Pytester, toml: str, *args: str) -> pytest.RunResult:
    pytester.makefile(".toml", pyproject=toml)
    return pytester.runpytest_inprocess("-m", "postgres", "-p", "no:cacheprovider", "-v", *args)


def fix_of(result: pytest.RunResult, check: str) -> str:
    """The ``fix:`` line printed under the failure of ``check``."""
    lines = [line.strip() for line in result.stdout.lines]
    start = next(i for i, line in enumerate(lines) if line.startswith(f"FAIL  postgres/{check}: "))
    return next(line for line in lines[start:] if line.startswith("fix: "))[len("fix: ") :]


def as_shell(command: str, cluster: PostgresCluster) -> None:
    """Run a printed command as pasted (the superuser's password comes from PGPASSWORD)."""
    done = subprocess.run(
        ["bash", "-c", command],
        env=dict(os.environ, PGPASSWORD=cluster.password),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"


def section(name: str, dsn: str, extra: str = "") -> str:
    return f'[tool.envcheck.postgres.{name}]\ndsn = "{dsn}"\n{extra}'


def test_role_missing_under_scram_names_both_causes(
    pytester: pytest.Pytester, cluster: PostgresCluster, no_stored_password: None
) -> None:
    result = run(
        pytester,
        section("ghost", cluster.dsn("envcheck_ghost", APP, "whatever-pw")),
        "-k",
        "connect",
    )
    result.stdout.fnmatch_lines(
        [
            "*postgres/ghost.connect: password authentication failed for user 'envcheck_ghost' at "
            f"127.0.0.1:{cluster.port}",
            "*why: the password is wrong, there is no role named 'envcheck_ghost', or its "
            "password expired (VALID UNTIL): with password logins (scram-sha-256, md5) the "
            "server does not tell which*",
        ]
    )
    assert "ALTER ROLE envcheck_ghost PASSWORD" not in result.stdout.str()


def test_missing_database_for_a_role_without_createdb(
    pytester: pytest.Pytester, cluster: PostgresCluster
) -> None:
    toml = section("db", cluster.dsn("envcheck_plain", "envcheck_created", APP_PASSWORD))
    result = run(pytester, toml, "-k", "connect")
    port = cluster.port
    result.stdout.fnmatch_lines(
        [
            f"*postgres/db.connect: database 'envcheck_created' does not exist on 127.0.0.1:{port}",
            "*fix: role envcheck_plain may not create databases (no CREATEDB); as a superuser: "
            f"createdb -h 127.0.0.1 -p {port} -U postgres -O envcheck_plain envcheck_created",
        ]
    )
    as_shell(fix_of(result, "db.connect").split("as a superuser: ")[1], cluster)
    run(pytester, toml, "-k", "connect").assert_outcomes(passed=1, deselected=4)


def test_connect_privilege_revoked(pytester: pytest.Pytester, cluster: PostgresCluster) -> None:
    toml = section("noconnect", cluster.dsn(APP, "envcheck_noconnect", APP_PASSWORD))
    result = run(pytester, toml, "-k", "connect")
    result.stdout.fnmatch_lines(
        [
            f"*postgres/noconnect.connect: role '{APP}' may not connect to database "
            f"'envcheck_noconnect' at 127.0.0.1:{cluster.port} (no CONNECT privilege)",
            f"*fix: as the database's owner or a superuser: psql -h 127.0.0.1 -p {cluster.port} "
            f"-U postgres -d postgres -c 'GRANT CONNECT ON DATABASE envcheck_noconnect TO {APP}'",
        ]
    )
    as_shell(fix_of(result, "noconnect.connect").split("a superuser: ")[1], cluster)
    # in, and on PostgreSQL 15 a role that does not own the database may not create in public
    result = run(pytester, toml)
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*postgres/noconnect.write: role {APP} may not create tables in schema public: no "
            "CREATE privilege on schema public"
        ]
    )


def test_no_pg_hba_line_with_ssl_on_and_sslmode_prefer(
    pytester: pytest.Pytester, cluster: PostgresCluster
) -> None:
    """The issue's case: libpq's text mentions the unencrypted attempt, yet SSL does not help."""
    toml = section("nohba", cluster.dsn(APP, "envcheck_nohba", APP_PASSWORD))
    result = run(pytester, toml, "-k", "connect")
    result.stdout.fnmatch_lines(
        [
            f"*postgres/nohba.connect: the server's pg_hba.conf does not let "
            f"{APP}@127.0.0.1:{cluster.port}/envcheck_nohba in from this host with or without SSL "
            "(no matching line, a 'reject' line, or a line that requires a client certificate)",
        ]
    )
    assert "requires SSL" not in result.stdout.str()
    fix = fix_of(result, "nohba.connect")
    line = re.search(r"add '(.*?)' to pg_hba.conf", fix)
    reload = re.search(r"then reload: (psql .*?) \(or", fix)
    assert line and reload
    hba = cluster.data / "pg_hba.conf"
    hba.write_text(hba.read_text() + line.group(1).replace("<client address>", "127.0.0.1") + "\n")
    as_shell(reload.group(1), cluster)
    run(pytester, toml, "-k", "connect").assert_outcomes(passed=1, deselected=4)


def test_temp_revoked_passes_and_create_on_the_schema_is_what_counts(
    pytester: pytest.Pytester, cluster: PostgresCluster
) -> None:
    """The probe is a real table in current_schema() (what the application creates), not a
    temporary one: TEMPORARY revoked does not matter, CREATE on the schema does."""
    toml = section("notemp", cluster.dsn(APP, "envcheck_notemp", APP_PASSWORD)) + section(
        "schema", cluster.dsn(APP, "envcheck_notemp2", APP_PASSWORD)
    )
    result = run(pytester, toml, "-k", "write")
    result.assert_outcomes(passed=1, failed=1, deselected=8)
    result.stdout.fnmatch_lines_random(
        [
            f"*postgres/notemp.write: role {APP} may not create tables in schema public: no "
            "CREATE privilege on schema public",
            "*why: since PostgreSQL 15 only the database's owner (pg_database_owner) may create "
            "in schema public*",
            "  PASS  schema.write * table created in schema public, written, read and rolled "
            "back*",
        ]
    )
    fix = fix_of(result, "notemp.write")
    as_shell(fix.split("a superuser: ")[1].split("; or, if")[0], cluster)
    result = run(pytester, toml, "-k", "notemp and write")
    result.stdout.fnmatch_lines(["  PASS  notemp.write * table created in schema public*"])


def test_extensions_needing_a_superuser_or_another_repository(
    pytester: pytest.Pytester, cluster: PostgresCluster
) -> None:
    toml = section(
        "ext", cluster.dsn(APP, APP, APP_PASSWORD), 'extensions = ["dblink", "vector"]\n'
    )
    result = run(pytester, toml, "-k", "extension")
    port = cluster.port
    result.stdout.fnmatch_lines_random(
        [
            "  WARN  ext.extension[[]dblink] * dblink * is available but not installed in "
            f"{APP}*",
            f"        fix: (role {APP} may not: it needs a superuser) psql -h 127.0.0.1 -p {port} "
            f"-U postgres -d {APP} -c 'CREATE EXTENSION IF NOT EXISTS \"dblink\"'",
            f"*postgres/ext.extension[[]vector]: extension vector is not available on "
            f"127.0.0.1:{port} (PostgreSQL *)",
            "*fix: on the server's host: it is not in Debian's or Ubuntu's own archive: add the "
            "PostgreSQL project's apt repository*apt.postgresql.org.sh) first, then: sudo apt "
            "install postgresql-*-pgvector; then *",
        ]
    )
    fix = next(
        line
        for line in result.stdout.lines
        if "it needs a superuser) psql" in line and "dblink" in line
    )
    as_shell(fix.split("superuser) ")[1], cluster)
    result = run(pytester, toml, "-k", "dblink")
    result.stdout.fnmatch_lines(["  PASS  ext.extension[[]dblink] * dblink * installed in *"])


def test_verify_full_certificate_problems(
    pytester: pytest.Pytester, cluster: PostgresCluster, tmp_path: Path
) -> None:
    ca = cluster.data / "server.crt"
    other = self_signed_certificate(tmp_path).cert
    port = cluster.port
    base = f"postgresql://{APP}:{APP_PASSWORD}@{{host}}:{port}/{APP}?sslmode=verify-full"
    toml = (
        section("other", base.format(host="127.0.0.1") + f"&sslrootcert={other}")
        + section("name", base.format(host="localhost") + f"&sslrootcert={ca}")
        + section("none", base.format(host="127.0.0.1") + f"&sslrootcert={tmp_path}/no.crt")
    )
    result = run(pytester, toml, "-k", "connect")
    result.assert_outcomes(failed=3, deselected=12)
    result.stdout.fnmatch_lines_random(
        [
            f"*postgres/other.connect: the certificate of 127.0.0.1:{port} is not trusted "
            "(sslmode=verify-full): *",
            f"*postgres/name.connect: the certificate of localhost:{port} is not issued for "
            "'localhost' (sslmode=verify-full): *",
            f"*postgres/none.connect: sslmode=verify-full needs the CA certificate, and there is "
            f"no file {tmp_path}/no.crt",
        ]
    )
    # the fix, with a path relative to the project, works when pytest runs from a subdirectory
    (pytester.path / "certs").mkdir()
    (pytester.path / "certs" / "ca.pem").write_bytes(ca.read_bytes())
    fixed = section("other", base.format(host="127.0.0.1") + "&sslrootcert=certs/ca.pem")
    pytester.makefile(".toml", pyproject=fixed)
    (pytester.path / "tests").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "postgres", "-p", "no:cacheprovider"],
        cwd=pytester.path / "tests",
        capture_output=True,
        text=True,
    )
    assert "5 passed" in done.stdout, done.stdout


def _connect_when_free(dsn: str) -> psycopg.Connection[Any]:
    """A connection once the last run's backend has gone (it notices its client's exit within
    moments; on a busy machine, a little later)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return psycopg.connect(dsn)
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_one_free_slot_passes_and_no_free_slot_is_explained(pytester: pytest.Pytester) -> None:
    """envcheck never causes what it reports: all checks of a server share one connection."""
    settings = ("max_connections=4", "superuser_reserved_connections=1")
    with postgres_cluster(PLAIN_HBA, settings=settings) as pg:
        pg.sql(
            f"CREATE ROLE {APP} LOGIN PASSWORD '{APP_PASSWORD}'",
            f"CREATE DATABASE {APP} OWNER {APP}",
            f"CREATE DATABASE envcheck_sslonly OWNER {APP}",
        )
        toml = section("app", pg.dsn(APP, APP, APP_PASSWORD))
        held = [psycopg.connect(pg.dsn(APP, APP, APP_PASSWORD)) for _ in range(2)]
        try:
            for _ in range(3):  # 3 slots for non-superusers, 2 taken: 1 free
                run(pytester, toml).assert_outcomes(passed=5)
            held.append(_connect_when_free(pg.dsn(APP, APP, APP_PASSWORD)))
            result = run(pytester, toml, "-k", "connect")
            result.stdout.fnmatch_lines(
                [
                    f"*postgres/app.connect: 127.0.0.1:{pg.port} has no free connection slot for "
                    f"{APP} (SQLSTATE 53300): *",
                ]
            )
            fix = fix_of(result, "app.connect")
            who = re.search(r"reserved slots\): (psql .*?); then close", fix)
            assert who
            done = subprocess.run(
                ["bash", "-c", who.group(1)],
                env=dict(os.environ, PGPASSWORD=pg.password),
                capture_output=True,
                text=True,
            )
            assert done.returncode == 0 and f"{APP} " in done.stdout, done.stderr
            held.pop().close()
            run(pytester, toml, "-k", "connect").assert_outcomes(passed=1, deselected=4)
            ssl_only = section("sslonly", pg.dsn(APP, "envcheck_sslonly", APP_PASSWORD))
            result = run(pytester, ssl_only, "-k", "connect")
            result.stdout.fnmatch_lines(
                [
                    f"*postgres/sslonly.connect: the server's pg_hba.conf does not let "
                    f"{APP}@127.0.0.1:{pg.port}/envcheck_sslonly in from this host (no matching "
                    "line, a 'reject' line, or only 'hostssl' lines while the server offers no "
                    "SSL)"
                ]
            )
        finally:
            for conn in held:
                conn.close()


def test_a_server_shutting_down(pytester: pytest.Pytester) -> None:
    with postgres_cluster(PLAIN_HBA) as pg:
        pg.sql(f"CREATE ROLE {APP} LOGIN PASSWORD '{APP_PASSWORD}'", f"CREATE DATABASE {APP}")
        with psycopg.connect(pg.dsn(APP, APP, APP_PASSWORD)):
            # a smart shutdown waits for this session: meanwhile logins get 57P03
            bindir = _postgres_bindir()
            pg_ctl = [str(bindir / "pg_ctl"), "-D", str(pg.data), "-m", "smart", "-W", "stop"]
            argv = ["runuser", "-u", pg.owner, "--", *pg_ctl] if pg.owner else pg_ctl
            subprocess.run(argv, check=True, capture_output=True)
            result = run(pytester, section("down", pg.dsn(APP, APP, APP_PASSWORD)), "-k", "connect")
    result.stdout.fnmatch_lines(
        [
            f"*postgres/down.connect: 127.0.0.1:{pg.port} does not accept connections now "
            "(SQLSTATE 57P03)",
            "*why: the server is starting up, shutting down, in recovery, or a standby with "
            "hot_standby = off; the server said: the database system is shutting down",
        ]
    )


def test_another_service_on_the_port_is_named_quickly(pytester: pytest.Pytester) -> None:
    with http_server() as http, redis_server() as cache:
        result = run(
            pytester,
            section("http", f"postgresql://postgres@127.0.0.1:{http}/test", "timeout = 2.0\n")
            + section("redis", f"postgresql://postgres@127.0.0.1:{cache}/test", "timeout = 2.0\n"),
            "-k",
            "reachable",
            "--envcheck-report",
        )
    result.stdout.fnmatch_lines_random(
        [
            f"*postgres/http.reachable: 127.0.0.1:{http} is not PostgreSQL: it answered like "
            "HTTP *",
            f"*postgres/redis.reachable: 127.0.0.1:{cache} is not PostgreSQL: it answered like "
            "Redis ('+PONG*",
        ]
    )
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    assert all(c["duration"] <= 2.2 for c in checks), checks


def test_dsn_mistakes_are_named_without_echoing_the_password(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        section("at", "postgresql://u:Secr3t@2024xq@127.0.0.1/db")
        + section("words", "host=127.0.0.1 password=CNRY A CNRYB")
        + section("scheme", "postgress://postgres@127.0.0.1:5432/test"),
        "-k",
        "reachable",
        "--envcheck-report",
    )
    result.assert_outcomes(failed=3, deselected=12)
    result.stdout.fnmatch_lines_random(
        [
            "*postgres/at.reachable: tool.envcheck.postgres.at.dsn is not a valid PostgreSQL "
            "connection string: its host contains '@': the user name or password contains an "
            "unencoded '@'; percent-encode @ # / : ? in the user name and password (as %40 %23 "
            "%2F %3A %3F; % as %25)",
            "*postgres/words.reachable: tool.envcheck.postgres.words.dsn is not a valid PostgreSQL "
            "connection string: it has a word without '=' after the value of password*quotes: "
            "password='...'",
            "*postgres/scheme.reachable: tool.envcheck.postgres.scheme.dsn is not a valid "
            "PostgreSQL connection string: its scheme is postgress://, not postgresql:// or "
            "postgres:// (did you mean postgres://?)",
        ]
    )
    texts = [result.stdout.str(), (pytester.path / "envcheck-report.json").read_text()]
    for canary in ("2024xq", "Secr3t", "CNRY"):
        assert not [text for text in texts if canary in text], canary


def _isolated_pytest(
    pytester: pytest.Pytester,
    *args: str,
    resolv: str | None = None,
    hide: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "pytest", "-m", "postgres", "-p", "no:cacheprovider", "-rs"]
    return isolated(argv + list(args), pytester.path, resolv=resolv, hide=hide)


def test_resolver_failure_is_not_called_a_typo(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml", pyproject=section("dns", "postgresql://postgres@db.envcheck-test.example/test")
    )
    done = _isolated_pytest(pytester, resolv="nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    assert (
        "postgres/dns.reachable: cannot resolve host 'db.envcheck-test.example': the DNS "
        "resolver failed" in done.stdout
    ), (done.stdout + done.stderr)
    assert "a typo" not in done.stdout


def test_defaults_follow_libpq(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    for name in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)
    args = ("--envcheck-defaults", "-m", "postgres", "-p", "no:cacheprovider")

    def settings_from() -> str:
        report = json.loads((pytester.path / "envcheck-report.json").read_text())
        facts = {c["name"]: c["facts"] for c in report["checks"]}
        return str(facts["reachable"]["settings_from"])

    def at_default_addresses(**env: str) -> pytest.RunResult:
        argv = [sys.executable, "-m", "pytest", *args, "--envcheck-report"]
        environ = {**os.environ, **env}
        return run_at_default_addresses(argv, pytester.path, postgres=True, env=environ)

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    pytester.runpytest_inprocess(*args, "--envcheck-report").assert_outcomes(passed=5)
    assert settings_from() == "DATABASE_URL"
    monkeypatch.delenv("DATABASE_URL")
    libpq = {"PGUSER": "postgres", "PGDATABASE": "postgres"}
    at_default_addresses(PGHOST="127.0.0.1", **libpq).assert_outcomes(passed=5)
    assert settings_from() == "libpq environment (PGHOST, PGUSER, PGDATABASE)"
    at_default_addresses(**libpq).assert_outcomes(passed=5)
    assert settings_from().startswith("libpq default (local socket /")
    # nothing listens anywhere: not found, never a failure
    done = _isolated_pytest(pytester, "--envcheck-defaults", hide=("/var/run/postgresql",))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not found: no PostgreSQL at localhost:5432" in done.stdout, done.stdout
    assert "set DATABASE_URL (or PGHOST/PGPORT/PGUSER/PGDATABASE)" in done.stdout


def test_unused_port_in_a_configured_dsn_is_still_a_failure(pytester: pytest.Pytester) -> None:
    result = run(pytester, section("gone", f"postgresql://postgres@127.0.0.1:{free_port()}/x"))
    result.stdout.fnmatch_lines(["*postgres/gone.reachable: connection refused at 127.0.0.1:*"])


def test_public_diagnosis_api(cluster: PostgresCluster, no_stored_password: None) -> None:
    """What the Django plugin calls: the same verdicts from data that crosses a process."""
    from envcheck.checks.postgres.hooks import diagnose_login_failure, explain_failure

    failed = diagnose_login_failure(
        host="127.0.0.1",
        port=cluster.port,
        user=APP,
        dbname="envcheck_nohba_api",
        password=APP_PASSWORD,
        source="DATABASES['default']",
    )
    assert failed.summary.startswith("the server's pg_hba.conf does not let")
    failed = diagnose_login_failure(
        host="127.0.0.1", port=cluster.port, user=APP, dbname=APP, password="wrong-pw-123"
    )
    assert failed.summary == (
        f"password authentication failed for user '{APP}' at 127.0.0.1:{cluster.port}"
    )
    explained = explain_failure(
        "3D000", "x", host="db", port=5433, user="app", dbname="app", can_create_db=True
    )
    assert explained.hint == "createdb -h db -p 5433 -U app app"


def test_time_settings_are_read_as_the_server_reads_them(cluster: PostgresCluster) -> None:
    """A role's ``statement_timeout = '1ms'`` is converted here, not by setting it on the check's
    own session, where the server could cancel the query reading it back (under load, the settings
    check then saw no timeout and passed; CI, 2026-12-05). Every form the server takes agrees."""
    from envcheck.checks.postgres.session import time_ms

    values = ["1ms", "1", "0", "1.5s", "2 min", "1h", "1d", "250us", "1500us", "2500us", ".5s"]
    with cluster.connect() as conn:
        for value in values:
            conn.execute("SELECT set_config('lock_timeout', %s, false)", (value,))
            row = conn.execute("SHOW lock_timeout").fetchone()
            server = conn.execute(
                "SELECT setting::int FROM pg_settings WHERE name = 'lock_timeout'"
            ).fetchone()
            assert row is not None and server is not None
            assert time_ms(value) == server[0], (value, row[0])
    assert time_ms("1 fortnight") is None and time_ms("") is None
