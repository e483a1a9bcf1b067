# mypy: disable-error-code="import-untyped"
"""Databases, migrations and caches, seen from inside the project's Django process: the part of
the probe (``_probe.py``) that talks to servers. Standard library and Django only; no password and
no cache URL password is ever put in what it returns."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

#: seconds a database or cache connection may take inside the probe (unless the project sets one)
CONNECT_TIMEOUT = 5


def sqlite_missing(name: str) -> bool:
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return False
    return not Path(name).exists()


def driver_error(exc: BaseException) -> dict[str, Any]:
    """The error as Django raised it, and the database or cache driver's error beneath it."""
    chain: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:  # the causes and contexts, nearest first
        seen = todo.pop(0)
        if any(seen is e for e in chain):
            continue
        chain.append(seen)
        todo += [e for e in (seen.__cause__, seen.__context__) if e is not None]
    driver = next((e for e in reversed(chain) if not isinstance(e, OSError)), chain[-1])
    errno = next((e.errno for e in chain if isinstance(e, OSError) and e.errno), None)
    return {
        "type": type(exc).__name__,
        "module": type(exc).__module__,
        "message": str(exc).strip(),
        "classes": [f"{type(e).__module__}.{type(e).__qualname__}" for e in chain],
        "driver_type": f"{type(driver).__module__}.{type(driver).__qualname__}",
        "driver_message": str(driver).strip(),
        "sqlstate": next(filter(None, (getattr(e, "sqlstate", None) for e in chain)), None),
        "errno": errno,
    }


def pg_target(conn: Any) -> dict[str, Any]:
    try:
        params = dict(conn.get_connection_params())
    except Exception:  # noqa: B902 - a broken OPTIONS is reported by the error itself
        params = {}
    return {
        "host": str(params.get("host") or os.environ.get("PGHOST") or ""),
        "port": str(params.get("port") or os.environ.get("PGPORT") or "5432"),
        "user": str(params.get("user") or os.environ.get("PGUSER") or ""),
        "dbname": str(params.get("dbname") or params.get("service") or ""),
        "sslmode": str(params.get("sslmode") or os.environ.get("PGSSLMODE") or "prefer"),
        "password_set": bool(params.get("password")),
    }


def pg_login(conn: Any) -> dict[str, Any]:
    """libpq reports a failed login as text only: ask the server itself for the SQLSTATE and the
    login stage it failed at, with envcheck's startup-protocol probe (when envcheck is installed
    in this interpreter; otherwise the text alone is reported)."""
    try:
        from envcheck.checks.postgres import login_attempt
    except ImportError:
        return {}
    try:
        params = dict(conn.get_connection_params())
        host = str(params.get("host") or "localhost")
        ssl_context = None
        if str(params.get("sslmode") or "prefer") in ("require", "verify-ca", "verify-full"):
            import ssl

            ssl_context = ssl.create_default_context()
            ssl_context.check_hostname = False
            ssl_context.verify_mode = ssl.CERT_NONE
        found = login_attempt(
            host,
            int(params.get("port") or 5432),
            user=str(params.get("user") or ""),
            dbname=str(params.get("dbname") or ""),
            password=params.get("password") or None,
            tls=ssl_context,
            deadline=time.monotonic() + CONNECT_TIMEOUT,
        )
    except Exception:  # noqa: B902 - the text from libpq is still reported
        return {}
    if found is None or not found.sqlstate:
        return {}
    return {"sqlstate": found.sqlstate, "login_stage": found.stage, "server_message": found.message}


def migrations(conn: Any) -> dict[str, Any]:
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.recorder import MigrationRecorder

    executor = MigrationExecutor(conn)
    conflicts = executor.loader.detect_conflicts()
    found: dict[str, Any] = {
        "table": MigrationRecorder(conn).has_table(),
        "applied": len(executor.loader.applied_migrations),
        "conflicts": {app: sorted(names) for app, names in conflicts.items()},
        "unapplied": [],
    }
    if conflicts:
        return found
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    found["unapplied"] = [[m.app_label, m.name] for m, backwards in plan if not backwards]
    return found


def location(cfg: dict[str, Any]) -> str:
    raw = cfg.get("LOCATION", "")
    places = raw if isinstance(raw, (list, tuple)) else [raw]
    shown = []
    for place in places:
        text = str(place)
        parts = urlsplit(text)
        if parts.password:
            host = parts.hostname or ""
            netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
            text = urlunsplit(parts._replace(netloc=netloc))
        shown.append(text)
    return ", ".join(shown)


def bound_cache(backend: str, cfg: dict[str, Any]) -> None:
    """A dead Redis must fail fast in the probe, not hang it (the project's own values win)."""
    options = cfg.setdefault("OPTIONS", {})
    if backend == "django.core.cache.backends.redis.RedisCache":
        options.setdefault("socket_connect_timeout", CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", CONNECT_TIMEOUT)
    elif backend.startswith("django_redis."):
        options.setdefault("SOCKET_CONNECT_TIMEOUT", CONNECT_TIMEOUT)
        options.setdefault("SOCKET_TIMEOUT", CONNECT_TIMEOUT)


def tcp_state(host: str, port: str) -> str:
    """After a login timed out: does the server's port accept TCP at all?"""
    import socket

    if not host or host.startswith("/"):
        return "unix socket"
    try:
        socket.create_connection((host, int(port or 5432)), timeout=3).close()
    except TimeoutError:
        return "timeout"
    except OSError as exc:
        return f"errno {exc.errno}"
    return "accepted"


def tcp_errno(location: Any) -> int | None:
    """django-redis re-raises redis-py's ConnectionError without its OSError: connect once to
    the first server of ``location`` to learn the errno (refused, unreachable, ...)."""
    import socket

    first = location[0] if isinstance(location, (list, tuple)) and location else location
    parts = urlsplit(str(first or ""))
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        return None
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=3).close()
    except OSError as exc:
        return exc.errno or (-1 if isinstance(exc, TimeoutError) else None)
    return None


def round_trip(cache: Any) -> dict[str, Any]:
    """Set, read back and delete a unique key that expires on its own anyway."""
    key = f"envcheck:probe:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    started = time.monotonic()
    cache.set(key, value, timeout=30)
    try:
        back = cache.get(key)
    finally:
        cache.delete(key)
    left = cache.get(key)
    return {
        "stored": back == value,
        "left": left is not None,
        "ms": round((time.monotonic() - started) * 1000, 2),
    }
