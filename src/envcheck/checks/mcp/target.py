"""What the ``mcp`` component checks: the servers configured in ``[tool.envcheck.mcp.servers]``
and those the clients' config files declare (:func:`servers`), and each one resolved for a probe
(:func:`resolve`: ``${VAR}`` references expanded as the declaring client expands them, secrets
registered). Every problem of a declaration carries a fix that edits the file that declares it."""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic

from envcheck.checks.mcp.config import (
    COMPONENT,
    MAX_SERVERS,
    PYPROJECT,
    McpConfig,
    McpServerConfig,
    Server,
)
from envcheck.core import dotenv, interpolate, redact
from envcheck.core.config import EnvcheckConfig
from envcheck.core.fix import Edit, Fix, Manual, Step
from envcheck.core.model import Check, CheckFailed, Context, Outcome, skip
from envcheck.mcpkit import discovery
from envcheck.mcpkit.spec import Declared

if TYPE_CHECKING:
    from envcheck.mcpkit.spec import ServerSpec


def project_dir(config: EnvcheckConfig) -> Path:
    """The directory the configuration file is in (the project root): where the client config
    files are looked for, and what relative paths of configured servers mean."""
    source = Path(config.source)
    if source.is_file():
        return source.resolve().parent
    return config.rootdir.resolve()


def _relative(path: Path, config: EnvcheckConfig) -> str | None:
    """``path`` relative to the project root (where the fixer edits files), or ``None``."""
    try:
        return str(path.resolve().relative_to(Path(config.rootdir).resolve()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return None


def _pyproject_declared(config: EnvcheckConfig, name: str, prefix: str | None) -> Declared | None:
    """Where server ``name`` of the configuration file is declared (``prefix``: the key prefix of
    the ``mcp`` table in that file, from :func:`_toml_prefix`; ``None`` when it is not a file)."""
    if prefix is None:
        return None
    source = Path(config.source)
    relative = _relative(source, config)
    return Declared(
        path=relative or str(source),
        format="toml",
        key=f"{prefix}{COMPONENT}.servers.{name}",
        editable=relative is not None and "." not in name,
    )


def _toml_prefix(config: EnvcheckConfig) -> str | None:
    """``tool.envcheck.`` when the configuration file is a pyproject.toml (or has a ``tool``
    table), ``""`` when it is envcheck's own file, ``None`` when there is no file (read once: a
    project may configure many servers)."""
    source = Path(config.source)
    if not source.is_file():
        return None
    return "tool.envcheck." if source.name == "pyproject.toml" or _has_tool(source) else ""


def _has_tool(source: Path) -> bool:
    import tomllib

    try:
        return "tool" in tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def _file_declared(config: EnvcheckConfig, item: discovery.Discovered) -> Declared:
    relative = _relative(item.path, config)
    return Declared(
        path=relative or str(item.path),
        format="json",
        key=f"{item.top}.{item.name}",
        editable=relative is not None and not item.jsonc and "." not in item.name,
    )


def servers(config: EnvcheckConfig) -> tuple[list[Server], list[Check]]:
    """The servers to check (configured, then discovered) and checks for unusable declarations.

    Without an ``mcp`` section the client config files are still read (``discover`` defaults to
    true): a project's ``.mcp.json`` is checked whenever envcheck runs."""
    cfg: McpConfig = config.section(COMPONENT) or McpConfig()
    root = project_dir(config)
    prefix = _toml_prefix(config) if cfg.servers else None
    configured = list(cfg.servers.items())
    declared, broken = discovery.discover(root) if cfg.discover else ([], [])
    problems: list[Check] = [_broken_file(bad, config) for bad in broken]
    if len(configured) + len(declared) > MAX_SERVERS:
        problems.append(_too_many(config, configured, declared))
        configured = configured[:MAX_SERVERS]
        declared = declared[: MAX_SERVERS - len(configured)]
    found = [
        Server(
            name,
            table,
            "pyproject.toml",
            f"[tool.envcheck.mcp.servers.{name}]",
            cfg.timeout,
            base=root,
            declared=_pyproject_declared(config, name, prefix),
        )
        for name, table in configured
    ]
    seen: dict[tuple[Any, ...], list[tuple[str, tuple[Any, ...]]]] = {}
    for server in found:
        _checked_already(seen, server.table, "pyproject.toml")
    for item in declared:
        settings = f"{item.path} (server {item.name!r})"
        if item.rejected_in is not None:
            problems.append(_rejected(item, item.rejected_in, config))
            continue
        if item.written > 1:
            problems.append(_written_twice(item, config))
            continue
        if item.problem is not None:
            problems.append(_bad_entry(item, settings, item.problem, config))
            continue
        if item.undeclared_inputs:
            problems.append(_undeclared_input(item, settings, config))
            continue
        if item.inputs:
            if item.name not in cfg.servers:  # once configured here, the prompt is not needed
                problems.append(_needs_prompt(item, settings, config))
            continue
        try:
            table = McpServerConfig.model_validate(item.table)
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "entry"
            scalars = _scalar_env(item)
            quoted_args = _scalar_args(item)
            if scalars:
                problems.append(_scalar_env_entry(item, settings, config, where, first, scalars))
            elif quoted_args is not None:
                problems.append(_scalar_args_entry(item, settings, config, quoted_args))
            else:
                problems.append(_bad_entry(item, settings, f"{where}: {first['msg']}", config))
            continue
        if table.url is not None and _without_credentials(table.url) is not None:
            problems.append(_credentials_in_url(item, settings, table.url))
            continue
        if table.url is not None and item.label == discovery.CLAUDE_DESKTOP:
            problems.append(_desktop_remote(item, settings, table.url, config))
            continue
        if _checked_already(seen, table, str(item.path)):
            continue  # the same server, already checked under another name
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
                declared=_file_declared(config, item),
                expand=item.label != discovery.CLAUDE_DESKTOP,
                raw=item.raw,
            )
        )
    return [s for s in found if s.table.enabled], problems


