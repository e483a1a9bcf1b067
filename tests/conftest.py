"""Shared helpers: every test drives a real pytest session on a small generated project."""

from __future__ import annotations

import os
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis

#: the machine's servers the suite talks to (scripts/services starts them)
POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = ("127.0.0.1", 6379)


@pytest.fixture(scope="session", autouse=True)
def _nothing_left_on_the_machine() -> Iterator[None]:
    """After the whole suite: nothing envcheck or the tests created remains on the machine's
    PostgreSQL (databases and roles named envcheck*, connections whose application_name starts
    with envcheck) or Redis (an envcheck:* key in any database).

    Skipped in pytest-xdist workers (another worker may still be running); a server that does not
    answer has nothing left on it.
    """
    yield
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    left = _left_on_postgres() + _left_on_redis()
    assert not left, "the test suite left behind:\n  " + "\n  ".join(left)


def _left_on_postgres() -> list[str]:
    try:
        conn = psycopg.connect(POSTGRES, autocommit=True, application_name="tests: leftovers")
    except psycopg.OperationalError:
        return []
    with conn:
        databases = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'envcheck%'"
        ).fetchall()
        roles = conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE 'envcheck%'"
        ).fetchall()
        deadline = time.monotonic() + 5  # a backend notices its client's exit within moments
        while True:
            sessions = conn.execute(
                "SELECT pid, application_name, state, datname FROM pg_stat_activity "
                "WHERE application_name LIKE 'envcheck%' AND pid <> pg_backend_pid()"
            ).fetchall()
            if not sessions or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    return (
        [f"PostgreSQL database {name!r}" for (name,) in databases]
        + [f"PostgreSQL role {name!r}" for (name,) in roles]
        + [
            f"PostgreSQL connection pid {pid} {app!r} ({state}, database {db!r})"
            for pid, app, state, db in sessions
        ]
    )


def _left_on_redis() -> list[str]:
    client = redis.Redis(*REDIS, socket_timeout=5, socket_connect_timeout=5)
    try:
        databases = int(str(client.config_get("databases")["databases"]))
    except redis.ConnectionError:
        return []
    finally:
        client.close()
    left = []
    for db in range(databases):
        with redis.Redis(*REDIS, db=db, socket_timeout=5) as conn:
            left += [
                f"Redis key {key.decode(errors='replace')!r} in db {db}"
                for key in conn.scan_iter(match="envcheck:*", count=1000)
            ]
    return left


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Every envcheck-report JSON a passing test wrote (in its pytester project or tmp_path)
    follows the published schema (src/envcheck/report/envcheck-report.schema.json)."""
    result = yield
    funcargs = getattr(item, "funcargs", {})
    roots = [funcargs["pytester"].path] if "pytester" in funcargs else []
    roots += [funcargs["tmp_path"]] if "tmp_path" in funcargs else []
    for root in roots:
        for path, problems in reports_against_schema(root):
            assert not problems, f"{path} does not follow the report schema:\n  " + "\n  ".join(
                problems
            )
    return result


def reports_against_schema(root: Path) -> list[tuple[Path, list[str]]]:
    """(path, schema violations) of every envcheck-report JSON file under ``root``."""
    import json

    import jsonschema

    from envcheck.report import files

    validator = jsonschema.Draft202012Validator(files.schema())
    found = []
    for path in sorted(root.rglob("*.json")):
        if not path.is_file() or path.stat().st_size > 20_000_000:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if '"schema": "envcheck-report"' not in text[:200]:
            continue
        document = json.loads(text)
        problems = [
            f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in validator.iter_errors(document)
        ]
        found.append((path, problems))
    return found


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests decide for themselves whether they run "in CI" and which variables exist."""
    for name in ("CI", "GITHUB_STEP_SUMMARY", "DATABASE_URL", "REDIS_URL", "OLLAMA_HOST"):
        monkeypatch.delenv(name, raising=False)
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    # libpq's variables (the postgres defaults read them), plugins' variables
    for name in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGPASSFILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("PGSERVICE", "PGSSLMODE", "SRC_ENDPOINT", "SRC_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    # `poetry run pytest` (scripts/test) activates the suite's own env: a Poetry command a test
    # runs in a sample project must not take it for that project's env
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.delenv("POETRY_ACTIVE", raising=False)


@pytest.fixture
def write_config(pytester: pytest.Pytester) -> Callable[[str], None]:
    """Write ``[tool.envcheck]`` TOML (dedented) into the project's pyproject.toml."""

    def write(toml: str) -> None:
        pytester.makefile(".toml", pyproject=textwrap.dedent(toml))

    return write
