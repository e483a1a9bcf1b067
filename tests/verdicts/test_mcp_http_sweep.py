"""MCP over HTTP swept from what the SDKs' server transports answer (issue 23): every request
envcheck's probe sends over HTTP, met with every answer the specification or an SDK's server
defines for it, written byte for byte as the SDK's source writes it.

The space, from the MCP specification (2025-03-26 and 2025-06-18, *Transports* › Streamable HTTP
and the deprecated HTTP+SSE, *Authorization*, *Lifecycle*) and from the servers' sources, read at
the commits fetched on 2026-12-07 (python-sdk 57394b0, typescript-sdk 3924de9):

- the requests: the POST of ``initialize``, the POST of ``notifications/initialized``, the POST of
  ``tools/list`` (which carries ``Mcp-Session-Id`` and ``MCP-Protocol-Version``), the GET of the
  server's SSE stream and the DELETE that ends the session;
- the answers (``ANSWERS``, each with its file and line): 400 for a missing session
  (typescript-sdk packages/server/src/server/streamableHttp.ts:1015 -32000 "Bad Request:
  Mcp-Session-Id header is required", python-sdk src/mcp/server/streamable_http.py:871 -32600
  "Bad Request: Missing session ID", and the hosting examples' -32000 "Bad Request: No valid
  session ID provided", typescript-sdk test/e2e/helpers/index.ts:257), for a server not
  initialized (streamableHttp.ts:1007), for an unsupported ``MCP-Protocol-Version`` (:1046,
  only where the header is sent), a parse error (:769 -32700), a validation error
  (streamable_http.py:549 -32602), a second initialize (streamableHttp.ts:803 -32600); 404 for
  an unknown session (streamableHttp.ts:1021 -32001, streamable_http_manager.py:363 -32600,
  streamable_http.py:472 "Not Found: Session has been terminated"); 405 (streamableHttp.ts:717,
  streamable_http.py:789 and :847, _streamable_http_modern.py:392 with no body: legal for GET and
  DELETE); 406 (streamableHttp.ts:744 and :463, streamable_http.py:510,
  _streamable_http_modern.py:397 with no body); 409 to a second GET stream
  (streamableHttp.ts:490); 415 (streamableHttp.ts:758, streamable_http.py:530); 500 -32603
  (streamable_http.py:678); 202 to a notification, with no body (streamableHttp.ts:845) or with
  ``Content-Type: application/json`` and no body (streamable_http.py:582), both legal; 200 to
  DELETE (streamableHttp.ts:988, legal); a POST answered ``application/json`` or
  ``text/event-stream`` (both legal), an SSE stream that ends before the response; a JSON-RPC
  error to the request (its id) of each of -32700, -32600, -32601, -32602, -32603 and the
  examples' -32000 "Bad Request: No valid session ID provided"; 401 and 403 as the SDK's bearer
  middleware writes them (src/mcp/server/auth/middleware/bearer_auth.py:97, :107, :113-120:
  ``Bearer error=..., error_description=..., resource_metadata=...``) and without
  ``WWW-Authenticate`` (a gateway), 403 for a Host header (streamableHttp.ts:359); 429 and 503
  with ``Retry-After``; 307 and 308 on the same origin (legal) and 307 to another;
- the deprecated HTTP+SSE transport's ``endpoint`` event in each form a server writes
  (src/mcp/server/sse.py:172-182 ``/messages/?session_id=<hex>``,
  packages/server-legacy/src/sse/sse.ts:90-95 ``/messages?sessionId=<uuid>``, an absolute URL of
  the same origin, a path relative to the stream's URL: all legal; another origin, an empty one,
  none at all) and its message endpoint's answers (202 ``Accepted`` legal; sse.py:242, :256,
  :276 and sse.ts:159 refusals);
- two real SDK servers (tests/mcp-servers/sdk_server.py: stateful with SSE answers; stateless
  with JSON answers), healthy.

One small HTTP server (``SERVER``, a child process, ``python -S``) serves every pair at
``/<i>/``, healthy in everything but the one answer, and gives a session on ``initialize`` as the
SDKs' stateful servers do. One envcheck session checks every pair's server. For every pair:
a legal answer fails and warns nothing; a refused GET warns on ``initialize`` naming the GET and
the status and fails nothing; a refused DELETE fails nothing; any other breakage fails the check
that sent the request (``initialize`` or ``start`` for the handshake's two POSTs, ``tools`` for
``tools/list``) with the request named, the status, a fix, and either the cause the structure
establishes (a 404 to the session's id: the session; 401/403 by the challenge; 429/503 by
Retry-After; a redirect to another origin; the refused ``MCP-Protocol-Version``; the stream that
ended; a JSON-RPC error's code) or the honest fallback: the server's own words verbatim (the
JSON-RPC error's message of the body). Never a cause the structure contradicts (the session
"never given" when it was, a handshake "rejected" that was answered, "not an MCP endpoint" after
a good handshake, sticky sessions for a request that carried no session, a wrong token for a 403
without challenge). No process outlives the run; the bearer token is never shown.

98 pairs: 87 of streamable HTTP (initialize 28, notifications/initialized 13, tools/list 27,
GET 12, DELETE 7) and 11 of HTTP+SSE, 19 of them legal answers; with the two SDK servers
100 servers, envcheck's bound for one run. The handshake's own
check (``mcp/X.initialize``) names the request (as in test_mcp_sweep.py); a refused
``MCP-Protocol-Version`` is established only where the same read-only request was served
without the header (envcheck does not send a notification twice): to the notification, the
server's words are the verdict.

Wrong before (the first run, 2026-12-07, on the code before it; 7.5 CPU-s): 29 of the 98 pairs,
21 wrong and 8 partly. Wrong: every refusal of ``notifications/initialized`` (11: 400 in its
four forms, 404, 406, 415, 500, 401, 403, 429, 503) only warned ("a client that stops at the
refusal cannot use it"), while the TypeScript SDK's client (Claude Code, VS Code, Cursor) awaits
that POST in ``connect`` and throws on any status that is not ok: those clients never connect;
a JSON-RPC error answering ``initialize`` with 400 (four: the examples' "No valid session ID
provided", -32700, -32602, -32600 "Server already initialized") was "wants other headers (a
token, an API version) or is not an MCP endpoint", with 404 (-32001 "Session not found") and
405 ("Method not allowed.") "no MCP endpoint at this path ... fix url", the server's words
nowhere; a 307 to another origin answering ``tools/list`` was told as the server's own JSON-RPC
error ("MCP error -32600 ... invalid request": the SDK's); a 307 within the origin answering the
GET of the stream (followed, as the SDK follows it) warned "it answered the GET of its SSE
stream with HTTP 307"; over HTTP+SSE a stream that ended without an ``endpoint`` event was
"RuntimeError: Child exited without calling task_status.started()", and a 404 ("Could not find
session") from the message endpoint the event named was "no MCP endpoint at this path". Partly:
406 and 415 with the SDKs' words left out, 500 -32603 "Error handling POST request" without
them, 403 "Invalid Host header" as "the credentials are not allowed ... or a policy" without
them, the SDK's insufficient_scope whose scope is only in its error_description ("Required
scope: mcp:write") without the scope, and three refusals of the SSE message endpoint as "the
server rejected the MCP handshake ... or is not an MCP endpoint". Now none (src/envcheck/mcpkit:
the words of a refused handshake and notification kept and shown, a JSON-RPC error body read as
the server's own refusal, the notification's refusal a failure where the later requests were
served, a warning beside their failures otherwise, a redirect of a later request named as one,
a redirected GET judged by where it led, the SSE stream without an endpoint event and the
message endpoint's refusal named).
"""