def _too_many(
    config: EnvcheckConfig,
    configured: list[tuple[str, McpServerConfig]],
    declared: list[discovery.Discovered],
) -> Check:
    """One verdict for a list of servers longer than :data:`MAX_SERVERS`: which files declare how
    many, and how to narrow it down."""
    counts: dict[str, int] = {}
    if configured:
        counts[f"{Path(config.source).name} [tool.envcheck.mcp.servers]"] = len(configured)
    for item in declared:
        counts[str(item.path)] = counts.get(str(item.path), 0) + 1
    total = len(configured) + len(declared)
    where = ", ".join(f"{count:,} in {path}" for path, count in counts.items())
    summary = (
        f"{total:,} MCP servers declared ({where}): envcheck checks at most {MAX_SERVERS} per "
        f"run, so the first {MAX_SERVERS} are checked and {total - MAX_SERVERS:,} are not"
    )
    text = (
        "name the servers this project uses: set [tool.envcheck.mcp] discover = false and list "
        f"them (at most {MAX_SERVERS}) under [tool.envcheck.mcp.servers.NAME], or remove the "
        f"ones it does not use from {', '.join(p for p in counts if not p.endswith(']'))}"
    )
    if not declared:
        text = f"keep at most {MAX_SERVERS} servers in [tool.envcheck.mcp.servers]"
    return _problem(
        "servers",
        summary,
        Fix([Manual(text)], text=text),
        why="each server is a process or a connection and six checks: thousands of them would "
        "take longer than any run should, so the list is cut rather than the run",
    )


def _identity(table: McpServerConfig) -> tuple[Any, ...]:
    """The same server declared twice: the same command line, or the same URL (whatever
    transport each declaration names) with the same headers: a URL declared with credentials
    and without them is two experiences of it (the client of the one without meets the 401:
    found by the sixteenth held-out round, where Claude Code's entry went unchecked beside a
    pyproject.toml entry with a token)."""
    if table.url is not None:
        headers = tuple(sorted((k.lower(), v) for k, v in table.headers.items()))
        return ("url", table.url, headers)
    return ("stdio", table.command, tuple(table.args))


def _settings(table: McpServerConfig) -> tuple[Any, ...]:
    """What a declaration starts its command line with besides (one file may declare one program
    twice, with another ``env`` or ``cwd``: two servers)."""
    return (tuple(sorted(table.env.items())), table.env_file, table.cwd)


def _checked_already(
    seen: dict[tuple[Any, ...], list[tuple[str, tuple[Any, ...]]]],
    table: McpServerConfig,
    source: str,
) -> bool:
    """Whether the server was checked under another name: the same server declared in another
    file (each client's file for the same program), or in the same file with the same settings.
    Records it otherwise."""
    earlier = seen.setdefault(_identity(table), [])
    if any(where != source or settings == _settings(table) for where, settings in earlier):
        return True
    earlier.append((source, _settings(table)))
    return False


def _problem(name: str, summary: str, fix: Fix, why: str | None = None) -> Check:
    def run(ctx: Context) -> Outcome:
        raise CheckFailed(summary, why=why, fix=fix)

    return Check(name=name, component=COMPONENT, run=run, description="a declared MCP server")


def _bad_entry(
    item: discovery.Discovered, settings: str, problem: str, config: EnvcheckConfig
) -> Check:
    text = f"fix the entry of server {item.name!r} in {item.path}"
    steps: list[Step] = [Manual(text)]
    if item.remote_type is not None:
        # a program to start is a stdio server: without "type", every client takes it as one
        # (and a type no client knows is dropped the same way)
        text = (
            f'remove "type": {json.dumps(item.remote_type)} from the entry of server '
            f'{item.name!r} in {item.path} (with "command" it is a stdio server), or replace '
            '"command" with the server\'s "url"'
        )
        declared = _file_declared(config, item)
        steps = [Manual(text)]
        if declared.editable:
            steps = [
                Edit(path=declared.path, format="json", key=f"{declared.key}.type", value=None)
            ]
    if item.needs_type is not None:
        text = f'set "type": {json.dumps(item.needs_type)} in the entry of server {item.name!r} in '
        text += f'{item.path} (the transport its url speaks: "http" or "sse")'
        declared = _file_declared(config, item)
        steps = [Manual(text)]
        if declared.editable:
            key = f"{declared.key}.type"
            steps = [Edit(path=declared.path, format="json", key=key, value=item.needs_type)]
    return _problem(
        f"{item.check_name}.start",
        f"{settings}: {problem}",
        Fix(steps, text=text),
        why=f"{discovery.CLIENTS[item.label]} cannot start a server from this entry either",
    )


def _undeclared_input(item: discovery.Discovered, settings: str, config: EnvcheckConfig) -> Check:
    """A VS Code entry naming ``${input:ID}`` that no object of the file's ``inputs`` declares:
    VS Code stops on the undefined input variable, with no prompt to show."""
    missing = item.undeclared_inputs
    added = [
        {"type": "promptString", "id": input_id, "description": input_id, "password": True}
        for input_id in missing
    ]
    text = (
        f'declare {", ".join(missing)} in "inputs" of {item.path}: '
        + ", ".join(json.dumps(a) for a in added)
        + " (or fix the id the entry names)"
    )
    steps: list[Step] = [Manual(text)]
    relative = _relative(item.path, config)
    if relative is not None and not item.jsonc:
        steps = [Edit(path=relative, format="json", key="inputs", value=item.file_inputs + added)]
    refs = ", ".join(f"${{input:{i}}}" for i in missing)
    keys = ", ".join(sorted(k for k, i in item.inputs.items() if i in missing))
    return _problem(
        f"{item.check_name}.start",
        f'{settings}: {keys} refers to {refs}, which no entry of "inputs" declares',
        Fix(steps, text=text),
        why='VS Code resolves ${input:ID} only from an object of the file\'s "inputs" with that '
        "id; for an id none has it reports an undefined input variable and does not start the "
        "server (there is nothing to prompt for)",
    )


