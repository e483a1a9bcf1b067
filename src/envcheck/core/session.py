"""What a pytest session tells envcheck: the project it checks and the plugins with envcheck hooks.

Below the engine and free of heavy imports: the plugin asks these cheap questions before deciding
whether envcheck has anything to do.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import pytest


def project_root(config: pytest.Config) -> Path:
    """The project envcheck checks: pytest's rootdir, unless pytest only took the common ancestor
    of its arguments (``--envcheck-config /elsewhere/envcheck.toml`` makes that ``/``): then the
    nearest directory with a ``pyproject.toml`` from where pytest was started."""
    root = config.rootpath
    here = config.invocation_params.dir
    if config.inipath is not None or (root / "pyproject.toml").is_file():
        return root
    if here == root or root not in here.parents:
        return root
    for candidate in (here, *here.parents):
        if candidate == root:
            break
        if (candidate / "pyproject.toml").is_file():
            return candidate
    return here


def nothing_to_check(config: pytest.Config) -> str:
    """Why a session has no checks, naming the project looked at; in a monorepo run from its
    root, the project the running virtualenv belongs to (``services/api/.venv``)."""
    root = project_root(config)
    found = root / "pyproject.toml"
    where = (
        f"{found} has no [tool.envcheck]" if found.is_file() else f"{root} has no pyproject.toml"
    )
    prefix = Path(sys.prefix).resolve()
    owner = prefix.parent
    if sys.prefix != sys.base_prefix and owner != root and (owner / "pyproject.toml").is_file():
        return (
            f"envcheck has nothing to check here ({where}); the running virtualenv {prefix} "
            f"belongs to the project {owner}: run it there (cd {owner}), or pass "
            "--envcheck-defaults to check from here"
        )
    return f"envcheck has nothing to check here ({where}): add [tool.envcheck] (envcheck init)"


def hook_plugins(config: pytest.Config) -> list[object]:
    """conftest modules and pytest plugins that implement envcheck hooks.

    pytest's own manager ignores hook names without the ``pytest_`` prefix, so envcheck registers
    them with its own manager.
    """
    found = []
    for plugin in config.pluginmanager.get_plugins():
        if plugin is None or isinstance(plugin, type):
            continue
        names = [name for name in dir(plugin) if name.startswith("envcheck_")]
        # functions marked with @envcheck.hookimpl carry an ``envcheck_impl`` attribute
        if any(hasattr(getattr(plugin, name, None), "envcheck_impl") for name in names):
            found.append(plugin)
    return found


class Gate(Protocol):
    """What a fixture made by :func:`envcheck.kit.require_checks` asks the running session: the
    envcheck plugin stores one in ``config.stash[GATE_KEY]`` when it configures pytest."""

    def require(self, request: pytest.FixtureRequest, check_ids: Sequence[str]) -> list[Any]:
        """Wait for the checks; skip or fail the test unless every one passed."""

    def section(self, component: str) -> Any:
        """The validated config of the component's default instance (``None`` if absent)."""

    @property
    def rootdir(self) -> Path:
        """The project checked."""


GATE_KEY: pytest.StashKey[Gate] = pytest.StashKey()
