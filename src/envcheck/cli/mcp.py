"""``envcheck mcp list|check|tools|serve``: the project's MCP servers from the command line.

``list`` shows every configured and discovered server (and every unusable declaration) with its
status, from its ``start`` and ``initialize`` checks; ``check NAME`` runs all checks of one server;
``tools NAME`` prints its tools; ``serve`` runs envcheck itself as an MCP server over stdio. The
checks run through the engine (registry → runner), exactly as under pytest.

Exit codes: 0 all good, 1 a server failed, 2 usage error (unknown server), 4 configuration error.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from envcheck.checks.mcp.config import COMPONENT, McpConfig, Server
from envcheck.core import redact
from envcheck.core.config import ConfigError, EnvcheckConfig, load
from envcheck.core.format import counts, diagnosis
from envcheck.core.model import Check, CheckResult, Status
from envcheck.engine import registry as _registry
from envcheck.engine.runner import Runner
from envcheck.engine.store import MemoryStore
from envcheck.mcpkit import discovery
from envcheck.report import terminal

if TYPE_CHECKING:
    from envcheck.mcpkit.probe import Probe

OK, FAILED, USAGE, CONFIG = 0, 1, 2, 4
_ANSI = {"green": "32", "red": "31", "yellow": "33", "bold": "1"}


class UsageError(Exception):
    """A mistake on the command line (exit code 2)."""


@dataclass
class Entry:
    """One MCP server of the project, or one declaration that cannot be used (``broken``)."""

    name: str
    source: str
    transport: str
    where: str
    checks: list[str] = field(default_factory=list)
    broken: bool = False


class Project:
    """The MCP servers of the project in a directory, and the runner that checks them."""

    def __init__(self, config: EnvcheckConfig, checks: dict[str, Check]) -> None:
        self.config = config
        self.runner = Runner(checks, config, MemoryStore())
        # the servers and the unusable declarations, as the component's checks carry them (the
        # client config files were read once, when the checks were collected)
        servers: dict[int, tuple[Server, list[str]]] = {}
        for cid, c in checks.items():  # in dependency order: start, initialize, tools, ...
            if isinstance(c.section, Server):
                servers.setdefault(id(c.section), (c.section, []))[1].append(cid)
        problems = [c for c in checks.values() if c.section is None and c.name != "servers"]
        self.entries = [_server_entry(s, ids, config) for s, ids in servers.values()]
        self.entries += [_broken_entry(check.name) for check in problems]
        #: the check that explains an empty list ("no MCP servers configured or declared ...")
        self.none_found = [cid for cid in checks if cid == _check_id("servers")]

    def entry(self, name: str) -> Entry:
        for entry in self.entries:
            if entry.name == name:
                return entry
        known = ", ".join(e.name for e in self.entries) or "none"
        raise UsageError(f"envcheck mcp: no MCP server named {name!r} here; known: {known}")

    def results(self, ids: Iterable[str]) -> dict[str, CheckResult]:
        """Run the checks (concurrently, with their dependencies) and wait for each."""
        wanted = list(ids)
        self.runner.start(wanted)
        return {cid: self.runner.result(cid) for cid in wanted}

    def probe(self, name: str) -> Probe | None:
        """The probe the checks of server ``name`` shared (after they ran), if any."""
        probes: dict[str, Probe] = self.config.extra.get("mcp-probes", {})
        return probes.get(name)


def open_project(directory: Path, explicit: Path | None) -> Project:
    """Read the configuration (``[tool.envcheck]``; the default ``mcp`` section without one).

    The project is the directory of ``explicit``, else the one :func:`discovery.project_root`
    finds from ``directory`` (a subdirectory of a project works like its root)."""
    if explicit is not None and not explicit.is_file():
        raise ConfigError(f"envcheck mcp: --config {explicit}: no such file")
    directory = (
        explicit.resolve().parent
        if explicit is not None
        else discovery.project_root(directory.resolve())
    )
    pm = _registry.make_plugin_manager()
    config = load(
        rootdir=directory,
        explicit=explicit,
        models=_registry.config_models(pm),
        defaults={},
        from_environment=False,
    )
    assert config is not None  # defaults are given
    if config.section(COMPONENT) is None:
        config.sections[COMPONENT] = McpConfig()
    checks = _registry.collect_checks(pm, config)
    mine = {cid: c for cid, c in checks.items() if c.component == COMPONENT}
    return Project(config, mine)


def _check_id(name: str) -> str:
    return f"{COMPONENT}/{name}"


def _server_entry(server: Server, checks: list[str], config: EnvcheckConfig) -> Entry:
    table = server.table
    if table.command is not None:
        where = shlex.join([table.command, *table.args])
    else:
        where = table.url or ""
    source = server.source if server.source != "pyproject.toml" else config.source
    return Entry(
        name=server.name,
        source=_shown_path(source, config.rootdir),
        transport=table.kind,
        where=redact.redact(where),
        checks=checks,
    )


def _broken_entry(check_name: str) -> Entry:
    """A problem check: ``NAME@label.start`` (a bad entry) or ``discovery[label]`` (a bad file)."""
    match = re.fullmatch(r"discovery\[(.+)\]", check_name)
    name = check_name if match else check_name.removesuffix(".start")
    label = match.group(1) if match else name.rpartition("@")[2]
    return Entry(name, _declared_in(label), "-", "-", [_check_id(check_name)], broken=True)


def _declared_in(label: str) -> str:
    if label == discovery.CLAUDE_DESKTOP:
        return str(discovery.claude_desktop_config())
    files = {lab: rel for rel, lab in discovery.PROJECT_FILES.items()}
    return files.get(label, label)


def _shown_path(path: str, rootdir: Path) -> str:
    try:
        return str(Path(path).relative_to(rootdir))
    except ValueError:
        return path


# -- output ------------------------------------------------------------------------------------
class Writer:
    """What :mod:`envcheck.report.terminal` writes to (pytest's reporter), on a plain stream."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.colour = stream.isatty() and not os.environ.get("NO_COLOR")

    def _paint(self, text: str, markup: dict[str, bool]) -> str:
        codes = [code for key, code in _ANSI.items() if markup.get(key)]
        if not (self.colour and codes):
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"

    def write(self, text: str, **markup: bool) -> None:
        self.stream.write(self._paint(text, markup))

    def write_line(self, text: str = "", **markup: bool) -> None:
        self.write(text, **markup)
        self.stream.write("\n")
        self.stream.flush()

    def write_sep(self, sep: str, title: str) -> None:
        self.write_line(f" {title} ".center(80, sep))


def _diagnosis(result: CheckResult) -> list[str]:
    return diagnosis(result.to_dict())


def _status(entry: Entry, results: dict[str, CheckResult]) -> tuple[str, str, list[str]]:
    """The server's state (ok, warn, fail, broken, skipped, not checked), text, diagnosis."""
    if entry.checks[0] not in results:
        return "not checked", "not checked", []
    if entry.broken:
        problem = results[entry.checks[0]]
        if problem.status is Status.SKIP:  # usable only by its client (a VS Code prompt)
            return "skipped", f"skipped: {problem.summary}", _diagnosis(problem)
        return "broken", f"broken: {problem.summary}", _diagnosis(problem)
    start, init, tools, ping = (results[cid] for cid in _listed(entry))
    if init.status is Status.SKIP and not init.blocked_by and start.status is Status.PASS:
        return "skipped", f"skipped: {init.summary}", _diagnosis(init)  # an OAuth sign-in
    for result in (start, init):
        if result.status in (Status.FAIL, Status.SKIP):
            return "fail", f"FAIL: {result.summary}", _diagnosis(result)
    # a server that answers the handshake and dies on its first request is not "ok"
    for result in (tools, ping):
        if result.status is Status.FAIL:
            return "fail", f"FAIL: {result.summary}", _diagnosis(result)
    if init.status is Status.WARN:
        return "warn", f"warn: {init.summary}", _diagnosis(init)
    facts = init.facts
    parts = [
        f"{facts.get('server_name') or '?'} {facts.get('server_version') or ''}".strip(),
        f"protocol {facts.get('protocol_version')}",
    ]
    if tools.status is Status.PASS:
        parts.append(f"{tools.facts.get('tools')} tools")
    return "ok", "ok: " + ", ".join(parts), []


def _listed(entry: Entry) -> list[str]:
    """The checks ``list`` runs for a server: start, initialize, tools and ping (the handshake,
    then two requests: a server that crashes after the handshake fails here)."""
    by_step = {cid.rpartition(".")[2]: cid for cid in entry.checks}
    return [by_step[step] for step in ("start", "initialize", "tools", "ping")]


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join([*(c.ljust(w) for c, w in zip(row, widths)), row[-1]]) for row in rows]