def _scalar_env(item: discovery.Discovered) -> dict[str, str]:
    """The values of the entry's ``env`` that are JSON numbers or booleans, as the strings they
    stand for (an environment holds strings only)."""
    env = item.raw.get("env") if isinstance(item.raw, dict) else None
    if not isinstance(env, dict):
        return {}
    return {str(k): json.dumps(v) for k, v in env.items() if isinstance(v, (bool, int, float))}


def _scalar_args(item: discovery.Discovered) -> list[str] | None:
    """The entry's ``args`` with its JSON numbers and booleans as the strings they stand for
    (a program's arguments are strings), or None when all are strings already or one is
    another kind (an object, a list, null)."""
    args = item.raw.get("args") if isinstance(item.raw, dict) else None
    if not isinstance(args, list) or all(isinstance(a, str) for a in args):
        return None
    if not all(isinstance(a, (str, bool, int, float)) for a in args):
        return None
    return [a if isinstance(a, str) else json.dumps(a) for a in args]


def _scalar_args_entry(
    item: discovery.Discovered, settings: str, config: EnvcheckConfig, quoted: list[str]
) -> Check:
    """An entry whose ``args`` hold a number or a boolean: quoted, it is the argument meant."""
    args = item.raw.get("args") if isinstance(item.raw, dict) else None
    given = args if isinstance(args, list) else []
    odd = [(i, a) for i, a in enumerate(given) if not isinstance(a, str)]
    shown = ", ".join(f"args.{i} is {json.dumps(a)}" for i, a in odd[:5])
    written = ", ".join(f'"{json.dumps(a)}"' for _, a in odd[:5])
    declared = _file_declared(config, item)
    text = (
        f"write the args of server {item.name!r} in {item.path} as strings: {written} "
        f'("args": {json.dumps(quoted)})'
    )
    steps: list[Step] = [Manual(text)]
    if declared.editable:
        steps = [Edit(path=declared.path, format="json", key=f"{declared.key}.args", value=quoted)]
    return _problem(
        f"{item.check_name}.start",
        f"{settings}: {shown}: a number or true/false among the arguments",
        Fix(steps, text=text),
        why="args are the program's arguments, which are strings; "
        f"{discovery.CLIENTS[item.label]} does not start a server whose args hold a number or "
        "true/false",
    )


def _scalar_env_entry(
    item: discovery.Discovered,
    settings: str,
    config: EnvcheckConfig,
    where: str,
    error: Any,
    scalars: dict[str, str],
) -> Check:
    """An entry whose ``env`` gives a number or a boolean: quoted, it is the string meant."""
    declared = _file_declared(config, item)
    quoted = ", ".join(f'"{k}": "{v}"' for k, v in scalars.items())
    text = f"write the env values of server {item.name!r} in {item.path} as strings: {quoted}"
    steps: list[Step] = [Manual(text)]
    if declared.editable and not any("." in k for k in scalars):
        steps = [
            Edit(path=declared.path, format="json", key=f"{declared.key}.env.{k}", value=v)
            for k, v in scalars.items()
        ]
    return _problem(
        f"{item.check_name}.start",
        f"{settings}: {where}: {error['msg']}",
        Fix(steps, text=text),
        why="env holds environment variables, whose values are strings; "
        f"{discovery.CLIENTS[item.label]} does not start a server whose env gives a number or "
        "true/false",
    )


def _broken_file(bad: discovery.BrokenFile, config: EnvcheckConfig) -> Check:
    """A client config file its client cannot use: its syntax, or servers under the wrong key."""
    name = f"discovery[{bad.label}]"
    summary = f"{bad.path} {bad.problem}"
    relative = _relative(bad.path, config)
    if bad.wrong_top is not None and bad.servers is not None:
        top = discovery.TOP_KEYS.get(bad.label, "mcpServers")
        text = f'rename "{bad.wrong_top}" to "{top}" in {bad.path}'
        steps: list[Step] = [Manual(text)]
        if relative is not None:
            steps = [
                Edit(path=relative, format="json", key=top, value=bad.servers),
                Edit(path=relative, format="json", key=bad.wrong_top, value=None),
            ]
        return _problem(
            name,
            summary,
            Fix(steps, text=text),
            why=f'"{bad.wrong_top}" is another client\'s name for the object; {bad.client} reads '
            f'only "{top}"',
        )
    if bad.line is not None:
        strict = bad.label not in discovery.JSONC
        text = f"fix line {bad.line} of {bad.path}" + (
            " (comments and trailing commas are not allowed there)" if strict else ""
        )
        return _problem(
            name,
            summary,
            Fix([Manual(text)], text=text),
            why=f"{bad.client} cannot read the file either, so it starts none of its servers",
        )
    text = bad.fix or f"fix {bad.path}"
    return _problem(name, summary, Fix([Manual(text)], text=text))


