"""A project for the ``mcp`` verdict scenarios: servers configured in ``pyproject.toml`` or declared
in the clients' files, real MCP servers started for it (the SDK's over streamable HTTP and SSE,
a proxy in front of them, TLS), one envcheck run through pytest, and the fixes of its report
applied through envcheck's step runner (:mod:`envcheck.engine.fixer`) before a re-run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from envcheck.core.config import EnvcheckConfig, Settings
from envcheck.core.fix import Command, Edit, Step, StepResult
from envcheck.engine import registry
from envcheck.engine.fixer import apply_step
from tests.mcp_servers import HERE, wait_port
from tests.servers import free_port

FAULTY = str(HERE / "faulty.py")
SDK_SERVER = str(HERE / "sdk_server.py")
PROXY = str(HERE / "proxy.py")


def toml(value: Any) -> str:
    """A TOML value: tables inline, the rest as JSON (JSON strings and lists are valid TOML)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def faulty(*faults: str) -> dict[str, Any]:
    """The table of the hand-written stdio server with ``faults``."""
    return {"command": sys.executable, "args": [FAULTY, *faults]}


def step_of(data: dict[str, Any]) -> Step:
    """A step of a JSON report's fix, as the fixer takes it (commands and file edits)."""
    if data["kind"] == "command":
        return Command(data["argv"], env=data.get("env") or {}, cwd=data.get("cwd"))
    if data["kind"] == "edit":
        return Edit(path=data["path"], format=data["format"], key=data["key"], value=data["value"])
    raise AssertionError(f"not a step a program runs: {data}")


class World:
    """One project, the servers it needs, and its envcheck runs."""

    def __init__(self, pytester: pytest.Pytester, stack: ExitStack) -> None:
        self.pytester = pytester
        self.root = pytester.path
        self.stack = stack
        self.servers: dict[str, dict[str, Any]] = {}
        self.mcp: dict[str, Any] = {"discover": False, "timeout": 8.0}
        self.checks: dict[str, dict[str, Any]] = {}
        self.after: dict[str, dict[str, Any]] = {}
        self.output = ""
        #: words before the run's command (tests/unprivileged.py): a run without root's power
        #: to read every file
        self.prefix: list[str] = []

    # -- the project -------------------------------------------------------------------------
    def server(self, name: str, **table: Any) -> None:
        self.servers[name] = table

    def file(self, relative: str, content: str | dict[str, Any]) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
        return path

    def write_config(self) -> None:
        lines = ["[tool.envcheck.mcp]"] + [f"{k} = {toml(v)}" for k, v in self.mcp.items()]
        for name, table in self.servers.items():
            lines.append(f"[tool.envcheck.mcp.servers.{json.dumps(name)}]")
            lines += [f"{key} = {toml(value)}" for key, value in table.items()]
        (self.root / "pyproject.toml").write_text("\n".join(lines) + "\n")

    # -- servers -----------------------------------------------------------------------------
    def process(self, argv: list[str], port: int) -> int:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

        def stop() -> None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
                proc.kill()
                proc.wait(10)

        self.stack.callback(stop)
        self.pending.append(port)
        return port

    @property
    def pending(self) -> list[int]:
        if not hasattr(self, "_pending"):
            self._pending: list[int] = []
        return self._pending

    def sdk(self, *options: str) -> int:
        """A real SDK server (see tests/mcp-servers/sdk_server.py for the options)."""
        port = free_port()
        return self.process([sys.executable, SDK_SERVER, str(port), *options], port)

    def proxy(self, upstream: int, mode: str) -> int:
        port = free_port()
        return self.process([sys.executable, PROXY, str(port), str(upstream), mode], port)

    def wait(self) -> None:
        """Wait until every server started so far listens."""
        for port in self.pending:
            wait_port(port, timeout=30.0)
        self.pending.clear()

    # -- runs --------------------------------------------------------------------------------
    def run(self, *args: str, write: bool = True) -> dict[str, dict[str, Any]]:
        """envcheck through pytest (``-m mcp``): the checks of the JSON report, by id."""
        if write:
            self.write_config()
        self.wait()
        report = self.root / "envcheck-report.json"
        if report.exists():
            report.unlink()
        options = ("-m", "mcp", "-p", "no:cacheprovider", "--envcheck-report", *args)
        if self.prefix:
            result = self.pytester.run(*self.prefix, sys.executable, "-m", "pytest", *options)
        else:
            result = self.pytester.runpytest_subprocess(*options)
        self.output = result.stdout.str() + result.stderr.str()
        assert report.is_file(), self.output
        checks = {c["id"]: c for c in json.loads(report.read_text())["checks"]}
        if write:
            self.checks = checks
        return checks

    def apply(self, check_id: str, *, person: bool = False) -> list[StepResult]:
        """Apply the fix of ``check_id`` (first run) as ``envcheck fix`` would. With ``person``,
        the fix may hold manual steps, which the scenario does itself (an export): only the
        others are applied."""
        fix = self.checks[check_id]["fix"]
        assert fix is not None, f"{check_id}: no fix"
        assert fix["runnable"] or person, f"{check_id}: no runnable fix: {fix}"
        steps = [s for s in fix["steps"] if s["kind"] != "manual"]
        assert steps, f"{check_id}: no step a program runs: {fix}"
        config = EnvcheckConfig(
            sections={},
            settings=Settings(),
            rootdir=self.root,
            source=str(self.root / "pyproject.toml"),
        )
        pm = registry.make_plugin_manager()
        results = [apply_step(step_of(s), config, pm) for s in steps]
        assert all(r.ok for r in results), results
        return results

    def rerun(self, *names: str) -> dict[str, dict[str, Any]]:
        """Run the checks of ``names`` again, after fixes (the configuration is not rewritten)."""
        expression = " or ".join(name.split("@")[0] for name in names)
        self.after = self.run("-k", expression, write=False)
        return self.after


@contextmanager
def environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def answering(
    status: int,
    headers: dict[str, str] | None = None,
    body: bytes = b"{}",
    content_type: str = "application/json",
) -> Iterator[int]:
    """An HTTP server on 127.0.0.1 that answers every request with ``status``, ``headers`` and
    ``body`` (what a gateway, a rate limiter or another API answers an MCP client)."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(status)
            self.send_header("content-type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def flooding(content_type: str, size: int | None) -> Iterator[tuple[int, list[int]]]:
    """An HTTP server on 127.0.0.1 that answers every request 200 ``content_type`` with ``size``
    bytes (``None``: an event stream of comments without end) until the client hangs up; and the
    bytes it sent, per answer."""
    sent: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(200)
            self.send_header("content-type", content_type)
            if size is not None:
                self.send_header("content-length", str(size))
            self.end_headers()
            chunk = b": " + b"x" * (2**16 - 4) + b"\n\n" if size is None else b" " * 2**16
            sent.append(0)
            try:
                while size is None or sent[-1] < size:
                    self.wfile.write(chunk)
                    sent[-1] += len(chunk)
            except OSError:  # the client stopped reading and hung up
                pass

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1]), sent
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
