# mypy: disable-error-code="import-untyped"
"""Runs inside the project's interpreter, as a script: ``python _probe.py REQUEST_JSON OUT_PATH``.

Django is a process-wide singleton (settings, app registry, connections), so envcheck never
imports it itself: this script does, once, and writes everything the checks need as one JSON
document to ``OUT_PATH``. It rewrites the document after every stage, so that when it is killed
at its timeout the parent knows what it was doing. Only the standard library and Django are used
here; no password or cache URL password leaves this process.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any


def _load_stores() -> Any:
    """The sibling module, loaded by path: this script's directory is not on sys.path (its files
    must never shadow the project's modules)."""
    import importlib.util

    path = Path(__file__).with_name("_probe_stores.py")
    spec = importlib.util.spec_from_file_location("envcheck_django_probe_stores", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


stores = _load_stores()


class Probe:
    def __init__(self, request: dict[str, Any], out: str) -> None:
        self.request = request
        self.out = out
        self.project = Path(request["project_dir"]).resolve()
        self.doc: dict[str, Any] = {"stage": "start", "done": False, "timings_ms": {}}
        self._since = time.monotonic()

    def stage(self, name: str) -> None:
        now = time.monotonic()
        self.doc["timings_ms"][self.doc["stage"]] = round((now - self._since) * 1000, 1)
        self._since = now
        self.doc["stage"] = name
        self.save()

    def save(self) -> None:
        partial = f"{self.out}.tmp"
        with open(partial, "w", encoding="utf-8") as handle:
            json.dump(self.doc, handle, default=str)
        os.replace(partial, self.out)

    # -- settings --------------------------------------------------------------------------------
    def error(self, exc: BaseException, stage: str) -> dict[str, Any]:
        """What went wrong, located in the project's own code, with the variable to set."""
        frames = traceback.extract_tb(exc.__traceback__)
        mine = [f for f in frames if self._in_project(f.filename)]
        where = mine[-1] if mine else None
        found: dict[str, Any] = {
            "stage": stage,
            "type": type(exc).__name__,
            "module": type(exc).__module__,
            "message": str(exc),
            "file": where.filename if where else None,
            "line": where.lineno if where else None,
            "code": where.line if where else None,
            "missing_module": (
                getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
            ),
        }
        found.update(_variable_from_frames(exc))
        if found.get("setting") and not found.get("variable"):
            found.update(self._variable_from_source(found["setting"]))
        return found

    def _in_project(self, filename: str) -> bool:
        try:
            path = Path(filename).resolve()
        except (OSError, ValueError):
            return False
        inside = path.is_relative_to(self.project) and "site-packages" not in path.parts
        return inside and path.is_file()

    def _variable_from_source(self, setting: str) -> dict[str, Any]:
        """``SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")``: the variable behind a
        setting, from the settings module's source (the module itself failed to give it)."""
        module = sys.modules.get(self.request["settings"])
        path = getattr(module, "__file__", None)
        if not path:
            return {}
        try:
            tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError):
            return {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == setting for t in node.targets
            ):
                name = _environment_name(node.value)
                found: dict[str, Any] = {"file": path, "line": node.lineno}
                found["code"] = ast.get_source_segment(Path(path).read_text("utf-8"), node)
                if name:
                    found["variable"] = name
                return found
        return {}

    def settings(self) -> bool:
        self.stage("import settings")
        name = self.request["settings"]
        try:
            module = importlib.import_module(name)
        except BaseException as exc:  # noqa: B036 - the user's module may raise anything
            self.doc["settings_error"] = self.error(exc, "import")
            return False
        self.doc["settings_file"] = getattr(module, "__file__", None)
        if self.request.get("mode") == "list":
            return True
        self.stage("django.setup()")
        try:
            import django

            self.doc["django_version"] = django.get_version()
            django.setup()
            from django.conf import settings

            self.doc["debug"] = bool(settings.DEBUG)
            self.doc["installed_apps"] = len(settings.INSTALLED_APPS)
            settings.SECRET_KEY  # noqa: B018 - empty SECRET_KEY is only reported when read
        except BaseException as exc:  # noqa: B036
            self.doc["settings_error"] = self.error(exc, "setup")
            return False
        return True

    def aliases(self) -> None:
        module = sys.modules[self.request["settings"]]
        databases = getattr(module, "DATABASES", {})
        caches = getattr(module, "CACHES", {"default": {}})
        self.doc["databases"] = {a: {} for a in databases} if isinstance(databases, dict) else {}
        self.doc["caches"] = {a: {} for a in caches} if isinstance(caches, dict) else {}

    # -- system checks ---------------------------------------------------------------------------
    def system_checks(self) -> None:
        self.stage("system checks")
        from django.core import checks

        try:
            messages = checks.run_checks(include_deployment_checks=bool(self.request["deploy"]))
        except BaseException as exc:  # noqa: B036
            self.doc["checks_error"] = self.error(exc, "checks")
            return
        self.doc["checks"] = [
            {
                "level": m.level,
                "id": m.id,
                "msg": m.msg,
                "hint": m.hint,
                "obj": None if m.obj is None else str(m.obj),
            }
            for m in messages
            if not m.is_silenced() and m.level >= checks.WARNING
        ]

    # -- databases -------------------------------------------------------------------------------
    def databases(self) -> None:
        from django.conf import settings
        from django.db import connections

        wanted = self.request.get("databases")
        aliases = list(settings.DATABASES) if wanted is None else wanted
        found: dict[str, Any] = {}
        self.doc["databases"] = found
        for alias in aliases:
            if alias not in settings.DATABASES:
                found[alias] = {"missing": True, "known": list(settings.DATABASES)}
                continue
            found[alias] = self._database(connections[alias])
            self.save()
        if self.request.get("migrations", True):
            self.model_changes()

    def _database(self, conn: Any) -> dict[str, Any]:
        cfg = conn.settings_dict
        info: dict[str, Any] = {
            "vendor": conn.vendor,
            "engine": cfg.get("ENGINE"),
            "display_name": getattr(conn, "display_name", conn.vendor),
            "name": str(cfg.get("NAME") or ""),
            "host": cfg.get("HOST") or "",
            "port": str(cfg.get("PORT") or ""),
            "user": cfg.get("USER") or "",
        }
        self.doc["databases"][conn.alias] = info
        self.stage(f"database {conn.alias}")
        if conn.vendor == "postgresql":
            options = cfg.setdefault("OPTIONS", {})
            info["connect_timeout"] = options.setdefault("connect_timeout", stores.CONNECT_TIMEOUT)
        elif conn.vendor == "sqlite" and stores.sqlite_missing(info["name"]):
            info["error"] = {"type": "SqliteFileMissing", "message": info["name"]}
            return info
        started = time.monotonic()
        try:
            conn.ensure_connection()
            info["connect_ms"] = round((time.monotonic() - started) * 1000, 1)
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
            info["version"] = ".".join(str(p) for p in conn.get_database_version())
            info["ok"] = True
        except BaseException as exc:  # noqa: B036
            info["error"] = stores.driver_error(exc)
            if conn.vendor == "postgresql":
                target = info["error"]["target"] = stores.pg_target(conn)
                if "psycopg.errors.ConnectionTimeout" in info["error"]["classes"]:
                    info["error"]["tcp"] = stores.tcp_state(target["host"], target["port"])
                elif not info["error"]["sqlstate"]:
                    info["error"].update(stores.pg_login(conn))
            conn.close()
            return info
        if self.request.get("migrations", True):
            self.stage(f"migrations {conn.alias}")
            try:
                info["migrations"] = stores.migrations(conn)
            except BaseException as exc:  # noqa: B036
                info["migrations_error"] = self.error(exc, "migrations")
        conn.close()
        return info

    def model_changes(self) -> None:
        """What ``makemigrations --check --dry-run`` would write (project-wide, no database)."""
        self.stage("model changes")
        try:
            from django.apps import apps
            from django.db.migrations.autodetector import MigrationAutodetector
            from django.db.migrations.loader import MigrationLoader
            from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
            from django.db.migrations.state import ProjectState

            loader = MigrationLoader(None, ignore_no_migrations=True)
            conflicts = loader.detect_conflicts()
            self.doc["conflicts"] = {app: sorted(names) for app, names in conflicts.items()}
            if conflicts:
                return
            detector = MigrationAutodetector(
                loader.project_state(),
                ProjectState.from_apps(apps),
                NonInteractiveMigrationQuestioner(specified_apps=None, dry_run=True),
            )
            changes = detector.changes(graph=loader.graph)
            self.doc["model_changes"] = {
                app: [op.describe() for migration in found for op in migration.operations]
                for app, found in changes.items()
            }
        except BaseException as exc:  # noqa: B036
            self.doc["model_changes_error"] = self.error(exc, "makemigrations")

    # -- caches ----------------------------------------------------------------------------------
    def caches(self) -> None:
        from django.conf import settings
        from django.core.cache import caches

        wanted = self.request.get("caches")
        aliases = list(settings.CACHES) if wanted is None else wanted
        found: dict[str, Any] = {}
        self.doc["caches"] = found
        for alias in aliases:
            if alias not in settings.CACHES:
                found[alias] = {"missing": True, "known": list(settings.CACHES)}
                continue
            cfg = settings.CACHES[alias]
            backend = str(cfg.get("BACKEND", ""))
            stores.bound_cache(backend, cfg)
            info: dict[str, Any] = {"backend": backend, "location": stores.location(cfg)}
            found[alias] = info
            self.stage(f"cache {alias}")
            try:
                info.update(stores.round_trip(caches[alias]))
            except BaseException as exc:  # noqa: B036
                info["error"] = stores.driver_error(exc)
                if info["error"]["errno"] is None and "redis" in backend.lower():
                    info["error"]["errno"] = stores.tcp_errno(cfg.get("LOCATION"))
            finally:
                try:
                    caches[alias].close()
                except Exception:  # noqa: B902, S110 - closing is best effort
                    pass
            self.save()

    def run(self) -> None:
        if not self.settings():
            return
        self.aliases()
        if self.request.get("mode") == "list":
            return
        self.system_checks()
        self.databases()
        self.caches()