def _needs_prompt(item: discovery.Discovered, settings: str, config: EnvcheckConfig) -> Check:
    """A VS Code server that needs ``${input:...}``: skipped, with the table that makes it
    checkable here (each prompted value read from a variable instead)."""
    ids = sorted(set(item.inputs.values()))
    variables: dict[str, str] = {}
    for dotted, input_id in item.inputs.items():
        head, _, key = dotted.rpartition(".")
        name = key if head in ("env", "headers") and key.isidentifier() else input_id
        variable = "".join(c if c.isalnum() else "_" for c in name).upper()
        variables[input_id] = variable
    text = json.dumps(item.table)
    for input_id, variable in variables.items():
        text = text.replace(f"${{input:{input_id}}}", f"${{{variable}}}")
    table = {key: value for key, value in json.loads(text).items() if value != {}}
    entry = _toml(table)
    exports = " ".join(sorted(set(variables.values())))
    summary = f"{settings}: needs VS Code's prompt for {', '.join(ids)}"
    hint = (
        "set it in pyproject.toml, under [tool.envcheck.mcp.servers]: "
        f"{_toml_key(item.name)} = {entry}, and export {exports}"
    )
    steps: list[Step] = [
        (
            Edit(
                path=_relative(Path(config.rootdir) / "pyproject.toml", config) or "pyproject.toml",
                format="toml",
                key=f"tool.envcheck.{COMPONENT}.servers.{item.name}",
                value=table,
            )
            if "." not in item.name
            else Manual(hint)
        )
    ]
    steps += [
        Manual(f"export {name}=<the value VS Code prompts for>")
        for name in sorted(set(variables.values()))
    ]
    fix = Fix(steps, text=hint)

    def run(ctx: Context) -> Outcome:
        return skip(summary, fix=fix)

    return Check(
        name=f"{item.check_name}.start",
        component=COMPONENT,
        run=run,
        description="a declared MCP server",
    )


def _rejected(item: discovery.Discovered, where: Path, config: EnvcheckConfig) -> Check:
    """A server of ``.mcp.json`` that Claude Code's settings reject: skipped, not started (a
    broken one is no failure of the user's: Claude Code never starts it)."""
    settings = _relative(where, config) or str(where)
    summary = (
        f"{item.check_name}: not checked: Claude Code never starts it "
        f"(disabledMcpjsonServers in {settings} names it)"
    )
    why = (
        "Claude Code's disabledMcpjsonServers lists the servers of the project's .mcp.json the "
        "user rejected (Claude Code writes it when a project server is declined); it starts "
        "none of them, so whether this one would start does not matter to its users"
    )
    hint = (
        f"to use it, remove {item.name!r} from disabledMcpjsonServers in {settings} (or run "
        "/mcp in Claude Code and enable it), then run envcheck again to check it"
    )
    fix = Fix([Manual(hint)], text=hint)

    def run(ctx: Context) -> Outcome:
        return skip(summary, why=why, fix=fix)

    return Check(
        name=f"{item.check_name}.start",
        component=COMPONENT,
        run=run,
        description="a declared MCP server",
    )


def _written_twice(item: discovery.Discovered, config: EnvcheckConfig) -> Check:
    """A server whose name is a key of its file's servers object more than once: the client's
    JSON parser keeps the last entry (ECMA-262 ``JSON.parse``; RFC 8259 section 4: names SHOULD
    be unique), so the earlier ones, the ones a person edits, have no effect."""
    where = _relative(item.path, config) or str(item.path)
    times = "twice" if item.written == 2 else f"{item.written} times"
    raw = item.raw
    runs = (
        raw.get("url")
        if isinstance(raw.get("url"), str)
        else " ".join(
            [str(raw.get("command", ""))]
            + [str(a) for a in raw.get("args", []) if isinstance(raw.get("args"), list)]
        )
    )
    shown = redact.clean(str(runs), 160)
    client = discovery.CLIENTS.get(item.label, item.label)
    summary = (
        f"{item.check_name}: {item.name!r} is declared {times} in {where}: {client} keeps the "
        f"last entry ({shown}) and ignores the earlier one{'s' if item.written > 2 else ''}"
    )
    why = (
        f"a JSON object's names should be unique (RFC 8259, section 4); {client} reads {where} "
        f"with JSON.parse, which keeps the last value of a name written {times}, so only the "
        "last entry is started, and an edit of an earlier one changes nothing"
    )
    hint = (
        f"remove all but one {item.name!r} entry from {item.top} in {where} (keep the one you "
        f"mean: {client} runs the last), then run envcheck again"
    )
    fix = Fix([Manual(hint)], text=hint)

    def run(ctx: Context) -> Outcome:
        raise CheckFailed(summary, why=why, fix=fix, facts={"written": item.written})

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


#: who expands ``${VAR}`` in each file, and how the file writes it
_EXPANDS = {
    PYPROJECT: ("envcheck", "${{{}}}"),
    "mcp.json": ("Claude Code", "${{{}}}"),
    "cursor": ("Cursor", "${{env:{}}}"),
    "vscode": ("VS Code", "${{env:{}}}"),
}


def _missing(server: Server, key: str, name: str, index: int | None = None) -> CheckFailed:
    """A ``${NAME}`` of the declaration (at ``key``, item ``index`` of a list) that names an unset
    variable: which one, who would expand it, and the export that sets it (a placeholder, never a
    value); or, when the project's env template offers a value that is no secret, a change of the
    declaration that gives it as a default the client itself uses (:func:`_offered_default`)."""
    client, syntax = _EXPANDS.get(server.origin, ("envcheck", "${{{}}}"))
    written = syntax.format(name)
    if server.origin == "mcp.json" and name in discovery.CLIENT_VARIABLES:
        return _client_variable(server, key, name, index)
    what = "your token" if redact.is_secret_name(name) else "the value"
    where = "the shell that starts " + (client if client != "envcheck" else "envcheck")
    text = f"export {name}=<{what}> in {where} (envcheck also reads it from the project's .env)"
    summary = f"{server.name}: {key} refers to {written}, which is not set"
    why = (
        f"{server.settings} passes {written} to the server; {client} expands it from the "
        f"environment, where {name} is empty or missing"
    )
    offered = _offered_default(server, key, name, index)
    if offered is None:
        return CheckFailed(
            summary, why=why, fix=Fix([Manual(f"export {name}=<{what}>")], text=text)
        )
    said, steps, change = offered
    return CheckFailed(
        summary,
        why=f"{why}; {said}",
        fix=Fix(steps, text=f"{change}, or {text}"),
    )


