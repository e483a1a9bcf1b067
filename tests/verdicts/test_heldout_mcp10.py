"""The tenth held-out round of MCP breakages, after nine rounds and the three sweeps (the
codes-and-statuses sweep, the wire sweep, the client-config sweep): six breakages that no row of
docs/verdicts/mcp.md, no earlier round and no sweep pair lists, and four healthy neighbours, each
made for real (a stdio server of this file, an HTTP server on 127.0.0.1, the SDK's own SSE server,
Claude Code's ``.mcp.json`` and ``.claude/settings.local.json``, VS Code's ``.vscode/mcp.json``).
Grepped first (tests/verdicts/*mcp*.py, docs/verdicts/mcp.md, docs/verdicts/README.md) for
disabledMcpjsonServers/settings.local, ``oauth-protected-resource/`` without
``resource_metadata``, registration_endpoint/client_id_metadata, insufficient_scope at a call,
structuredContent without outputSchema, a response with both result and error, a session that
ends (expire/new initialize/re-initialize), a POST's SSE stream open after its response,
``"type": "http"`` in VS Code's file on an SSE server, a JSON Schema keyword of the wrong type:
none is a row or a pair. (``insufficient_scope`` is a row at ``initialize``, auth-403-scope; the
well-known path is used by rounds 1 to 3 and 8 only behind a ``resource_metadata`` challenge;
registration_endpoint appears in round 8's metadata only as present; http-session-404 is a
server that never knows the session, not one that ends it; keep-alive comments are in the wire
sweep before an event, in round 7 on the GET's stream; http-auto-fallback is a file entry
without ``type``.) Left out as covered or unreachable: JSON-RPC batching (jsonrpc-batch and the
wire sweep's (a)/(b)), ``MCP-Protocol-Version`` refused (http-protocol-version-400, the wire
sweep's (d)), Last-Event-ID (round 9), cursors (five rows and the wire sweep's (g)),
``outputSchema`` rules (rounds 3, 6, 8).

How the set was made (2026-12-07), from the MCP specification (2025-06-18, 2025-11-25), RFC 9728,
RFC 8414, RFC 7591, JSON-RPC 2.0, JSON Schema 2020-12, VS Code's and Claude Code's sources and
documentation:

- *Authorization* (2025-11-25, scope challenge handling): a token good for ``initialize`` and
  ``tools/list`` may lack a scope a tool needs; the server answers the ``tools/call`` 403 with
  ``WWW-Authenticate: Bearer error="insufficient_scope", scope="notes:write"`` (step-up):
  auth-403-scope-at-call (the SDK's client fails on ``tools/call``).
- RFC 9728 §3 and *Authorization* (2025-11-25, protected resource metadata discovery): a server
  MAY name its metadata in the challenge or publish it at the well-known URI, and clients MUST
  try the path-aware one (``/.well-known/oauth-protected-resource/<path>``) when the challenge
  names none: here a 401 ``Bearer realm="mcp"``, the metadata there and at no root URL:
  auth-prm-well-known-path (the SDK's OAuth client finds it, registers a client and stops only
  at the sign-in, which needs a person).
- RFC 8414 and RFC 7591 / *Authorization* (client registration): a client without a client ID
  registers dynamically at the metadata's ``registration_endpoint`` (or uses a Client ID Metadata
  Document where ``client_id_metadata_document_supported``); an authorization server that offers
  neither leaves Claude Code's sign-in nothing to register with: auth-as-no-registration (the
  SDK's OAuth client falls back to ``/register`` on the resource's origin, 404, and stops
  before any sign-in).
- *Streamable HTTP › Session Management*: "The server MAY terminate the session at any time,
  after which it MUST respond to requests containing that session ID with HTTP 404" and the
  client "MUST start a new session by sending a new InitializeRequest": here a server that ends
  each session after one request (http-session-ends-after-one-request; the SDK's client does not
  re-initialize and fails on ``ping``).
- *Streamable HTTP* (sending messages): after the response the server SHOULD close the SSE
  stream; a server that keeps it open (keep-alive comments) is answered all the same: the SDK's
  client closes it on the response (http-sse-open-after-response, a pass).
- VS Code's ``McpHTTPHandle`` (extHostMcp.ts) serves ``"type": "http"`` and ``"sse"`` alike: the
  first POST, answered 4xx, falls back to the legacy SSE transport: an entry ``"type": "http"``
  naming the SDK's SSE server (``/sse``, 405 to a POST) works in VS Code
  (cfg-vscode-http-falls-back-to-sse, a pass).
- Claude Code's settings: ``disabledMcpjsonServers`` lists the servers of ``.mcp.json`` the user
  rejected (written to ``.claude/settings.local.json`` when the user declines one); Claude Code
  never starts them, so a broken one is not the user's failure (cfg-claude-code-disabled-server,
  a skip naming the setting).
- *Server › Tools*: ``inputSchema`` is a JSON Schema (2020-12 where ``$schema`` is absent,
  2025-11-25); here ``"required": "city"``, which the metaschema refuses (an array of strings):
  the SDK's client rejects the whole listing (its model wants a list), and the LLM APIs the
  clients hand the tools to reject such a schema (tools-input-schema-invalid).
- *Server › Tools › Structured Content*: a tool may return ``structuredContent`` without an
  ``outputSchema`` (the serialized JSON in a text block beside it); no client validates it
  against anything (call-structured-content-without-schema, a pass).
- JSON-RPC 2.0 §5: "Either the result member or error member MUST be included, but both members
  MUST NOT be included": here the answer to ``tools/list`` carries both (the SDK's client reads
  the error; its tools are lost): rpc-result-and-error.

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks). The SDK's client (the wire sweep's judge, its
OAuth client, its SSE client) proves the MCP cases; the metaschema, PATH and the client rules
prove the others. All ten are checked in one envcheck run, in process.

First run (envcheck at 07f7510, the commit that added this file, before any change; graded by
the rules above, 2026-12-07): 10 cases, 4 fully right by the committed expectations (the
neighbours http-sse-open-after-response and call-structured-content-without-schema;
auth-prm-well-known-path, tools-input-schema-invalid), 2 partly, 4 wrong; of the six breakages,
2 fully right. No process outlived the run. Read by a person, two of the four are lower:
auth-prm-well-known-path's why says "its WWW-Authenticate challenge names resource_metadata"
(it named none: envcheck found the metadata at the well-known URL, and said otherwise), and
tools-input-schema-invalid's fix says "inputSchema.required must be a JSON Schema object with
"type": "object"" (it must be an array of strings): partly. So 2 of 10 fully right read strictly
(the two neighbours; none of the six breakages), 4 partly, 4 wrong.

- auth-403-scope-at-call, partly: "HTTP 403 to tools/call ... the credentials were accepted
  ... they are not allowed tools/call (its WWW-Authenticate: Bearer error="insufficient_scope",
  scope="notes:write", ...)", fix "ask the server's administrators for access to tools/call;
  read the server's log": the challenge quoted, not read (no scope named in the fix);
- auth-as-no-registration, wrong: a skip, "needs an OAuth sign-in, which Claude Code runs
  itself", fix "run /mcp in Claude Code and choose Authenticate": a sign-in that cannot start
  (nothing to register with; the SDK's OAuth client stops at the registration, 404), so the
  printed fix does not work;
- http-session-ends-after-one-request, wrong: "answered 404 to its own session ... replicas
  behind a load balancer without sticky sessions, or a server that keeps no sessions", fix
  "sticky sessions ..., run a single instance": a guessed cause (one instance, whose sessions
  end, and a new initialize gives one that works);
- cfg-vscode-http-falls-back-to-sse, wrong: a false alarm: start "answers over SSE (streamable
  HTTP got HTTP 405; MCP clients fall back to SSE, as envcheck did)", then initialize "HTTP 405
  ... neither streamable HTTP nor SSE works at this URL (HTTP 405 over streamable HTTP, HTTP 200
  over SSE)", fix "fix url";
- cfg-claude-code-disabled-server, wrong: a false alarm, "command not found:
  heldout10-notes-mcp", fix "install heldout10-notes-mcp": a server Claude Code never starts
  (the user rejected it: disabledMcpjsonServers);
- rpc-result-and-error, partly: "MCP error -32603: Internal error", fix "run ... by hand to see
  why": the answer's result beside its error not seen.

After (verdicts from structure: the challenge's parameters, the metadata's members, HTTP statuses
and session ids, the response's members, the pydantic error's type, the settings' list; none from
a message's words): 10 of 10 fully right, each a row of docs/verdicts/mcp.md (section 17,
``ROWS``) asserted on the run; the two read strictly (the well-known metadata, the keyword's
kind) are held by ``never``.

- A request after the handshake answered 401 or 403 with ``error="insufficient_scope"`` is read
  as the scope challenge: the scope named, the fix a token with it (and, for the smoke call, a
  tool the token's scopes allow).
- The OAuth verdicts say how the metadata was found: named by the challenge, or at the
  well-known URL when the challenge names none.
- An authorization server whose metadata has neither ``registration_endpoint`` nor
  ``client_id_metadata_document_supported`` fails the sign-in of the clients that register on
  their own (Claude Code: ``--client-id``; VS Code, which asks for one, as before).
- A 404 to the session's own id makes envcheck start one new session (initialize,
  initialized, ping, DELETE; 3 s a request): served, the server ends its sessions (how many
  requests the first one served is said); not served, the instances verdict as before.
- A response carrying both ``result`` and ``error`` (stdio, and an HTTP JSON answer) is named.
- A tool schema's keyword of the wrong kind names the kind JSON Schema gives it (array, object,
  string...), not the rule for the schema's own ``type``.
- The servers of ``.mcp.json`` named by Claude Code's ``disabledMcpjsonServers`` (the project's
  ``.claude/settings.local.json`` and ``settings.json``, the user's ``~/.claude/settings.json``)
  are skipped with the file that names them.
- A handshake by ``server/discover`` (2026-07-28, the SDK 2.x servers) no longer waits for an
  ``initialized`` notification that protocol does not send: that wait cost every such server 5 s
  and failed it under a timeout of 5 s or less; the VS Code neighbour met it over SSE (found by
  this round, the cause of its false alarm, not its fallback).

No printed fix is an edit or a command a program runs (the administrators', the server's
authors', a person's sign-in or setting): none is executed here.

Cost: one envcheck run of the ten servers in process, the SDK's client over six of them, its
OAuth client twice, its SSE client once, one SDK SSE server process: about 4 CPU-s
(``-p no:xdist``), 5 s of wall time.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.mcp_servers import wait_port
from tests.servers import QuietHandler, free_port, serving
from tests.verdicts.mcp_world import (
    SDK_SERVER,
    jsonrpc_reply,
    judge_server,
    oauth_outcome,
    processes_of,
    proven_case_checks,
    run_in_process,
)
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_mcp_wire_sweep import TOKEN, judge

#: the bearer token the judge sends and the scoped server accepts; no check may show it
SECRET = TOKEN

#: the inputSchema of tools-input-schema-invalid: "required" is a string, not an array
BAD_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": "city"}

#: this round's stdio server: newline-delimited JSON-RPC, one tool; MODE bends one thing
SERVER = textwrap.dedent("""
    import json, sys

    MODE = sys.argv[1]
    BAD_SCHEMA = __BAD_SCHEMA__
    TOOL = {"name": "echo", "inputSchema": {"type": "object"}}
    if MODE == "badschema":  # "required" must be an array of strings (JSON Schema 2020-12)
        TOOL = {"name": "lookup", "inputSchema": BAD_SCHEMA}


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
                "serverInfo": {"name": "heldout10", "version": "1.0"},
            }
        elif method == "tools/list":
            reply["result"] = {"tools": [TOOL]}
            if MODE == "both":  # JSON-RPC: never both
                reply["error"] = {"code": -32603, "message": "Internal error"}
        elif method == "ping":
            reply["result"] = {}
        elif method == "tools/call":
            reply["result"] = {"content": [{"type": "text", "text": "ok"}]}
            if MODE == "structured":  # no outputSchema: structured content all the same
                data = {"celsius": 3.5, "city": "Oslo"}
                reply["result"] = {
                    "content": [{"type": "text", "text": json.dumps(data)}],
                    "structuredContent": data,
                }
        else:
            reply["error"] = {"code": -32601, "message": "Method not found"}
        send(reply)
    """).replace("__BAD_SCHEMA__", json.dumps(BAD_SCHEMA))


class Handler(QuietHandler):
    """The round's HTTP servers, by the first part of the path:

    - ``/scoped/mcp``: the judge's bearer token is good for everything but ``tools/call``, which
      is answered 403 ``insufficient_scope`` naming ``notes:write`` (without the token: 401 with
      ``resource_metadata``);
    - ``/wellknown/mcp``: 401 ``Bearer realm="mcp"`` to everything; its resource metadata only
      at ``/.well-known/oauth-protected-resource/wellknown/mcp``, naming ``/tenant-login``, whose
      RFC 8414 metadata has a registration endpoint (which registers any client);
    - ``/noreg/mcp``: 401 with ``resource_metadata``; its authorization server ``/closed`` has
      no ``registration_endpoint`` and no Client ID Metadata Documents; ``/register`` is 404;
    - ``/expiring/mcp``: sessions (``Mcp-Session-Id``) that end after one request (404 then);
    - ``/lingering/mcp``: every request answered as an SSE stream that stays open after the
      response (a keep-alive comment every 0.2 s, for up to 8 s or until the client leaves).

    Every request is kept in ``SEEN`` as (method, path, Mcp-Session-Id)."""

    SEEN: list[tuple[str, str, str | None]] = []
    LOCK = threading.Lock()
    #: the requests each session of /expiring/mcp served
    SESSIONS: dict[str, int] = {}

    def _base(self) -> str:
        return f"http://{self.headers.get('host')}"

    def _json(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(document).encode()
        self.respond(status, data, {"content-type": "application/json", **(headers or {})})

    def _metadata(self, path: str) -> dict[str, Any] | None:
        base = self._base()
        resources = {
            "/.well-known/oauth-protected-resource/scoped/mcp": ("scoped", "tenant-login"),
            "/.well-known/oauth-protected-resource/wellknown/mcp": ("wellknown", "tenant-login"),
            "/.well-known/oauth-protected-resource/noreg/mcp": ("noreg", "closed"),
        }
        if path in resources:
            name, issuer = resources[path]
            return {
                "resource": f"{base}/{name}/mcp",
                "authorization_servers": [f"{base}/{issuer}"],
                "scopes_supported": ["notes:read", "notes:write"],
                "bearer_methods_supported": ["header"],
            }
        for issuer in ("tenant-login", "closed"):
            if path == f"/.well-known/oauth-authorization-server/{issuer}":
                document = {
                    "issuer": f"{base}/{issuer}",
                    "authorization_endpoint": f"{base}/{issuer}/authorize",
                    "token_endpoint": f"{base}/{issuer}/token",
                    "response_types_supported": ["code"],
                    "grant_types_supported": ["authorization_code", "refresh_token"],
                    "code_challenge_methods_supported": ["S256"],
                    "scopes_supported": ["notes:read", "notes:write"],
                }
                if issuer == "tenant-login":
                    document["registration_endpoint"] = f"{base}/{issuer}/register"
                return document
        return None

    def _answer(self, message: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        if "id" not in message or "method" not in message:
            self.respond(202, headers=headers)
            return
        self._json(200, jsonrpc_reply(message), headers)

    def _expiring(self, message: dict[str, Any]) -> None:
        session = self.headers.get("mcp-session-id")
        if message.get("method") == "initialize":
            with self.LOCK:
                session = f"s-{len(self.SESSIONS) + 1}"
                self.SESSIONS[session] = 0
            self._answer(message, {"mcp-session-id": session})
            return
        with self.LOCK:
            served = self.SESSIONS.get(session or "")
            if served is None or ("id" in message and served >= 1):
                served = None  # ended (or never was): 404
            elif "id" in message:
                self.SESSIONS[session or ""] = served + 1
        if served is None:
            self._json(
                404,
                {
                    "jsonrpc": "2.0",
                    "id": None,
                    "error": {"code": -32001, "message": "Session not found"},
                },
            )
            return
        self._answer(message)

    def _lingering(self, message: dict[str, Any]) -> None:
        if "id" not in message or "method" not in message:
            self.respond(202)
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.end_headers()
        self.close_connection = True
        event = f"event: message\ndata: {json.dumps(jsonrpc_reply(message))}\n\n"
        try:
            self.wfile.write(event.encode())
            self.wfile.flush()
            deadline = time.monotonic() + 8.0
            while time.monotonic() < deadline:
                time.sleep(0.2)
                self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except OSError:  # the client read its response and left
            pass

    def _route(self, method: str) -> None:
        with self.LOCK:
            self.SEEN.append((method, self.path, self.headers.get("mcp-session-id")))
        body = self.body() if method == "POST" else b""
        path = self.path.split("?")[0]
        document = self._metadata(path)
        token = self.headers.get("authorization") == f"Bearer {TOKEN}"
        base = self._base()
        if document is not None:
            self._json(200, document)
        elif path == "/tenant-login/register" and method == "POST":
            self._json(201, {**json.loads(body), "client_id": "heldout10-client"})
        elif path in ("/scoped/mcp", "/wellknown/mcp", "/noreg/mcp") and (
            path != "/scoped/mcp" or not token
        ):
            challenge = 'Bearer realm="mcp"'
            if path != "/wellknown/mcp":
                metadata = f"{base}/.well-known/oauth-protected-resource{path}"
                challenge = f'Bearer resource_metadata="{metadata}"'
            self._json(401, {"error": "unauthorized"}, {"www-authenticate": challenge})
        elif method != "POST" and path in ("/scoped/mcp", "/expiring/mcp", "/lingering/mcp"):
            self.respond(405 if method == "GET" else 200, headers={"allow": "POST, DELETE"})
        elif path == "/scoped/mcp":
            message = json.loads(body)
            if message.get("method") == "tools/call":
                metadata = f"{base}/.well-known/oauth-protected-resource/scoped/mcp"
                challenge = (
                    'Bearer error="insufficient_scope", scope="notes:write", '
                    f'resource_metadata="{metadata}", '
                    'error_description="the tool writes notes: notes:write is required"'
                )
                self._json(403, {"error": "insufficient_scope"}, {"www-authenticate": challenge})
                return
            self._answer(message)
        elif path == "/expiring/mcp":
            self._expiring(json.loads(body))
        elif path == "/lingering/mcp":
            self._lingering(json.loads(body))
        else:
            self.respond(404, b"not found", {"content-type": "text/plain"})

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._route("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._route("DELETE")


#: case name -> (server name, where it is declared, mode or path, the request the SDK's client
#: fails on or None (the stdio and http cases; None for the others, proven otherwise), the
#: expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "auth-403-scope-at-call": (
        "scoped",
        "http",
        "scoped",
        "tools/call",
        Expect(
            "mcp/scoped.call",
            "fail",
            says=("insufficient_scope", "notes:write"),
            fix=("notes:write",),
            never=("raise timeout", "check the arguments", "not an MCP"),
        ),
    ),
    "auth-prm-well-known-path": (
        "wellknown",
        "oauth",
        "wellknown",
        None,
        Expect(
            "mcp/wellknown.initialize",
            "fail",
            says=("OAuth", "tenant-login"),
            fix=("tenant-login",),
            never=("raise timeout", "not an MCP", "Basic", "challenge names resource_metadata"),
        ),
    ),
    "auth-as-no-registration": (
        "noreg",
        "claude",
        "noreg",
        None,
        Expect(
            "mcp/noreg@mcp.json.initialize",
            "fail",
            says=("registration", "closed"),
            fix=("registration",),
            never=("raise timeout", "not an MCP"),
        ),
    ),
    "http-session-ends-after-one-request": (
        "expiring",
        "http",
        "expiring",
        "ping",
        Expect(
            "mcp/expiring.tools|mcp/expiring.ping|mcp/expiring.initialize",
            "fail|warn",
            says=("404", "new session"),
            fix=("session",),
            never=("raise timeout", "sticky", "single instance"),
        ),
    ),
    "http-sse-open-after-response": (
        "lingering",
        "http",
        "lingering",
        None,
        Expect("mcp/lingering.call", "pass"),
    ),
    "cfg-vscode-http-falls-back-to-sse": (
        "legacysse",
        "vscode",
        "sse",
        None,
        Expect("mcp/legacysse@vscode.tools", "pass"),
    ),
    "cfg-claude-code-disabled-server": (
        "legacy",
        "claude",
        "disabled",
        None,
        Expect("mcp/legacy@mcp.json.start", "skip", says=("disabledMcpjsonServers",)),
    ),
    "tools-input-schema-invalid": (
        "badschema",
        "stdio",
        "badschema",
        "tools/list",
        Expect(
            "mcp/badschema.tools",
            "fail|warn",
            says=("lookup", "required"),
            fix=("lookup", "array"),
            never=("raise timeout", "required must be a JSON Schema object"),
        ),
    ),
    "call-structured-content-without-schema": (
        "structured",
        "stdio",
        "structured",
        None,
        Expect("mcp/structured.call", "pass"),
    ),
    "rpc-result-and-error": (
        "both",
        "stdio",
        "both",
        "tools/list",
        Expect(
            "mcp/both.tools",
            "fail",
            says=("both", "result"),
            fix=("result",),
            never=("raise timeout", "not an MCP"),
        ),
    ),
}

#: the neighbours: the client accepts them, envcheck must not fail or warn about them
NEIGHBOURS = (
    "http-sse-open-after-response",
    "cfg-vscode-http-falls-back-to-sse",
    "cfg-claude-code-disabled-server",
    "call-structured-content-without-schema",
)

#: the cases that are rows of docs/verdicts/mcp.md (section 17)
ROWS = tuple(sorted(CASES))


def _stdio_table(name: str, mode: str, script: Path) -> str:
    lines = [f"[tool.envcheck.mcp.servers.{name}]"]
    lines += [f"command = {json.dumps(sys.executable)}"]
    lines += [f"args = {json.dumps(['-S', str(script), mode])}"]
    lines.append('call = { tool = "echo", arguments = {} }')
    return "\n".join(lines) + "\n"


def _http_table(name: str, url: str) -> str:
    lines = [f"[tool.envcheck.mcp.servers.{name}]", f'url = "{url}"', 'transport = "http"']
    if name != "wellknown":
        lines.append(f'headers = {{ Authorization = "Bearer {TOKEN}" }}')
    lines.append('call = { tool = "echo", arguments = {} }')
    return "\n".join(lines) + "\n"


def _sse_works(url: str) -> bool:
    """The SDK's SSE client lists the tools of the SSE server at ``url``."""
    import anyio
    from mcp import Client
    from mcp.client.sse import sse_client

    async def walk() -> bool:
        with anyio.fail_after(20):
            async with Client(sse_client(url)) as client:
                listed = await client.session.list_tools()
                return [t.name for t in listed.tools] == ["echo"]

    return anyio.run(walk)


