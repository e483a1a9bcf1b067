"""The plugin manager and the checks it collects from every plugin."""

from __future__ import annotations

import importlib
import importlib.metadata
import traceback
import typing
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pluggy

from envcheck import hookspecs
from envcheck.core import model as _model
from envcheck.core import redact
from envcheck.core import stdlib as _stdlib
from envcheck.core.config import ConfigError, EnvcheckConfig, Instances
from envcheck.core.model import Check, CheckFailed, InvalidCheck
from envcheck.engine import results as _results

T = TypeVar("T")

#: Built-in components: plain envcheck plugins, registered through the same hooks as any other.
BUILTIN_PLUGINS = (
    "envcheck.checks.venv.hooks",
    "envcheck.checks.postgres.hooks",
    "envcheck.checks.redis.hooks",
    "envcheck.checks.providers.hooks",
    "envcheck.checks.ollama.hooks",
    "envcheck.checks.mcp.hooks",
)


def make_plugin_manager(extra_plugins: Iterable[object] = ()) -> pluggy.PluginManager:
    """envcheck's own plugin manager: built-ins, ``envcheck`` entry points, then ``extra_plugins``
    (conftest modules and pytest plugins that implement envcheck hooks)."""
    pm = pluggy.PluginManager("envcheck")
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            missing = _stdlib.missing_stdlib(exc)
            if missing is None:
                raise
            # this Python lacks a standard-library module the component imports (ssl without
            # OpenSSL): the component cannot run, the others still do
            pm.register(Unavailable(name.split(".")[2], missing, exc), name=name)
            continue
        pm.register(module, name=name)
    _load_entry_points(pm)
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


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    """The ``envcheck`` entry points of the installed distributions, as pluggy's
    ``load_setuptools_entrypoints`` loads them, one at a time: a plugin that cannot be imported
    is named with its distribution and its error (a usage error, not a crash); one that lacks a
    standard-library module of this Python is :class:`Unavailable` like a built-in."""
    for dist in list(importlib.metadata.distributions()):
        for ep in dist.entry_points:
            if ep.group != "envcheck" or pm.has_plugin(ep.name) or pm.is_blocked(ep.name):
                continue
            try:
                plugin = ep.load()
            except (KeyboardInterrupt, GeneratorExit):
                raise
            except BaseException as exc:  # noqa: B036 - a plugin's import error, named
                missing = _stdlib.missing_stdlib(exc)
                if isinstance(exc, ImportError) and missing is not None:
                    pm.register(Unavailable(ep.name, missing, exc), name=ep.name)
                    continue
                owner = dist.metadata["Name"] or "?"
                raise ConfigError(
                    f"envcheck: the plugin {ep.name} (entry point {ep.value} of {owner} "
                    f"{dist.version}) cannot be imported: {type(exc).__name__}: "
                    f"{_results.text(exc)}\n"
                    f"  install what it needs into this environment, or uninstall {owner} (or "
                    "run without it: -p no:envcheck disables every envcheck check)"
                ) from None
            pm.register(plugin, name=ep.name)
            _DISTRIBUTIONS.setdefault(pm, []).append((plugin, dist))


#: the distribution of each plugin loaded from an entry point, per plugin manager
_DISTRIBUTIONS: weakref.WeakKeyDictionary[
    pluggy.PluginManager, list[tuple[object, importlib.metadata.Distribution]]
] = weakref.WeakKeyDictionary()


def plugin_distributions(
    pm: pluggy.PluginManager,
) -> list[tuple[object, importlib.metadata.Distribution]]:
    """Each plugin loaded from an ``envcheck`` entry point, with the distribution it came from."""
    return list(_DISTRIBUTIONS.get(pm, []))


