"""The ``mcp`` component: MCP servers, configured here or declared in the clients' config files.

Per server ``NAME`` (``NAME@cursor`` and the like for discovered ones), in dependency order:
``NAME.start`` (the command starts / the URL answers) → ``NAME.initialize`` (handshake: protocol
version, server name and version, capabilities) → ``NAME.tools`` (count, ``expect_tools``, input
schemas) · ``NAME.resources`` · ``NAME.prompts`` · ``NAME.ping`` → ``NAME.call`` (optional smoke
tool call). The checks of one server share one connection (:mod:`envcheck.mcpkit.probe`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

import pydantic

from envcheck import hookimpl
from envcheck._context import Context
from envcheck._model import Check, CheckFailed, Outcome, skip
from envcheck.checks._common import CheckMaker
from envcheck.config import EnvcheckConfig
from envcheck.mcpkit import _reaper, discovery

if TYPE_CHECKING:
    from envcheck.mcpkit.probe import Probe, ServerSpec

COMPONENT = "mcp"
#: Beyond a server's timeout, what its checks allow for starting and reaping the process.
GRACE = 3.0
_probes_lock = threading.Lock()


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
    cwd: str | None = None
    url: str | None = None
    transport: Literal["stdio", "http", "sse"] | None = None
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
        if self.url is not None and self.transport == "stdio":
            raise ValueError('transport = "stdio" needs command, not url')
        return self

    @property
    def kind(self) -> str:
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
    """A server to check: its validated table and where it was declared."""

    def __init__(
        self, name: str, table: McpServerConfig, source: str, settings: str, timeout: float
    ) -> None:
        self.name = name
        self.table = table
        self.source = source
        self.settings = settings
        self.timeout = table.timeout or timeout


@hookimpl
def envcheck_config_sections() -> dict[str, Any]:
    return {COMPONENT: McpConfig}


@hookimpl
def envcheck_default_config(environ: Mapping[str, str]) -> dict[str, Any] | None:
    return {COMPONENT: {"discover": True}}


def servers(config: EnvcheckConfig) -> tuple[list[Server], list[Check]]:
    """The servers to check (configured, then discovered) and checks for unusable declarations."""
    cfg: McpConfig | None = config.section(COMPONENT)
    if cfg is None:
        return [], []
    found = [
        Server(name, table, "pyproject.toml", f"[tool.envcheck.mcp.servers.{name}]", cfg.timeout)
        for name, table in cfg.servers.items()
    ]
    problems: list[Check] = []
    if not cfg.discover:
        return found, problems
    declared, broken = discovery.discover(config.rootdir)
    for bad in broken:
        problems.append(_problem(f"discovery[{bad.label}]", f"{bad.path} {bad.problem}", bad.path))
    seen = {_identity(s.table) for s in found}
    for item in declared:
        settings = f"{item.path} (server {item.name!r})"
        if item.problem is not None:
            problems.append(
                _problem(f"{item.check_name}.start", f"{settings}: {item.problem}", item.path)
            )
            continue
        try:
            table = McpServerConfig.model_validate(item.table)
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "entry"
            problems.append(
                _problem(
                    f"{item.check_name}.start", f"{settings}: {where}: {first['msg']}", item.path
                )
            )
            continue
        if _identity(table) in seen:
            continue  # the same server, already checked under another name
        seen.add(_identity(table))
        found.append(Server(item.check_name, table, str(item.path), settings, cfg.timeout))
    return [s for s in found if s.table.enabled], problems


def _identity(table: McpServerConfig) -> tuple[Any, ...]:
    return (table.kind, table.command, tuple(table.args), table.url)


def _problem(name: str, message: str, path: Any) -> Check:
    def run(ctx: Context) -> Outcome:
        raise CheckFailed(message, hint=f"fix {path}")

    return Check(name=name, component=COMPONENT, run=run, description="a declared MCP server")


@hookimpl
def envcheck_checks(config: EnvcheckConfig) -> Iterator[Check]:
    if config.section(COMPONENT) is None:
        return
    found, problems = servers(config)
    yield from problems
    if not found and not problems:
        files = ", ".join([*discovery.PROJECT_FILES, str(discovery.claude_desktop_config())])
        summary = f"not configured: no MCP servers in [tool.envcheck.mcp.servers] nor in {files}"
        hint = (
            "set one up in .mcp.json, or in [tool.envcheck.mcp.servers.NAME] with "
            'command = "..." or url = "..."'
        )
        yield Check(
            name="servers",
            component=COMPONENT,
            run=lambda ctx: skip(summary, hint=hint),
            description="MCP servers to check",
        )
    if found:
        _reaper.install_signal_handlers()  # SIGTERM / SIGHUP must not orphan a server either
    for server in found:
        yield from server_checks(server)


def server_checks(server: Server) -> Iterator[Check]:
    """The checks of one server, in dependency order."""
    steps = [
        ("start", "it starts (stdio) or its URL answers (HTTP)", ()),
        ("initialize", "the handshake answers: protocol, server, capabilities", ("start",)),
        ("tools", "tools/list: expected tools present, input schemas valid", ("initialize",)),
        ("resources", "resources listed where advertised", ("initialize",)),
        ("prompts", "prompts listed where advertised", ("initialize",)),
        ("ping", "a liveness round-trip (ping, or server/discover on 2026-07-28)", ("initialize",)),
    ]
    if server.table.call is not None:
        steps.append(("call", f"a smoke call of {server.table.call.tool}", ("tools",)))
    make = CheckMaker(COMPONENT, server, timeout=server.timeout + GRACE, prefix=f"{server.name}.")
    for step, description, deps in steps:
        yield make(step, _runner(server, step), description, *deps)


def _runner(server: Server, step: str) -> Any:
    def run(ctx: Context) -> Outcome:
        probe = probe_for(ctx, server)
        outcome = probe.result(step, ctx.remaining() - 0.2)
        ctx.fact("source", server.settings)
        return outcome

    return run


def probe_for(ctx: Context, server: Server) -> Probe:
    """The one probe of ``server`` in this session, made (values resolved) on first use."""
    from envcheck.mcpkit.probe import Probe

    with _probes_lock:
        probes: dict[str, Probe] = ctx.config.extra.setdefault("mcp-probes", {})
        if server.name not in probes:
            probes[server.name] = Probe(resolve(ctx, server))
        return probes[server.name]


def resolve(ctx: Context, server: Server) -> ServerSpec:
    """The server with ``${VAR}`` references resolved; env and header values become secrets."""
    from envcheck.mcpkit.probe import ServerSpec, SmokeCall

    table, where = server.table, server.settings

    def value(text: str, key: str, secret: bool = False) -> str:
        return ctx.resolve(text, secret=secret, key=f"{where} {key}")

    call = None
    if table.call is not None:
        call = SmokeCall(table.call.tool, dict(table.call.arguments), table.call.expect)
    return ServerSpec(
        name=server.name,
        settings=server.settings,
        transport=table.kind,
        command=value(table.command, "command") if table.command else None,
        args=tuple(value(arg, "args") for arg in table.args),
        env={k: value(v, f"env.{k}", secret=True) for k, v in table.env.items()},
        cwd=value(table.cwd, "cwd") if table.cwd else None,
        url=value(table.url, "url") if table.url else None,
        headers={k: value(v, f"headers.{k}", secret=True) for k, v in table.headers.items()},
        expect_tools=tuple(table.expect_tools),
        call=call,
        timeout=server.timeout,
    )