def _without_variable(text: str, name: str) -> str:
    """``text`` with VS Code's predefined variable ``name`` replaced by what it is without it
    (``${workspaceFolder}/x`` is ``x``, relative to the project root)."""
    if discovery.CLIENT_VARIABLES[name] == ".":
        text = re.sub(r"\$\{" + name + r"\}[/\\]+", "", text)
    return text.replace(f"${{{name}}}", discovery.CLIENT_VARIABLES[name])


def _client_variable(server: Server, key: str, name: str, index: int | None) -> CheckFailed:
    """``${workspaceFolder}`` (another of VS Code's predefined variables) in Claude Code's
    ``.mcp.json``: Claude Code expands environment variables only, none has that name, and it
    does not start the server; the entry copied from VS Code's file. The fix: the value without
    it (a path relative to the project root, where Claude Code runs and starts its servers;
    ``${HOME}`` for ``${userHome}``), in every place of the entry's key that uses it."""
    head = key.partition(".")[0]
    raw: Any = _raw(server).get(head)
    new: Any
    if index is not None and isinstance(raw, list):
        new = [_without_variable(v, name) if isinstance(v, str) else v for v in raw]
        target = head
    else:
        written = _written(server, key, None)
        new, target = (_without_variable(written, name) if written else None), key
    ref = f"${{{name}}}"
    summary = f"{server.name}: {key} refers to {ref}, which Claude Code does not expand"
    why = (
        f"{ref} is one of VS Code's (and Cursor's) predefined variables; Claude Code expands only "
        f"environment variables in {server.settings} (${{VAR}}, ${{VAR:-default}}), none is "
        f"named {name}, so it cannot read the entry and does not start the server (an entry "
        "copied from VS Code's file)"
    )
    declared = server.declared
    if new is None or declared is None:
        text = f"remove {ref} from {key} in {server.settings} (Claude Code starts servers in the "
        text += "project root: a relative path is taken from there)"
        return CheckFailed(summary, why=why, fix=Fix([Manual(text)], text=text))
    text = _setting(server, target, new) + (
        " (Claude Code runs in the project root and starts its servers there: a relative path "
        "is taken from it)"
    )
    step: Step = (
        Edit(path=declared.path, format=declared.format, key=f"{declared.key}.{target}", value=new)
        if declared.editable
        else Manual(text)
    )
    return CheckFailed(summary, why=why, fix=Fix([step], text=text))


def _offered_default(
    server: Server, key: str, name: str, index: int | None
) -> tuple[str, list[Step], str] | None:
    """The project's env template's value for ``name``, given where the client takes it from:
    what to say, the steps and their text; ``None`` when no template offers one that may be given
    without a person (a secret's name, in the variable or in the key; a placeholder).

    - Claude Code's ``.mcp.json`` and ``[tool.envcheck.mcp.servers]`` expand ``${NAME:-value}``:
      the reference becomes ``${NAME:-value}`` in the file, so the client uses the value while
      ``NAME`` is unset and the variable once it is set;
    - VS Code and Cursor have no default syntax, but read the entry's ``envFile``: ``NAME`` goes
      there, and the ``env`` entry that would pass the empty ``${env:NAME}`` over it goes away;
    - otherwise (no ``envFile``, a file a program must not rewrite) the person exports the value.
    """
    field = key.rpartition(".")[2]
    if key.startswith("headers.") or redact.is_secret_name(field):
        return None
    found = dotenv.offered(server.base, name)
    if found is None:
        return None
    template, value = found
    said = f"{template.name} offers {name}={value}"
    declared = server.declared
    written = _written(server, key, index)
    export = Manual(f"export {name}={value}")
    if server.origin in (PYPROJECT, "mcp.json"):
        if declared is None or written is None or f"${{{name}}}" not in written:
            return said, [export], f"export {name}={value} ({said})"
        changed = written.replace(f"${{{name}}}", f"${{{name}:-{value}}}")
        new: Any = changed
        if index is not None:
            items = list(_raw(server).get(key) or [])
            new = [changed if i == index else item for i, item in enumerate(items)]
        client = "envcheck" if server.origin == PYPROJECT else "Claude Code"
        said += f": {client} uses it while {name} is unset"
        text = _setting(server, key, new)
        step: Step = (
            Edit(path=declared.path, format=declared.format, key=f"{declared.key}.{key}", value=new)
            if declared.editable
            else Manual(text)
        )
        return said, [step], text
    env_file = server.table.env_file
    if (
        server.origin in discovery.ENV_FILES
        and key.startswith("env.")
        and env_file is not None
        and "${" not in env_file
        and declared is not None
        and declared.editable
        and written is not None
        and written.strip() == f"${{env:{name}}}"
    ):
        path = server.base / env_file
        try:
            relative = str(path.resolve().relative_to(server.base.resolve()))
        except (ValueError, OSError, RuntimeError):
            relative = None
        if relative is not None:
            said += f": {discovery.CLIENTS[server.origin]} reads the entry's envFile {env_file}"
            steps: list[Step] = [
                Edit(path=relative, format="dotenv", key=field, value=value),
                Edit(path=declared.path, format="json", key=f"{declared.key}.{key}", value=None),
            ]
            text = f"add {field}={value} to {relative} and remove {key} from {server.settings}"
            return said, steps, text
    return said, [export], f"export {name}={value} ({said})"


