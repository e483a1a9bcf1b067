"""Real LangChain/LangGraph packages, envcheck's mock LLM API (``mock_llm``), a throwaway
database on this test process's own PostgreSQL, and its own Redis (plugins/conftest.py)."""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CI", "DATABASE_URL", "REDIS_URL", "OLLAMA_HOST", "DJANGO_SETTINGS_MODULE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def pg_database(postgres_url: str) -> Iterator[str]:
    """A new, empty database on this process's own PostgreSQL (its DSN); dropped afterwards."""
    name = f"envcheck_lg_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def run_checks(pytester: pytest.Pytester) -> Callable[..., pytest.RunResult]:
    def run(toml: str, *args: str) -> pytest.RunResult:
        pytester.makefile(".toml", pyproject=textwrap.dedent(toml))
        return pytester.runpytest_subprocess(
            "-v", "--envcheck-only", "-p", "no:cacheprovider", "-p", "no:randomly", *args
        )

    return run