from __future__ import annotations

import http
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.mcp_servers import wait_port
from tests.servers import free_port
from tests.verdicts.child_server import child_server
from tests.verdicts.mcp_world import (  # noqa: F401 - the fixture is autouse here
    SDK_SERVER,
    no_real_client_configs,
    run_in_process,
)

TOKEN = "Http-sweep-mcp-Token-Never-Shown-2323"
TS = "typescript-sdk packages/server/src/server/streamableHttp.ts"
PY = "python-sdk src/mcp/server/streamable_http.py"
PY_MGR = "python-sdk src/mcp/server/streamable_http_manager.py"
PY_MODERN = "python-sdk src/mcp/server/_streamable_http_modern.py"
PY_AUTH = "python-sdk src/mcp/server/auth/middleware/bearer_auth.py"
TS_E2E = "typescript-sdk test/e2e/helpers/index.ts"
PY_SSE = "python-sdk src/mcp/server/sse.py"
TS_SSE = "typescript-sdk packages/server-legacy/src/sse/sse.ts"


def ts_error(code: int, message: str) -> str:
    """``createJsonErrorResponse`` (streamableHttp.ts:317): ``Response.json`` of this object."""
    return json.dumps(
        {"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": None},
        separators=(",", ":"),
    )


def py_error(code: int, message: str) -> str:
    """``_create_error_response`` (streamable_http.py:366): pydantic's ``model_dump_json``."""
    return json.dumps(
        {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}},
        separators=(",", ":"),
    )


