"""What the transports carry inside a well-formed answer, to the requests the mcp checks send:
the enumeration the codes-and-statuses sweep (test_mcp_sweep.py) does not make.

The space, from the MCP specification (2025-03-26, 2025-06-18, 2025-11-25: *Transports*,
*Lifecycle*, *Utilities › Pagination*, schema.ts) and the WHATWG HTML standard's parsing of
server-sent events (§9.2.6):

- (a) stdio, the bytes of the answer to ``tools/list`` (messages are UTF-8 JSON-RPC,
  newline-delimited, without embedded newlines): a UTF-8 BOM, a byte that is not UTF-8, raw
  UTF-8 beyond ASCII, an escaped lone surrogate, an escaped NUL, a 1 MiB line, a CRLF or a bare
  CR as the line's end, the message pretty-printed over lines, a batch (an array, removed in
  2025-06-18), a blank line or leading blanks before it, the line written in two pieces, the
  request's integer id answered as a string; and those of the encoding and the framing in the
  answer to ``initialize`` (the first line, whose verdict comes from another path);
- (b) streamable HTTP, the same bytes in a JSON answer (BOM, not UTF-8, 1 MiB, raw UTF-8, a
  batch) and its media type's spelling (a parameter, case);
- (c) streamable HTTP, the answer to ``tools/list`` as an SSE stream (every POST's answer is
  parsed alike): an event without ``event:`` and without the space after the colon (type
  ``message``), ``id:`` and ``retry:``, fields the parser ignores (a retry not of digits, an id
  holding NUL, an unknown field), comments, the data over several ``data:`` lines, CRLF and CR
  line ends, a BOM, an event of another type, an event without data, an event whose data is not
  JSON, a notification before the response, a last event without its blank line, a charset
  parameter; and a JSON-RPC error inside the stream (-32000 of the implementation range to
  ``tools/list`` and ``tools/call``, -32603);
- (d) streamable HTTP headers: the ``Mcp-Session-Id``'s bytes (a space, 300 characters,
  empty), a server that refuses any later POST whose ``MCP-Protocol-Version`` is not the version
  it negotiated (each of 2025-03-26, 2025-06-18, 2025-11-25);
- (e) ``protocolVersion`` in the ``initialize`` result: each version the specification
  published, one from the future, a number, null;
- (f) ``capabilities``: an entry that is not an object, null, of a wrong inner type, unknown
  entries and entries for methods the server does not have (``completions``, ``logging``,
  ``resources.subscribe``);
- (g) pagination of ``tools/list`` (two pages, a null ``nextCursor``, one that is a number, a
  cursor the server then refuses with -32602 as *Utilities › Pagination* asks, a page that fails
  with -32603, cursors in a cycle), and the refused cursor and the cycle on ``resources/list``
  and ``prompts/list``.

(e) to (g) are read alike over both transports: they are served over HTTP (one process for all),
pages over stdio besides.

One fake server (``SERVER``, ``python -S``: a process per stdio pair, one HTTP process for all
HTTP pairs, by path) bends ONE answer of one server. The judge is the official ``mcp`` SDK's
client (``mcp.Client``), run on every pair as a client uses a server (the handshake, every page
of each listing the server advertises, ping, the call): where it works, no envcheck check of
that server fails; where it fails on a request, the check that sends that request fails or
warns and names the request (over stdio the handshake's verdict may name the stream's shape
instead: the first line shows how the server writes every message). Besides: never envcheck's
own error; a JSON-RPC error's code is named and its message quoted; a JSON-RPC message is never
taken for log output; no stdio server outlives the run; the bearer token is never shown (in the
report and the terminal; the inner session runs without pytest's log capture, which costs a
tenth of the sweep, and envcheck redacts its own log records).

76 pairs; the SDK rejects 36. First written with 108 (each stdio and HTTP fault on both the
handshake and a listing, (e) to (g) over stdio too), on the code before it (2026-12-06, the
judge run 24 at a time), 11 broke the invariants: 6 false passes (a cursor refused with -32602,
a failing second page and cursors in a cycle on ``resources/list`` and ``prompts/list``, of which
envcheck read only the first page), 1 false alarm (an ``Mcp-Session-Id`` holding a space, which
the SDK sends back and the server serves, failed ``initialize``), 2 wrong causes (-32000 inside
the SSE stream answering ``tools/list`` and ``tools/call``: "the stream ended without its
response"), 2 checks cut by the engine's own timeout in a run of 100 servers (the handshake
answered pretty-printed or ended by CR; not seen again once the runs were cheaper); the invariant
added after them found a third wrong cause (a response holding an escaped lone surrogate, which
the SDK's model rejects, was "non-protocol output ... log to stderr"). Run in process, the sweep
also showed envcheck never closing the HTTP client it gives the SDK (sockets left open), loading
the CA bundle once per server and reading every process's environment twice per stdio server.
Then trimmed to 76 for its cost (9 to 10 CPU-s with ``-p no:xdist`` on a shared machine), every
class kept, the pairs that had failed among them. Now none.
"""

