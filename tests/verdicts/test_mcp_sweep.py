"""Every JSON-RPC error, HTTP status, content type and malformed result MCP's failure space
holds, to every request the mcp checks send: the enumeration, not the rows someone met.

The space, from JSON-RPC 2.0 and the MCP specification (2025-03-26, 2025-06-18, 2025-11-25:
schema.ts, *Base Protocol › Transports*, *Authorization*):

- (a) every error code JSON-RPC and MCP define (-32700, -32600, -32601, -32602, -32603, the
  implementation-defined -32000, -32001, -32099, MCP's -32002 resource not found and 2025-11-25's
  -32042 URL elicitation required), an application code of the server's own, and codes that are
  not integers (a string, a fraction) × every request the checks send to a healthy server
  (``server/discover``, ``initialize``, ``tools/list``, ``resources/list``,
  ``resources/templates/list``, ``prompts/list``, ``ping``, ``tools/call``), over stdio and over
  streamable HTTP;
- (b) over streamable HTTP, every status a server or a proxy answers (400, 401 with and without
  ``WWW-Authenticate``, 403, 404, 405, 406, 409, 413, 415, 421, 429 with ``Retry-After``, 500,
  502, 503, 504) × each request kind (the ``initialize`` POST, the ``initialized`` notification,
  every later POST, which carries ``Mcp-Session-Id``, the GET of the SSE stream, the DELETE that
  ends the session), and 2xx answers of each content type (``text/event-stream``, ``text/html``,
  ``text/plain`` carrying JSON-RPC, none) to each request;
- (c) per method, a result that is missing, not an object, without its list field, with a list
  field that is not a list, or with an item that lacks a field schema.ts requires.

One fake server (``SERVER``: a stdio process per pair, ``python -S``; one HTTP process for all
HTTP pairs, by path) answers ONE request of one server with ONE fault and everything else
healthily. envcheck checks up to 100 servers per run, so the pairs are checked in a few sessions,
in this process (``run_in_process``): 35 CPU-s with ``-p no:xdist`` (55 when each session was a
pytest subprocess and envcheck loaded the CA bundle and read every process's environment for
each server).

For every pair: the check that sent the faulted request fails or warns (a GET stream refused with
anything but 405, the transport's "no stream", warns on ``initialize`` and fails nothing: only
what the server sends on its own is lost; a refused DELETE fails nothing; ``server/discover``
answered with an error falls back to ``initialize``); never envcheck's own error; the failing
check names the request's method and the code or status, and quotes the server's message for
JSON-RPC errors; 401 speaks of credentials, 403 never says the token is wrong, a 404 to a POST
with a session is the session's end; nothing says "not an MCP endpoint" when the server answered
well-formed JSON-RPC to an earlier request; no server process outlives the run; the bearer token
is never shown.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.verdicts.child_server import child_server
from tests.verdicts.mcp_world import (  # noqa: F401 - the fixture is autouse here
    no_real_client_configs,
    run_in_process,
)

TOKEN = "Sweep-mcp-Token-Never-Shown-4711"
#: every request the checks send to a healthy server (a healthy run's log, in order)
METHODS = (
    "server/discover",
    "initialize",
    "tools/list",
    "resources/list",
    "resources/templates/list",
    "prompts/list",
    "ping",
    "tools/call",
)
#: the check that sends each request
STEP = {
    "server/discover": "initialize",
    "initialize": "initialize",
    "notifications/initialized": "initialize",
    "tools/list": "tools",
    "resources/list": "resources",
    "resources/templates/list": "resources",
    "prompts/list": "prompts",
    "ping": "ping",
    "tools/call": "call",
}
#: JSON-RPC 2.0's codes, MCP's (schema.ts), an application code and codes that are no integers
CODES: tuple[Any, ...] = (
    -32700,
    -32600,
    -32601,
    -32602,
    -32603,
    -32000,
    -32001,
    -32099,
    -32002,
    -32042,
    4711,
    "E_SWEEP",
    1.5,
)
STATUSES: tuple[tuple[int, list[list[str]]], ...] = (
    (400, []),
    (401, []),
    (401, [["WWW-Authenticate", 'Bearer resource_metadata="http://127.0.0.1:9/.well-known/x"']]),
    (403, []),
    (404, []),
    (405, []),
    (406, []),
    (409, []),
    (413, []),
    (415, []),
    (421, []),
    (429, [["Retry-After", "7"]]),
    (500, []),
    (502, []),
    (503, []),
    (504, []),
)
#: what servers and proxies put in such an answer: the SDK's servers a JSON-RPC error, gateways
#: a page, the rest a line of text
BODY = {
    400: "json",
    404: "json",
    405: "json",
    406: "json",
    409: "json",
    413: "json",
    415: "json",
    500: "json",
    403: "html",
    421: "html",
    502: "html",
    503: "html",
    504: "html",
}
KINDS = (
    "initialize",
    "notifications/initialized",
    "tools/list",
    "resources/list",
    "resources/templates/list",
    "prompts/list",
    "ping",
    "tools/call",
    "GET",
    "DELETE",
)
CONTENT_TYPES = ("text/event-stream", "text/html", "text/plain", None)
TOOL = {"name": "echo", "inputSchema": {"type": "object"}}
#: per method: malformed results (schema.ts: each result's required fields)
MALFORMED: dict[str, list[Any]] = {
    "initialize": [
        [],
        "sweep",
        {"capabilities": {}, "serverInfo": {"name": "s", "version": "1"}},
        {"protocolVersion": "2025-11-25", "serverInfo": {"name": "s", "version": "1"}},
        {"protocolVersion": "2025-11-25", "capabilities": {}},
        {"protocolVersion": "2025-11-25", "capabilities": [], "serverInfo": {"name": "s"}},
        {"protocolVersion": "2025-11-25", "capabilities": {}, "serverInfo": {"version": "1"}},
    ],
    "tools/list": [
        [],
        "sweep",
        {},
        {"tools": "echo"},
        {"tools": [{"inputSchema": {}}]},
        {"tools": [{"name": "echo"}]},
        {"tools": ["echo"]},
    ],
    "resources/list": [
        [],
        {},
        {"resources": {}},
        {"resources": [{"name": "a"}]},
        {"resources": [{"uri": "file:///a"}]},
    ],
    "resources/templates/list": [
        [],
        {},
        {"resourceTemplates": 1},
        {"resourceTemplates": [{"name": "a"}]},
        {"resourceTemplates": [{"uriTemplate": "file:///{a}"}]},
    ],
    "prompts/list": [[], {}, {"prompts": None}, {"prompts": [{"description": "d"}]}],
    "ping": [[], "sweep"],
    "tools/call": [[], {}, {"content": "ok"}, {"content": [{"text": "ok"}]}],
}

#: the fake server: ``python -S -c SERVER stdio FAULT`` (one fault, JSON) or ``... http PLANS``
#: (a file of faults; plan i is served at /i/mcp; prints its port, answers until stdin closes)
SERVER = r"""
import json, os, sys, threading

