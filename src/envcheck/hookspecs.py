"""The hooks envcheck calls. Plugins implement them with :data:`envcheck.hookimpl`.

Implementations may accept any subset of a hook's arguments, so hooks can gain arguments later
without breaking plugins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from envcheck.core.config import EnvcheckConfig
    from envcheck.core.fix import Step, StepResult
    from envcheck.core.model import Check

hookspec = pluggy.HookspecMarker("envcheck")
hookimpl = pluggy.HookimplMarker("envcheck")


@hookspec
def envcheck_config_sections() -> Mapping[str, type[Any]] | None:
    """Return the ``[tool.envcheck.<name>]`` tables this plugin reads, as ``{name: model}``.

    ``model`` is a pydantic model (or any type pydantic can validate); envcheck validates the table
    with it and reports mistakes as usage errors naming the dotted key.
    """


@hookspec
def envcheck_default_config(environ: Mapping[str, str], rootdir: Path) -> Mapping[str, Any] | None:
    """Without any ``[tool.envcheck]``: return the sections to check, read from standard
    environment variables (e.g. ``{"postgres": {"dsn": "${DATABASE_URL}"}}``) or derived from the
    project in ``rootdir`` (the venv component reads its ``pyproject.toml``), or ``None``."""


@hookspec
def envcheck_checks(config: EnvcheckConfig) -> Iterable[Check] | None:
    """Yield the :class:`envcheck.Check` objects of this plugin for the given configuration."""


@hookspec(firstresult=True)
def envcheck_apply_step(step: Step, config: EnvcheckConfig) -> StepResult | None:
    """Apply a fix step that is sent to a server (:class:`~envcheck.kit.Sql`,
    :class:`~envcheck.kit.RedisCommand`, or a plugin's own kind of step) and say how it went; return
    ``None`` for a step this plugin does not handle. Called by ``envcheck fix`` after the user
    agreed; commands and file edits are applied by envcheck itself."""
