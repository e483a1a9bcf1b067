"""``envcheck mcp serve``: envcheck as an MCP server over stdio, for coding agents.

Tools: ``run_checks`` (run the environment checks, all or one component, through the ``envcheck``
console script in a subprocess), ``last_report`` (the summary of the last report),
``list_components``, ``plan_fixes`` (run the checks and list the structured fixes of what failed,
each with an id; changes nothing) and, only when the server was started with ``--allow-fix``,
``apply_fix`` (apply one planned fix by its id, then re-check). A summary holds the counts by
status and, for every failed or warned check, its id, summary, why and fix; it comes from the JSON
report, which is already redacted, and every tool's answer passes the redactor again.

``apply_fix`` never applies a manual step, nor a step that needs a privilege (``sudo``, a database
superuser, a Redis admin) unless the server was also started with ``--allow-privileged``. It runs
``python -m envcheck.cli.fixrun apply ID`` in a subprocess (which runs the checks, finds the fix
of that id in their plan and applies it, its steps within ``--fix-timeout`` seconds in all), then
re-checks in a fresh process and returns the re-check.

stdout carries only the protocol: logs go to stderr, and the subprocess's output is captured.
The SDK is imported only in :func:`build_server`.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envcheck.core import redact

if TYPE_CHECKING:
    from collections.abc import Callable

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

PLAN_FIXES = (
    "Run envcheck's checks (all, or one component) and list the fixes of what failed, in the "
    "order to apply them: each with an id, the checks it heals, its steps (commands, SQL, Redis "
    "commands, file edits, manual steps), what they need (sudo, superuser, admin) and whether "
    "apply_fix would refuse it (refused: manual, privileged, fix_disabled). Changes nothing but "
    "envcheck-report.md/.json."
)
APPLY_FIX = (
    "Apply one fix that plan_fixes listed, by its id (fix_id), then run the checks again and "
    "return the re-check: whether it healed its checks, each step's exit code and output, and "
    "the fixes planned now (a healed check can unblock others that then fail). Refuses manual "
    "fixes, and fixes that need sudo, a database superuser or a Redis admin unless the server "
    "was started with --allow-privileged; an id no longer planned (its check passes, or its fix "
    "changed) is refused as not_planned."
)

log = logging.getLogger("envcheck.mcp.serve")


@dataclass
class Workspace:
    """The project the server checks, where its report lives, and how long a run may take."""

    directory: Path
    timeout: float = 300.0
    config: Path | None = None
    #: offer ``apply_fix`` (``--allow-fix``); also privileged steps (``--allow-privileged``)
    allow_fix: bool = False
    allow_privileged: bool = False
    #: the longest the steps of one fix may take together, seconds (``--fix-timeout``)
    fix_timeout: float = 300.0
    #: one run at a time writes the report and changes the environment
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    #: set on SIGTERM: the work in flight stops, and nothing else starts
    stopping: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

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
    """Run ``argv`` with its output (stderr into stdout) captured, bounded as
    :func:`envcheck.core.exec.run` bounds it; ``None`` as the code when it timed out (it is then
    sent SIGINT, so that pytest stops and reaps the servers it started, then killed)."""
    from envcheck.core import exec as _exec

    try:
        # stdin is the protocol: the run must not read it (it gets an empty one)
        done = _exec.run(argv, cwd=cwd, timeout=timeout, merge_stderr=True, interrupt=STOP_GRACE)
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout if isinstance(exc.stdout, str) else ""
        return None, output
    output = done.stdout
    if done.cut:  # the note last, where the tail that is shown keeps it
        output = output.rstrip("\n") + "\n" + " ".join(done.notes).replace("stdout", "output")
    return done.returncode, output


def run_checks(ws: Workspace, component: str | None) -> dict[str, Any]:
    """Run the checks (all, or one component) and summarize the report the run wrote."""
    with ws.lock:
        document, problem = _check(ws, component)
    return problem if document is None else summarize(document, ws.report)


def _check(ws: Workspace, component: str | None) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Run the checks; the report the run wrote, or ``None`` and what went wrong."""
    unknown = _unknown(component)
    if unknown:
        return None, unknown
    before = _mtime(ws.report)
    argv = command(ws, component)
    log.info("running %s in %s", " ".join(argv[1:]), ws.directory)
    code, output = run(argv, ws.directory, ws.timeout)
    document = read_report(ws.report) if _mtime(ws.report) != before else None
    if document is None:
        return None, _no_report(ws, component, code, output)
    return document, {}


