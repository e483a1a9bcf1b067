"""``envcheck mcp serve``: envcheck as an MCP server over stdio, for coding agents.

Tools: ``run_checks`` (run the environment checks, all or one component, through the ``envcheck``
console script in a subprocess), ``last_report`` (the summary of the last report) and
``list_components``. A summary holds the counts by status and, for every failed or warned check,
its id, summary, why and fix; it comes from the JSON report, which is already redacted.

stdout carries only the protocol: logs go to stderr, and the subprocess's output is captured.
The SDK is imported only in :func:`build_server`.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envcheck.core import redact

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

REPORT = "envcheck-report"
#: Seconds a timed-out run gets to stop after Ctrl-C (so it reaps the servers it started).
STOP_GRACE = 5.0
#: Lines of a failed run's output returned to the client.
OUTPUT_TAIL = 15

RUN_CHECKS = (
    "Run envcheck's environment checks: all, or one component (list_components names them, "
    'e.g. "mcp", "postgres"). Returns the counts by status and, for each failed or warned '
    "check, its id, summary, why and hint (the fix). Writes envcheck-report.md/.json in the "
    "project; takes as long as the slowest check."
)

log = logging.getLogger("envcheck.mcp.serve")


@dataclass
class Workspace:
    """The project the server checks, where its report lives, and how long a run may take."""

    directory: Path
    timeout: float = 300.0
    config: Path | None = None

    @property
    def report(self) -> Path:
        """The JSON report that ``envcheck`` (and so ``run_checks``) writes in the project."""
        return self.directory / f"{REPORT}.json"


def summarize(document: dict[str, Any], path: Path) -> dict[str, Any]:
    """The compact summary of a JSON report: counts, and what to fix for each failure/warning."""
    tally = document.get("summary", {})
    counts = {status: int(tally.get(status, 0)) for status in ("pass", "fail", "warn", "skip")}
    counts["total"] = int(tally.get("total", sum(counts.values())))
    problems = [
        {key: check.get(key) for key in ("id", "status", "summary", "why", "hint")}
        for check in document.get("checks", [])
        if check.get("status") in ("fail", "warn")
    ]
    return {
        "verdict": "failed" if counts["fail"] else "passed" if counts["total"] else "no checks",
        "summary": f"{counts['total']} checks: {counts['pass']} passed, {counts['fail']} failed, "
        f"{counts['warn']} warned, {counts['skip']} skipped",
        "counts": counts,
        "problems": problems,
        "report": str(path),
        "generated_at": document.get("generated_at"),
    }


def read_report(path: Path) -> dict[str, Any] | None:
    """The JSON report at ``path``, or ``None`` when there is none (or it is not a report)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) and "checks" in document else None


def last_report(ws: Workspace) -> dict[str, Any]:
    """The summary of the last report, or how to make one."""
    document = read_report(ws.report)
    if document is None:
        return {
            "verdict": "no report",
            "report": None,
            "message": f"no envcheck report at {ws.report}: call run_checks, or run `envcheck` "
            f"in {ws.directory}, to make one",
        }
    return summarize(document, ws.report)


def command(ws: Workspace, component: str | None) -> list[str]:
    """The ``envcheck`` run that writes the workspace's report."""
    argv = [sys.executable, "-m", "envcheck.cli.main", "--report", str(ws.directory / REPORT)]
    if ws.config is not None:
        argv += ["--config", str(ws.config)]
    if component:
        argv += ["-m", component]
    return argv


def run(argv: list[str], cwd: Path, timeout: float) -> tuple[int | None, str]:
    """Run ``argv`` with its output captured; ``None`` as the code when it timed out."""
    with subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,  # stdin is the protocol: the run must not read it
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
            return process.returncode, output
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGINT)  # pytest stops and reaps the servers it started
            try:
                output, _ = process.communicate(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                process.kill()
                output, _ = process.communicate()
            return None, output


def run_checks(ws: Workspace, component: str | None) -> dict[str, Any]:
    """Run the checks (all, or one component) and summarize the report the run wrote."""
    if component is not None:
        known = components()
        if component not in known:
            return {
                "verdict": "error",
                "message": f"unknown component {component!r}; known: {', '.join(known)}",
            }
    before = _mtime(ws.report)
    argv = command(ws, component)
    log.info("running %s in %s", " ".join(argv[1:]), ws.directory)
    code, output = run(argv, ws.directory, ws.timeout)
    document = read_report(ws.report) if _mtime(ws.report) != before else None
    if document is None:
        return _no_report(ws, component, code, output)
    return summarize(document, ws.report)


def _no_report(
    ws: Workspace, component: str | None, code: int | None, output: str
) -> dict[str, Any]:
    tail = "\n".join(output.strip().splitlines()[-OUTPUT_TAIL:])
    if code is None:
        message = f"the checks did not finish within {ws.timeout:g} s; no report was written"
    elif code == 5 and component:
        message = f"no checks of component {component!r} here; list_components shows them"
    elif code == 4:
        message = "envcheck cannot use this project's configuration (see output)"
    else:
        message = f"envcheck ended with exit code {code} and wrote no report (see output)"
    return {"verdict": "error", "message": message, "output": redact.redact(tail)}


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def components() -> list[str]:
    """The components of envcheck and of the envcheck plugins installed."""
    from envcheck.engine import registry as _registry

    return sorted(_registry.config_models(_registry.make_plugin_manager()))


def list_components(ws: Workspace) -> dict[str, Any]:
    """The components envcheck knows and those this project configures."""
    from envcheck.core.config import ConfigError, read_table

    known = components()
    try:
        table, path = read_table(ws.directory, ws.config)
    except ConfigError as exc:
        return {"components": known, "error": str(exc)}
    configured = [name for name in known if name in (table or {})]
    note = (
        f"configured in {path}"
        if table is not None
        else "no [tool.envcheck]: run_checks checks the default stack from environment variables"
    )
    return {"components": known, "configured": configured, "note": note}


def build_server(ws: Workspace) -> MCPServer[Any]:
    """The MCP server and its tools."""
    import anyio.to_thread
    from mcp.server.mcpserver import MCPServer

    server: MCPServer[Any] = MCPServer(
        "envcheck",
        version=_version(),
        instructions=f"Checks the development environment of the project in {ws.directory}: "
        "virtualenv, databases, LLM providers, Ollama, MCP servers. Call run_checks, then fix "
        "each problem with its hint.",
        log_level="WARNING",
    )

    @server.tool(name="run_checks", description=RUN_CHECKS)
    async def run_checks_tool(component: str | None = None) -> dict[str, Any]:
        return await anyio.to_thread.run_sync(run_checks, ws, component)

    @server.tool(name="last_report")
    def last_report_tool() -> dict[str, Any]:
        """The summary of the last envcheck report of this project, without running anything."""
        return last_report(ws)

    @server.tool(name="list_components")
    def list_components_tool() -> dict[str, Any]:
        """The components envcheck can check, and those this project configures."""
        return list_components(ws)

    return server


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("pytest-envcheck")
    except metadata.PackageNotFoundError:  # pragma: no cover - a source tree
        return "0"


def serve(ws: Workspace) -> int:
    """Serve over stdio until the client closes the connection."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(name)s: %(message)s")
    log.setLevel(logging.INFO)
    log.info("serving %s (pid %d)", ws.directory, os.getpid())
    build_server(ws).run("stdio")
    return 0
