"""What the ``mcp`` component checks: the servers configured in ``[tool.envcheck.mcp.servers]``
and those the clients' config files declare (:func:`servers`), and each one resolved for a probe
(:func:`resolve`: ``${VAR}`` references expanded, secrets registered)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic

from envcheck.checks.mcp.config import COMPONENT, McpConfig, McpServerConfig, Server
from envcheck.core import redact
from envcheck.core.config import EnvcheckConfig
from envcheck.core.model import Check, CheckFailed, Context, Outcome, skip
from envcheck.mcpkit import discovery

if TYPE_CHECKING:
    from envcheck.mcpkit.spec import ServerSpec


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