def _post_status(url: str) -> int:
    """The status of an MCP POST (``initialize``) to ``url``: what VS Code's first request gets."""
    import httpx2

    message = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
    headers = {"accept": "application/json, text/event-stream"}
    with httpx2.Client(timeout=5.0) as http:
        return int(http.post(url, json=message, headers=headers).status_code)


@pytest.fixture(scope="module")
def round10(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The ten servers proven (the SDK's client, its OAuth and SSE clients, the metaschema,
    PATH), then checked in one envcheck run: the proofs per case, the checks, the processes
    left."""
    import jsonschema
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout10")
    (root / "scripts").mkdir()
    script = root / "scripts" / "heldout10_server.py"
    script.write_text(SERVER)
    before = processes_of(root)
    sse_port = free_port()
    sse = subprocess.Popen(
        [sys.executable, SDK_SERVER, str(sse_port), "--transport", "sse"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        cwd=root,
    )
    try:
        with pytest.MonkeyPatch.context() as mp, serving(Handler) as port:
            mp.setenv("HOME", str(root / "home"))
            mp.delenv("XDG_CONFIG_HOME", raising=False)
            base = f"http://127.0.0.1:{port}"
            mcp_cases = [n for n, c in CASES.items() if c[1] in ("stdio", "http")]
            targets: list[Any] = []
            for name in mcp_cases:
                _, transport, mode, _, _ = CASES[name]
                if transport == "stdio":
                    targets.append(
                        StdioServerParameters(
                            command=sys.executable, args=["-S", str(script), mode]
                        )
                    )
                else:
                    targets.append(f"{base}/{mode}/mcp")
            sdk: dict[str, Any] = dict(zip(mcp_cases, judge(targets)))
            Handler.SEEN.clear()
            found, _ = oauth_outcome(f"{base}/wellknown/mcp")
            # how far it got: the metadata read at the path-aware URL, a client registered (the
            # sign-in itself needs a person: the SDK stops there, wanting a callback handler)
            signed_in = {
                ("GET", "/.well-known/oauth-protected-resource/wellknown/mcp"),
                ("POST", "/tenant-login/register"),
            } <= {(method, path) for method, path, _ in Handler.SEEN}
            refused, noreg_signed_in = oauth_outcome(f"{base}/noreg/mcp")
            wait_port(sse_port, timeout=30.0)
            sse_url = f"http://127.0.0.1:{sse_port}/sse"
            try:
                jsonschema.Draft202012Validator.check_schema(BAD_SCHEMA)
                schema_refused = False
            except jsonschema.SchemaError:
                schema_refused = True
            proofs = {
                # the SDK's OAuth client finds the metadata at the path-aware well-known URL
                # (the challenge names none) and gets as far as the sign-in
                "auth-prm-well-known-path": signed_in,
                # it finds no registration endpoint, falls back to /register, 404: no sign-in
                "auth-as-no-registration": refused.startswith("OAuthRegistrationError")
                and not noreg_signed_in,
                # VS Code's first POST gets a 4xx, then it speaks SSE, which the server serves
                "cfg-vscode-http-falls-back-to-sse": 400 <= _post_status(sse_url) < 500
                and _sse_works(sse_url),
                # the program is nowhere: only the setting keeps the file's server from failing
                "cfg-claude-code-disabled-server": shutil.which("heldout10-notes-mcp") is None,
                # the 2020-12 metaschema refuses the tool's inputSchema
                "tools-input-schema-invalid": schema_refused,
            }
            claude = {
                "legacy": {"command": "heldout10-notes-mcp", "args": ["--db", "notes.db"]},
                "noreg": {"type": "http", "url": f"{base}/noreg/mcp"},
            }
            (root / ".mcp.json").write_text(json.dumps({"mcpServers": claude}, indent=2))
            (root / ".claude").mkdir()
            settings = {"disabledMcpjsonServers": ["legacy"]}
            (root / ".claude" / "settings.local.json").write_text(json.dumps(settings, indent=2))
            vscode = {"servers": {"legacysse": {"type": "http", "url": sse_url}}}
            (root / ".vscode").mkdir()
            (root / ".vscode" / "mcp.json").write_text(json.dumps(vscode, indent=2))
            config = "[tool.envcheck.mcp]\ntimeout = 5.0\n"
            for name, transport, mode, _, _ in CASES.values():
                if transport == "stdio":
                    config += _stdio_table(name, mode, script)
                elif transport in ("http", "oauth"):
                    config += _http_table(name, f"{base}/{mode}/mcp")
            checks = run_in_process(root, config, SECRET)
            seen = list(Handler.SEEN)
    finally:
        sse.terminate()
        try:
            sse.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
            sse.kill()
            sse.wait(10)
    yield {
        "base": base,
        "sdk": sdk,
        "oauth": (found, refused),
        "proofs": proofs,
        "checks": checks,
        "root": root,
        "seen": seen,
        "left": processes_of(root) - before,
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_heldout(round10: dict[str, Any], name: str) -> None:
    expect = CASES[name][4]
    mine = proven_case_checks(round10, name, CASES[name])
    assert round10["proofs"].get(name, True), round10["proofs"]
    row = name if name in ROWS else None
    judge_server(expect, mine, healthy=name in NEIGHBOURS, row=row)


def test_no_process_outlives_the_run(round10: dict[str, Any]) -> None:
    """No server process outlives the run (the stdio servers, the SDK's SSE server)."""
    assert not round10["left"], f"processes outlived the run: {sorted(round10['left'])}"