from __future__ import annotations

import functools
import json
import os
import ssl
import sys
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.verdicts.child_server import child_server
from tests.verdicts.mcp_world import (  # noqa: F401 - the fixture is autouse here
    no_real_client_configs,
    run_in_process,
)

TOKEN = "Wire-sweep-mcp-Token-Never-Shown-0815"
#: seconds a request waits for its answer, in envcheck and in the judge
TIMEOUT = 20.0
#: the SDK's clients walking their servers at once (more only wait for the CPU)
JUDGED_AT_ONCE = 24
#: the check that sends each request
STEP = {
    "initialize": "initialize",
    "tools/list": "tools",
    "resources/list": "resources",
    "resources/templates/list": "resources",
    "prompts/list": "prompts",
    "ping": "ping",
    "tools/call": "call",
}
STDIO_BYTES = (
    "bom",
    "latin1",
    "utf8",
    "surrogate",
    "nul",
    "long",
    "crlf",
    "cr",
    "indent",
    "batch",
    "blank",
    "lead",
    "split",
    "id-string",
)
HANDSHAKE_BYTES = ("bom", "latin1", "surrogate", "cr", "indent", "batch")
HTTP_BYTES = ("bom", "latin1", "utf8", "long", "batch")
MEDIA = ("application/json; charset=utf-8", "Application/JSON")
SSE = (
    "noevent",
    "id-retry",
    "ignored",
    "comment",
    "multiline",
    "crlf",
    "cr",
    "bom",
    "other-event",
    "empty-data",
    "nonjson-data",
    "notification",
    "unterminated",
    "charset",
)
SSE_CODES = (-32000, -32603)
SESSIONS = ("sweep session", "s" * 300, "")
VERSIONS: tuple[Any, ...] = (
    "2024-11-05",
    "2025-03-26",
    "2025-06-18",
    "2025-11-25",
    "2099-01-01",
    20250618,
    None,
)
CAPABILITIES: tuple[dict[str, Any], ...] = (
    {"tools": True, "resources": {}, "prompts": {}},
    {"tools": None, "resources": {}, "prompts": {}},
    {"tools": {"listChanged": "yes"}, "resources": {}, "prompts": {}},
    {
        "tools": {},
        "resources": {"subscribe": True},
        "prompts": {},
        "completions": {},
        "logging": {},
        "experimental": {"x-sweep": {"on": 1}},
        "x-unknown": 1,
    },
)
PAGED = ("tools/list", "resources/list", "prompts/list")
PAGES = ("two", "null", "number", "invalid", "internal", "cycle")