def _raw(server: Server) -> dict[str, Any]:
    """The entry as its file writes it."""
    return server.raw if server.raw is not None else server.table.model_dump()


def _written(server: Server, key: str, index: int | None) -> str | None:
    """The text at ``key`` (``env.NAME``, ``args`` item ``index``, ``url``) of the entry as its
    file writes it, or ``None``."""
    head, _, rest = key.partition(".")
    value: Any = _raw(server).get(head)
    if rest:
        value = value.get(rest) if isinstance(value, dict) else None
    if index is not None:
        value = value[index] if isinstance(value, list) and index < len(value) else None
    return value if isinstance(value, str) else None


def _setting(server: Server, key: str, value: Any) -> str:
    """How a person sets ``key`` of the entry to ``value``, in its file's syntax."""
    head, _, rest = key.partition(".")
    if server.origin == PYPROJECT:
        shown = (
            f"{head} = {{ {rest} = {json.dumps(value)} }}" if rest else f"{head} = {_toml(value)}"
        )
        return f"set {shown} in {server.settings}"
    shown = json.dumps({rest: value} if rest else value)
    return f'set "{head}": {shown} in {server.settings}'


#: HTTP whitespace (WHATWG Fetch): tab, LF, CR, space
_HTTP_WHITESPACE = "\t\n\r "


def _header_value(text: str) -> str:
    """A header's value as it is sent: without the HTTP whitespace around it (a secret as the
    whole value was)."""
    stripped = text.strip(_HTTP_WHITESPACE)
    if stripped != text:
        redact.register(stripped)
    return stripped


def resolve(ctx: Context, server: Server) -> ServerSpec:
    """The server with ``${VAR}`` references resolved as its client resolves them; header
    values, and env values whose names say they are secrets, become secrets."""
    from envcheck.mcpkit.spec import ServerSpec, SmokeCall

    table = server.table
    #: the references resolved to nothing: set, but empty (:attr:`ServerSpec.empty_refs`)
    empties: list[tuple[str, str]] = []

    def value(text: str, key: str, secret: bool = False, index: int | None = None) -> str:
        if not server.expand:  # the client passes it on as written
            text = discovery.LITERAL_REF.sub(discovery.literal_text, text)
            if secret:
                redact.register(text)
            return text
        if server.origin == "mcp.json":
            # Claude Code takes a defined variable, an empty one too, over the default
            text = re.sub(
                r"\$\{([A-Za-z_][A-Za-z0-9_]*):-[^}]*\}",
                lambda m: "${" + m.group(1) + "}" if m.group(1) in ctx.config.environ else m[0],
                text,
            )
        for name in interpolate.empty_references(
            discovery.LITERAL_REF.sub("", text), ctx.config.environ
        ):
            empties.append((key, name))
        try:
            if discovery.LITERAL_REF.search(text) is None:
                return interpolate.resolve(text, ctx.config.environ, secret=secret)
            # a bare ${VAR} of VS Code's or Cursor's file: the client passes it on as written
            pieces = discovery.LITERAL_REF.split(text)
            for at in range(0, len(pieces), 2):
                if "${" in pieces[at]:
                    pieces[at] = interpolate.resolve(pieces[at], ctx.config.environ, secret=secret)
            for at in range(1, len(pieces), 2):
                pieces[at] = bytes.fromhex(pieces[at]).decode("utf-8")
            return "".join(pieces)
        except interpolate.MissingVariable as exc:
            raise _missing(server, key, exc.name, index) from None

    call = None
    if table.call is not None:
        call = SmokeCall(table.call.tool, dict(table.call.arguments), table.call.expect)
    command = cwd = None
    env = {k: value(v, f"env.{k}", redact.is_secret_name(k)) for k, v in table.env.items()}
    if table.command is not None:
        # relative paths mean what they mean to the client: from the project root (or from
        # cwd, itself relative to the project root), wherever pytest was started
        cwd = str(server.base / value(table.cwd, "cwd")) if table.cwd else str(server.base)
        command = value(table.command, "command")
        if ("/" in command or os.sep in command) and not os.path.isabs(command):
            joined = os.path.normpath(os.path.join(cwd, command))
            # "~/bin/x" and a whole command line ("python3 -u x.py") are kept as written: the
            # start says what they are
            line = len(command.split()) > 1 and not os.path.lexists(joined)
            if not command.startswith("~") and not line:
                command = joined
        if table.env_file is not None:
            env = {**_env_file(ctx, server, value(table.env_file, "env_file")), **env}
    return ServerSpec(
        name=server.name,
        settings=server.settings,
        transport=table.kind,
        command=command,
        args=tuple(value(arg, "args", index=i) for i, arg in enumerate(table.args)),
        env=env,
        cwd=cwd,
        root=str(server.base),
        url=value(table.url, "url") if table.url else None,
        url_keys=_url_keys(table.url) if table.url else (),
        # a field value does not hold the whitespace around it (RFC 9110, 5.5), and the clients
        # of these files send headers through fetch, whose Headers strip it (CR and LF too:
        # WHATWG Fetch, "normalize"): a token exported from a CRLF .env keeps working there
        headers={
            k: _header_value(value(v, f"headers.{k}", secret=True))
            for k, v in table.headers.items()
        },
        expect_tools=tuple(table.expect_tools),
        call=call,
        timeout=server.timeout,
        origin=server.origin,
        declared=server.declared,
        empty_refs=tuple(dict.fromkeys(empties)),
    )