TOOLS = [{"name": "echo", "inputSchema": {"type": "object"}}]
HEALTHY = {
    "tools/list": {"tools": TOOLS},
    "resources/list": {"resources": [{"uri": "file:///sweep.txt", "name": "sweep"}]},
    "resources/templates/list": {"resourceTemplates": [{"uriTemplate": "f:///{n}", "name": "n"}]},
    "prompts/list": {"prompts": [{"name": "greet"}]},
    "ping": {},
    "tools/call": {"content": [{"type": "text", "text": "ok"}]},
}

def reply(message, fault):
    method, ident = message.get("method"), message.get("id")
    error = result = None
    if method == "server/discover":
        error = {"code": -32601, "message": "Method not found: server/discover"}
    elif method == "initialize":
        result = {
            "protocolVersion": (message.get("params") or {}).get("protocolVersion"),
            "capabilities": {"tools": {}, "resources": {}, "prompts": {}},
            "serverInfo": {"name": "sweep", "version": "1.0"},
        }
    elif method in HEALTHY:
        result = HEALTHY[method]
    else:
        error = {"code": -32601, "message": "Method not found"}
    if fault.get("on") == method:
        if "error" in fault:
            error, result = fault["error"], None
        elif "result" in fault:
            error, result = None, fault["result"]
        elif fault.get("omit"):
            return {"jsonrpc": "2.0", "id": ident}
    if error is not None:
        return {"jsonrpc": "2.0", "id": ident, "error": error}
    return {"jsonrpc": "2.0", "id": ident, "result": result}

def stdio(fault):
    with open(os.path.join(fault["pids"], str(os.getpid())), "w"):
        pass
    for line in sys.stdin:
        message = json.loads(line)
        if isinstance(message, dict) and "id" in message and "method" in message:
            sys.stdout.write(json.dumps(reply(message, fault)) + "\n")
            sys.stdout.flush()

