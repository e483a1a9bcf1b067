"""The postgres component against the machine's real PostgreSQL and broken servers we make."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest

from tests.servers import free_port, garbage_server, silent_listener

SERVER = "postgresql://postgres@127.0.0.1:5432/test"
PASSWORD = "pw-Never-Shown-4711"


@pytest.fixture(scope="module", autouse=True)
def nothing_left_behind() -> Iterator[None]:
    """After the module: no probe tables and no databases or roles the tests made."""
    yield
    with psycopg.connect(SERVER, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'envcheck_probe%'"
        ).fetchone()
        databases = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'envcheck%'"
        ).fetchone()
    assert tables == (0,) and databases == (0,)


def run(pytester: pytest.Pytester, toml: str, *args: str) -> pytest.RunResult:
    pytester.makefile(".toml", pyproject=toml)
    return pytester.runpytest_subprocess("-m", "postgres", "-p", "no:cacheprovider", *args)


def test_healthy_server_passes_with_facts(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        f"""
[tool.envcheck.postgres]
dsn = "{SERVER}"
min_version = "13"
extensions = ["plpgsql"]
""",
        "--envcheck-report",
    )
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines_random(
        [
            "  PASS  reachable * 127.0.0.1:5432 answers as PostgreSQL*",
            "  PASS  connect * connected to postgres@127.0.0.1:5432/test (PostgreSQL *",
            "  PASS  version * PostgreSQL * (>= 13)*",
            "  PASS  settings * UTF8, timezone *, */* connections in use*",
            "  PASS  extension[[]plpgsql] * plpgsql * installed in test*",
            "  PASS  write * temporary table written, read and rolled back*",
        ]
    )
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    facts = {c["name"]: c["facts"] for c in report["checks"]}
    assert facts["connect"]["connect_ms"] > 0 and "query_ms" in facts["connect"]
    assert facts["version"]["server_version"].startswith("1")


def test_missing_extension_names_the_package_and_the_statement(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        f'[tool.envcheck.postgres]\ndsn = "{SERVER}"\nextensions = ["vector", "pg_trgm"]\n',
        "-k",
        "extension",
    )
    result.assert_outcomes(failed=1, passed=1, deselected=5)
    result.stdout.fnmatch_lines_random(
        [
            "postgres/extension[[]vector]: extension vector is not available on 127.0.0.1:5432*",
            "  fix: sudo apt install postgresql-*-pgvector && psql -h 127.0.0.1 -p 5432 -U "
            'postgres -d test -c "CREATE EXTENSION IF NOT EXISTS \\"vector\\""',
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
            "postgres/stopped.reachable: connection refused at 127.0.0.1:*",
            "  fix: start PostgreSQL: sudo systemctl start postgresql*",
            "postgres/silent.reachable: 127.0.0.1:* accepted the connection but did not answer",
            "postgres/http.reachable: 127.0.0.1:* does not speak the PostgreSQL protocol "
            "(it answered 'HTTP/1.1 400 Bad Request*",
            "*SKIP  stopped.connect * blocked by postgres/stopped.reachable*",
        ]
    )
    checks = json.loads((pytester.path / "envcheck-report.json").read_text())["checks"]
    silent_check = next(c for c in checks if c["name"] == "silent.reachable")
    assert silent_check["duration"] <= 1.1  # its timeout, +10%


def test_connection_diagnoses(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
[tool.envcheck.postgres.nodb]
dsn = "postgresql://postgres@127.0.0.1:5432/envcheck_no_such_db"
[tool.envcheck.postgres.norole]
dsn = "postgresql://envcheck_no_such_role@127.0.0.1:5432/test"
[tool.envcheck.postgres.ssl]
dsn = "postgresql://postgres@127.0.0.1:5432/test?sslmode=require"
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
            "postgres/nodb.connect: database 'envcheck_no_such_db' does not exist on "
            "127.0.0.1:5432",
            "  fix: createdb -h 127.0.0.1 -p 5432 -U postgres envcheck_no_such_db",
            "postgres/norole.connect: role 'envcheck_no_such_role' does not exist on "
            "127.0.0.1:5432",
            "  fix: createuser -h 127.0.0.1 -p 5432 -U postgres --login envcheck_no_such_role",
            "postgres/ssl.connect: 127.0.0.1:5432 refuses SSL, but the connection string "
            "requires it",
            "  fix: drop sslmode=require from tool.envcheck.postgres.ssl.dsn*",
            "postgres/dns.reachable: cannot resolve host 'envcheck-no-such-host.invalid'*",
            "postgres/typo.reachable: tool.envcheck.postgres.typo.dsn has port 'port', "
            "which is not a number",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_password_never_appears_anywhere(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/test")
    monkeypatch.setenv("OTHER_DB", f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/envcheck_x")
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
    result.stdout.fnmatch_lines(["postgres/other.connect: database 'envcheck_x' does not exist*"])
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
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_db=FIXTURE_TEST)
    pytester.makefile(".toml", pyproject=f'[tool.envcheck.postgres]\ndsn = "{SERVER}"\n')
    pytester.runpytest_subprocess("test_db.py").assert_outcomes(passed=1)

    broken = (
        "[tool.envcheck.postgres]\ndsn = 'postgresql://postgres@127.0.0.1:5432/envcheck_nope'\n"
    )
    pytester.makefile(".toml", pyproject=broken)
    result = pytester.runpytest_subprocess("test_db.py", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["*environment not ready: postgres/connect: database 'envcheck_nope' does not exist*"]
    )
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest_subprocess("test_db.py")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fix: createdb -h 127.0.0.1 -p 5432 -U postgres envcheck_nope"])
