"""A real Django project (``django-admin startproject``) in pytester's directory, a throwaway
PostgreSQL database on the machine's server, and the machine's Redis."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY", "CI", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def drop_database(name: str) -> None:
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def redis_db() -> Iterator[int]:
    """A Redis database index on the machine's server; asserts the checks left no key in it."""
    client = redis.Redis.from_url(REDIS_URL)
    databases = int(client.config_get("databases")["databases"])
    client.close()
    db = databases - 1 - (os.getpid() % 4)
    yield db
    with redis.Redis(host="127.0.0.1", port=6379, db=db) as conn:
        left = [k for k in conn.scan_iter(match="*envcheck:probe:*", count=1000)]
    assert not left, f"probe keys left in Redis db {db}: {left}"


class DjangoProject:
    """A project made by ``django-admin startproject mysite .`` in ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.settings = path / "mysite" / "settings.py"

    def append(self, text: str) -> None:
        with self.settings.open("a", encoding="utf-8") as handle:
            handle.write("\n" + textwrap.dedent(text))

    def replace(self, old: str, new: str) -> None:
        source = self.settings.read_text(encoding="utf-8")
        assert old in source, old
        self.settings.write_text(source.replace(old, new), encoding="utf-8")

    def manage(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run ``python manage.py ARGS`` as a developer would (a printed fix, pasted)."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.path,
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(os.environ, **(env or {})),
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def run_fix(self, hint: str) -> str:
        """Run a printed ``python manage.py ...`` fix exactly as printed."""
        assert hint.startswith("python manage.py "), hint
        return self.manage(*hint.removeprefix("python manage.py ").split())

    def use_postgres(self, dbname: str, **extra: str) -> None:
        options = {"NAME": dbname, "USER": "postgres", "HOST": "127.0.0.1", "PORT": "5432"}
        options.update(extra)
        self.append(
            f"DATABASES = {{'default': {{'ENGINE': 'django.db.backends.postgresql', "
            f"**{options!r}}}}}\n"
        )

    def add_app(self, name: str, models: str, migrations: dict[str, str]) -> None:
        app = self.path / name
        (app / "migrations").mkdir(parents=True)
        (app / "__init__.py").write_text("")
        (app / "migrations" / "__init__.py").write_text("")
        (app / "models.py").write_text(textwrap.dedent(models))
        for file, text in migrations.items():
            (app / "migrations" / f"{file}.py").write_text(textwrap.dedent(text))
        self.replace(
            "'django.contrib.staticfiles',", f"'django.contrib.staticfiles',\n    '{name}',"
        )


@pytest.fixture
def django_project(pytester: pytest.Pytester) -> DjangoProject:
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(pytester.path)],
        check=True,
        capture_output=True,
        timeout=60,
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
