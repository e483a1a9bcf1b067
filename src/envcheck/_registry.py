"""The plugin manager and the checks it collects from every plugin."""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Iterable, Iterator
from typing import Any

import pluggy

from envcheck import hookspecs
from envcheck._model import Check
from envcheck.config import ConfigError, EnvcheckConfig

#: Built-in components: plain envcheck plugins, registered through the same hooks as any other.
BUILTIN_PLUGINS = (
    "envcheck.checks.venv",
    "envcheck.checks.postgres",
    "envcheck.checks.redis",
    "envcheck.checks.providers",
    "envcheck.checks.ollama",
    "envcheck.checks.mcp",
)


def make_plugin_manager(extra_plugins: Iterable[object] = ()) -> pluggy.PluginManager:
    """envcheck's own plugin manager: built-ins, ``envcheck`` entry points, then ``extra_plugins``
    (conftest modules and pytest plugins that implement envcheck hooks)."""
    pm = pluggy.PluginManager("envcheck")
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    pm.load_setuptools_entrypoints("envcheck")
    for plugin in extra_plugins:
        if pm.is_registered(plugin):
            continue
        try:
            pm.register(plugin)
        except pluggy.PluginValidationError as exc:
            where = getattr(exc.plugin, "__file__", None) or repr(exc.plugin)
            detail = " ".join(str(exc).split())
            raise ConfigError(
                f"envcheck: invalid hook implementation in {where}: {detail}"
            ) from None
    return pm


def _each(pm: pluggy.PluginManager, hook: str, **kwargs: Any) -> Iterator[Any]:
    """Call every implementation of ``hook`` in pluggy's order, materialising what it yields.

    A plugin that raises is named in a :class:`ConfigError` (a usage error, not a crash)."""
    for impl in reversed(getattr(pm.hook, hook).get_hookimpls()):
        try:
            produced = impl.function(*[kwargs[name] for name in impl.argnames])
            if hook == "envcheck_checks" and produced is not None:
                produced = list(produced)
        except Exception as exc:  # noqa: BLE001 - a plugin's bug becomes one clear message
            raise _plugin_failed(impl, hook, exc) from None
        yield produced


def _plugin_failed(impl: Any, hook: str, exc: Exception) -> ConfigError:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    plugin = getattr(impl.plugin, "__file__", None) or impl.plugin_name
    return ConfigError(
        f"envcheck: the plugin {plugin} failed in {hook}: {type(exc).__name__}: {exc}{where}\n"
        "  fix that plugin (or run without it: -p no:envcheck disables every envcheck check)"
    )


def config_models(pm: pluggy.PluginManager) -> dict[str, Any]:
    models: dict[str, Any] = {}
    for contribution in _each(pm, "envcheck_config_sections"):
        for name, model in (contribution or {}).items():
            if name in models and models[name] is not model:
                raise ConfigError(f"envcheck: two plugins define [tool.envcheck.{name}]")
            models[name] = model
    return models


def default_config(pm: pluggy.PluginManager, environ: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for contribution in _each(pm, "envcheck_default_config", environ=environ):
        merged.update(contribution or {})
    return merged


def collect_checks(pm: pluggy.PluginManager, config: EnvcheckConfig) -> dict[str, Check]:
    """Every check of every plugin, by id, with ``depends_on`` resolved to ids."""
    found: list[Check] = []
    for produced in _each(pm, "envcheck_checks", config=config):
        for check in produced or ():
            if not isinstance(check, Check):
                raise ConfigError(
                    f"envcheck: a plugin's envcheck_checks yielded {check!r}; "
                    "yield envcheck.Check(...) objects"
                )
            found.append(check)
    checks: dict[str, Check] = {}
    for check in found:
        if check.id in checks:
            raise ConfigError(f"envcheck: two checks are named {check.id!r}; rename one")
        checks[check.id] = check
    default = config.settings.timeout
    resolved = {cid: _resolve_dependencies(check, checks, default) for cid, check in checks.items()}
    _reject_cycles(resolved)
    return resolved


def _resolve_dependencies(check: Check, checks: dict[str, Check], default_timeout: float) -> Check:
    ids: list[str] = []
    for ref in check.depends_on:
        if ref in checks:
            ids.append(ref)
            continue
        local = f"{check.component}/{ref}"
        matches = [cid for cid in checks if cid.split("/", 1)[1] == ref]
        if local in checks:
            ids.append(local)
        elif len(matches) == 1:
            ids.append(matches[0])
        else:
            why = "is ambiguous" if matches else "names no known check"
            raise ConfigError(
                f"envcheck: check {check.id!r} depends on {ref!r}, which {why}; "
                "use the full id 'component/name'"
            )
    return Check(
        name=check.name,
        component=check.component,
        run=check.run,
        description=check.description,
        depends_on=tuple(ids),
        timeout=check.timeout if check.timeout is not None else default_timeout,
        section=check.section,
    )


def _reject_cycles(checks: dict[str, Check]) -> None:
    state: dict[str, int] = {}

    def visit(cid: str, path: list[str]) -> None:
        if state.get(cid) == 2:
            return
        if state.get(cid) == 1:
            cycle = " -> ".join([*path[path.index(cid) :], cid])
            raise ConfigError(f"envcheck: checks depend on each other in a cycle: {cycle}")
        state[cid] = 1
        for dep in checks[cid].depends_on:
            visit(dep, [*path, cid])
        state[cid] = 2

    for cid in checks:
        visit(cid, [])
