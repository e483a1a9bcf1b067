"""What a probe of one MCP server is given and what it records: the server as configured
(:class:`ServerSpec`), its connection attempts, and the view of a running probe (:class:`Probing`)
that the steps and the diagnosis read."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from envcheck.core.model import Outcome
    from envcheck.mcpkit._stdio import ChildState

STEPS = ("start", "initialize", "tools", "resources", "prompts", "ping", "call")
OTHER = {"http": "sse", "sse": "http"}


@dataclass(frozen=True)
class SmokeCall:
    tool: str
    arguments: dict[str, Any]
    expect: str | None = None


@dataclass(frozen=True)
class ServerSpec:
    """A server with every ``${VAR}`` already resolved (values of ``env`` and ``headers`` are
    registered as secrets by whoever resolved them)."""

    name: str
    settings: str  # where it is declared, for hints: "[tool.envcheck.mcp.servers.x]" or a file
    transport: str  # stdio | http | sse | auto (streamable HTTP, then SSE)
    command: str | None = None
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect_tools: tuple[str, ...] = ()
    call: SmokeCall | None = None
    timeout: float = 10.0
    origin: str = "pyproject"  # or the label of the client config file that declared it

    @property
    def where(self) -> str:
        """How a person would start or reach it."""
        if self.transport == "stdio":
            return shlex.join([self.command or "", *self.args])
        return str(self.url)

    @property
    def look(self) -> str:
        """How a person sees for themselves what the server does."""
        if self.transport == "stdio":
            if self.cwd:
                return f"run `cd {shlex.quote(self.cwd)} && {self.where}` by hand"
            return f"run `{self.where}` by hand"
        return f"read the server's log (or: curl -i {self.url})"


@dataclass
class Attempt:
    """One connection attempt and what came back over HTTP."""

    transport: str
    statuses: list[int] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)  # of the 2xx answers
    cause: BaseException | None = None
    elapsed: float = 0.0


class Probing(Protocol):
    """What the steps and the diagnosis read of a running :class:`~envcheck.mcpkit.probe.Probe`."""

    spec: ServerSpec
    child: ChildState
    attempts: list[Attempt]
    other_transport: str | None
    program: str | None
    era: str | None
    tools: list[Any]

    def started(self) -> Outcome:
        """The outcome of the ``start`` step."""
