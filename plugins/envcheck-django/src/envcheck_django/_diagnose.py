"""Failures explained in Django's terms, from the structure the probe reported (exception
classes, errno, SQLSTATE, the frame that raised), never from the wording of messages."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

from envcheck_django._config import SECTION
from envcheck_django._run import Report

from envcheck import CheckFailed

SECRET_KEY_HINT = (
    "export {var}=\"$(python -c 'from django.core.management.utils import "
    "get_random_secret_key; print(get_random_secret_key())')\""
)
_HANGS = {
    "database": "the database server accepts connections but does not answer the login (a "
    "proxy, a full server, or a firewall that drops packets)",
    "cache": "the cache server accepts connections but does not answer",
    "migrations": "reading django_migrations waits on a lock held by another session "
    "(a migration running elsewhere?)",
    "system checks": "a system check waits on something (a network call in a custom check)",
    "model changes": "loading the migration files waits on something at import time",
}


def hang_reason(stage: str) -> str:
    return _HANGS.get(stage.split(" ")[0], _HANGS.get(stage, "it waits on something"))


def located(err: dict[str, Any]) -> str:
    """``at mysite/settings.py:23: SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]``."""
    if not err.get("file"):
        return f"raised while {_STAGES.get(err.get('stage', ''), err.get('stage'))}"
    code = f": {err['code']}" if err.get("code") else ""
    return f"at {err['file']}:{err['line']}{code}"


_STAGES = {
    "import": "importing the settings module",
    "setup": "running django.setup() (loading INSTALLED_APPS and their models)",
    "checks": "running the system checks",
    "migrations": "loading the migrations",
    "makemigrations": "comparing the models with the migrations",
}


def _candidates(directory: Path) -> list[str]:
    """Settings modules that exist under the project directory (``mysite.settings``)."""
    found = []
    for path in sorted(directory.glob("*/settings.py")) + sorted(directory.glob("*/settings/")):
        found.append(f"{path.parent.name if path.is_file() else path.parent.name}.settings")
    return sorted(set(found))[:3]


def settings_failure(err: dict[str, Any], r: Report, rootdir: Path) -> CheckFailed:
    p = r.project
    where = located(err)
    missing = err.get("missing_module")
    if missing and (p.settings == missing or p.settings.startswith(missing + ".")):
        close = _candidates(p.directory)
        suggestion = f" (found here: {', '.join(close)})" if close else ""
        return CheckFailed(
            f"the settings module {p.settings!r} (from {p.source}) cannot be imported: there is "
            f"no module {missing!r} under {p.directory}{suggestion}",
            why="DJANGO_SETTINGS_MODULE must be a dotted module path importable from the "
            "directory of manage.py",
            hint=f"export DJANGO_SETTINGS_MODULE={close[0] if close else '<package>.settings'}"
            f"  (or set settings in [{SECTION}])",
        )
    variable = err.get("variable")
    if variable:
        hint = f"export {variable}=..."
        if "SECRET_KEY" in variable or err.get("setting") == "SECRET_KEY":
            hint = SECRET_KEY_HINT.format(var=variable)
        return CheckFailed(
            f"{p.settings} needs the environment variable {variable}, which is not set",
            why=f"{err['type']} {where}",
            hint=f"{hint}  (or put it in the .env file the settings read)",
        )
    if err.get("setting"):
        return CheckFailed(
            f"the {err['setting']} setting is not usable: {err['message']}",
            why=f"{err['type']} {where}",
            hint=f"give {err['setting']} a value in {r.doc.get('settings_file') or p.settings}",
        )
    if missing:
        stage = (
            "INSTALLED_APPS (or a module they import)" if err["stage"] == "setup" else p.settings
        )
        return CheckFailed(
            f"{stage} imports {missing!r}, which is not installed in this environment",
            why=f"ModuleNotFoundError {where}",
            hint=f"install the package that provides {missing!r} (poetry add <it>, or pip install "
            "<it>), or remove it from INSTALLED_APPS",
        )
    return CheckFailed(
        f"{_STAGES.get(err['stage'], err['stage'])} failed: {err['type']}: {err['message']}",
        why=where,
        hint=f"fix the error {where.removeprefix('raised ')}; "
        f"{p.command(rootdir, 'check')} shows the whole traceback",
    )


def crash(err: dict[str, Any], r: Report) -> CheckFailed:
    return CheckFailed(
        f"the Django probe failed while {err.get('stage')}: {err['type']}: {err['message']}",
        why=located(err),
        hint="report this as a bug of envcheck-django, with the line above",
    )


def db_where(info: dict[str, Any]) -> str:
    if info.get("vendor") == "sqlite":
        return str(info.get("name"))
    host = info.get("host") or "localhost"
    port = f":{info['port']}" if info.get("port") else ""
    user = f"{info['user']}@" if info.get("user") else ""
    return f"{user}{host}{port}/{info.get('name')}"


def database_failure(alias: str, info: dict[str, Any], r: Report, rootdir: Path) -> CheckFailed:
    err = info["error"]
    on = "" if alias == "default" else f" --database={alias}"
    if err["type"] == "SqliteFileMissing":
        return CheckFailed(
            f"the SQLite database {info['name']} ({alias!r}) does not exist",
            why="Django would create an empty file on first use, with no tables",
            hint=r.project.command(rootdir, "migrate" + on),
        )
    if err.get("tcp"):
        return _login_timeout(alias, info, r)
    if info.get("vendor") == "postgresql" and "target" in err:
        from envcheck_django import _postgres

        return _postgres.explain(alias, err, r.doc.get("settings_file"))
    detail = (err.get("driver_message") or err["message"]).splitlines()[0]
    return CheckFailed(
        f"cannot connect to {info.get('display_name')} database {alias!r} at {db_where(info)}: "
        f"{detail}",
        why=f"{err['driver_type']} from {info.get('engine')}",
        hint=f"check DATABASES[{alias!r}] in {r.doc.get('settings_file')}; then "
        f"{r.project.command(rootdir, 'dbshell' + on)}",
    )


def _login_timeout(alias: str, info: dict[str, Any], r: Report) -> CheckFailed:
    """psycopg's ConnectionTimeout: whether the port accepts TCP says where it waits."""
    t = info["error"]["target"]
    address = f"{t['host']}:{t['port']}"
    setting = f"DATABASES[{alias!r}] in {r.doc.get('settings_file')}"
    if info["error"]["tcp"] == "accepted":
        return CheckFailed(
            f"PostgreSQL at {address} accepted the connection but did not complete the login "
            f"within {info.get('connect_timeout', 5)} s ({alias!r})",
            why="the server (or a proxy or pooler in front of it) is overloaded or stuck: out of "
            "worker processes, waiting on a lock, or on a slow authentication backend",
            hint=f"pg_isready -h {t['host']} -p {t['port']} -t 10 tells whether it lets anyone "
            f"in; if logins are only slow, raise OPTIONS['connect_timeout'] in {setting}",
        )
    return CheckFailed(
        f"connecting to PostgreSQL at {address} timed out ({alias!r})",
        why="no answer to the TCP connection: a firewall drops the packets, or the host is down "
        "or unreachable",
        hint=f"check HOST and PORT in {setting}; nc -vz {t['host']} {t['port']}",
    )