# -- the commands ------------------------------------------------------------------------------
def cmd_list(project: Project, check: bool, out: Writer) -> int:
    """``envcheck mcp list``: one line per server; 0 when every one works."""
    if not project.entries:
        for result in project.results(project.none_found).values():
            out.write_line(result.summary)
            out.write_line(f"    fix: {result.hint}")
        return OK
    wanted = [e.checks if e.broken else _listed(e) for e in project.entries if check or e.broken]
    results = project.results(cid for ids in wanted for cid in ids)
    rows = [["NAME", "SOURCE", "TRANSPORT", "WHERE", "STATUS"]]
    details: list[list[str]] = [[]]
    tally: dict[str, int] = {}
    for entry in project.entries:
        state, status, lines = _status(entry, results)
        tally[state] = tally.get(state, 0) + 1
        rows.append([entry.name, entry.source, entry.transport, entry.where, status])
        details.append(lines)
    for number, (line, lines) in enumerate(zip(_table(rows), details)):
        out.write_line(line, bold=number == 0)
        for detail in lines:
            out.write_line(f"    {detail}")
    counts = ", ".join(f"{n} {state}" for state, n in tally.items())
    out.write_line(f"{len(project.entries)} MCP server(s): {counts}")
    return FAILED if tally.keys() & {"fail", "broken"} else OK