#: the fake server: ``python -S -c SERVER stdio FAULT`` (one fault, JSON) or ``... http PLANS``
#: (a file of faults; plan i is served at /i/mcp; prints its port, answers until stdin closes)
SERVER = r"""
import json, os, sys, threading, time

ITEMS = {
    "tools/list": ("tools", [{"name": "echo", "inputSchema": {"type": "object"}},
                             {"name": "echo2", "inputSchema": {"type": "object"}}]),
    "resources/list": ("resources", [{"uri": "file:///a.txt", "name": "a"},
                                     {"uri": "file:///b.txt", "name": "b"}]),
    "prompts/list": ("prompts", [{"name": "greet"}, {"name": "bye"}]),
}
TEMPLATES = {"resourceTemplates": [{"uriTemplate": "f:///{n}", "name": "n"}]}


def page(method, cursor, fault):
    key, items = ITEMS[method]
    if fault.get("kind") != "pages" or fault.get("on") != method:
        return {key: items[:1]}, None
    arg = fault["arg"]
    if cursor is None:
        if arg == "null":
            return {key: items[:1], "nextCursor": None}, None
        if arg == "number":
            return {key: items[:1], "nextCursor": 2}, None
        return {key: items[:1], "nextCursor": "p2"}, None
    if arg == "invalid":
        return None, {"code": -32602, "message": "Invalid cursor: " + str(cursor)}
    if arg == "internal":
        return None, {"code": -32603, "message": "sweep page store unavailable"}
    if arg == "cycle":
        return {key: items[1:], "nextCursor": "p3" if cursor == "p2" else "p2"}, None
    return {key: items[1:]}, None


def answer(message, fault):
    method, ident = message.get("method"), message.get("id")
    params = message.get("params") or {}
    on = fault.get("on") == method
    kind = fault.get("kind")
    error = result = None
    if method == "server/discover":
        error = {"code": -32601, "message": "Method not found: server/discover"}
    elif method == "initialize":
        version = params.get("protocolVersion")
        if kind in ("version", "strict-header"):
            version = fault["arg"]
        capabilities = {"tools": {}, "resources": {}, "prompts": {}}
        if kind == "caps":
            capabilities = fault["arg"]
        result = {"protocolVersion": version, "capabilities": capabilities,
                  "serverInfo": {"name": "wire", "version": "1.0"}}
    elif method in ITEMS:
        result, error = page(method, params.get("cursor"), fault)
    elif method == "resources/templates/list":
        result = TEMPLATES
    elif method == "ping":
        result = {}
    elif method == "tools/call":
        result = {"content": [{"type": "text", "text": "ok"}]}
    else:
        error = {"code": -32601, "message": "Method not found"}
    if on and kind == "sse-error":
        error = {"code": fault["arg"], "message": "sweep wire refusal of " + method}
    if on and result is not None and kind in ("latin1", "utf8", "surrogate", "nul", "long"):
        text = {"latin1": "@@", "utf8": "\u00e9\u20ac\U0001F600", "surrogate": "\ud800",
                "nul": "\u0000", "long": "x" * 2**20}[kind]
        result = dict(result, _meta={"sweep": text})
    if on and kind == "id-string":
        ident = str(ident)
    if error is not None:
        return {"jsonrpc": "2.0", "id": ident, "error": error}
    return {"jsonrpc": "2.0", "id": ident, "result": result}


def encode(reply, fault, method):
    on = fault.get("on") == method
    kind = fault.get("kind")
    if on and kind == "indent":
        return json.dumps(reply, indent=1).encode()
    data = json.dumps(reply, ensure_ascii=not (on and kind == "utf8")).encode()
    if on and kind == "latin1":
        data = data.replace(b"@@", b"\xe9")
    if on and kind == "batch":
        data = b"[" + data + b"]"
    if on and kind == "bom":
        data = b"\xef\xbb\xbf" + data
    return data


def stdio(fault):
    with open(os.path.join(fault["pids"], str(os.getpid())), "w"):
        pass
    out = sys.stdout.buffer
    for line in sys.stdin:
        message = json.loads(line)
        if not (isinstance(message, dict) and "id" in message and "method" in message):
            continue
        method = message["method"]
        data = encode(answer(message, fault), fault, method)
        kind = fault.get("kind") if fault.get("on") == method else None
        end = {"crlf": b"\r\n", "cr": b"\r"}.get(kind, b"\n")
        if kind == "blank":
            data = b"\n" + data
        if kind == "lead":
            data = b" \t " + data
        if kind == "split":
            out.write(data[:7])
            out.flush()
            time.sleep(0.02)
            data = data[7:]
        out.write(data + end)
        out.flush()


def sse(body, variant, method):
    plain = b"event: message\ndata: " + body + b"\n\n"
    if variant == "noevent":  # type message by default; no space after the colon
        return b"data:" + body + b"\n\n"
    if variant == "id-retry":
        return b"id: 7\nretry: 1000\n" + plain
    if variant == "ignored":  # a retry not of digits, an id holding NUL, an unknown field
        return b"retry: soon\nid: a\x00b\nx-sweep: 1\n" + plain
    if variant == "comment":
        return b": keep-alive\n\n:\n" + plain
    if variant == "multiline":
        cut = body.index(b",") + 1
        return b"event: message\ndata: " + body[:cut] + b"\ndata: " + body[cut:] + b"\n\n"
    if variant == "crlf":
        return plain.replace(b"\n", b"\r\n")
    if variant == "cr":
        return plain.replace(b"\n", b"\r")
    if variant == "bom":
        return b"\xef\xbb\xbf" + plain
    if variant == "other-event":
        return b"event: heartbeat\ndata: {}\n\n" + plain
    if variant == "empty-data":
        return b"event: message\ndata:\n\n" + plain
    if variant == "nonjson-data":
        return b"data: keep-alive\n\n" + plain
    if variant == "notification":
        note = {"jsonrpc": "2.0", "method": "notifications/message",
                "params": {"level": "info", "data": "working on " + method}}
        return b"event: message\ndata: " + json.dumps(note).encode() + b"\n\n" + plain
    if variant == "unterminated":
        return b"event: message\ndata: " + body
    return plain


def http(plans):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def send(self, status, body=b"", ctype=None, headers=()):
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def plan(self):
            try:
                return plans[int(self.path.strip("/").split("/")[0])]
            except (ValueError, IndexError):
                return {}

        def do_GET(self):
            self.send(405, b"", None, [("Allow", "POST, DELETE")])

        def do_DELETE(self):
            self.send(200)

        def do_POST(self):
            fault = self.plan()
            message = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            method = message.get("method")
            kind = fault.get("kind")
            session = "wire-session-1"
            if kind == "session":
                session = fault["arg"]
            headers = [("Mcp-Session-Id", session)] if method == "initialize" else []
            if kind == "strict-header" and method not in ("initialize", None):
                sent = self.headers.get("MCP-Protocol-Version")
                if sent != fault["arg"]:
                    error = {"code": -32600, "message": "Bad Request: unsupported protocol "
                             "version " + str(sent) + " (negotiated " + fault["arg"] + ")"}
                    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": error}).encode()
                    return self.send(400, body, "application/json")
            if "id" not in message:
                return self.send(202)
            body = encode(answer(message, fault), fault, method)
            on = fault.get("on") == method
            ctype = "application/json"
            if on and kind == "media":
                ctype = fault["arg"]
            if on and kind in ("sse", "sse-error"):
                variant = fault.get("arg") if kind == "sse" else "plain"
                ctype = "text/event-stream"
                if variant == "charset":
                    ctype = "text/event-stream; charset=utf-8"
                body = sse(body, variant, method)
            self.send(200, body, ctype, headers)

    ThreadingHTTPServer.request_queue_size = 512  # a hundred clients connect at once
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    server.shutdown()


if sys.argv[1] == "stdio":
    stdio(json.loads(sys.argv[2]))
else:
    with open(sys.argv[2]) as handle:
        http(json.load(handle))
"""