def _url_keys(url: str) -> tuple[tuple[str, str | None], ...]:
    """The parameters of ``url``'s query (as written, before its variables are expanded) that
    carry a credential: those whose name, or the variable their whole value refers to, says it
    holds a secret; each with that variable (``None``: a value written in the file)."""
    from urllib.parse import parse_qsl, urlsplit

    try:
        query = urlsplit(url).query
    except ValueError:
        return ()
    keys: list[tuple[str, str | None]] = []
    for name, written in parse_qsl(query, keep_blank_values=True):
        found = re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}", written)
        variable = found.group(1) if found else None
        if redact.is_secret_name(name) or (variable and redact.is_secret_name(variable)):
            keys.append((name, variable))
    return tuple(keys)


def _client_form(origin: str, text: str) -> str:
    """``text`` (one reference the client passes on as written) in the syntax the client of
    ``origin`` expands: ``${NAME}`` in Claude Code's file (for Cursor's and VS Code's
    ``${env:NAME}``), ``${env:NAME}`` in Cursor's and VS Code's (for a bare ``${NAME}``); a
    ``${input:ID}`` outside VS Code's file becomes the variable named after its id."""
    wrapped = "${{{}}}" if origin == "mcp.json" else "${{env:{}}}"
    found = re.fullmatch(r"\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}", text)
    if found is not None:
        return wrapped.format(found.group(1))
    found = re.fullmatch(r"\$\{input:([^}]+)\}", text)
    if found is not None:
        return wrapped.format(re.sub(r"[^A-Za-z0-9]", "_", found.group(1)).upper())
    return text


def literal_references(server: Server) -> list[tuple[str, str, str]]:
    """The references of an entry its client passes to the server as written (a bare ``${VAR}``
    in VS Code's or Cursor's file, ``${env:VAR}`` or ``${input:ID}`` in Claude Code's):
    ``(key, text as written, the same in the client's syntax)`` for each value that holds one
    (``args`` as a whole list)."""
    table = server.table
    values: list[tuple[str, Any]] = [("command", table.command), ("cwd", table.cwd)]
    values += [("url", table.url), ("envFile", table.env_file), ("args", table.args)]
    values += [(f"env.{k}", v) for k, v in table.env.items()]
    values += [(f"headers.{k}", v) for k, v in table.headers.items()]
    found = []
    for key, value in values:
        shown = json.dumps(value) if isinstance(value, list) else value
        if not isinstance(shown, str) or discovery.LITERAL_REF.search(shown) is None:
            continue
        written = discovery.LITERAL_REF.sub(discovery.literal_text, shown)
        fixed = discovery.LITERAL_REF.sub(
            lambda m: _client_form(server.origin, discovery.literal_text(m)), shown
        )
        found.append((key, written, fixed))
    return found


def ignored_fields(server: Server) -> list[tuple[str, Any]]:
    """The keys of the entry its client's schema drops (``cwd`` and ``envFile`` of a stdio entry
    in Claude Code's ``.mcp.json``), with their values as written."""
    raw = server.raw or {}
    if server.table.command is None:
        return []
    return [(k, raw[k]) for k in discovery.IGNORED.get(server.origin, ()) if k in raw]


def literal_verdict(server: Server, spec: ServerSpec) -> tuple[str, str, Fix] | None:
    """When an entry holds a reference its client passes on as written, or a key its client
    drops: what to say (the server receives the text itself, evidently an unexpanded reference;
    it starts without the key) and the fix (the client's own syntax; the key removed)."""
    from envcheck.mcpkit import fixes

    found = literal_references(server)
    dropped = ignored_fields(server)
    if not found and not dropped:
        return None
    client = discovery.CLIENTS.get(server.origin, server.origin)
    said = []
    if found:
        keys = ", ".join(f"{key} = {written}" for key, written, _ in found)
        said.append(f"the server receives {keys} as literal text")
    if dropped:
        keys = ", ".join(f"{key} = {json.dumps(value)}" for key, value in dropped)
        said.append(f"{client} drops {keys}")
    summary = f"{server.name}: " + "; ".join(said)
    if server.origin == discovery.CLAUDE_DESKTOP:
        # no variable syntax there: the value itself is what the file must hold
        text = (
            f"write the values themselves in place of {', '.join(w for _, w, _ in found)} in "
            f"{server.settings} (Claude Desktop expands no variables)"
        )
        why = f"{client} expands no variables: it passes ${{...}} on to the server as written"
        return summary, why, Fix([Manual(text)], text=text)
    whys = []
    if found and server.origin == "mcp.json":
        whys.append(
            "Claude Code expands only environment variables in .mcp.json (${VAR}, "
            "${VAR:-default}) and passes any other ${...} on as written: ${env:NAME} is "
            "Cursor's and VS Code's syntax, ${input:ID} VS Code's prompt; evidently a reference "
            "it does not expand"
        )
    elif found:
        own = "${env:NAME}, ${workspaceFolder}, ${userHome}"
        own += ", ${input:ID}" if server.origin == "vscode" else ""
        whys.append(
            f"{client} expands only its own variables ({own}) and passes a bare ${{NAME}} on as "
            "written, as any other ${...} it does not know: evidently an unexpanded reference"
        )
    if dropped:
        whys.append(
            f"{client}'s stdio entries are type, command, args and env: it starts the server "
            "in the directory it runs in (the project root), without an envFile's variables; "
            "a relative path in args is taken from there"
        )
    steps: list[Step] = []
    texts = []
    for key, _, fixed in found:
        value: Any = json.loads(fixed) if key == "args" else fixed
        texts.append(fixes.setting(spec, key, value))
        steps.append(fixes.set_step(spec, key, value))
    for key, _ in dropped:
        instead = "move its variables into env" if key == "envFile" else "paths from the root"
        texts.append(f"remove {key} from {server.settings} ({instead})")
        steps.append(fixes.set_step(spec, key, None, texts[-1]))
    return summary, "; ".join(whys), Fix(steps, text="; ".join(texts))