JSON = "application/json"
#: name -> the answer: ``status``, ``body``, ``ctype``, ``headers``, ``source``, and ``mode``
#: (``status``: written as is; ``version``: only to a request carrying MCP-Protocol-Version;
#: ``rpc``: a JSON-RPC error to the request's id; ``sse``/``sse-cut``/``sse-open``/``202-json``/
#: ``redirect``: see SERVER); ``words``: the server's own words a fallback must quote
ANSWERS: dict[str, dict[str, Any]] = {
    "400-session-required": {
        "status": 400,
        "body": ts_error(-32000, "Bad Request: Mcp-Session-Id header is required"),
        "source": f"{TS}:1015",
    },
    "400-no-valid-session": {
        "status": 400,
        "body": ts_error(-32000, "Bad Request: No valid session ID provided"),
        "source": f"{TS_E2E}:257",
    },
    "400-missing-session": {
        "status": 400,
        "body": py_error(-32600, "Bad Request: Missing session ID"),
        "source": f"{PY}:871",
    },
    "400-not-initialized": {
        "status": 400,
        "body": ts_error(-32000, "Bad Request: Server not initialized"),
        "source": f"{TS}:1007",
    },
    "400-version": {
        "status": 400,
        "mode": "version",
        "body": ts_error(
            -32000,
            "Bad Request: Unsupported protocol version: {version} (supported versions: 2024-11-05)",
        ),
        "source": f"{TS}:1046",
    },
    "400-parse": {
        "status": 400,
        "body": ts_error(-32700, "Parse error: Invalid JSON"),
        "source": f"{TS}:769",
    },
    "400-validation": {
        "status": 400,
        "body": py_error(-32602, "Validation error: 1 validation error for JSONRPCMessage"),
        "source": f"{PY}:549",
    },
    "400-already-initialized": {
        "status": 400,
        "body": ts_error(-32600, "Invalid Request: Server already initialized"),
        "source": f"{TS}:803",
    },
    "404-session-ts": {
        "status": 404,
        "body": ts_error(-32001, "Session not found"),
        "source": f"{TS}:1021",
    },
    "404-session-manager": {
        "status": 404,
        "body": py_error(-32600, "Session not found"),
        "source": f"{PY_MGR}:363",
    },
    "404-terminated": {
        "status": 404,
        "body": py_error(-32600, "Not Found: Session has been terminated"),
        "source": f"{PY}:472",
    },
    "405-ts": {
        "status": 405,
        "body": ts_error(-32000, "Method not allowed."),
        "headers": [["Allow", "GET, POST, DELETE"]],
        "source": f"{TS}:717",
    },
    "405-py": {
        "status": 405,
        "body": py_error(-32600, "Method Not Allowed"),
        "headers": [["Allow", "GET, POST, DELETE"]],
        "source": f"{PY}:847",
    },
    "405-modern": {
        "status": 405,
        "body": "",
        "ctype": None,
        "headers": [["Allow", "POST"]],
        "source": f"{PY_MODERN}:392",
    },
    "405-delete-py": {
        "status": 405,
        "body": py_error(-32600, "Method Not Allowed: Session termination not supported"),
        "source": f"{PY}:789",
    },
    "406-ts": {
        "status": 406,
        "body": ts_error(
            -32000, "Not Acceptable: Client must accept both application/json and text/event-stream"
        ),
        "source": f"{TS}:744",
    },
    "406-py": {
        "status": 406,
        "body": py_error(
            -32600, "Not Acceptable: Client must accept both application/json and text/event-stream"
        ),
        "source": f"{PY}:510",
    },
    "406-get": {
        "status": 406,
        "body": ts_error(-32000, "Not Acceptable: Client must accept text/event-stream"),
        "source": f"{TS}:463",
    },
    "406-modern": {
        "status": 406,
        "body": "",
        "ctype": None,
        "source": f"{PY_MODERN}:397",
    },
    "409-get": {
        "status": 409,
        "body": ts_error(-32000, "Conflict: Only one SSE stream is allowed per session"),
        "source": f"{TS}:490",
    },
    "415-ts": {
        "status": 415,
        "body": ts_error(-32000, "Unsupported Media Type: Content-Type must be application/json"),
        "source": f"{TS}:758",
    },
    "415-py": {
        "status": 415,
        "body": py_error(-32600, "Unsupported Media Type: Content-Type must be application/json"),
        "source": f"{PY}:530",
    },
    "500-py": {
        "status": 500,
        "body": py_error(-32603, "Error handling POST request"),
        "source": f"{PY}:678",
    },
    "401-sdk": {
        "status": 401,
        "body": '{"error": "invalid_token", "error_description": "Authentication required"}',
        "headers": [
            [
                "WWW-Authenticate",
                'Bearer error="invalid_token", error_description="Authentication required", '
                'resource_metadata="http://127.0.0.1:9/.well-known/oauth-protected-resource/mcp"',
            ]
        ],
        "source": f"{PY_AUTH}:97,113-120",
    },
    "401-bare": {
        "status": 401,
        "body": "Unauthorized",
        "ctype": "text/plain",
        "source": "RFC 9110 15.5.2 (a gateway without a challenge)",
    },
    "403-scope": {
        "status": 403,
        "body": '{"error": "insufficient_scope", "error_description": "Required scope: mcp:write"}',
        "headers": [
            [
                "WWW-Authenticate",
                'Bearer error="insufficient_scope", error_description="Required scope: '
                'mcp:write"',
            ]
        ],
        "source": f"{PY_AUTH}:107,113-120",
    },
    "403-bare": {
        "status": 403,
        "body": "Forbidden",
        "ctype": "text/plain",
        "source": "RFC 9110 15.5.4 (a gateway's allow-list)",
    },
    "403-host": {
        "status": 403,
        "body": ts_error(-32000, "Invalid Host header: {host}"),
        "source": f"{TS}:359",
    },
    "429": {
        "status": 429,
        "body": "Too Many Requests",
        "ctype": "text/plain",
        "headers": [["Retry-After", "7"]],
        "source": "RFC 6585 4",
    },
    "503": {
        "status": 503,
        "body": "Service Unavailable",
        "ctype": "text/plain",
        "headers": [["Retry-After", "7"]],
        "source": "RFC 9110 15.6.4",
    },
    "307-same": {"mode": "redirect", "status": 307, "source": "RFC 9110 15.4.8"},
    "308-same": {"mode": "redirect", "status": 308, "source": "RFC 9110 15.4.9"},
    "307-cross": {"mode": "redirect", "status": 307, "cross": True, "source": "RFC 9110 15.4.8"},
    "json": {"mode": "json", "source": f"{TS}:1225 (enableJsonResponse)"},
    "sse": {"mode": "sse", "source": f"{TS}:965"},
    "sse-cut": {"mode": "sse-cut", "source": "Transports: the stream carries the response"},
    "sse-open": {"mode": "sse-open", "source": f"{TS}:463-540 (the GET stream)"},
    "202": {"status": 202, "body": "", "ctype": None, "source": f"{TS}:845"},
    "202-json": {"status": 202, "body": "", "source": f"{PY}:582"},
    "200-delete": {"status": 200, "body": "", "ctype": None, "source": f"{TS}:988"},
}
for _code, _message in (
    (-32700, "Parse error"),
    (-32600, "Invalid Request"),
    (-32601, "Method not found"),
    (-32602, "Invalid params"),
    (-32603, "Internal error"),
    (-32000, "Bad Request: No valid session ID provided"),
):
    ANSWERS[f"rpc{_code}"] = {
        "mode": "rpc",
        "code": _code,
        "message": f"{_message} (http sweep {_code})",
        "source": "JSON-RPC 2.0 5.1" if _code != -32000 else f"{TS_E2E}:257",
    }

