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
from typing import TYPE_CHECKING, Any

from envcheck import hookimpl
from envcheck.checks.mcp.config import COMPONENT, McpConfig, Server
from envcheck.checks.mcp.target import literal_verdict, resolve, servers
from envcheck.core.config import EnvcheckConfig
from envcheck.core.fix import Fix, Manual
from envcheck.core.model import Check, CheckFailed, Context, Outcome, Status, skip, warn
from envcheck.kit import Component
from envcheck.mcpkit import _reaper, discovery
from envcheck.mcpkit._reaper import LATE_GRACE

if TYPE_CHECKING:
    from envcheck.mcpkit.probe import Probe

#: Beyond a server's timeout, what its checks allow for starting and reaping the process (and,
#: for a stdio server that left a request unanswered, for the answers it writes as it exits).
GRACE = 3.0 + LATE_GRACE
#: and this share of the timeout: the probe's own waits run a timeout from when it began, which
#: a loaded machine begins seconds after the checks' clocks (a fresh-clone rehearsal under
#: coverage: an SSE server's start check gave up at 18.8 s of its 26, before the probe's
#: diagnosis of the empty endpoint event came)
LOADED_SHARE = 0.25
_probes_lock = threading.Lock()


@hookimpl
def envcheck_config_sections() -> dict[str, Any]:
    return {COMPONENT: McpConfig}


@hookimpl
def envcheck_default_config(environ: Mapping[str, str]) -> dict[str, Any] | None:
    return {COMPONENT: {"discover": True}}


@hookimpl
def envcheck_checks(config: EnvcheckConfig) -> Iterator[Check]:
    configured = config.section(COMPONENT) is not None
    found, problems = servers(config)
    yield from problems
    if configured and not found and not problems:
        files = ", ".join([*discovery.PROJECT_FILES, str(discovery.claude_desktop_config())])
        summary = f"not configured: no MCP servers in [tool.envcheck.mcp.servers] nor in {files}"
        hint = (
            "set one up in .mcp.json, or in [tool.envcheck.mcp.servers.NAME] with "
            'command = "..." or url = "..."'
        )
        fix = Fix([Manual(hint)], text=hint)
        yield Check(
            name="servers",
            component=COMPONENT,
            run=lambda ctx: skip(summary, fix=fix),
            description="MCP servers to check",
        )
    if found:
        _reaper.install_signal_handlers()  # SIGTERM / SIGHUP must not orphan a server either
        _load_sdk()
    for server in found:
        yield from server_checks(server)


def _load_sdk() -> None:
    """Import the MCP SDK now, once, when there is a server to check: its import takes seconds
    on a busy machine, which must not be charged to the first check's timeout."""
    try:
        import mcp.client.stdio  # noqa: F401
    except ImportError:
        pass  # the start checks say which extra to install


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
    make = Component(
        COMPONENT,
        section=server,
        timeout=server.timeout * (1 + LOADED_SHARE) + GRACE,
        prefix=f"{server.name}.",
    )
    for step, description, deps in steps:
        yield make.check(step, _runner(server, step), description, *deps)


def _runner(server: Server, step: str) -> Any:
    def run(ctx: Context) -> Outcome:
        probe = probe_for(ctx, server)
        ctx.fact("source", server.settings)
        said = literal_verdict(server, probe.spec) if step == "start" else None
        if said is None:
            return probe.result(step, ctx.remaining() - 0.2)
        # a bare ${VAR} in VS Code's or Cursor's file reaches the server as text, as it does
        # from the client: the server is started so, and the start check says what it received
        summary, why, fix = said
        try:
            outcome = probe.result(step, ctx.remaining() - 0.2)
        except CheckFailed as failed:
            raise CheckFailed(
                failed.summary,
                why="; ".join(filter(None, [failed.why, summary, why])),
                fix=fix,
                facts=failed.facts,
            ) from None
        if outcome.status is Status.SKIP:
            return outcome
        return warn(summary, why=why, fix=fix)

    return run


def probe_for(ctx: Context, server: Server) -> Probe:
    """The one probe of ``server`` in this session, made (values resolved) on first use."""
    from envcheck.mcpkit.probe import Probe

    with _probes_lock:
        probes: dict[str, Probe] = ctx.config.extra.setdefault("mcp-probes", {})
        if server.name not in probes:
            probes[server.name] = Probe(resolve(ctx, server))
        return probes[server.name]