def _unknown(component: str | None) -> dict[str, Any] | None:
    """The answer to a component envcheck does not know, or ``None``."""
    if component is None:
        return None
    known = components()
    if component in known:
        return None
    return {
        "verdict": "error",
        "message": f"unknown component {component!r}; known: {', '.join(known)}",
    }


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


# -- plan_fixes and apply_fix -----------------------------------------------------------------
def _planned(ws: Workspace, document: dict[str, Any]) -> list[dict[str, Any]]:
    """The fixes of a report's failed checks, in the order to apply them, as data."""
    from envcheck.cli import fixrun
    from envcheck.engine import fixer

    root = ws.config.parent if ws.config is not None else ws.directory
    planned = fixer.plan(document.get("checks", []))
    return _marked(ws, [fixrun.describe(item, root) for item in planned])


def _marked(ws: Workspace, fixes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each fix (as :func:`fixrun.describe` says it) with why ``apply_fix`` on this server would
    refuse it (``manual``, ``privileged``, ``fix_disabled``), or ``None``."""
    return [{**fix, "refused": _refused(ws, fix)} for fix in fixes]


def _refused(ws: Workspace, fix: dict[str, Any]) -> str | None:
    if fix.get("manual"):
        return "manual"
    if fix.get("privileged") and not ws.allow_privileged:
        return "privileged"
    return None if ws.allow_fix else "fix_disabled"


def plan_fixes(ws: Workspace, component: str | None) -> dict[str, Any]:
    """Run the checks and plan the fixes of what failed (nothing is applied)."""
    with ws.lock:
        document, problem = _check(ws, component)
    if document is None:
        return problem
    ran = summarize(document, ws.report)
    fixes = _planned(ws, document)
    if fixes:
        verdict = "fixes planned"
    else:
        verdict = "no fix known" if ran["counts"]["fail"] else "nothing to fix"
    if not ws.allow_fix:
        note = "apply_fix is off: start `envcheck mcp serve --allow-fix` to apply fixes"
    elif not ws.allow_privileged:
        note = "apply_fix applies fixes whose steps need no privilege (no --allow-privileged)"
    else:
        note = "apply_fix applies every fix but manual ones (--allow-privileged)"
    answer = {
        "verdict": verdict,
        "summary": ran["summary"],
        "counts": ran["counts"],
        "fixes": fixes,
        "apply": note,
        "report": ran["report"],
    }
    return dict(redact.redact_any(answer))


def _fix_command(ws: Workspace, fix_id: str, component: str | None, result: Path) -> list[str]:
    argv = [sys.executable, "-m", "envcheck.cli.fixrun", "apply", fix_id, "--result", str(result)]
    argv += ["--fix-timeout", str(ws.fix_timeout)]
    if ws.allow_privileged:
        argv.append("--allow-privileged")
    if ws.config is not None:
        argv += ["--config", str(ws.config)]
    if component:
        argv += ["-m", component]
    return argv


def apply_fix(
    ws: Workspace, fix_id: str, component: str | None, cancel: threading.Event | None = None
) -> dict[str, Any]:
    """Apply the planned fix ``fix_id`` (unless refused), then re-check. When ``cancel`` is set
    (the client cancelled the call) or the server is stopping, the step in flight is stopped,
    nothing else runs, and the report records what was applied."""
    with ws.lock:
        answer = _apply_fix(ws, fix_id, component, cancel or threading.Event())
    return dict(redact.redact_any(answer))


def _apply_fix(
    ws: Workspace, fix_id: str, component: str | None, cancel: threading.Event
) -> dict[str, Any]:
    from envcheck.cli import fixrun

    unknown = _unknown(component)
    if unknown:
        return unknown

    def stopped() -> bool:
        return cancel.is_set() or ws.stopping.is_set()

    if stopped():
        return {"verdict": "interrupted", "id": fix_id, "applied": False, "steps": []}
    with tempfile.TemporaryDirectory(prefix="envcheck-fix-") as temporary:
        result = Path(temporary) / "result.json"
        argv = _fix_command(ws, fix_id, component, result)
        log.info("applying fix %s in %s", fix_id, ws.directory)
        # the checks before the fix, then its steps (the subprocess stops them at --fix-timeout)
        code, output, interrupted = _run_fix(
            argv, ws.directory, ws.timeout + ws.fix_timeout + STOP_GRACE, stopped
        )
        try:
            found = json.loads(result.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            found = None
    tail = redact.clean("\n".join(output.strip().splitlines()[-OUTPUT_TAIL:]))
    if interrupted:
        return _interrupted(ws, fix_id, found, tail)
    if not isinstance(found, dict):
        message = (
            f"the fix did not finish within {ws.timeout + ws.fix_timeout:g} s"
            if code is None
            else f"applying the fix ended with exit code {code} and said nothing (see output)"
        )
        return {"verdict": "error", "id": fix_id, "message": message, "output": tail}
    if found.get("outcome") == "error":
        return {
            "verdict": "error",
            "id": fix_id,
            "message": "the checks could not run before the fix "
            f"(exit code {found.get('exit_code')})",
            "output": found.get("output", ""),
        }
    if found.get("outcome") == "refused":
        return _refusal(ws, fix_id, found)
    record: dict[str, Any] = found["record"]
    document, problem = _check(ws, component)
    answer: dict[str, Any] = {
        "id": fix_id,
        "fix": found.get("fix"),
        "applied": record["applied"],
        "reason": record["reason"],
        "steps": record["steps"],
    }
    if document is None:
        return {**answer, "verdict": "error", "healed": [], "recheck": problem}
    status = {c.get("id"): c.get("status") for c in document.get("checks", [])}
    record["healed"] = [c for c in record["checks"] if status.get(c) == "pass"]
    document["fixes"] = [record]
    for trouble in fixrun.write_report(ws.directory / REPORT, document):
        log.warning("%s", trouble)
    if found.get("interrupted"):
        verdict = "interrupted"
    else:
        verdict = "healed" if fixrun.is_healed(record) else "not healed"
    return {
        **answer,
        "verdict": verdict,
        "healed": record["healed"],
        "still_failing": [c for c in record["checks"] if c not in record["healed"]],
        "recheck": summarize(document, ws.report),
        "plan": _planned(ws, document),
    }


def _run_fix(
    argv: list[str], cwd: Path, timeout: float, stopped: Callable[[], bool]
) -> tuple[int | None, str, bool]:
    """Run the fix subprocess (``python -m envcheck.cli.fixrun apply``): its exit code (``None``
    when it was stopped), the last lines of its output, and whether ``stopped()`` stopped it.

    Stopping it is Ctrl-C's: it stops the step in flight and every process that step started
    (:func:`envcheck.cli.fixrun.stop_step`), records it, and runs nothing else; past
    :data:`STOP_GRACE` it is killed, with whatever it started. Its output goes to a file, of
    which only the end is read (the output of a step is bounded by the subprocess itself)."""
    import signal
    import time

    from envcheck.core import exec as _exec
    from envcheck.mcpkit import _reaper

    deadline = time.monotonic() + timeout
    with tempfile.TemporaryFile() as sink:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env={**os.environ, _exec.SIGINT_STOPS: "1"},  # stopped with SIGINT: honoured
            stdin=subprocess.DEVNULL,  # stdin is the protocol: the run must not read it
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        code: int | None = None
        interrupted = False
        while True:
            try:
                code = process.wait(0.05)
                break
            except subprocess.TimeoutExpired:
                interrupted = stopped()
                if not interrupted and time.monotonic() < deadline:
                    continue
            process.send_signal(signal.SIGINT)
            try:
                process.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                left = _reaper.tree(process.pid)
                process.kill()
                process.wait()
                _reaper.end_tree(left)
            code = None
            break
        size = sink.seek(0, 2)
        sink.seek(max(0, size - 64 * 1024))
        output = sink.read().decode("utf-8", errors="replace")
    return code, output, interrupted


def _interrupted(
    ws: Workspace, fix_id: str, found: dict[str, Any] | None, tail: str
) -> dict[str, Any]:
    """The answer to an ``apply_fix`` stopped by the client's cancellation or SIGTERM: what was
    applied (the step in flight recorded as stopped), without a re-check (nothing else runs);
    the last report gets the record in its ``fixes``."""
    record = found.get("record") if isinstance(found, dict) else None
    if not isinstance(record, dict):
        return {
            "verdict": "interrupted",
            "id": fix_id,
            "applied": False,
            "steps": [],
            "message": "stopped before any step of the fix ran; nothing was changed",
            "output": tail,
        }
    from envcheck.cli import fixrun

    record["healed"] = []
    document = read_report(ws.report)
    report = None
    if document is not None:
        document["fixes"] = [record]
        if not fixrun.write_report(ws.directory / REPORT, document):
            report = str(ws.report)
    return {
        "verdict": "interrupted",
        "id": fix_id,
        "fix": found.get("fix") if isinstance(found, dict) else None,
        "applied": record["applied"],
        "reason": record["reason"],
        "steps": record["steps"],
        "healed": [],
        "still_failing": list(record["checks"]),
        "message": "stopped while the fix ran: the step in flight was stopped with every process "
        "it started, nothing else ran, and the checks were not run again",
        "report": report,
    }


#: what each refusal of apply_fix means, and what to do instead
REFUSALS = {
    "manual": "a manual fix is done by a person, never by envcheck: follow its steps by hand",
    "privileged": "this fix needs sudo, a database superuser or a Redis admin: apply it by hand, "
    "or start `envcheck mcp serve --allow-fix --allow-privileged`",
    "not_planned": "no fix with this id is planned now (its check passes, or its fix changed): "
    "call plan_fixes for the current ids",
}


def _refusal(ws: Workspace, fix_id: str, found: dict[str, Any]) -> dict[str, Any]:
    code = str(found.get("refused"))
    return {
        "verdict": "refused",
        "id": fix_id,
        "refused": code,
        "message": REFUSALS.get(code, code),
        "fix": found.get("fix"),
        "applied": False,
        "plan": _marked(ws, list(found.get("plan") or [])),
    }


def build_server(ws: Workspace) -> MCPServer[Any]:
    """The MCP server and its tools."""
    import anyio.to_thread
    from mcp.server.mcpserver import MCPServer
    from mcp_types import ToolAnnotations

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

    @server.tool(
        name="plan_fixes",
        description=PLAN_FIXES,
        annotations=ToolAnnotations(read_only_hint=True, open_world_hint=False),
    )
    async def plan_fixes_tool(component: str | None = None) -> dict[str, Any]:
        return await anyio.to_thread.run_sync(plan_fixes, ws, component)

    if ws.allow_fix:

        @server.tool(
            name="apply_fix",
            description=APPLY_FIX,
            annotations=ToolAnnotations(
                read_only_hint=False, destructive_hint=True, idempotent_hint=False
            ),
        )
        async def apply_fix_tool(fix_id: str, component: str | None = None) -> dict[str, Any]:
            cancel = threading.Event()
            try:
                # abandoned on cancellation: the thread sees ``cancel`` and stops the fix
                return await anyio.to_thread.run_sync(
                    apply_fix, ws, fix_id, component, cancel, abandon_on_cancel=True
                )
            except anyio.get_cancelled_exc_class():  # notifications/cancelled, or shutting down
                cancel.set()
                raise

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
    import anyio

    anyio.run(_serve, ws)
    return 0


#: Seconds the answer of the call SIGTERM stopped gets to reach the client before the server ends.
ANSWER_GRACE = 0.5


async def _serve(ws: Workspace) -> None:
    """Serve over stdio; on SIGTERM, stop the work in flight (an ``apply_fix`` stops its step, runs
    nothing else and answers what was applied), then end. When the client closes the connection,
    the work in flight is stopped as well, and waited for."""
    import signal

    import anyio

    server = build_server(ws)

    async def on_sigterm() -> None:
        with anyio.open_signal_receiver(signal.SIGTERM) as signals:
            async for _ in signals:
                log.info("SIGTERM: stopping the work in flight")
                ws.stopping.set()
                await anyio.to_thread.run_sync(_settle, ws)
                await anyio.sleep(ANSWER_GRACE)
                # then end as SIGTERM would have (stdin's reader cannot be cancelled)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGTERM)

    async with anyio.create_task_group() as group:
        group.start_soon(on_sigterm)
        await server.run_stdio_async()
        group.cancel_scope.cancel()
    if not ws.stopping.is_set():
        ws.stopping.set()
        await anyio.to_thread.run_sync(_settle, ws)
        ws.stopping.clear()


def _settle(ws: Workspace) -> None:
    """Wait until the run in flight, told to stop, has stopped (at most a few grace periods)."""
    if ws.lock.acquire(timeout=4 * STOP_GRACE):
        ws.lock.release()
