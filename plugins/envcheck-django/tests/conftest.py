"""A real Django project (``django-admin startproject``) in pytester's directory, a throwaway
PostgreSQL database on the machine's server, and the machine's Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
import redis
from django_helpers import POSTGRES, DjangoProject, drop_database

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY", "CI", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def pg_database() -> Iterator[str]:
    """The name of a new, empty database on the machine's PostgreSQL; dropped afterwards."""
    name = f"envcheck_dj_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        drop_database(name)


@pytest.fixture
def redis_db() -> Iterator[int]:
    """A Redis database index on the machine's server; asserts the checks left no key in it."""
    client = redis.Redis.from_url(REDIS_URL)
    databases = int(str(client.config_get("databases")["databases"]))
    client.close()
    db = databases - 1 - (os.getpid() % 4)
    yield db
    with redis.Redis(host="127.0.0.1", port=6379, db=db) as conn:
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
            "--envcheck-only", "-p", "no:cacheprovider", "-p", "no:randomly", *args
        )

    return run