def _env_file(ctx: Context, server: Server, name: str) -> dict[str, str]:
    """The variables of the server's ``envFile`` (relative to the project root), read as the
    client reads it."""
    path = server.base / name
    key = "envFile" if server.origin != PYPROJECT else "env_file"
    if path.is_dir():
        raise _env_file_directory(server, path, key)
    if not path.is_file():
        text = (
            f"create {path} with the server's variables (NAME=value lines), or fix {key} in "
            f"{server.settings}"
        )
        raise CheckFailed(
            f"{server.name}: {key} {path} does not exist",
            why=f"{server.settings} loads the server's variables from it; without it the "
            "server starts without them (or, in its client, not at all)",
            fix=Fix([Manual(text)], text=text),
        )
    try:
        return dotenv.read(path, ctx.config.environ)
    except dotenv.DotenvError as exc:
        text = f"fix {path}: KEY=value lines"
        raise CheckFailed(
            f"{server.name}: {key} {path} cannot be read: {exc}",
            fix=Fix([Manual(text)], text=text),
        ) from None


def _env_file_directory(server: Server, path: Path, key: str) -> CheckFailed:
    """An ``envFile`` that names a directory: it exists, so neither "create it" nor "it is
    missing" is true; the entry must name one of the files in it (or another file)."""
    try:
        inside = sorted(p.name for p in path.iterdir() if p.is_file())
    except OSError:
        inside = []
    files = f" (it holds {', '.join(inside[:5])})" if inside else " (it holds no file)"
    text = f"set {key} in {server.settings} to a file of NAME=value lines, not the directory"
    if inside:
        text += f", e.g. {path / inside[0]}"
    client = discovery.CLIENTS.get(server.origin, "envcheck")
    return CheckFailed(
        f"{server.name}: {key} {path} is a directory, not a file{files}",
        why=f"{server.settings} loads the server's variables from one file; {client} cannot "
        "read a directory as one and does not start the server",
        fix=Fix([Manual(text)], text=text),
    )


def _without_credentials(url: str) -> str | None:
    """``url`` without its ``user:password@`` part, or ``None`` when it has none."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return None
    if "@" not in parts.netloc:
        return None
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _local_host(url: str) -> bool:
    """Whether ``url``'s host is this machine or a private network (no cloud service reaches
    it)."""
    import ipaddress

    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host  # a bare name: a machine of the local network
    return address.is_private or address.is_loopback or address.is_link_local


def _desktop_remote(
    item: discovery.Discovered, settings: str, url: str, config: EnvcheckConfig
) -> Check:
    """A ``url`` entry in Claude Desktop's ``claude_desktop_config.json``: Claude Desktop starts
    the servers of that file over stdio only (``command``); a remote server is a custom connector
    (Settings › Connectors), which Anthropic's cloud reaches, so only a public URL; a local one is
    bridged over stdio by ``mcp-remote``."""
    bridged = {"command": "npx", "args": ["-y", "mcp-remote", url]}
    headers = item.raw.get("headers") if isinstance(item.raw, dict) else None
    bridge = f"replace the entry of server {item.name!r} in {item.path} with {json.dumps(bridged)}"
    if headers:
        bridge += ' (each of its headers as two more args: "--header", "NAME:VALUE")'
    local = _local_host(url)
    if local:
        text = f"{bridge}: mcp-remote runs as a stdio server and connects to the URL"
    else:
        text = (
            f"add {url} in Claude Desktop's Settings › Connectors (Add custom connector) and "
            f"remove the entry of server {item.name!r} from {item.path}; or {bridge} (mcp-remote "
            "runs as a stdio server and connects to the URL)"
        )
    declared = _file_declared(config, item)
    steps: list[Step] = [Manual(text)]
    if local and declared.editable and not headers:
        steps = [Edit(path=declared.path, format="json", key=declared.key, value=bridged)]
    return _problem(
        f"{item.check_name}.start",
        f"{settings}: a url entry ({url}): Claude Desktop starts only stdio servers from its "
        "config file",
        Fix(steps, text=text),
        why="claude_desktop_config.json declares the programs Claude Desktop starts (command, "
        "args, env); it does not connect to a url given there (the entry is dropped or refused): "
        "remote servers are custom connectors, reached from Anthropic's cloud"
        + (", which cannot reach this host" if local else ""),
    )


def _credentials_in_url(item: discovery.Discovered, settings: str, url: str) -> Check:
    """A client file's ``url`` with ``user:password@``: every client that reads these files
    connects with fetch, and fetch refuses such a URL before any request (WHATWG Fetch, the
    Request constructor: "If parsedURL includes credentials, then throw a TypeError"). The
    credentials go in an ``Authorization`` header; they are never shown."""
    bare = _without_credentials(url) or ""
    client = discovery.CLIENTS[item.label]
    text = (
        f'in the entry of server {item.name!r} in {item.path}, set "url": {json.dumps(bare)} and '
        '"headers": {"Authorization": "Basic <base64 of user:password>"} '
        "(printf '%s' 'user:password' | base64), or the token the server takes "
        '("Bearer <token>"); an "${input:...}" keeps the password out of the file'
    )
    return _problem(
        f"{item.check_name}.start",
        f"{settings}: the url holds credentials (user:password@{bare.split('://', 1)[-1]}), which "
        f"{client} refuses",
        Fix([Manual(text)], text=text),
        why=f"{client} connects with fetch, which does not take a URL that includes credentials "
        "(a TypeError before any request); they are sent as an Authorization header instead",
    )
