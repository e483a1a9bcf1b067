"""The ``django`` checks: each reads its part of the probe's one report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from envcheck_django import _diagnose
from envcheck_django._config import SECTION, DjangoConfig
from envcheck_django._run import Report, report

from envcheck import CheckFailed, CheckSkipped, Context, Outcome, Status, ok

ERROR = 40  # django.core.checks.ERROR


def _not_reached(r: Report, stage: str, rootdir: Path) -> None:
    """A stage the probe never got to because it ran out of time (or crashed) before it."""
    hung = r.timed_out and r.stage == stage
    if r.reached(stage) and not hung:
        return
    cfg_timeout = f"{r.seconds:.0f} s"
    if hung:
        raise CheckFailed(
            f"Django did not finish {stage} within the {cfg_timeout} timeout",
            why=_diagnose.hang_reason(stage),
            hint=f"raise timeout in [{SECTION}] if it is only slow; otherwise see why: "
            f"{r.project.command(rootdir, 'check')} (it waits at the same place)",
        )
    if r.timed_out:
        raise CheckSkipped(f"not checked: Django ran out of time earlier, at {r.stage}")
    raise CheckSkipped(f"not checked: the Django process stopped early, at {r.stage}")


def settings(ctx: Context) -> Outcome:
    r = report(ctx)
    doc = r.doc
    if "settings_error" in doc:
        raise _diagnose.settings_failure(doc["settings_error"], r, ctx.rootdir)
    if "crash" in doc:
        raise _diagnose.crash(doc["crash"], r)
    if r.timed_out and "installed_apps" not in doc:
        raise CheckFailed(
            f"importing {r.project.settings} and django.setup() did not finish within "
            f"{r.seconds:.0f} s (stuck at {r.stage})",
            why="the settings module or an app's ready() waits on something at import time "
            "(a network call, a lock, input())",
            hint=f"run {r.project.command(ctx.rootdir, 'check')} to see where it waits, or raise "
            f"timeout in [{SECTION}]",
        )
    if "installed_apps" not in doc:
        raise CheckFailed(
            f"the Django probe ended without a report (exit status {r.returncode})",
            why=r.stderr or "it wrote nothing on stderr",
            hint=f"run {r.project.command(ctx.rootdir, 'check')} with the same interpreter",
        )
    timings = doc.get("timings_ms", {})
    return ok(
        f"{r.project.settings} imported, django.setup() done (Django {doc.get('django_version')})",
        django_version=doc.get("django_version"),
        settings_module=r.project.settings,
        settings_from=r.project.source,
        settings_file=doc.get("settings_file"),
        debug=doc.get("debug"),
        installed_apps=doc.get("installed_apps"),
        setup_ms=timings.get("django.setup()"),
    )


def system_checks(ctx: Context) -> Outcome:
    r = report(ctx)
    _not_reached(r, "system checks", ctx.rootdir)
    if "checks_error" in r.doc:
        err = r.doc["checks_error"]
        raise CheckFailed(
            f"Django's system checks raised {err['type']}: {err['message']}",
            why=_diagnose.located(err),
            hint=f"{r.project.command(ctx.rootdir, 'check')} shows the traceback",
        )
    cfg: DjangoConfig = ctx.section
    found = r.doc.get("checks", [])
    errors = [m for m in found if m["level"] >= ERROR]
    warnings = [m for m in found if m["level"] < ERROR]
    deploy = " --deploy" if cfg.deploy else ""
    facts: dict[str, Any] = {
        "errors": [m["id"] for m in errors],
        "warnings": [m["id"] for m in warnings],
        "deploy": cfg.deploy,
    }
    shown = errors or warnings
    if not shown:
        what = "system checks" + (" (with deployment checks)" if cfg.deploy else "")
        return ok(f"no issues in Django's {what}", **facts)
    ids = ", ".join(m["id"] for m in shown[:6]) + (", ..." if len(shown) > 6 else "")
    why = "\n".join(_message(m) for m in errors + warnings)
    hints = [f"{m['id']}: {m['hint']}" for m in shown if m.get("hint")]
    hint = "; ".join(hints[:3] + [f"{r.project.command(ctx.rootdir, 'check' + deploy)} lists them"])
    if errors:
        more = f" (and {len(warnings)} warnings)" if warnings else ""
        raise CheckFailed(
            f"{len(errors)} system check error{'s' if len(errors) > 1 else ''}{more}: {ids}",
            why=why,
            hint=hint,
            facts=facts,
        )
    summary = f"{len(warnings)} system check warning{'s' if len(warnings) > 1 else ''}: {ids}"
    return Outcome(Status.WARN, summary, facts, hint=hint, why=why)


def _message(m: dict[str, Any]) -> str:
    obj = f"{m['obj']}: " if m.get("obj") else ""
    return f"{m['id']}: {obj}{m['msg']}"


def _alias(r: Report, kind: str, alias: str, rootdir: Path) -> dict[str, Any]:
    found: dict[str, Any] = r.doc.get(kind) or {}
    info = found.get(alias)
    if not isinstance(info, dict) or not info:
        _not_reached(r, f"{'database' if kind == 'databases' else 'cache'} {alias}", rootdir)
        raise CheckSkipped(f"not checked: {alias!r} is not in the probe's report")
    if info.get("missing"):
        setting = kind.upper()
        raise CheckFailed(
            f"settings.{setting} has no alias {alias!r}",
            why=f"its aliases: {', '.join(info.get('known', [])) or 'none'}",
            hint=f"fix {kind} in [{SECTION}] (or add {alias!r} to {setting})",
        )
    return info


def database(alias: str, ctx: Context) -> Outcome:
    r = report(ctx)
    info = _alias(r, "databases", alias, ctx.rootdir)
    _not_reached(r, f"database {alias}", ctx.rootdir)
    if "error" in info:
        raise _diagnose.database_failure(alias, info, r, ctx.rootdir)
    where = _diagnose.db_where(info)
    return ok(
        f"{info['display_name']} {info.get('version', '?')} at {where}",
        engine=info.get("engine"),
        server_version=info.get("version"),
        connect_ms=info.get("connect_ms"),
    )


def migrations(alias: str, ctx: Context) -> Outcome:
    r = report(ctx)
    info = _alias(r, "databases", alias, ctx.rootdir)
    _not_reached(r, f"migrations {alias}", ctx.rootdir)
    on = "" if alias == "default" else f" --database={alias}"
    if "migrations_error" in info:
        err = info["migrations_error"]
        raise CheckFailed(
            f"loading the migrations failed: {err['type']}: {err['message']}",
            why=_diagnose.located(err),
            hint=f"{r.project.command(ctx.rootdir, 'showmigrations' + on)} shows the same error",
        )
    m = info.get("migrations")
    if not isinstance(m, dict):
        raise CheckSkipped("not checked: the migrations were not read")
    if m["conflicts"]:
        apps = "; ".join(f"{app}: {', '.join(names)}" for app, names in m["conflicts"].items())
        raise CheckFailed(
            f"conflicting migrations (two leaf nodes) in {apps}",
            why="two branches added migrations to the same app; `migrate` refuses to run until "
            "they are merged",
            hint=r.project.command(ctx.rootdir, "makemigrations", "--merge"),
        )
    unapplied: list[list[str]] = m["unapplied"]
    facts: dict[str, Any] = {"applied": m["applied"], "unapplied": len(unapplied)}
    if unapplied:
        per_app: dict[str, int] = {}
        for app, _ in unapplied:
            per_app[app] = per_app.get(app, 0) + 1
        apps = ", ".join(f"{app} ({n})" for app, n in per_app.items())
        names = [f"{app}.{name}" for app, name in unapplied]
        listed = ", ".join(names[:12]) + (
            f", ... ({len(names) - 12} more)" if len(names) > 12 else ""
        )
        table = "" if m["table"] else " (the django_migrations table does not exist yet)"
        raise CheckFailed(
            f"{len(unapplied)} unapplied migration{'s' if len(unapplied) > 1 else ''} on "
            f"{alias!r}: {apps}{table}",
            why=f"not yet applied: {listed}",
            hint=r.project.command(ctx.rootdir, "migrate" + on),
            facts=facts,
        )
    return ok(f"all {m['applied']} migrations applied on {alias!r}", **facts)


def models(ctx: Context) -> Outcome:
    r = report(ctx)
    _not_reached(r, "model changes", ctx.rootdir)
    doc = r.doc
    if doc.get("conflicts"):
        raise CheckSkipped(
            "not checked: conflicting migrations must be merged first",
            hint=r.project.command(ctx.rootdir, "makemigrations", "--merge"),
        )
    if "model_changes_error" in doc:
        err = doc["model_changes_error"]
        raise CheckFailed(
            f"comparing models with migrations failed: {err['type']}: {err['message']}",
            why=_diagnose.located(err),
            hint=r.project.command(ctx.rootdir, "makemigrations", "--check", "--dry-run"),
        )
    changes: dict[str, list[str]] = doc.get("model_changes") or {}
    if changes:
        apps = ", ".join(f"{app} ({len(ops)})" for app, ops in changes.items())
        why = "; ".join(f"{app}: {', '.join(ops)}" for app, ops in changes.items())
        raise CheckFailed(
            f"models changed without a migration: {apps}",
            why=f"{why} (what `makemigrations --check --dry-run` reports)",
            hint=f"{r.project.command(ctx.rootdir, 'makemigrations')}, then commit the new "
            "migration files and apply them",
            facts={"apps": sorted(changes)},
        )
    return ok("every model change has its migration")


def cache(alias: str, ctx: Context) -> Outcome:
    r = report(ctx)
    info = _alias(r, "caches", alias, ctx.rootdir)
    _not_reached(r, f"cache {alias}", ctx.rootdir)
    backend = str(info.get("backend", ""))
    short = (
        backend.rsplit(".", 2)[-2] + "." + backend.rsplit(".", 1)[-1] if "." in backend else backend
    )
    where = f" at {info['location']}" if info.get("location") else ""
    if "error" in info:
        raise _diagnose.cache_failure(alias, info, r, ctx.rootdir)
    facts: dict[str, Any] = {"backend": backend, "round_trip_ms": info.get("ms")}
    if not info.get("stored"):
        if backend.endswith("DummyCache"):
            return Outcome(
                Status.WARN,
                f"CACHES[{alias!r}] is DummyCache: nothing is ever cached",
                facts,
                hint="use RedisCache or LocMemCache in CACHES if the app relies on its cache",
            )
        raise CheckFailed(
            f"{short}{where} did not return the value just stored",
            why="a set followed by a get lost the value: the server evicts at once (maxmemory "
            "too small) or the backend is misconfigured",
            hint=f"check CACHES[{alias!r}] in {r.doc.get('settings_file')}",
            facts=facts,
        )
    if info.get("left"):
        raise CheckFailed(
            f"{short}{where} still returns the probe key after deleting it",
            hint=f"check CACHES[{alias!r}] (KEY_FUNCTION, VERSION) in {r.doc.get('settings_file')}",
            facts=facts,
        )
    return ok(f"{short}{where}: set/get/delete in {info.get('ms')} ms", **facts)
