"""envcheck plugin: a Django project checked through Django itself (component ``django``).

Checks, in dependency order: ``settings`` (the settings module imports and ``django.setup()``
succeeds) → ``system-checks`` (Django's check framework, ``--deploy`` when configured),
``database[ALIAS]`` (connect and ``SELECT 1``) → ``migrations[ALIAS]`` (unapplied migrations,
conflicts), ``models`` (model changes without a migration), ``cache[ALIAS]`` (a set/get/delete
round-trip). Django runs in one subprocess of the project's interpreter that reports once for all
checks; nothing of Django is imported into the process that runs pytest.

Without ``[tool.envcheck.django]`` this plugin adds no checks (in the console script's default
mode: only when ``DJANGO_SETTINGS_MODULE`` is set).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from envcheck_django._config import COMPONENT, DjangoConfig

from envcheck import Check, hookimpl, kit

__all__ = ["DjangoConfig"]


@hookimpl
def envcheck_config_sections() -> dict[str, Any]:
    return {COMPONENT: DjangoConfig}


@hookimpl
def envcheck_default_config(environ: Mapping[str, str]) -> dict[str, Any] | None:
    if environ.get("DJANGO_SETTINGS_MODULE"):
        return {COMPONENT: {}}
    return None


@hookimpl
def envcheck_checks(config: Any) -> Iterator[Check]:
    cfg: DjangoConfig | None = config.section(COMPONENT)
    if cfg is None:
        return
    from envcheck_django import _checks
    from envcheck_django._run import discover

    databases, caches = discover(cfg, config.rootdir)
    timeout = cfg.timeout + 5  # the probe's own timeout, and time to read its report

    django = kit.Component(COMPONENT, section=cfg, timeout=timeout)
    yield django.check(
        "settings", _checks.settings, "the settings import and django.setup() succeeds"
    )
    yield django.check(
        "system-checks", _checks.system_checks, "Django's system checks pass", "settings"
    )
    for alias in databases:
        yield django.check(
            f"database[{alias}]",
            functools.partial(_checks.database, alias),
            f"database {alias!r} connects through Django's backend",
            "settings",
        )
        if cfg.migrations:
            yield django.check(
                f"migrations[{alias}]",
                functools.partial(_checks.migrations, alias),
                f"every migration is applied on {alias!r}",
                f"database[{alias}]",
            )
    if cfg.migrations:
        yield django.check(
            "models", _checks.models, "every model change has a migration", "settings"
        )
    for alias in caches:
        yield django.check(
            f"cache[{alias}]",
            functools.partial(_checks.cache, alias),
            f"cache {alias!r} stores, returns and deletes a key",
            "settings",
        )
