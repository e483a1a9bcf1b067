"""Helpers of the django plugin's tests: a startproject project, throwaway names."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import psycopg


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def drop_database(postgres_url: str, name: str) -> None:
    """Drop ``name`` on the server of ``postgres_url`` (a superuser's DSN), if it exists."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


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

    def use_postgres(self, dbname: str, port: int, **extra: Any) -> None:
        options: dict[str, Any] = {
            "NAME": dbname,
            "USER": "postgres",
            "HOST": "127.0.0.1",
            "PORT": str(port),
        }
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