#: answers no client fails on (the specification's own or both SDKs' clients go on)
LEGAL = {"json", "sse", "sse-open", "202", "202-json", "200-delete", "307-same", "308-same"}
LEGAL_GET = LEGAL | {"405-ts", "405-py", "405-modern"}
LEGAL_DELETE = LEGAL | {"405-ts", "405-py", "405-modern", "405-delete-py"}

RPC = [f"rpc{c}" for c in (-32700, -32600, -32601, -32602, -32603, -32000)]
#: request -> the answers it meets
PAIRS: dict[str, list[str]] = {
    "initialize": [
        "400-no-valid-session",
        "400-parse",
        "400-validation",
        "400-already-initialized",
        "404-session-ts",
        "405-ts",
        "406-ts",
        "406-modern",
        "415-py",
        "500-py",
        "401-sdk",
        "401-bare",
        "403-scope",
        "403-bare",
        "403-host",
        "429",
        "503",
        "307-same",
        "308-same",
        "307-cross",
        "sse",
        "sse-cut",
        *RPC,
    ],
    "notifications/initialized": [
        "400-session-required",
        "400-missing-session",
        "400-version",
        "404-session-ts",
        "406-py",
        "415-ts",
        "500-py",
        "401-sdk",
        "403-bare",
        "429",
        "503",
        "307-same",
        "202-json",
    ],
    "tools/list": [
        "400-session-required",
        "400-no-valid-session",
        "400-missing-session",
        "400-not-initialized",
        "400-version",
        "404-session-ts",
        "404-session-manager",
        "404-terminated",
        "406-ts",
        "415-ts",
        "500-py",
        "401-sdk",
        "401-bare",
        "403-scope",
        "403-bare",
        "429",
        "503",
        "308-same",
        "307-cross",
        "sse",
        "sse-cut",
        *RPC,
    ],
    "GET": [
        "405-ts",
        "405-py",
        "405-modern",
        "sse-open",
        "409-get",
        "406-get",
        "400-session-required",
        "404-session-ts",
        "401-sdk",
        "403-bare",
        "503",
        "307-same",
    ],
    "DELETE": [
        "405-ts",
        "405-delete-py",
        "404-terminated",
        "400-session-required",
        "401-bare",
        "429",
        "307-same",
    ],
}
#: the deprecated HTTP+SSE transport: the endpoint event's form, or the message endpoint's
#: answer to the POST of initialize (python-sdk's form for the latter)
SSE_FORMS: dict[str, dict[str, Any]] = {
    "py": {"legal": True, "source": f"{PY_SSE}:172-182"},
    "ts": {"legal": True, "source": f"{TS_SSE}:90-95"},
    "absolute": {"legal": True, "source": "2024-11-05 Transports: the endpoint event's URI"},
    "relative": {"legal": True, "source": "RFC 3986 5.2 (the URI resolved on the stream's)"},
    "other-origin": {"legal": False, "source": "2024-11-05 Transports (the client's origin check)"},
    "empty": {"legal": False, "source": "2024-11-05 Transports"},
    "none": {"legal": False, "source": "2024-11-05 Transports"},
    "post-400-session": {
        "legal": False,
        "status": 400,
        "body": "session_id is required",
        "source": f"{PY_SSE}:242",
    },
    "post-404": {
        "legal": False,
        "status": 404,
        "body": "Could not find session",
        "source": f"{PY_SSE}:256",
    },
    "post-400-parse": {
        "legal": False,
        "status": 400,
        "body": "Could not parse message",
        "source": f"{PY_SSE}:276",
    },
    "post-400-invalid-ts": {
        "legal": False,
        "status": 400,
        "body": "Invalid message: {body}",
        "source": f"{TS_SSE}:159",
    },
}
#: the check that sends each request
STEP = {
    "initialize": "initialize",
    "notifications/initialized": "initialize",
    "tools/list": "tools",
}

