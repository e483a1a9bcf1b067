"""The configuration of one PostgreSQL instance: ``[tool.envcheck.postgres]`` or
``[tool.envcheck.postgres.NAME]``, and where libpq would connect without one."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, ClassVar

from envcheck.checks.postgres.target import SOCKET_DIRS, os_user
from envcheck.checks.shared import server as _server

DEFAULT_DSN = "${DATABASE_URL:-postgresql://localhost:5432/app}"
CONFIGURE = (
    "set DATABASE_URL (or PGHOST/PGPORT/PGUSER/PGDATABASE), or add [tool.envcheck.postgres] "
    "dsn = ... to pyproject.toml"
)


class PostgresConfig(_server.ServerConfig):
    """One PostgreSQL instance: [tool.envcheck.postgres] or [tool.envcheck.postgres.NAME]."""

    version_example: ClassVar[str] = "'15' or '15.4'"

    dsn: str = DEFAULT_DSN
    #: used when the DSN has none (a ``${VAR}`` reference keeps special characters out of URLs)
    password: str | None = None
    extensions: list[str] = []


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def default_config(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """Where libpq would connect: ``DATABASE_URL``, else libpq's variables and defaults."""
    if environ.get("DATABASE_URL"):
        return {"dsn": "${DATABASE_URL}", "source": _server.origin("DATABASE_URL", environ)}
    names = ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE", "PGPASSFILE")
    keys = ("host", "port", "user", "dbname", "service", "passfile")
    params = {key: environ[name] for name, key in zip(names, keys) if environ.get(name)}
    used = [_server.origin(n, environ) for n in (*names, "PGPASSWORD") if environ.get(n)]
    addressed = any(key in params for key in ("host", "port", "service"))
    if not addressed:
        port = params.get("port", "5432")
        sockets = [d for d in SOCKET_DIRS if os.path.exists(os.path.join(d, f".s.PGSQL.{port}"))]
        params["host"] = sockets[0] if sockets else "localhost"
        where = f"local socket {sockets[0]}" if sockets else "localhost:5432"
        source = f"libpq default ({where})"
    else:
        source = "libpq environment"
    if "user" not in params and os_user() is not None:
        params["user"] = os_user() or ""
    if used:
        source += " (" + ", ".join(used) + ")"
    found: dict[str, Any] = {
        "dsn": " ".join(f"{key}={_quote(value)}" for key, value in params.items()),
        "source": source,
        "required": addressed,
    }
    if environ.get("PGPASSWORD"):
        found["password"] = "${PGPASSWORD}"
    return found