def cache_failure(alias: str, info: dict[str, Any], r: Report, rootdir: Path) -> CheckFailed:
    err = info["error"]
    classes: list[str] = err.get("classes", [])
    backend, location = info.get("backend", ""), info.get("location") or "(no LOCATION)"
    settings_file = r.doc.get("settings_file")
    fix = f"CACHES[{alias!r}] in {settings_file}"
    if err["type"] in ("ModuleNotFoundError", "ImportError", "InvalidCacheBackendError"):
        return CheckFailed(
            f"the cache backend {backend} cannot be loaded: {err['message']}",
            why=f"{err['type']} while creating CACHES[{alias!r}]",
            hint=(
                "pip install django-redis  (or fix BACKEND)"
                if backend.startswith("django_redis")
                else f"fix BACKEND of {fix}"
            ),
        )
    if any(c.startswith("redis.exceptions.Authentication") for c in classes):
        return CheckFailed(
            f"Redis at {location} refused the credentials of CACHES[{alias!r}]",
            why=f"{err['driver_type']}: the password (or user) in LOCATION / OPTIONS is wrong",
            hint=f"fix the password in {fix} (redis://:PASSWORD@host:6379/0)",
        )
    redis_error = any(c.startswith("redis.exceptions.") for c in classes)
    if redis_error and err.get("errno") == errno.ECONNREFUSED:
        return CheckFailed(
            f"nothing listens at {location} (CACHES[{alias!r}], {backend.rsplit('.', 1)[-1]})",
            why="connection refused: the Redis server is not running there, or LOCATION names "
            "the wrong host or port",
            hint=f"start Redis: sudo systemctl start redis-server  (in Docker: docker start "
            f"<container>), or fix LOCATION of {fix}",
        )
    if any(c == "redis.exceptions.TimeoutError" for c in classes):
        return CheckFailed(
            f"Redis at {location} did not answer in time (CACHES[{alias!r}])",
            why="a firewall drops the packets, or the server is overloaded",
            hint=f"check the host and port in {fix}: redis-cli -u '{location}' ping",
        )
    if redis_error:
        return CheckFailed(
            f"Redis at {location} (CACHES[{alias!r}]): {err['driver_message']}",
            why=err["driver_type"],
            hint=f"check {fix}; redis-cli -u '{location}' ping",
        )
    if backend.endswith("DatabaseCache") and any(c.startswith("django.db.utils.") for c in classes):
        return CheckFailed(
            f"the cache table {location!r} of CACHES[{alias!r}] cannot be used: {err['message']}",
            why=f"{err['type']}: the table was never created (or the database is unreachable)",
            hint=r.project.command(rootdir, "createcachetable"),
        )
    if backend.endswith("FileBasedCache") and err.get("errno") in (errno.EACCES, errno.EROFS):
        return CheckFailed(
            f"the cache directory {location} is not writable",
            why=f"{err['type']}: {err['message']}",
            hint=f"chmod u+w {location}  (or fix LOCATION of {fix})",
        )
    return CheckFailed(
        f"CACHES[{alias!r}] ({backend}) failed a set/get/delete: {err['type']}: {err['message']}",
        why=f"{err['driver_type']}: {err['driver_message']}",
        hint=f"check {fix}",
    )