def cmd_check(project: Project, name: str, out: Writer) -> int:
    """``envcheck mcp check NAME``: every check of one server, as the terminal report shows them."""
    entry = project.entry(name)
    out.write_line(f"{entry.name}: {entry.transport} `{entry.where}` from {entry.source}")
    results = [r.to_dict() for r in project.results(entry.checks).values()]
    terminal.write(out, results)
    found = counts(results)
    failed = found["fail"]
    tally = ", ".join(
        f"{found[status]} {label}"
        for status, label in (
            ("pass", "passed"),
            ("warn", "warned"),
            ("fail", "failed"),
            ("skip", "skipped"),
        )
        if found[status]
    )
    out.write_line(f"{entry.name}: {tally}", bold=True, red=bool(failed), green=not failed)
    return FAILED if failed else OK


def cmd_tools(project: Project, name: str, out: Writer) -> int:
    """``envcheck mcp tools NAME``: the server's tools, one per line, or why it cannot list them."""
    entry = project.entry(name)
    check_id = entry.checks[0] if entry.broken else entry.checks[2]
    result = project.results([check_id])[check_id]
    probe = project.probe(entry.name)
    tools = list(probe.tools) if probe is not None else []
    width = max((len(tool.name) for tool in tools), default=0)
    for tool in tools:
        out.write_line(f"{tool.name:<{width}}  {_first_line(tool.description)}")
    if result.status is Status.FAIL or (result.status is Status.SKIP and result.blocked_by):
        cause = (
            project.results([result.blocked_by])[result.blocked_by] if result.blocked_by else result
        )
        _print_diagnosis(cause, out)
        return FAILED
    if not tools:
        out.write_line(f"{entry.name}: {result.summary}")
    return OK