#: the HTTP server of every pair: ``python -S -c SERVER PLANS`` (plan i at /i/; prints its port,
#: serves until stdin closes)
SERVER = r"""
import json, queue, sys, threading, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

with open(sys.argv[1]) as handle:
    PLANS = json.load(handle)
TOOLS = [{"name": "echo", "inputSchema": {"type": "object"}}]
STREAMS = {}
COUNT = [0]

def reply(message):
    method, ident = message.get("method"), message.get("id")
    if method == "initialize":
        result = {
            "protocolVersion": (message.get("params") or {}).get("protocolVersion"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "http-sweep", "version": "1.0"},
        }
    elif method == "tools/list":
        result = {"tools": TOOLS}
    elif method == "ping":
        result = {}
    else:
        error = {"code": -32601, "message": "Method not found"}
        return {"jsonrpc": "2.0", "id": ident, "error": error}
    return {"jsonrpc": "2.0", "id": ident, "result": result}

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

    def plan(self):
        head, _, rest = self.path.lstrip("/").partition("/")
        return int(head), PLANS[int(head)], rest

    def faulted(self, kind, plan, rest, message=None):
        if plan.get("on") != kind or rest.startswith("ok"):
            return False
        mode = plan.get("mode", "status")
        if mode == "version" and not self.headers.get("MCP-Protocol-Version"):
            return False
        if mode in ("status", "version"):
            body = plan["body"].replace("{version}", self.headers.get("MCP-Protocol-Version") or "")
            body = body.replace("{host}", self.headers.get("Host") or "")
            self.answer(plan["status"], body.encode(), plan.get("ctype", "application/json"),
                        plan.get("headers", []))
            return True
        if mode == "redirect":
            host = "localhost" if plan.get("cross") else "127.0.0.1"
            where = "http://%s:%d/%s/ok/mcp" % (host, self.server.server_address[1], plan["i"])
            self.answer(plan["status"], b"", None, [("Location", where)])
            return True
        if mode == "rpc" and message is not None and "id" in message:
            error = {"code": plan["code"], "message": plan["message"]}
            body = json.dumps({"jsonrpc": "2.0", "id": message["id"], "error": error}).encode()
            self.answer(200, body, "application/json")
            return True
        if mode == "sse-cut":
            self.answer(200, b": the stream ends here\n\n", "text/event-stream")
            return True
        if mode == "sse-open" and kind == "GET":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(60):
                    self.wfile.write(b": open\n\n")
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass
            self.close_connection = True
            return True
        return False

    def do_GET(self):
        i, plan, rest = self.plan()
        if plan.get("transport") == "sse":
            return self.sse_stream(i, plan, rest)
        if not self.faulted("GET", plan, rest):
            self.answer(405, b"", None, [("Allow", "POST, DELETE")])

    def do_DELETE(self):
        i, plan, rest = self.plan()
        if not self.faulted("DELETE", plan, rest):
            self.answer(200)

    def do_POST(self):
        i, plan, rest = self.plan()
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        message = json.loads(raw)
        if plan.get("transport") == "sse":
            return self.sse_post(plan, rest, message, raw)
        method = message.get("method") or "response"
        if self.faulted(method, plan, rest, message):
            return
        if "id" not in message or "method" not in message:
            return self.answer(202)
        headers = []
        if method == "initialize":
            COUNT[0] += 1
            headers.append(("Mcp-Session-Id", "sweep-%d-%d" % (i, COUNT[0])))
        body = json.dumps(reply(message)).encode()
        if plan.get("on") == method and plan.get("mode") == "sse":
            body = b"event: message\ndata: " + body + b"\n\n"
            return self.answer(200, body, "text/event-stream", headers)
        self.answer(200, body, "application/json", headers)

    # -- the deprecated HTTP+SSE transport -------------------------------------------------
    def sse_stream(self, i, plan, rest):
        form = plan["form"]
        session = uuid.uuid4().hex
        port = self.server.server_address[1]
        endpoint = {
            "py": "/%d/messages/?session_id=%s" % (i, session),
            "ts": "/%d/messages?sessionId=%s" % (i, session),
            "absolute": "http://127.0.0.1:%d/%d/messages?session_id=%s" % (port, i, session),
            "relative": "messages?session_id=%s" % session,
            "other-origin": "http://localhost:%d/%d/messages?session_id=%s" % (port, i, session),
            "empty": "",
        }.get(form, "/%d/messages/?session_id=%s" % (i, session))
        box = STREAMS[session] = queue.Queue()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            if form == "none":
                self.wfile.write(b": no endpoint\n\n")
                return
            self.wfile.write(("event: endpoint\ndata: %s\n\n" % endpoint).encode())
            self.wfile.flush()
            for _ in range(120):
                try:
                    item = box.get(timeout=0.5)
                except queue.Empty:
                    self.wfile.write(b": ping\n\n")
                    self.wfile.flush()
                    continue
                self.wfile.write(b"event: message\ndata: " + item + b"\n\n")
                self.wfile.flush()
        except OSError:
            pass
        finally:
            STREAMS.pop(session, None)

    def sse_post(self, plan, rest, message, raw):
        query = self.path.partition("?")[2]
        session = query.partition("=")[2]
        if plan.get("status") and message.get("method") == "initialize":
            body = plan["body"].replace("{body}", raw.decode())
            return self.answer(plan["status"], body.encode(), "text/plain; charset=utf-8")
        box = STREAMS.get(session)
        if box is None:
            return self.answer(404, b"Could not find session", "text/plain; charset=utf-8")
        self.answer(202, b"Accepted", "text/plain; charset=utf-8")
        if "id" in message and "method" in message:
            box.put(json.dumps(reply(message)).encode())

ThreadingHTTPServer.request_queue_size = 256
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
"""