def http(plans):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body=b"", ctype=None, headers=()):
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def fault(self, kind):
            try:
                fault = plans[int(self.path.strip("/").split("/")[0])]
            except (ValueError, IndexError):
                return {}
            if fault.get("on") == kind and "status" in fault:
                body, ctype = fault["body"].encode(), fault.get("ctype")
                self.answer(fault["status"], body, ctype, fault.get("headers", []))
                return None
            return fault

        def do_GET(self):
            if self.fault("GET") is not None:
                self.answer(405, b"", None, [("Allow", "POST, DELETE")])

        def do_DELETE(self):
            if self.fault("DELETE") is not None:
                self.answer(200)

        def do_POST(self):
            message = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            method = message.get("method")
            fault = self.fault(method)
            if fault is None:
                return
            session = [("Mcp-Session-Id", "sweep-session-1")] if method == "initialize" else []
            if "id" not in message:
                return self.answer(202)
            answer = json.dumps(reply(message, fault)).encode()
            if fault.get("on") == method and "ctype" in fault:
                ctype = fault["ctype"]
                if ctype == "text/event-stream":
                    answer = b"event: message\ndata: " + answer + b"\n\n"
                elif ctype == "text/html":
                    answer = b"<html><body><h1>Sweep portal</h1></body></html>"
                elif ctype is None:
                    answer = b""
                return self.answer(200, answer, ctype, session)
            self.answer(200, answer, "application/json", session)

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


def status_body(status: int) -> tuple[str, str | None]:
    kind = BODY.get(status)
    if kind == "json":
        error = {"code": -32000, "message": f"sweep status {status}"}
        return json.dumps({"jsonrpc": "2.0", "id": None, "error": error}), "application/json"
    if kind == "html":
        return f"<html><body><h1>{status} sweep gateway</h1></body></html>", "text/html"
    return f"sweep status {status}", "text/plain"


def plans() -> list[dict[str, Any]]:
    """Every pair, as the fault of one server: ``transport``, ``on`` (the request) and one of
    ``error``, ``result``, ``status`` or ``ctype``."""
    found: list[dict[str, Any]] = []
    for transport in ("stdio", "http"):
        for method in METHODS:
            for code in CODES:
                n = len(found)
                error = {"code": code, "message": f"sweep refusal {n} of {method}"}
                found.append({"transport": transport, "on": method, "error": error})
        for method, results in MALFORMED.items():
            found.append({"transport": transport, "on": method, "omit": True})
            for result in results:
                found.append({"transport": transport, "on": method, "result": result})
    for status, headers in STATUSES:
        body, ctype = status_body(status)
        for kind in KINDS:
            fault = {"on": kind, "status": status, "headers": headers, "body": body}
            found.append({"transport": "http", "ctype": ctype, **fault})
    for kind in KINDS[:1] + KINDS[2:8]:
        for ctype in CONTENT_TYPES:
            found.append({"transport": "http", "on": kind, "ctype": ctype})
    return found


@contextmanager
def http_server(faults: list[dict[str, Any]], directory: Path) -> Iterator[int]:
    with child_server(SERVER, faults, directory / "sweep-plans.json", "http") as port:
        yield port


def toml(value: Any) -> str:
    return json.dumps(value)


def server_table(i: int, fault: dict[str, Any], port: int, pids: Path) -> str:
    lines = [f"[tool.envcheck.mcp.servers.x{i}]"]
    if fault["transport"] == "stdio":
        script = str(pids.parent / "sweep_server.py")
        argv = ["-S", script, "stdio", json.dumps({**fault, "pids": str(pids)})]
        lines += [f"command = {toml(sys.executable)}", f"args = {toml(argv)}"]
    else:
        lines += [
            f'url = "http://127.0.0.1:{port}/{i}/mcp"',
            'transport = "http"',
            f'headers = {{ Authorization = "Bearer {TOKEN}" }}',
        ]
    lines.append('call = { tool = "echo", arguments = {} }')
    return "\n".join(lines) + "\n"


def describe(fault: dict[str, Any]) -> str:
    what = {k: v for k, v in fault.items() if k not in ("headers", "body")}
    return json.dumps(what)[:160]


def text_of(check: dict[str, Any]) -> str:
    return " | ".join(str(check.get(k) or "") for k in ("summary", "why", "hint"))


