"""One session's envcheck state: configuration, checks and the runner that produces results."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pluggy
import pytest

from envcheck.core.config import EnvcheckConfig, load, project_environment
from envcheck.core.model import Check
from envcheck.core.session import hook_plugins, project_root
from envcheck.engine import registry as _registry
from envcheck.engine.runner import Runner
from envcheck.engine.store import FileStore, MemoryStore, Store


@dataclass
class Engine:
    config: EnvcheckConfig
    checks: dict[str, Check]
    runner: Runner
    #: the plugin manager the checks came from (``envcheck fix`` applies server steps through it)
    plugins: pluggy.PluginManager | None = None

    @property
    def components(self) -> list[str]:
        return sorted({check.component for check in self.checks.values()})


def _store(pytest_config: pytest.Config) -> Store:
    workerinput = getattr(pytest_config, "workerinput", None)
    if workerinput is None:
        return MemoryStore()
    basetemp = pytest_config.option.basetemp
    base = Path(basetemp).parent if basetemp else Path(tempfile.gettempdir())
    return FileStore(base / f"envcheck-{workerinput['testrunuid']}")


def build(pytest_config: pytest.Config, *, force: bool = False) -> Engine | None:
    """Build the engine, or return ``None`` when envcheck has nothing to do in this session.

    Raises :class:`envcheck.core.config.ConfigError` for a configuration that cannot be used.
    """
    plugins = hook_plugins(pytest_config)
    pm = _registry.make_plugin_manager(plugins)
    explicit = pytest_config.getoption("envcheck_config")
    use_defaults = bool(pytest_config.getoption("envcheck_defaults"))
    rootdir = project_root(pytest_config)
    explicit_path = Path(explicit) if explicit else None
    environ, env_files = project_environment(rootdir, explicit_path, os.environ)
    defaults = _registry.default_config(pm, environ, rootdir) if use_defaults else None
    if defaults is None and (plugins or force):
        defaults = {}  # plugins' checks run even without [tool.envcheck]
    config = load(
        rootdir=rootdir,
        explicit=explicit_path,
        models=_registry.config_models(pm),
        defaults=defaults,
        from_environment=use_defaults,
        record_mode=pytest_config.getoption("envcheck_record"),
        environ=environ,
        env_files=env_files,
        fill=lambda: _set_up_by_environment(pm, environ, rootdir),
    )
    if config is None:
        return None
    # pytest's cache (absent with -p no:cacheprovider): checks keep slow answers there
    config.extra["pytest_cache"] = getattr(pytest_config, "cache", None)
    checks = _registry.collect_checks(pm, config)
    return Engine(config, checks, Runner(checks, config, _store(pytest_config)), pm)


def _set_up_by_environment(
    pm: pluggy.PluginManager, environ: Mapping[str, str], rootdir: Path
) -> dict[str, Any]:
    """The default sections the environment's variables chose (``OPENAI_API_KEY``,
    ``DATABASE_URL``, ``OLLAMA_HOST``): those the defaults give differently without them. They
    fill a ``[tool.envcheck]`` that lacks them: an exported key is checked whether or not
    ``envcheck init`` ran. A component at an address nobody chose (the client's default,
    ``required = false``) is left out."""
    chosen = _registry.default_config(pm, environ, rootdir)
    if not chosen:
        return {}
    bare = _registry.default_config(pm, {}, rootdir)
    return {
        name: section
        for name, section in chosen.items()
        if section != bare.get(name)
        and not (isinstance(section, Mapping) and section.get("required") is False)
    }