def _variable_from_frames(exc: BaseException) -> dict[str, Any]:
    """The environment variable (or Django setting) whose absence raised ``exc``, read from the
    frames it passed through: ``os.environ[...]``, django-environ, python-decouple, and Django's
    own lazy settings."""
    found: dict[str, Any] = {}
    tb = exc.__traceback__
    while tb is not None:
        frame, tb = tb.tb_frame, tb.tb_next
        code, local = frame.f_code, frame.f_locals
        module = frame.f_globals.get("__name__", "")
        if module == "os" and code.co_name == "__getitem__" and isinstance(exc, KeyError):
            found["variable"] = str(local.get("key"))
        elif module.startswith("environ") and code.co_name == "get_value":
            found["variable"] = str(local.get("var"))
        elif module.startswith("decouple") and code.co_name in ("get", "__call__"):
            if isinstance(local.get("option"), str):
                found["variable"] = local["option"]
        elif module == "django.conf" and code.co_name == "__getattr__":
            if isinstance(local.get("name"), str):
                found["setting"] = local["name"]
    return found


def _environment_name(node: ast.AST) -> str | None:
    """The variable read by ``os.environ.get("X")``, ``os.getenv("X")``, ``os.environ["X"]``,
    ``env("X")`` or ``config("X")`` anywhere in ``node``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Subscript) and ast.unparse(sub.value).endswith("environ"):
            if isinstance(sub.slice, ast.Constant) and isinstance(sub.slice.value, str):
                return sub.slice.value
        if isinstance(sub, ast.Call) and sub.args:
            func = ast.unparse(sub.func)
            first = sub.args[0]
            readers = ("environ.get", "getenv", "env", "config")
            if func.split(".")[-1] in ("getenv", "env", "config", "str", "bool", "int") or any(
                func.endswith(r) for r in readers
            ):
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    return first.value
    return None


def main(argv: list[str]) -> int:
    request = json.loads(argv[1])
    project = str(Path(request["project_dir"]).resolve())
    here = str(Path(__file__).resolve().parent)
    # like manage.py: the project's directory first; never this package's own directory
    sys.path[:] = [project] + [p for p in sys.path if p and Path(p).resolve() != Path(here)]
    os.environ["DJANGO_SETTINGS_MODULE"] = request["settings"]
    probe = Probe(request, argv[2])
    try:
        probe.run()
    except BaseException as exc:  # noqa: B036 - report, never crash without a word
        probe.doc["crash"] = probe.error(exc, probe.doc.get("stage", "?"))
    probe.stage("done")
    probe.doc["done"] = True
    probe.save()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