def plans() -> list[dict[str, Any]]:
    """Every pair, as the fault of one server: ``transport``, ``on`` (the request whose answer
    is bent), ``kind`` and its ``arg``."""
    found: list[dict[str, Any]] = []
    # every byte fault on a listing's answer; on the handshake's, those of the line's framing
    # and encoding (its verdict comes from another path: the start of the stream)
    found += [{"transport": "stdio", "on": "tools/list", "kind": k} for k in STDIO_BYTES]
    found += [{"transport": "stdio", "on": "initialize", "kind": k} for k in HANDSHAKE_BYTES]
    found += [{"transport": "http", "on": "tools/list", "kind": k} for k in HTTP_BYTES]
    found += [{"transport": "http", "on": "initialize", "kind": k} for k in ("bom", "latin1")]
    # the answer of a listing as an SSE stream (every POST's answer is parsed alike), its media
    # type; a JSON-RPC error inside a stream to a listing, and the implementation range's to
    # the call
    found += [{"transport": "http", "on": "tools/list", "kind": "media", "arg": m} for m in MEDIA]
    found += [{"transport": "http", "on": "tools/list", "kind": "sse", "arg": v} for v in SSE]
    found += [
        {"transport": "http", "on": "tools/list", "kind": "sse-error", "arg": c} for c in SSE_CODES
    ]
    found.append({"transport": "http", "on": "tools/call", "kind": "sse-error", "arg": -32000})
    found += [
        {"transport": "http", "on": "initialize", "kind": "session", "arg": s} for s in SESSIONS
    ]
    for version in ("2025-03-26", "2025-06-18", "2025-11-25"):
        found.append(
            {"transport": "http", "on": "initialize", "kind": "strict-header", "arg": version}
        )
    # what the initialize result says, and the pages, are read alike over both transports:
    # over HTTP (one server process for all), a stdio server's pages besides
    found += [
        {"transport": "http", "on": "initialize", "kind": "version", "arg": v} for v in VERSIONS
    ]
    found += [
        {"transport": "http", "on": "initialize", "kind": "caps", "arg": c} for c in CAPABILITIES
    ]
    # every way of paging tools/list; the other listings' refusals (their healthy pages are
    # every other pair's)
    found += [{"transport": "http", "on": "tools/list", "kind": "pages", "arg": p} for p in PAGES]
    found += [
        {"transport": "http", "on": method, "kind": "pages", "arg": p}
        for method in PAGED[1:]
        for p in ("invalid", "cycle")
    ]
    found += [
        {"transport": "stdio", "on": "tools/list", "kind": "pages", "arg": p}
        for p in ("two", "invalid", "cycle")
    ]
    return found