class Unavailable:
    """A built-in component that this Python cannot import, because a module of its standard
    library is missing: its section is accepted as written (nothing can validate it) and, where
    it is configured, one check says why none of its checks can run, and how this interpreter
    gets the module back."""

    def __init__(self, component: str, module: str, error: ImportError) -> None:
        self.component = component
        self.module = module
        self.error = f"{type(error).__name__}: {error}"

    @hookspecs.hookimpl
    def envcheck_config_sections(self) -> dict[str, Any]:
        return {self.component: dict[str, Any]}

    @hookspecs.hookimpl
    def envcheck_checks(self, config: EnvcheckConfig) -> Iterator[Check]:
        if config.is_configured(self.component):
            yield Check(
                name="python",
                component=self.component,
                run=self._fail,
                description=f"this Python can run the {self.component} checks",
            )

    def _fail(self, ctx: Any) -> None:
        known = _stdlib.OPTIONAL.get(self.module)
        needs = f" ({known.needed_by})" if known is not None else ""
        raise CheckFailed(
            f"the {self.component} checks cannot run: this Python cannot import "
            f"{_stdlib.describe(self.module)}: {self.error}",
            why=f"the interpreter {_stdlib.interpreter()} was built without that module, or the "
            f"library it loads is gone; envcheck's {self.component} checks and the clients "
            f"they use need it{needs}",
            fix=_stdlib.rebuild_fix([self.module]),
        )


def _each(pm: pluggy.PluginManager, hook: str, **kwargs: Any) -> Iterator[tuple[Any, Any]]:
    """Call every implementation of ``hook`` in pluggy's order, materialising what it yields.

    A plugin that raises (even ``SystemExit``) is named in a :class:`ConfigError` (a usage error,
    not a crash)."""
    for impl in reversed(getattr(pm.hook, hook).get_hookimpls()):
        try:
            produced = impl.function(*[kwargs[name] for name in impl.argnames])
            if hook == "envcheck_checks" and produced is not None:
                if isinstance(produced, (str, bytes, Mapping)) or not isinstance(
                    produced, Iterable
                ):
                    raise _wrong_shape(impl, hook, produced, "an iterable of envcheck.Check")
                produced = list(produced)
        except ConfigError:
            raise
        except InvalidCheck as exc:
            raise _invalid_check(impl, exc) from None
        except (KeyboardInterrupt, GeneratorExit):
            raise
        except BaseException as exc:  # noqa: B036 - a plugin's bug becomes one clear message
            raise _plugin_failed(impl, hook, exc) from None
        yield impl, produced


def plugin_name(impl: Any) -> str:
    """The file of the plugin behind a hook implementation (or its registered name)."""
    return str(getattr(impl.plugin, "__file__", None) or impl.plugin_name)


def _wrong_shape(impl: Any, hook: str, produced: Any, wanted: str) -> ConfigError:
    shown = redact.clean(repr(produced), 80)
    return ConfigError(
        f"envcheck: the plugin {plugin_name(impl)} returned {shown} from {hook}; "
        f"it must return {wanted}\n"
        "  fix that plugin (or run without it: -p no:envcheck disables every envcheck check)"
    )


def _plugin_failed(impl: Any, hook: str, exc: BaseException) -> ConfigError:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return ConfigError(
        f"envcheck: the plugin {plugin_name(impl)} failed in {hook}: {type(exc).__name__}: "
        f"{_results.text(exc)}{where}\n"
        "  fix that plugin (or run without it: -p no:envcheck disables every envcheck check)"
    )


