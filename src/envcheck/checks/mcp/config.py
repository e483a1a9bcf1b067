"""The ``mcp`` component's configuration: the ``[tool.envcheck.mcp]`` models and :class:`Server`.

They live with the component, not in :mod:`envcheck.mcpkit`: they describe envcheck's own
``pyproject.toml`` table, which the MCP client library has no business knowing. mcpkit works on a
resolved :class:`~envcheck.mcpkit.spec.ServerSpec` (what a plugin such as Sourcegraph's builds from
its own config); :mod:`envcheck.checks.mcp.target` turns a :class:`Server` into one. ``envcheck
mcp`` (:mod:`envcheck.cli.mcp`, a console script, which may import components) lists them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pydantic

if TYPE_CHECKING:
    from envcheck.mcpkit.spec import Declared

COMPONENT = "mcp"
#: where a configured server is declared (``Server.origin``); discovered ones carry their label
PYPROJECT = "pyproject"
#: The most servers one run checks (configured ones first, then those of the client config files
#: in their order); beyond it the ``servers`` check fails, saying how many were left out.
MAX_SERVERS = 100


class SmokeCallConfig(pydantic.BaseModel):
    """``call = { tool = "...", arguments = {...}, expect = "..." }``."""

    model_config = pydantic.ConfigDict(extra="forbid")

    tool: str
    arguments: dict[str, Any] = {}
    expect: str | None = None


class McpServerConfig(pydantic.BaseModel):
    """``[tool.envcheck.mcp.servers.NAME]``: a stdio server (``command``) or an HTTP one."""

    model_config = pydantic.ConfigDict(extra="forbid")

    command: str | None = None
    args: list[str] = []
    env: dict[str, str] = {}
    #: a ``.env``-style file of more variables for the server (VS Code's and Cursor's
    #: ``envFile``); ``env`` wins over it
    env_file: str | None = None
    cwd: str | None = None
    url: str | None = None
    transport: Literal["stdio", "http", "sse", "auto"] | None = None
    headers: dict[str, str] = {}
    expect_tools: list[str] = []
    call: SmokeCallConfig | None = None
    timeout: float | None = pydantic.Field(default=None, gt=0)
    enabled: bool = True

    @pydantic.model_validator(mode="after")
    def _one_way_to_reach_it(self) -> McpServerConfig:
        if (self.command is None) == (self.url is None):
            raise ValueError(
                'give either command = "..." (a stdio server) or url = "http://..." (an HTTP '
                "server), not both and not neither"
            )
        if self.command is not None and self.transport not in (None, "stdio"):
            raise ValueError(f'transport = "{self.transport}" needs url, not command')
        if self.url is not None and self.env_file is not None:
            raise ValueError("env_file is for stdio servers (command), not url")
        if self.url is not None and self.transport == "stdio":
            raise ValueError('transport = "stdio" needs command, not url')
        return self

    @property
    def kind(self) -> str:
        """``stdio``, ``http`` (streamable HTTP), ``sse``, or ``auto`` (streamable HTTP, then SSE
        when that is refused with 400/404/405, as MCP clients fall back)."""
        if self.command is not None:
            return "stdio"
        return self.transport or (
            "sse" if (self.url or "").rstrip("/").endswith("/sse") else "http"
        )


class McpConfig(pydantic.BaseModel):
    """``[tool.envcheck.mcp]``."""

    model_config = pydantic.ConfigDict(extra="forbid")

    discover: bool = True
    timeout: float = pydantic.Field(default=10.0, gt=0)
    servers: dict[str, McpServerConfig] = {}


class Server:
    """A server to check: its validated table and where it was declared.

    ``base`` is the directory its relative ``command``, ``args`` and ``cwd`` mean something in:
    the directory of the file that declared it (the project root), never the current directory.
    ``origin`` is :data:`PYPROJECT` or the label of the client config file (``cursor``...).
    ``declared`` is the file and entry a fix edits; ``expand`` is false where the client passes
    ``${VAR}`` on as written (Claude Desktop expands nothing); ``raw`` is the entry as its file
    writes it (``None``: as ``table`` says, a table of ``[tool.envcheck.mcp.servers]``).
    """

    def __init__(
        self,
        name: str,
        table: McpServerConfig,
        source: str,
        settings: str,
        timeout: float,
        *,
        base: Path,
        origin: str = PYPROJECT,
        declared: Declared | None = None,
        expand: bool = True,
        raw: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.table = table
        self.source = source
        self.settings = settings
        self.timeout = table.timeout or timeout
        self.base = base
        self.origin = origin
        self.declared = declared
        self.expand = expand
        self.raw = raw