# -- the judge: the official SDK's client --------------------------------------------------------
async def _pages(list_page: Any, items: str) -> None:
    """Every page of a listing, as a client reads it: following ``nextCursor`` until a page has
    none; a cursor asked for already, or more than 50 pages, is a listing that never ends."""
    from mcp.types import PaginatedRequestParams

    cursor: str | None = None
    seen: list[str] = []
    for _ in range(50):
        page = await list_page(PaginatedRequestParams(cursor=cursor))
        getattr(page, items)
        cursor = page.next_cursor
        if cursor is None:
            return
        if cursor in seen:
            raise RuntimeError(f"the cursor {cursor!r} again")
        seen.append(cursor)
    raise RuntimeError("50 pages")


def _context() -> ssl.SSLContext:
    """One TLS context for the judge's clients (the CA bundle is loaded once, not per client),
    per value of ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` (a test that trusts its own CA sets them:
    a context made before would not trust it)."""
    return _context_for(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _context_for(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    return ssl.create_default_context()  # OpenSSL's default paths read both variables


async def sdk_walk(target: Any) -> tuple[str, str] | None:
    """What the SDK's client makes of the server (a stdio server's parameters, or a URL):
    ``None`` when every request a client sends worked, else the request it failed on and why."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    method = "initialize"
    try:
        with anyio.fail_after(TIMEOUT * 4):
            async with AsyncExitStack() as stack:
                if isinstance(target, str):
                    http = await stack.enter_async_context(
                        httpx2.AsyncClient(
                            headers={"Authorization": f"Bearer {TOKEN}"},
                            timeout=TIMEOUT,
                            verify=_context(),
                        )
                    )
                    target = streamable_http_client(target, http_client=http)
                client = await stack.enter_async_context(
                    Client(target, read_timeout_seconds=TIMEOUT)
                )
                session = client.session
                capabilities = client.server_capabilities
                if capabilities.tools is not None:
                    method = "tools/list"
                    await _pages(lambda p: session.list_tools(params=p), "tools")
                if capabilities.resources is not None:
                    method = "resources/list"
                    await _pages(lambda p: session.list_resources(params=p), "resources")
                    method = "resources/templates/list"
                    await session.list_resource_templates()
                if capabilities.prompts is not None:
                    method = "prompts/list"
                    await _pages(lambda p: session.list_prompts(params=p), "prompts")
                method = "ping"
                await session.send_ping()
                method = "tools/call"
                await client.call_tool("echo", {})
    except BaseException as exc:  # noqa: B902 - an ExceptionGroup, a timeout, an McpError
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
            exc = exc.exceptions[0]
        return method, f"{type(exc).__name__}: {exc}"[:300]
    return None


def judge(targets: list[Any]) -> list[tuple[str, str] | None]:
    """The SDK's verdict on each target, all walked at once in one event loop."""
    verdicts: list[tuple[str, str] | None] = [None] * len(targets)
    limit = anyio.CapacityLimiter(JUDGED_AT_ONCE)

    async def one(i: int) -> None:
        async with limit:
            verdicts[i] = await sdk_walk(targets[i])

    async def every() -> None:
        async with anyio.create_task_group() as group:
            for i in range(len(targets)):
                group.start_soon(one, i)

    anyio.run(every)
    return verdicts


# -- the runs ------------------------------------------------------------------------------------
@contextmanager
def http_server(faults: list[dict[str, Any]], directory: Path) -> Iterator[int]:
    with child_server(SERVER, faults, directory / "wire-plans.json", "http") as port:
        yield port


def stdio_argv(fault: dict[str, Any], pids: Path) -> list[str]:
    return [
        "-S",
        str(pids.parent / "wire_server.py"),
        "stdio",
        json.dumps({**fault, "pids": str(pids)}),
    ]


def url_of(i: int, port: int) -> str:
    return f"http://127.0.0.1:{port}/{i}/mcp"


def target_of(i: int, fault: dict[str, Any], port: int, pids: Path) -> Any:
    """What the SDK's client connects to for pair ``i``."""
    from mcp import StdioServerParameters

    if fault["transport"] == "stdio":
        return StdioServerParameters(command=sys.executable, args=stdio_argv(fault, pids))
    return url_of(i, port)


def server_table(i: int, fault: dict[str, Any], port: int, pids: Path) -> str:
    lines = [f"[tool.envcheck.mcp.servers.w{i}]"]
    if fault["transport"] == "stdio":
        argv = stdio_argv(fault, pids)
        lines += [f"command = {json.dumps(sys.executable)}", f"args = {json.dumps(argv)}"]
    else:
        lines += [
            f'url = "{url_of(i, port)}"',
            'transport = "http"',
            f'headers = {{ Authorization = "Bearer {TOKEN}" }}',
        ]
    lines.append('call = { tool = "echo", arguments = {} }')
    return "\n".join(lines) + "\n"


def describe(fault: dict[str, Any]) -> str:
    return json.dumps(fault)[:160]


def text_of(check: dict[str, Any]) -> str:
    return " | ".join(str(check.get(k) or "") for k in ("summary", "why", "hint"))


def problems_of(
    fault: dict[str, Any], sdk: tuple[str, str] | None, checks: dict[str, dict[str, Any]]
) -> list[str]:
    """What breaks the sweep's invariants for one pair (``checks``: its server's, by step)."""
    found: list[str] = []
    failed = {s: c for s, c in checks.items() if c["status"] in ("fail", "warn")}
    texts = {s: text_of(c) for s, c in failed.items()}
    if not checks:
        return ["no check of the server ran"]
    if any("Traceback" in t or "bug in envcheck" in t.lower() for t in texts.values()):
        found.append(f"envcheck's own error: {texts}")
    if any("outside what envcheck can explain" in t for t in texts.values()):
        found.append(f"envcheck's fallback for the SDK's own exception: {texts}")
    hard = {s: t[:300] for s, t in texts.items() if failed[s]["status"] == "fail"}
    if sdk is None:
        if hard:
            found.append(f"the SDK's client works, envcheck fails: {hard}")
        return found
    method, why = sdk
    step = STEP[method]
    steps = (step, "start") if step == "initialize" else (step,)
    own = [failed[s] for s in steps if s in failed]
    if not own:
        earlier = {s: t[:200] for s, t in texts.items()}
        found.append(
            f"the SDK fails {method} ({why[:160]}), {step} is "
            f"{checks.get(step, {}).get('status')}; failed: {earlier}"
        )
        return found
    verdict = " ".join(text_of(c) for c in own)[:3000]
    # the server's first line over stdio shows how it writes every message: the start's
    # verdict may name that shape rather than the request
    stream = fault["transport"] == "stdio" and method == "initialize"
    if method not in verdict and not stream:
        found.append(f"the verdict does not name {method}: {verdict[:300]}")
    if "non-protocol output" in verdict:  # every bent line is a JSON-RPC message
        found.append(f"a JSON-RPC message taken for log output: {verdict[:300]}")
    if fault["kind"] == "sse-error":
        if str(fault["arg"]) not in verdict:
            found.append(f"the verdict does not name code {fault['arg']}: {verdict[:300]}")
        if f"sweep wire refusal of {method}" not in verdict:
            found.append(f"the server's message is not quoted: {verdict[:300]}")
    return found


def test_every_wire_fault(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    faults = plans()
    pids = tmp_path / "pids"
    pids.mkdir()
    (tmp_path / "wire_server.py").write_text(SERVER)
    by_server: dict[int, dict[str, dict[str, Any]]] = {}
    with http_server(faults, tmp_path) as port:
        verdicts = judge([target_of(i, f, port, pids) for i, f in enumerate(faults)])
        for first in range(0, len(faults), 100):
            chunk = range(first, min(first + 100, len(faults)))
            config = f"[tool.envcheck.mcp]\ndiscover = false\ntimeout = {TIMEOUT}\n" + "".join(
                server_table(i, faults[i], port, pids) for i in chunk
            )
            for check in run_in_process(tmp_path, config, TOKEN, log_capture=False):
                name, _, step = check["id"].split("/", 1)[1].partition(".")
                by_server.setdefault(int(name[1:]), {})[step] = check
    output = capsys.readouterr()
    assert TOKEN not in output.out + output.err, "the bearer token is in the output"
    alive = []
    for pid in os.listdir(pids):
        try:
            os.kill(int(pid), 0)
            alive.append(pid)
        except ProcessLookupError:
            pass
    problems = [
        f"{describe(f)} [SDK: {(verdicts[i] or ('works',))[0]}]: {p}"
        for i, f in enumerate(faults)
        for p in problems_of(f, verdicts[i], by_server.get(i, {}))
    ]
    rejected = sum(v is not None for v in verdicts)
    assert not alive, f"{len(alive)} stdio servers outlived the run"
    assert not problems, (
        f"{len(problems)} problems in {len(faults)} pairs ({rejected} the SDK rejects):\n"
        + "\n".join(problems)
    )
