"""A project for the ``mcp`` verdict scenarios: servers configured in ``pyproject.toml`` or declared
in the clients' files, real MCP servers started for it (the SDK's over streamable HTTP and SSE,
a proxy in front of them, TLS), one envcheck run through pytest, and the fixes of its report
applied through envcheck's step runner (:mod:`envcheck.engine.fixer`) before a re-run."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from envcheck.core.config import EnvcheckConfig, Settings
from envcheck.core.fix import Command, Edit, Step, StepResult
from envcheck.engine import registry
from envcheck.engine.fixer import apply_step
from tests.mcp_servers import HERE, wait_port
from tests.servers import QuietHandler, free_port, serving
from tests.verdicts import table
from tests.verdicts.test_heldout_servers import Expect, grade

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
        for name, entry in self.servers.items():
            lines.append(f"[tool.envcheck.mcp.servers.{json.dumps(name)}]")
            lines += [f"{key} = {toml(value)}" for key, value in entry.items()]
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


def run_in_process(
    root: Path, config: str, secret: str, *, log_capture: bool = True
) -> list[dict[str, Any]]:
    """One envcheck run (``-m mcp``) over ``config`` written as ``root``'s pyproject.toml, in this
    process through ``pytest.main`` (not pytester's run, which forgets the modules a session
    imported, so that every test using it imports first all envcheck may use); the checks of its
    JSON report, which must not hold ``secret``. ``log_capture``: pytest's, a tenth of a run of a
    hundred servers (envcheck redacts its records either way)."""
    (root / "pyproject.toml").write_text(config)
    report = root / "envcheck-report.json"
    report.unlink(missing_ok=True)
    options = ["-m", "mcp", "-p", "no:cacheprovider", "--envcheck-report", "-q", "-s", "-rN"]
    if not log_capture:
        options += ["-p", "no:logging"]
    here = os.getcwd()
    os.chdir(root)
    try:
        pytest.main([*options, "--rootdir", str(root), "-c", str(root / "pyproject.toml")])
    finally:
        os.chdir(here)
    assert report.is_file(), "envcheck wrote no report"
    text = report.read_text()
    assert secret not in text, "the secret is in the report"
    checks: list[dict[str, Any]] = json.loads(text)["checks"]
    return checks


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

    class Handler(QuietHandler):
        def _answer(self) -> None:
            self.body()
            self.respond(status, body, {"content-type": content_type, **(headers or {})})

        do_GET = do_POST = do_DELETE = _answer

    with serving(Handler) as port:
        yield port


@contextmanager
def flooding(content_type: str, size: int | None) -> Iterator[tuple[int, list[int]]]:
    """An HTTP server on 127.0.0.1 that answers every request 200 ``content_type`` with ``size``
    bytes (``None``: an event stream of comments without end) until the client hangs up; and the
    bytes it sent, per answer."""
    sent: list[int] = []

    class Handler(QuietHandler):
        def _answer(self) -> None:
            self.body()
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

    with serving(Handler) as port:
        yield port, sent


# -- the held-out rounds (tests/verdicts/test_heldout_mcp*.py) ---------------------------------
#: the held-out rounds' stdio server: newline-delimited JSON-RPC; MODE (argv[1]) bends one thing
#: of the protocol ("plain": none)
STDIO_SERVER = textwrap.dedent("""
    import json, sys

    MODE = sys.argv[1]
    TOOLS = [{"name": "echo", "inputSchema": {"type": "object", "properties": {}}}]


    def send(message):
        if MODE == "batch":
            message = [message]
        if MODE == "jsonrpc-1.0":
            message = dict(message, jsonrpc="1.0")
        if MODE == "multiline":
            text = json.dumps(message, indent=2) + "\\n"
        elif MODE == "crlf":
            text = json.dumps(message) + "\\r\\n"
        else:
            text = json.dumps(message) + "\\n"
        data = text.encode("utf-16" if MODE == "utf-16" else "utf-8")
        out = sys.stderr if MODE == "stderr-replies" else sys.stdout
        out.buffer.write(data)
        out.buffer.flush()


    def initialize(ident, params):
        version = params.get("protocolVersion")
        if MODE == "old-version":
            version = "2024-11-05"
        if MODE == "unsupported-version":
            data = {"supported": ["2024-10-07"], "requested": version}
            error = {"code": -32602, "message": "Unsupported protocol version", "data": data}
            return send({"jsonrpc": "2.0", "id": ident, "error": error})
        if MODE == "log-first":
            log = {"level": "info", "logger": "heldout", "data": "starting up"}
            send({"jsonrpc": "2.0", "method": "notifications/message", "params": log})
        result = {
            "protocolVersion": version,
            "capabilities": {"tools": {}, "logging": {}},
            "serverInfo": {"name": "heldout", "version": "1.0"},
        }
        if MODE == "prompt-no-name":
            result["capabilities"]["prompts"] = {}
        if MODE == "no-capabilities":
            del result["capabilities"]
        if MODE == "no-serverinfo":
            del result["serverInfo"]
        send({"jsonrpc": "2.0", "id": ident, "result": result})


    #: what tools/list answers in MODE instead of the tools (round 3)
    TOOLS_ERRORS = {
        "error-data": {
            "code": -32603,
            "message": "Internal error",
            "data": {"detail": "DATABASE_URL is not set"},
        },
        "code-string": {"code": "E_INTERNAL", "message": "tools unavailable"},
    }
    if MODE == "output-array":
        TOOLS[0]["outputSchema"] = {"type": "array", "items": {"type": "string"}}
    if MODE == "name-space":
        TOOLS[0]["name"] = "get weather"
    if MODE == "name-twice":
        TOOLS.append(dict(TOOLS[0], description="the same name again"))
    #: the request the server sends the client before it answers tools/list in MODE (round 4)
    ASKS = {
        "ask-ping": ("ping", {}),
        "ask-roots": ("roots/list", {}),
        "ask-elicitation-hang": (
            "elicitation/create",
            {"message": "Which account?", "requestedSchema": {"type": "object", "properties": {}}},
        ),
        "ask-sampling": (
            "sampling/createMessage",
            {
                "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}],
                "maxTokens": 50,
            },
        ),
    }


    def ask(method, params):
        # sends the client ``method``; its answer: the next response with the request's id
        ident = "srv-1"
        send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        for line in sys.stdin:
            reply = json.loads(line)
            if reply.get("id") == ident and "method" not in reply:
                return reply
        return {}


    initialized = False

    for line in sys.stdin:
        message = json.loads(line)
        if message.get("method") == "notifications/initialized":
            initialized = True
            if MODE == "notify-error":  # JSON-RPC: a notification is never answered
                error = {"code": -32601, "message": "Method not found"}
                send({"jsonrpc": "2.0", "id": None, "error": error})
        if "id" not in message or "method" not in message:
            continue
        ident, method = message["id"], message["method"]
        params = message.get("params") or {}
        if MODE == "needs-initialized" and not initialized and method != "initialize":
            error = {"code": -32600, "message": "not initialized"}
            send({"jsonrpc": "2.0", "id": ident, "error": error})
        elif method == "initialize":
            initialize(ident, params)
        elif method == "ping" and MODE == "code-string-ping":
            error = {"code": "E_PING", "message": "ping unavailable"}
            send({"jsonrpc": "2.0", "id": ident, "error": error})
        elif method == "ping":
            if MODE != "ping-silent":
                send({"jsonrpc": "2.0", "id": ident, "result": {}})
        elif method == "tools/list" and MODE in ASKS and "result" not in ask(*ASKS[MODE]):
            if not MODE.endswith("-hang"):  # else it waits for what it never gets
                error = {"code": -32603, "message": "Internal error"}
                send({"jsonrpc": "2.0", "id": ident, "error": error})
        elif method == "tools/list" and MODE in TOOLS_ERRORS:
            send({"jsonrpc": "2.0", "id": ident, "error": TOOLS_ERRORS[MODE]})
        elif method == "tools/list":
            result = {"tools": TOOLS}
            if MODE == "cursor-loop":
                result["nextCursor"] = "page-2"  # every page, the second included
            send({"jsonrpc": "2.0", "id": ident, "result": result})
        elif method == "prompts/list":
            prompt = {"description": "a prompt without its required name"}
            send({"jsonrpc": "2.0", "id": ident, "result": {"prompts": [prompt]}})
        elif method == "tools/call":
            content = [{"type": "text", "text": "ok"}]
            send({"jsonrpc": "2.0", "id": ident, "result": {"content": content}})
        else:
            error = {"code": -32601, "message": "Method not found"}
            send({"jsonrpc": "2.0", "id": ident, "error": error})
    """)


#: a healthy stdio server's body (after its first line, if any): newline-delimited JSON-RPC, one
#: tool ``echo`` (the held-out rounds from the twelfth on start from it)
ECHO_SERVER = textwrap.dedent("""
    import json, sys


    def send(message):
        sys.stdout.write(json.dumps(message) + "\\n")
        sys.stdout.flush()


    for line in sys.stdin:
        message = json.loads(line)
        if "id" not in message or "method" not in message:
            continue
        ident, method = message["id"], message["method"]
        params = message.get("params") or {}
        reply = {"jsonrpc": "2.0", "id": ident}
        if method == "initialize":
            reply["result"] = {
                "protocolVersion": params.get("protocolVersion"),
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "heldout12", "version": "1.0"},
            }
        elif method == "tools/list":
            reply["result"] = {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}
        elif method == "ping":
            reply["result"] = {}
        elif method == "tools/call":
            reply["result"] = {"content": [{"type": "text", "text": "ok"}]}
        else:
            reply["error"] = {"code": -32601, "message": "Method not found"}
        send(reply)
    """)


def oauth_outcome(url: str) -> tuple[str, bool]:
    """The SDK's OAuth client against ``url``: the exception that ends it, and whether it got as
    far as a sign-in (its redirect handler called)."""
    import anyio
    import httpx2
    from mcp import Client
    from mcp.client.auth import OAuthClientProvider
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

    redirected: list[str] = []

    class Memory:
        async def get_tokens(self) -> OAuthToken | None:
            return None

        async def set_tokens(self, tokens: OAuthToken) -> None:
            return None

        async def get_client_info(self) -> OAuthClientInformationFull | None:
            return None

        async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
            return None

    async def redirect(authorization_url: str) -> None:
        redirected.append(authorization_url)
        raise RuntimeError("no person to sign in")

    async def walk() -> str:
        provider = OAuthClientProvider(
            server_url=url,
            client_metadata=OAuthClientMetadata(
                client_name="envcheck-heldout",
                redirect_uris=["http://127.0.0.1:9/callback"],  # type: ignore[list-item]
            ),
            storage=Memory(),
            redirect_handler=redirect,
        )
        try:
            with anyio.fail_after(20):
                async with httpx2.AsyncClient(auth=provider, timeout=5.0) as http:
                    async with Client(streamable_http_client(url, http_client=http)):
                        return "works"
        except BaseException as exc:  # noqa: B902,B036 - an ExceptionGroup, a timeout
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
                exc = exc.exceptions[0]
            return f"{type(exc).__name__}: {exc}"

    outcome = anyio.run(walk)
    return outcome, bool(redirected)


#: the same server in Node (newline-delimited JSON-RPC on stdio, one tool ``echo``)
NODE_ECHO_SERVER = textwrap.dedent("""
    const readline = require("readline");
    const send = (m) => process.stdout.write(JSON.stringify(m) + "\\n");
    readline.createInterface({ input: process.stdin }).on("line", (line) => {
      const m = JSON.parse(line);
      if (m.id === undefined || !m.method) return;
      const reply = { jsonrpc: "2.0", id: m.id };
      if (m.method === "initialize") {
        reply.result = {
          protocolVersion: (m.params || {}).protocolVersion,
          capabilities: { tools: {} },
          serverInfo: { name: "notes", version: "1.0" },
        };
      } else if (m.method === "tools/list") {
        reply.result = { tools: [{ name: "echo", inputSchema: { type: "object" } }] };
      } else if (m.method === "ping") {
        reply.result = {};
      } else if (m.method === "tools/call") {
        reply.result = { content: [{ type: "text", text: "ok" }] };
      } else {
        reply.error = { code: -32601, message: "Method not found" };
      }
      send(reply);
    });
    """)


@contextmanager
def serving_tls(handler: type[BaseHTTPRequestHandler], cert: str, key: str) -> Iterator[int]:
    """``handler`` served over TLS on 127.0.0.1 (the certificate ``cert`` and its ``key``, PEM
    files) in a thread; the port. A failed handshake is the client's to see, not logged."""
    import ssl
    import threading
    from http.server import ThreadingHTTPServer

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def get_request(self) -> tuple[Any, Any]:
            sock, address = self.socket.accept()
            return (
                context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False),
                address,
            )

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that refused the certificate

    server = Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def processes_of(root: Path) -> set[int]:
    """The processes whose command line names a path under ``root`` (the case's servers)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            cwd = ""
        if str(root) in cmdline or cwd.startswith(str(root)):
            found.add(int(entry.name))
    return found


def write_script(path: Path, text: str) -> str:
    """``text`` written to ``path`` (its directories made); the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_inline(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


#: the timeout of a round's healthy neighbours: a healthy server answers at once, so it costs
#: nothing, and a loaded machine (CI's 2 cores, a round's servers started together: mcp_server_time
#: and srv-log-flood missed 5 s there) does not fail a server that is not broken
PATIENT = 30.0


def neighbour_servers(cases: dict[str, tuple[Any, ...]], neighbours: Any) -> set[str]:
    """The servers of a round's healthy neighbours (``cases[name][0]``)."""
    return {cases[name][0] for name in neighbours}


def servers_toml(servers: dict[str, dict[str, Any]], patient: Iterable[str] = ()) -> str:
    """pyproject.toml's ``[tool.envcheck.mcp]`` (timeout 5 s) with a table per server entry; the
    servers named in ``patient`` (healthy ones) at :data:`PATIENT` seconds."""
    config = "[tool.envcheck.mcp]\ntimeout = 5.0\n"
    for name, entry in servers.items():
        if name in patient and "timeout" not in entry:
            entry = {**entry, "timeout": PATIENT}
        config += f"[tool.envcheck.mcp.servers.{name}]\n"
        config += "".join(f"{key} = {_inline(value)}\n" for key, value in entry.items())
    return config


def stdio_script(root: Path) -> str:
    path = root / "heldout_server.py"
    path.write_text(STDIO_SERVER)
    return str(path)


def jsonrpc_reply(message: dict[str, Any]) -> dict[str, Any]:
    """A healthy MCP server's answer to the JSON-RPC request ``message`` (one tool)."""
    method, params = message["method"], message.get("params") or {}
    reply: dict[str, Any] = {"jsonrpc": "2.0", "id": message["id"]}
    if method == "initialize":
        reply["result"] = {
            "protocolVersion": params.get("protocolVersion"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "heldout-http", "version": "1.0"},
        }
    elif method == "tools/list":
        reply["result"] = {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}
    elif method == "ping":
        reply["result"] = {}
    elif method == "tools/call":
        reply["result"] = {"content": [{"type": "text", "text": "ok"}]}
    else:
        reply["error"] = {"code": -32601, "message": "Method not found"}
    return reply


class StreamHandler(QuietHandler):
    """A streamable HTTP MCP server for the held-out rounds, at ``/<mode>/mcp``: GET answered 405
    (no server-initiated stream), DELETE 200, a notification 202, every response the client
    POSTs (its answer to a request of the server's) kept in :attr:`answers` as (mode, message)
    and answered 202; a request goes to :meth:`serve` (by default a healthy server's answer as
    ``application/json``). A subclass answers by the mode, and may open an SSE stream on the
    POST (:meth:`open_stream`, :meth:`event`) and wait there for the client's answer to its own
    request (:meth:`answer_to`). Each subclass has its own :attr:`answers`."""

    answers: list[tuple[str, dict[str, Any]]] = []
    lock = threading.Lock()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.answers = []

    @property
    def mode(self) -> str:
        return self.path.strip("/").split("/")[0]

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.respond(405, headers={"allow": "POST, DELETE"})

    def do_DELETE(self) -> None:  # noqa: N802
        self.respond(200)

    def do_POST(self) -> None:  # noqa: N802
        message = json.loads(self.body())
        if "method" not in message:
            with self.lock:
                self.answers.append((self.mode, message))
            self.respond(202)
        elif "id" not in message:
            self.respond(202)
        else:
            self.serve(message)

    def serve(self, message: dict[str, Any]) -> None:
        """Answer the client's request ``message``."""
        self.json(jsonrpc_reply(message))

    def json(self, message: dict[str, Any]) -> None:
        self.respond(200, json.dumps(message).encode(), {"content-type": "application/json"})

    def open_stream(self) -> None:
        """Start the POST's answer as an SSE stream (ended when the handler returns)."""
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.end_headers()

    def event(self, message: dict[str, Any]) -> None:
        self.wfile.write(f"event: message\ndata: {json.dumps(message)}\n\n".encode())
        self.wfile.flush()

    def answer_to(self, ident: Any, seconds: float) -> dict[str, Any] | None:
        """The client's response (POSTed to this mode) with the id ``ident`` (taken out of
        :attr:`answers`), waited for ``seconds`` at most; ``None`` if none came."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                for i, (mode, answer) in enumerate(self.answers):
                    if mode == self.mode and "id" in answer and answer["id"] == ident:
                        return self.answers.pop(i)[1]
            time.sleep(0.02)
        return None


@pytest.fixture(autouse=True)
def no_real_client_configs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Claude Desktop's config is looked up under HOME: never read the real one (autouse in
    each module that imports it)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)


async def sdk_stdio(command: str, args: list[str]) -> str:
    parameters = StdioServerParameters(command=command, args=args)
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write, 5.0) as session:
            await session.initialize()
            await session.list_tools()
    return "works"


async def sdk_http(url: str) -> str:
    async with streamable_http_client(url) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write, 5.0) as session:
            await session.initialize()
            await session.list_tools()
    return "works"


@contextmanager
def round_world(
    root: Path, handler: type[BaseHTTPRequestHandler], variables: Mapping[str, str] | None = None
) -> Iterator[int]:
    """A round's run under ``root``: ``handler`` served (its port yielded), HOME in ``root`` and
    no XDG_CONFIG_HOME (no real client's config read), ``variables`` set in this shell, the
    working directory ``root``; all undone after."""
    with pytest.MonkeyPatch.context() as mp, serving(handler, poll=0.1) as port:
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        for name, value in (variables or {}).items():
            mp.setenv(name, value)
        mp.chdir(root)
        yield port


def sdk_outcome(attempt: Callable[[], Any]) -> str:
    """What the official SDK's client makes of the server: "works", or how it failed."""

    async def bounded() -> str:
        result: str = await asyncio.wait_for(attempt(), 15)
        return result

    try:
        return asyncio.run(bounded())
    except BaseException as exc:  # noqa: B902 - an ExceptionGroup, a timeout, a McpError
        if isinstance(exc, KeyboardInterrupt):
            raise
        return f"fails: {type(exc).__name__}: {exc}"


def proven(outcome: str, breaks: bool) -> None:
    """The SDK's client failed on a breakage, or worked on a healthy neighbour."""
    assert outcome.startswith("fails") if breaks else outcome == "works", outcome


def stdio_case(w: World, name: str, mode: str, *, breaks: bool = True) -> str:
    """The held-out stdio server in ``mode``, proven with the SDK, as ``name``."""
    script = stdio_script(w.root)
    proven(sdk_outcome(lambda: sdk_stdio(sys.executable, [script, mode])), breaks)
    w.server(name, command=sys.executable, args=[script, mode], timeout=5.0)
    return name


def http_case(w: World, url: str, name: str, *, breaks: bool = True) -> str:
    """The streamable HTTP server at ``url``, proven with the SDK, as ``name``."""
    proven(sdk_outcome(lambda: sdk_http(url)), breaks)
    w.server(name, url=url, transport="http")
    return name


@dataclass
class Case:
    expect: Expect
    #: makes the project in the world (and its servers, on ``stack``), proves the breakage is
    #: real, and returns the server's name in the check ids
    make: Callable[[World, ExitStack], str]


class Cases(dict[str, Case]):
    """A round's cases by name, registered with the decorator :meth:`case`."""

    def case(
        self, name: str, expect: Expect
    ) -> Callable[[Callable[[World, ExitStack], str]], None]:
        def register(make: Callable[[World, ExitStack], str]) -> None:
            self[name] = Case(expect, make)

        return register


def run_case(pytester: pytest.Pytester, case: Case, name: str) -> None:
    """One envcheck run of the case, graded; then the row of docs/verdicts/mcp.md named after
    it holds for the same run."""
    with ExitStack() as stack:
        w = World(pytester, stack)
        server = case.make(w, stack)
        checks = list(w.run().values())
    verdict = grade(case.expect, checks)
    if case.expect.status == "pass":
        # a server that is not broken: every check of it passes (or is not run)
        mine = [c for c in checks if c["id"].startswith(f"mcp/{server}.")]
        assert mine, sorted(c["id"] for c in checks)
        failing = [
            f"{c['id']} {c['status']}: {c['summary']}"
            for c in mine
            if c["status"] not in ("pass", "skip")
        ]
        if failing:
            verdict.grade, verdict.problems = "wrong", failing
    assert verdict.grade == "fully right", f"{verdict.grade}: " + "\n".join(verdict.problems)
    row = {r.id: r for r in table.rows("mcp")}[name]
    problems = table.verdict_problems(row, checks)
    assert not problems, problems


def run_case_alone(pytester: pytest.Pytester, case: Case, name: str) -> None:
    """:func:`run_case`, and no process of the case (the SDK's client's, envcheck's) outlives
    its run."""
    before = processes_of(pytester.path)
    try:
        run_case(pytester, case, name)
    finally:
        left = processes_of(pytester.path) - before
    assert not left, f"processes outlived the run: {sorted(left)}"


def judge_server(
    expect: Expect, mine: list[dict[str, Any]], *, healthy: bool, row: str | None
) -> None:
    """A held-out case's verdict over its server's checks ``mine``: fully right by ``expect``
    (tests/verdicts/test_heldout_servers.py's grade); for a ``healthy`` neighbour nothing fails or
    warns; ``row``: its row of docs/verdicts/mcp.md holds on the same checks. What a user sees of
    the server is printed (shown with -rA)."""
    summary = "\n".join(
        f"  {c['id']} {c['status']}: {c['summary']} | {c.get('why') or ''} | {c.get('hint') or ''}"
        for c in mine
    )
    print(summary)
    verdict = grade(expect, mine)
    if healthy:
        failing = [f"{c['id']} {c['status']}" for c in mine if c["status"] not in ("pass", "skip")]
        if failing:
            verdict.grade, verdict.problems = "wrong", failing
    assert verdict.grade == "fully right", (
        f"{verdict.grade}: " + "\n".join(verdict.problems) + "\n" + summary
    )
    if row is not None:
        found = {r.id: r for r in table.rows("mcp")}[row]
        assert not table.verdict_problems(found, mine), table.verdict_problems(found, mine)


def proven_case_checks(
    world: dict[str, Any], name: str, case: tuple[Any, ...], *, also: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """A held-out case's checks (its server's, by either id form, and the ids in ``also``), once
    the breakage is shown real: the SDK's client fails on the request the case names (or works)
    for a server case, the case's own proof for a configuration case."""
    server, where, _, fails_on = case[:4]
    if where in ("stdio", "http"):
        sdk = world["sdk"][name]
        assert (sdk and sdk[0]) == fails_on, sdk
    else:
        assert world["proofs"][name], (world["proofs"], world.get("oauth"))
    mine = [
        c
        for c in world["checks"]
        if c["id"].startswith((f"mcp/{server}.", f"mcp/{server}@")) or c["id"] in also
    ]
    assert mine, sorted(c["id"] for c in world["checks"])
    return mine


def judge_round_case(
    world: dict[str, Any],
    name: str,
    cases: dict[str, tuple[Any, ...]],
    rows: Any,
    neighbours: Any,
) -> None:
    """A held-out round's case ``name`` (``cases[name]``: server, where, what, fails_on, expect)
    judged on the round's run ``world``: proven real, then graded (a neighbour in ``neighbours``
    healthy, a case in ``rows`` held to its row of docs/verdicts/mcp.md)."""
    mine = proven_case_checks(world, name, cases[name])
    row = name if name in rows else None
    judge_server(cases[name][4], mine, healthy=name in neighbours, row=row)


def round_tests(
    fixture: str,
    cases: dict[str, tuple[Any, ...]],
    rows: Any,
    neighbours: Any,
) -> tuple[Callable[..., None], Callable[..., None]]:
    """A held-out round's two standard tests on its run (the module's fixture named
    ``fixture``): every case judged (:func:`judge_round_case`), and no server process (the
    SDK's client's nor envcheck's) outliving the run. A round binds them at module level::

        test_heldout, test_no_process_outlives_the_run = round_tests("round22", CASES, ...)
    """

    @pytest.mark.parametrize("name", sorted(cases))
    def test_heldout(request: pytest.FixtureRequest, name: str) -> None:
        judge_round_case(request.getfixturevalue(fixture), name, cases, rows, neighbours)

    def test_no_process_outlives_the_run(request: pytest.FixtureRequest) -> None:
        left = request.getfixturevalue(fixture)["left"]
        assert not left, f"processes outlived the run: {sorted(left)}"

    return test_heldout, test_no_process_outlives_the_run
