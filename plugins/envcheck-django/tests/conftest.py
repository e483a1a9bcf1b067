"""A real Django project (``django-admin startproject``) in pytester's directory, a throwaway
database on this test process's own PostgreSQL, and its own Redis (plugins/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
from django_helpers import DjangoProject, drop_database


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY", "CI", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def pg_port(postgres_url: str) -> int:
    """The port of this test process's own PostgreSQL (trust for ``postgres`` on 127.0.0.1)."""
    port = urlsplit(postgres_url).port
    assert port is not None
    return port


@pytest.fixture
def pg_database(postgres_url: str) -> Iterator[str]:
    """The name of a new, empty database on this process's own PostgreSQL; dropped afterwards."""
    name = f"envcheck_dj_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        drop_database(postgres_url, name)


@pytest.fixture
def redis_db(redis_port: int) -> Iterator[int]:
    """A database index on this process's own Redis (its last one, not the default 0); asserts
    the checks left no key in it."""
    with redis.Redis(port=redis_port) as client:
        db = int(str(client.config_get("databases")["databases"])) - 1
    yield db
    with redis.Redis(host="127.0.0.1", port=redis_port, db=db) as conn:
        left = [k for k in conn.scan_iter(match="*envcheck:probe:*", count=1000)]
    assert not left, f"probe keys left in Redis db {db}: {left}"


def _without_black() -> dict[str, str]:
    """The environment with no ``black`` on PATH: startproject formats the files it writes with
    black when it finds one (under `poetry run` it does), and the tests edit Django's template."""
    path = os.environ.get("PATH", "").split(os.pathsep)
    kept = [d for d in path if d and not os.access(os.path.join(d, "black"), os.X_OK)]
    return {**os.environ, "PATH": os.pathsep.join(kept)}


@pytest.fixture
def django_project(pytester: pytest.Pytester) -> DjangoProject:
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(pytester.path)],
        check=True,
        capture_output=True,
        timeout=60,
        env=_without_black(),
    )
    return DjangoProject(pytester.path)


@pytest.fixture
def run_checks(pytester: pytest.Pytester) -> Callable[..., pytest.RunResult]:
    def run(toml: str = "[tool.envcheck.django]\n", *args: str) -> pytest.RunResult:
        pytester.makefile(".toml", pyproject=textwrap.dedent(toml))
        return pytester.runpytest_subprocess(
            "-v", "--envcheck-only", "-p", "no:cacheprovider", "-p", "no:randomly", *args
        )

    return run
