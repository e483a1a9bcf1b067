"""envcheck plugin for Sourcegraph: the instance, its access token, the ``src`` CLI, editor
extensions and the instance's MCP endpoint.

Loaded through the ``envcheck`` entry-point group, like any team's plugin. Component
``sourcegraph``, configured by ``[tool.envcheck.sourcegraph]``; without any ``[tool.envcheck]``,
from ``SRC_ENDPOINT`` and ``SRC_ACCESS_TOKEN`` (the ``src`` CLI's variables). With neither, it
contributes nothing. Checks, in dependency order: ``endpoint`` → ``token`` → ``mcp``;
``endpoint`` → ``src-cli``; ``editor``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from envcheck_sourcegraph._config import (
    COMPONENT,
    ENDPOINT_VARIABLE,
    TOKEN_VARIABLE,
    SourcegraphConfig,
)

import envcheck
from envcheck import kit

if TYPE_CHECKING:
    from envcheck.kit import EnvcheckConfig

__all__ = ["COMPONENT", "SourcegraphConfig"]
__version__ = "0.1.0"


@envcheck.hookimpl
def envcheck_config_sections() -> dict[str, Any]:
    return {COMPONENT: SourcegraphConfig}


@envcheck.hookimpl
def envcheck_default_config(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """Checked without configuration only when the src CLI's variables are set."""
    if environ.get(ENDPOINT_VARIABLE) or environ.get(TOKEN_VARIABLE):
        return {COMPONENT: {}}
    return None


@envcheck.hookimpl
def envcheck_checks(config: EnvcheckConfig) -> Iterator[envcheck.Check]:
    cfg: SourcegraphConfig | None = config.section(COMPONENT)
    if cfg is None:
        return
    from envcheck_sourcegraph import _api, _editor, _mcp, _srccli

    sourcegraph = kit.Component(COMPONENT, section=cfg, timeout=cfg.timeout)
    yield sourcegraph.check("endpoint", _api.endpoint_check, "the instance answers its GraphQL API")
    yield sourcegraph.check("token", _api.token_check, "the access token is accepted", "endpoint")
    if cfg.src_cli is not False:
        yield sourcegraph.check(
            "src-cli", _srccli.src_cli_check, "the src CLI suits the instance", "endpoint"
        )
    if cfg.editor:
        yield sourcegraph.check("editor", _editor.editor_check, "a Sourcegraph editor extension")
    if cfg.mcp is not False:
        yield sourcegraph.check(
            "mcp", _mcp.mcp_check, "the instance's MCP endpoint (initialize, tools)", "token"
        )