def plans() -> list[dict[str, Any]]:
    """Every pair as the plan of one server: ``transport``, ``on``, ``answer`` and the answer's
    fields, or ``form`` for the deprecated transport."""
    found: list[dict[str, Any]] = []
    for on, answers in PAIRS.items():
        for name in answers:
            found.append({"transport": "http", "on": on, "answer": name, **ANSWERS[name]})
    for form, data in SSE_FORMS.items():
        found.append({"transport": "sse", "on": "initialize", "answer": form, "form": form, **data})
    for i, plan in enumerate(found):
        plan["i"] = i
    return found


def is_legal(plan: dict[str, Any]) -> bool:
    if plan["transport"] == "sdk":
        return True
    if plan["transport"] == "sse":
        return bool(plan["legal"])
    legal = {"GET": LEGAL_GET, "DELETE": LEGAL_DELETE}.get(plan["on"], LEGAL)
    return plan["answer"] in legal


def server_table(plan: dict[str, Any], port: int) -> str:
    i = plan["i"]
    lines = [f"[tool.envcheck.mcp.servers.h{i}]"]
    if plan["transport"] == "sse":
        lines += [f'url = "http://127.0.0.1:{port}/{i}/sse"', 'transport = "sse"']
    elif plan["transport"] == "sdk":
        lines += [f'url = "http://127.0.0.1:{plan["port"]}/mcp"', 'transport = "http"']
    else:
        lines += [f'url = "http://127.0.0.1:{port}/{i}/mcp"', 'transport = "http"']
    lines.append(f'headers = {{ Authorization = "Bearer {TOKEN}" }}')
    return "\n".join(lines) + "\n"