def problems_of(fault: dict[str, Any], checks: dict[str, dict[str, Any]]) -> list[str]:
    """What breaks the sweep's invariants for one pair (``checks``: its server's, by step)."""
    found: list[str] = []
    on = fault["on"]
    failed = {s: c for s, c in checks.items() if c["status"] in ("fail", "warn")}
    texts = {s: text_of(c) for s, c in failed.items()}
    if any("Traceback" in t or "bug in envcheck" in t.lower() for t in texts.values()):
        found.append(f"envcheck's own error: {texts}")
    hard = {s: t for s, t in texts.items() if failed[s]["status"] == "fail"}
    if on == "server/discover":
        # an error to server/discover: the client falls back to initialize (the handshake era)
        if hard:
            found.append(f"an error to server/discover failed a check: {hard}")
        return found
    if on in ("GET", "DELETE"):
        # the requests are answered: a refused GET stream loses only what the server sends on
        # its own, a refused DELETE ends nothing a client needs
        if hard:
            found.append(f"a refused {on} failed a check: {hard}")
        if on == "GET" and fault["status"] != 405:  # 405: the transport's "no stream"
            said = texts.get("initialize", "")
            if "GET" not in said or str(fault["status"]) not in said:
                found.append(f"initialize does not warn of the refused GET stream: {texts}")
        return found
    if fault.get("ctype") == "text/event-stream" and "status" not in fault:
        if failed:
            found.append(f"an SSE answer (the transport's own) failed or warned: {texts}")
        return found
    step = STEP[on]
    steps = (step, "start") if step == "initialize" else (step,)
    own = [failed[s] for s in steps if s in failed]
    if not own:
        found.append(f"{step} did not fail: {checks.get(step, {}).get('status')}")
        return found
    verdict = " ".join(text_of(c) for c in own)[:2000]
    handshake = on == "initialize" and ("status" in fault or "ctype" in fault)
    if on not in verdict and not handshake:
        # a refused handshake POST or its answer's type: the start rows (docs/verdicts/mcp.md)
        found.append(f"the verdict does not name {on}: {verdict[:300]}")
    if "error" in fault:
        code = fault["error"]["code"]
        if json.dumps(code) not in verdict:
            found.append(f"the verdict does not name code {code!r}: {verdict[:300]}")
        if fault["error"]["message"] not in verdict:
            found.append(f"the server's message is not quoted: {verdict[:300]}")
    if "status" in fault:
        status = fault["status"]
        if str(status) not in verdict:
            found.append(f"the verdict does not name HTTP {status}: {verdict[:300]}")
        if status == 403 and "wrong" in verdict:
            found.append(f"403 said the credentials are wrong: {verdict[:300]}")
        if status == 401 and not any(
            w in verdict.lower() for w in ("credential", "authoriz", "token", "oauth")
        ):
            found.append(f"401 not about credentials: {verdict[:300]}")
        if status == 404 and on not in ("initialize", "notifications/initialized"):
            if "session" not in verdict:  # the request carried the session id the server gave
                found.append(f"404 to the session's request not the session's end: {verdict[:300]}")
    if on != "initialize" and "not an MCP endpoint" in verdict:
        found.append(f"'not an MCP endpoint' after a good handshake: {verdict[:300]}")
    return found


def test_every_fault_of_every_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    faults = plans()
    pids = tmp_path / "pids"
    pids.mkdir()
    (tmp_path / "sweep_server.py").write_text(SERVER)
    by_server: dict[int, dict[str, dict[str, Any]]] = {}
    with http_server(faults, tmp_path) as port:
        # at most 25 servers a run: each is probed on a thread of its own in this process, and
        # with 50 and 100 a loaded machine starved some probes' event loops past their waits
        for first in range(0, len(faults), 25):
            chunk = range(first, min(first + 25, len(faults)))
            config = "[tool.envcheck.mcp]\ndiscover = false\ntimeout = 20.0\n" + "".join(
                server_table(i, faults[i], port, pids) for i in chunk
            )
            for check in run_in_process(tmp_path, config, TOKEN):
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
        f"{describe(f)}: {p}"
        for i, f in enumerate(faults)
        for p in problems_of(f, by_server.get(i, {}))
    ]
    assert not alive, f"{len(alive)} stdio servers outlived the run"
    assert not problems, f"{len(problems)} problems in {len(faults)} pairs:\n" + "\n".join(problems)
