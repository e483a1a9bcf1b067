"""The ``mcp`` component: MCP servers, configured here or declared in the clients' config files.

Per server ``NAME`` (``NAME@cursor`` and the like for discovered ones), in dependency order:
``NAME.start`` (the command starts / the URL answers) → ``NAME.initialize`` (handshake: protocol
version, server name and version, capabilities) → ``NAME.tools`` (count, ``expect_tools``, input
schemas) · ``NAME.resources`` · ``NAME.prompts`` · ``NAME.ping`` → ``NAME.call`` (optional smoke
tool call). The checks of one server share one connection (:mod:`envcheck.mcpkit.probe`).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic

from envcheck import hookimpl
from envcheck.core import redact
from envcheck.core.config import EnvcheckConfig
from envcheck.core.model import Check, CheckFailed, Context, Outcome, skip
from envcheck.kit import Component
from envcheck.mcpkit import _reaper, discovery
from envcheck.mcpkit.settings import (
    COMPONENT,
    McpConfig,
    McpServerConfig,
    Server,
    SmokeCallConfig,
)

if TYPE_CHECKING:
    from envcheck.mcpkit.probe import Probe
    from envcheck.mcpkit.spec import ServerSpec

__all__ = ["COMPONENT", "McpConfig", "McpServerConfig", "Server", "SmokeCallConfig"]

#: Beyond a server's timeout, what its checks allow for starting and reaping the process.
GRACE = 3.0
_probes_lock = threading.Lock()


@hookimpl
def envcheck_config_sections() -> dict[str, Any]:
    return {COMPONENT: McpConfig}


@hookimpl
def envcheck_default_config(environ: Mapping[str, str]) -> dict[str, Any] | None:
    return {COMPONENT: {"discover": True}}


def project_dir(config: EnvcheckConfig) -> Path:
    """The directory the configuration file is in (the project root): where the client config
    files are looked for, and what relative paths of configured servers mean."""
    source = Path(config.source)
    if source.is_file():
        return source.resolve().parent
    return config.rootdir.resolve()


def servers(config: EnvcheckConfig) -> tuple[list[Server], list[Check]]:
    """The servers to check (configured, then discovered) and checks for unusable declarations.

    Without an ``mcp`` section the client config files are still read (``discover`` defaults to
    true): a project's ``.mcp.json`` is checked whenever envcheck runs."""
    cfg: McpConfig = config.section(COMPONENT) or McpConfig()
    root = project_dir(config)
    found = [
        Server(
            name,
            table,
            "pyproject.toml",
            f"[tool.envcheck.mcp.servers.{name}]",
            cfg.timeout,
            base=root,
        )
        for name, table in cfg.servers.items()
    ]
    problems: list[Check] = []
    if not cfg.discover:
        return [s for s in found if s.table.enabled], problems
    declared, broken = discovery.discover(root)
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
        if item.inputs:
            if item.name not in cfg.servers:  # once configured here, the prompt is not needed
                problems.append(_needs_prompt(item, settings))
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
        base = Path.home() if item.label == discovery.CLAUDE_DESKTOP else root
        found.append(
            Server(
                item.check_name,
                table,
                str(item.path),
                settings,
                cfg.timeout,
                base=base,
                origin=item.label,
            )
        )
    return [s for s in found if s.table.enabled], problems


def _identity(table: McpServerConfig) -> tuple[Any, ...]:
    """The same server declared twice: the same command line, or the same URL (whatever
    transport each declaration names)."""
    if table.url is not None:
        return ("url", table.url)
    return ("stdio", table.command, tuple(table.args))


def _problem(name: str, message: str, path: Any) -> Check:
    def run(ctx: Context) -> Outcome:
        raise CheckFailed(message, hint=f"fix {path}")

    return Check(name=name, component=COMPONENT, run=run, description="a declared MCP server")


def _needs_prompt(item: discovery.Discovered, settings: str) -> Check:
    """A VS Code server that needs ``${input:...}``: skipped, with the table that makes it
    checkable here (each prompted value read from a variable instead)."""
    ids = sorted(set(item.inputs.values()))
    variables: dict[str, str] = {}
    table = json.loads(json.dumps(item.table))
    for dotted, input_id in item.inputs.items():
        head, _, key = dotted.rpartition(".")
        name = key if head in ("env", "headers") and key.isidentifier() else input_id
        variable = "".join(c if c.isalnum() else "_" for c in name).upper()
        variables[input_id] = variable
    text = json.dumps(table)
    for input_id, variable in variables.items():
        text = text.replace(f"${{input:{input_id}}}", f"${{{variable}}}")
    table = json.loads(text)
    entry = _toml({key: value for key, value in table.items() if value != {}})
    exports = " ".join(sorted(set(variables.values())))
    summary = f"{settings}: needs VS Code's prompt for {', '.join(ids)}"
    hint = (
        "set it in pyproject.toml, under [tool.envcheck.mcp.servers]: "
        f"{_toml_key(item.name)} = {entry}, and export {exports}"
    )

    def run(ctx: Context) -> Outcome:
        return skip(summary, hint=hint)

    return Check(
        name=f"{item.check_name}.start",
        component=COMPONENT,
        run=run,
        description="a declared MCP server",
    )


def _toml(value: Any) -> str:
    """A TOML value: tables inline, the rest as JSON (JSON strings and lists are valid TOML)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


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
        yield Check(
            name="servers",
            component=COMPONENT,
            run=lambda ctx: skip(summary, hint=hint),
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
        COMPONENT, section=server, timeout=server.timeout + GRACE, prefix=f"{server.name}."
    )
    for step, description, deps in steps:
        yield make.check(step, _runner(server, step), description, *deps)


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
    """The server with ``${VAR}`` references resolved; header values, and env values whose names
    say they are secrets, become secrets."""
    from envcheck.mcpkit.spec import ServerSpec, SmokeCall

    table, where = server.table, server.settings

    def value(text: str, key: str, secret: bool = False) -> str:
        return ctx.resolve(text, secret=secret, key=f"{where} {key}")

    call = None
    if table.call is not None:
        call = SmokeCall(table.call.tool, dict(table.call.arguments), table.call.expect)
    command = cwd = None
    if table.command is not None:
        # relative paths mean what they mean to the client: from the project root (or from
        # cwd, itself relative to the project root), wherever pytest was started
        cwd = str(server.base / value(table.cwd, "cwd")) if table.cwd else str(server.base)
        command = value(table.command, "command")
        if ("/" in command or os.sep in command) and not os.path.isabs(command):
            command = os.path.normpath(os.path.join(cwd, command))
    return ServerSpec(
        name=server.name,
        settings=server.settings,
        transport=table.kind,
        command=command,
        args=tuple(value(arg, "args") for arg in table.args),
        env={k: value(v, f"env.{k}", redact.is_secret_name(k)) for k, v in table.env.items()},
        cwd=cwd,
        url=value(table.url, "url") if table.url else None,
        headers={k: value(v, f"headers.{k}", secret=True) for k, v in table.headers.items()},
        expect_tools=tuple(table.expect_tools),
        call=call,
        timeout=server.timeout,
        origin=server.origin,
    )