def text_of(check: dict[str, Any]) -> str:
    return " | ".join(str(check.get(k) or "") for k in ("summary", "why", "hint"))


def server_words(plan: dict[str, Any]) -> str | None:
    """What the server said in its own words: the JSON-RPC error's message of its body, or
    its text unless that only repeats the status's reason phrase."""
    if plan.get("mode") == "rpc":
        return str(plan["message"])
    body = str(plan.get("body") or "")
    try:
        data = json.loads(body)
    except ValueError:
        if body.strip() == http.HTTPStatus(int(plan.get("status") or 200)).phrase:
            return None
        return body.split("{")[0].strip() or None
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        message = str(data["error"]["message"])
        return message.split("{")[0].strip()
    if isinstance(data, dict) and "error_description" in data:
        return None  # the bearer middleware's: its challenge is the structure
    return None


#: causes the structure establishes: answer -> words the verdict must hold (any of each tuple)
CAUSE: dict[str, tuple[tuple[str, ...], ...]] = {
    "401-sdk": (("OAuth", "sign-in", "token", "Authorization"),),
    "401-bare": (("token", "Authorization", "credential"),),
    "403-scope": (("insufficient_scope", "scope"), ("mcp:write",)),
    "429": (("Retry-After", "7 s"),),
    "503": (("Retry-After", "7 s"),),
    "307-cross": (("another origin", "other origin"),),
    "400-version": (("MCP-Protocol-Version",),),
    "sse-cut": (("ended", "ends"),),
}
SESSION_404 = {"404-session-ts", "404-session-manager", "404-terminated"}


def problems_of(plan: dict[str, Any], checks: dict[str, dict[str, Any]]) -> list[str]:
    """What breaks the sweep's rules for one pair (``checks``: its server's, by step)."""
    found: list[str] = []
    failed = {s: c for s, c in checks.items() if c["status"] in ("fail", "warn")}
    texts = {s: text_of(c) for s, c in failed.items()}
    hard = {s: t for s, t in texts.items() if failed[s]["status"] == "fail"}
    if not checks:
        return ["no check of this server ran"]
    if any("Traceback" in t or "bug in envcheck" in t.lower() for t in texts.values()):
        found.append(f"envcheck's own error: {texts}")
    on, answer = plan["on"], plan["answer"]
    if plan["transport"] == "http" and on in ("GET", "DELETE"):
        if hard:
            found.append(f"a refused {on} failed a check: {hard}")
        if is_legal(plan):
            if texts:
                found.append(f"a legal answer to {on} warned: {texts}")
        elif on == "GET":
            said = texts.get("initialize", "")
            if "GET" not in said or str(plan["status"]) not in said:
                found.append(f"initialize does not warn of the refused GET stream: {texts}")
        return found
    if is_legal(plan):
        if texts:
            found.append(f"a legal answer failed or warned: {texts}")
        return found
    step = STEP.get(on, "initialize")
    steps = (step, "start") if step == "initialize" else (step,)
    own = [failed[s] for s in steps if s in failed and failed[s]["status"] == "fail"]
    if not own:
        found.append(f"{step} did not fail: {checks.get(step, {}).get('status')}")
        return found
    verdict = " ".join(text_of(c) for c in own)[:3000]
    if not all(c.get("hint") for c in own):
        found.append(f"no fix: {verdict[:300]}")
    if plan["transport"] == "sse":
        status = plan.get("status")
        if status and str(status) not in verdict:
            found.append(f"the verdict does not name HTTP {status}: {verdict[:400]}")
        words = server_words(plan)
        if status and words and words.split(":")[0] not in verdict:
            found.append(f"the server's words are not quoted: {verdict[:400]}")
        if plan["form"] == "other-origin" and "origin" not in verdict:
            found.append(f"the other origin is not named: {verdict[:400]}")
        if plan["form"] in ("empty", "none") and "endpoint" not in verdict:
            found.append(f"the missing endpoint event is not named: {verdict[:400]}")
        return found
    if on not in verdict and on != "initialize":  # the handshake's check names it
        found.append(f"the verdict does not name {on}: {verdict[:400]}")
    status = plan.get("status")
    if status and str(status) not in verdict:
        found.append(f"the verdict does not name HTTP {status}: {verdict[:400]}")
    if plan.get("mode") == "rpc" and str(plan["code"]) not in verdict:
        found.append(f"the verdict does not name code {plan['code']}: {verdict[:400]}")
    session_sent = on != "initialize"
    if answer in SESSION_404 and session_sent:
        if "session" not in verdict:
            found.append(f"404 to the session's request is not the session's end: {verdict[:400]}")
    elif answer in CAUSE and not (answer == "400-version" and on != "tools/list"):
        # (the refused MCP-Protocol-Version is established by the same read-only request
        # served without it; a notification is not sent twice: its words are the fallback)
        for alternatives in CAUSE[answer]:
            if not any(w in verdict for w in alternatives):
                named = " / ".join(alternatives)
                found.append(f"the cause is not named ({named}): {verdict[:400]}")
    else:
        words = server_words(plan)
        if words and words not in verdict:
            found.append(f"the server's words ({words!r}) are not quoted: {verdict[:400]}")
    # causes the structure contradicts
    if session_sent and "never gave" in verdict:
        found.append(f"the session 'never given' though it was: {verdict[:400]}")
    if not session_sent and ("sticky" in verdict or "single instance" in verdict):
        found.append(f"sticky sessions for a request without a session: {verdict[:400]}")
    if on == "tools/list" and ("rejected the MCP handshake" in verdict):
        found.append(f"the handshake 'rejected' though it was answered: {verdict[:400]}")
    if on == "tools/list" and "not an MCP endpoint" in verdict:
        found.append(f"'not an MCP endpoint' after a good handshake: {verdict[:400]}")
    if answer == "403-bare" and ("wrong" in verdict or "refused (invalid_token)" in verdict):
        found.append(f"a 403 without a challenge said the token is wrong: {verdict[:400]}")
    return found