def _invalid_check(impl: Any, exc: InvalidCheck) -> ConfigError:
    """Name the line of the plugin that made the check (not envcheck's own frames)."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = (_model.__file__, __file__)
    theirs = [f for f in frames if f.filename not in own and not f.filename.startswith("<")]
    where = f" at {theirs[-1].filename}:{theirs[-1].lineno}" if theirs else ""
    return ConfigError(
        f"envcheck: the plugin {plugin_name(impl)} made an invalid check{where}: {exc}"
    )


def config_models(pm: pluggy.PluginManager) -> dict[str, Any]:
    models: dict[str, Any] = {}
    wanted = "None or {name: model} (a pydantic model class or envcheck.core.config.Instances)"
    for impl, contribution in _each(pm, "envcheck_config_sections"):
        if contribution is None:
            continue
        if not isinstance(contribution, Mapping) or not all(
            isinstance(name, str) and name and _is_model(model)
            for name, model in contribution.items()
        ):
            raise _wrong_shape(impl, "envcheck_config_sections", contribution, wanted)
        for name, model in contribution.items():
            if name in models and models[name] is not model:
                raise ConfigError(f"envcheck: two plugins define [tool.envcheck.{name}]")
            models[name] = model
    return models


def _is_model(model: Any) -> bool:
    return isinstance(model, (type, Instances)) or typing.get_origin(model) is not None


def default_config(
    pm: pluggy.PluginManager, environ: Any, rootdir: Path | None = None
) -> dict[str, Any]:
    """Every plugin's zero-config sections; ``rootdir`` is the project (default: the current
    directory)."""
    merged: dict[str, Any] = {}
    root = Path.cwd() if rootdir is None else rootdir
    for impl, contribution in _each(pm, "envcheck_default_config", environ=environ, rootdir=root):
        if contribution is None:
            continue
        if not isinstance(contribution, Mapping) or not all(
            isinstance(k, str) for k in contribution
        ):
            wanted = "None or {section: table} of the checks to run"
            raise _wrong_shape(impl, "envcheck_default_config", contribution, wanted)
        merged.update(contribution)
    return merged


def collect_checks(pm: pluggy.PluginManager, config: EnvcheckConfig) -> dict[str, Check]:
    """Every check of every plugin, by id, with ``depends_on`` resolved to ids."""
    found: list[Check] = []
    for impl, produced in _each(pm, "envcheck_checks", config=config):
        for check in produced or ():
            if not isinstance(check, Check):
                shown = redact.clean(_results.text(repr(check)), 80)
                raise ConfigError(
                    f"envcheck: the plugin {plugin_name(impl)}: envcheck_checks yielded {shown}; "
                    "yield envcheck.Check(...) objects"
                )
            found.append(check)
    checks: dict[str, Check] = {}
    for check in found:
        if check.id in checks:
            raise ConfigError(f"envcheck: two checks are named {check.id!r}; rename one")
        checks[check.id] = check
    default = config.settings.timeout
    by_name: dict[str, list[str]] = {}
    for cid, check in checks.items():
        by_name.setdefault(check.name, []).append(cid)
    resolved = {
        cid: _resolve_dependencies(check, checks, by_name, default) for cid, check in checks.items()
    }
    _reject_cycles(resolved)
    return resolved


def _resolve_dependencies(
    check: Check, checks: dict[str, Check], by_name: dict[str, list[str]], default_timeout: float
) -> Check:
    ids: list[str] = []
    for ref in check.depends_on:
        if ref in checks:
            ids.append(ref)
            continue
        local = f"{check.component}/{ref}"
        matches = by_name.get(ref, [])
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
    """Depth-first, iteratively (a chain of ten thousand checks is fine), in linear time."""
    state: dict[str, int] = {}
    for root in checks:
        if root in state:
            continue
        path: list[str] = []
        stack: list[tuple[str, Iterator[str]]] = []
        state[root] = 1
        path.append(root)
        stack.append((root, iter(checks[root].depends_on)))
        while stack:
            cid, deps = stack[-1]
            dep = next(deps, None)
            if dep is None:
                stack.pop()
                path.pop()
                state[cid] = 2
            elif state.get(dep) == 1:
                cycle = " -> ".join([*path[path.index(dep) :], dep])
                raise ConfigError(f"envcheck: checks depend on each other in a cycle: {cycle}")
            elif dep not in state:
                state[dep] = 1
                path.append(dep)
                stack.append((dep, iter(checks[dep].depends_on)))


def fold(checks: Mapping[str, Check], combine: Callable[[Check, list[T]], T]) -> dict[str, T]:
    """``combine(check, values of its dependencies)`` for every check, dependencies first,
    iteratively (a chain of ten thousand checks is no deeper than two); dependencies outside
    ``checks`` are left out."""
    values: dict[str, T] = {}
    for root in checks:
        stack = [root]
        while stack:
            cid = stack[-1]
            if cid in values:
                stack.pop()
                continue
            deps = [d for d in checks[cid].depends_on if d in checks]
            pending = [d for d in deps if d not in values]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            values[cid] = combine(checks[cid], [values[d] for d in deps])
    return values


def levels(checks: Mapping[str, Check]) -> dict[str, int]:
    """How deep each check sits in the dependency graph (0: depends on nothing)."""
    return fold(checks, lambda _, deps: 1 + max(deps, default=-1))