def _print_diagnosis(result: CheckResult, out: Writer) -> None:
    out.write(f"{result.status.value.upper()}  ", red=True)
    out.write_line(f"{result.name}: {result.summary}")
    for line in _diagnosis(result):
        out.write_line(f"      {line}", bold=line.startswith("fix:"))


def _first_line(text: str | None, limit: int = 100) -> str:
    line = (text or "").strip().split("\n", 1)[0].strip()
    return redact.clean(line, limit)


def cmd_serve(
    directory: Path,
    config: Path | None,
    timeout: float,
    *,
    allow_fix: bool = False,
    allow_privileged: bool = False,
    fix_timeout: float = 300.0,
) -> int:
    """``envcheck mcp serve``: envcheck as an MCP server over stdio."""
    from envcheck.cli.mcp_server import Workspace, serve

    ws = Workspace(
        directory,
        timeout=timeout,
        config=config,
        allow_fix=allow_fix,
        allow_privileged=allow_privileged,
        fix_timeout=fix_timeout,
    )
    return serve(ws)


# -- the command line --------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="FILE",
        help="read [tool.envcheck] from FILE (default: ./pyproject.toml)",
    )
    parser = argparse.ArgumentParser(
        prog="envcheck mcp",
        description="The MCP servers of the project in the current directory: configured in "
        "[tool.envcheck.mcp.servers] and declared in .mcp.json, .cursor/mcp.json, "
        ".vscode/mcp.json and Claude Desktop's config.",
        epilog="Exit codes: 0 all good, 1 a server does not work, 2 usage error, "
        "4 configuration error.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    listing = commands.add_parser(
        "list", parents=[common], help="every server, with its status (start + handshake)"
    )
    listing.add_argument("--no-check", action="store_true", help="list without connecting")
    check = commands.add_parser("check", parents=[common], help="run every check of one server")
    check.add_argument("name", help="the server's name, as `envcheck mcp list` shows it")
    tools = commands.add_parser("tools", parents=[common], help="list one server's tools")
    tools.add_argument("name", help="the server's name, as `envcheck mcp list` shows it")
    serve = commands.add_parser(
        "serve", parents=[common], help="run envcheck as an MCP server over stdio"
    )
    serve.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="the longest a run_checks call may take (default: 300)",
    )
    serve.add_argument(
        "--allow-fix",
        action="store_true",
        help="offer the apply_fix tool (unprivileged fixes; never manual steps)",
    )
    serve.add_argument(
        "--allow-privileged",
        action="store_true",
        help="with --allow-fix: apply_fix may also run steps that need sudo, a database "
        "superuser or a Redis admin",
    )
    serve.add_argument(
        "--fix-timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="the longest the steps of one apply_fix may take together (default: 300)",
    )
    return parser


def main(argv: Sequence[str]) -> int:
    """Run one ``envcheck mcp`` command; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(list(argv))
    directory = Path.cwd()
    explicit = Path(args.config) if args.config else None
    if args.command == "serve":
        if args.allow_privileged and not args.allow_fix:
            parser.error("--allow-privileged goes with --allow-fix")
        if args.fix_timeout <= 0:
            parser.error("--fix-timeout must be a positive number of seconds")
        return cmd_serve(
            directory,
            explicit,
            args.timeout,
            allow_fix=args.allow_fix,
            allow_privileged=args.allow_privileged,
            fix_timeout=args.fix_timeout,
        )
    out = Writer(sys.stdout)
    try:
        project = open_project(directory, explicit)
        if args.command == "list":
            return cmd_list(project, not args.no_check, out)
        if args.command == "check":
            return cmd_check(project, args.name, out)
        return cmd_tools(project, args.name, out)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return CONFIG
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        return 130