def _descendants() -> set[int]:
    """The processes below this one (from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found: set[int] = set()
    todo = [os.getpid()]
    while todo:
        pid = todo.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                found.add(child)
                todo.append(child)
    return found


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Every pair checked in one envcheck session: the plans, each server's checks by step, the
    output, and the processes left after the servers were stopped."""
    root = tmp_path_factory.mktemp("http-sweep")
    all_plans = plans()
    before = _descendants()
    sdk: list[subprocess.Popen[bytes]] = []
    checks: list[dict[str, Any]] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        try:
            for options in ([], ["--stateless", "--json"]):
                sdk_port = free_port()
                sdk.append(
                    subprocess.Popen(
                        [sys.executable, SDK_SERVER, str(sdk_port), *options],
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
                name = "sdk-stateful-sse" if not options else "sdk-stateless-json"
                all_plans.append(
                    {"transport": "sdk", "on": "all", "answer": name, "port": sdk_port}
                )
                all_plans[-1]["i"] = len(all_plans) - 1
            with child_server(SERVER, all_plans, root / "plans.json") as port:
                for plan in all_plans:
                    if plan["transport"] == "sdk":
                        wait_port(plan["port"], timeout=30.0)
                config = "[tool.envcheck.mcp]\ndiscover = false\ntimeout = 20.0\n" + "".join(
                    server_table(plan, port) for plan in all_plans
                )
                checks = run_in_process(root, config, TOKEN, log_capture=False)
        finally:
            for proc in sdk:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
                    proc.kill()
                    proc.wait()
    by_server: dict[int, dict[str, dict[str, Any]]] = {}
    for check in checks:
        name, _, step = check["id"].split("/", 1)[1].partition(".")
        if name.startswith("h") and name[1:].isdigit():
            by_server.setdefault(int(name[1:]), {})[step] = check
    yield {
        "plans": all_plans,
        "checks": by_server,
        "left": _descendants() - before,
        "report": json.dumps(checks),
    }


def test_the_pairs_are_counted() -> None:
    """The space as enumerated above (the docstring's count)."""
    found = plans()
    assert len(found) == sum(len(a) for a in PAIRS.values()) + len(SSE_FORMS) == 98
    assert all(name in ANSWERS for answers in PAIRS.values() for name in answers)


def test_every_answer_of_every_request(
    swept: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    output = capsys.readouterr()
    assert TOKEN not in output.out + output.err + swept["report"], "the bearer token is shown"
    problems = []
    for plan in swept["plans"]:
        for problem in problems_of(plan, swept["checks"].get(plan["i"], {})):
            what = f"{plan['transport']} {plan['on']} <- {plan['answer']}"
            problems.append(f"{what}: {problem}")
    assert not swept["left"], f"processes outlived the run: {swept['left']}"
    assert not problems, f"{len(problems)} problems in {len(swept['plans'])} pairs:\n" + "\n".join(
        problems
    )
