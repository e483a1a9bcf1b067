"""The eleventh held-out round of MCP breakages, after ten rounds and the four sweeps (the
codes-and-statuses sweep, the wire sweep, the client-config sweep, the HTTP sweep): six
breakages that no row of docs/verdicts/mcp.md, no earlier round and no sweep pair lists, and five
healthy neighbours, each made for real (a stdio server of this file, one mode each, proven with
the official ``mcp`` SDK's client, the wire sweep's judge).

Left out as covered (grepped first in tests/verdicts/*mcp*.py, docs/verdicts/mcp.md and
docs/verdicts/README.md): log lines on stdout before or after ``initialize``
(proc-stdout-noise, stdio-json-log-lines), ``capabilities.tools`` missing beside a working
``tools/list`` (init-tools-not-advertised) or of a wrong type (the wire sweep's (f)), an older
``protocolVersion`` (life-older-version, the wire sweep's (e)), a tool name's characters and
length (tools-name-invalid-chars, tools-name-too-long), duplicate names (tools-name-duplicate),
a ``nextCursor`` loop (rpc-cursor-loop, the wire sweep's (g)), a ``ping`` from the server
(srv-ping-before-answer, srv-ping-before-initialize-result), requests for capabilities the client
did not declare (srv-request-undeclared-*), a stdio server that exits after the handshake
(proc-exit-after-handshake), ``${VAR:-default}`` (cfg-var-default-*), ``envFile``
(cfg-envfile*), ``cmd /c npx`` (cfg-windows-cmd, cfg-command-npx-cmd), ``npx -y`` offline
(npx-offline-not-cached). Grepped for what is left: ``notifications/cancelled`` sent by a
server (round 8 and 9 name it only as the client's), a result that is not an object
(``not an object`` is said only of ``capabilities``), a message without its newline (the wire
sweep writes a line in two pieces, both ended), a Python ``repr`` on stdout, a tool result
without ``content`` (``"content": []`` nowhere), an unresolved ``$ref`` in an ``inputSchema``
(round 8's call-output-schema-refs is the output schema's, resolved), ``draft-07`` /
``definitions``, a vendor notification, a flood of ``notifications/message``, a server request
whose id equals the client's pending one: none is a row or a pair.

How the set was made (2026-12-07), from the MCP specification (2025-06-18, 2025-11-25:
*Transports › stdio*, *Utilities › Cancellation*, *Server › Tools*, *Utilities › Logging*,
schema.ts), JSON-RPC 2.0 and JSON Schema:

- *Utilities › Cancellation*: either side MAY cancel a request IT sent ("the notification
  indicates that the request is cancelled and the sender is no longer interested"); here the
  server sends ``notifications/cancelled`` naming the client's ``tools/list`` (reason
  "index rebuilding") and never answers it: the client waits for nothing
  (srv-cancels-client-request; the SDK's client times out on ``tools/list``).
- JSON-RPC 2.0 / schema.ts: ``result`` of ``tools/list`` is a ``ListToolsResult`` object; here a
  bare array of the tools (rpc-result-not-object; the SDK's client rejects it).
- *Transports › stdio*: "Messages are delimited by newlines"; a server that writes each message
  without the newline (``sys.stdout.write(json.dumps(m))``) leaves the client a line that never
  ends (stdio-no-trailing-newline; the SDK's client times out on ``initialize``).
- *Transports › stdio*: messages are JSON-RPC, UTF-8 JSON; a Python server that writes
  ``print(message)`` (the dict's ``repr``: single quotes, ``None``, ``True``) writes no JSON at
  all, though every message is there (stdio-python-repr; the SDK's client fails ``initialize``).
- schema.ts (2025-06-18 and later): ``CallToolResult.content`` is required; here ``tools/call``
  answers ``{}`` (call-content-missing; the SDK's client rejects the result).
- *Server › Tools*: ``inputSchema`` is a JSON Schema; a ``$ref`` to ``#/$defs/Query`` that the
  schema does not define cannot be resolved (jsonschema raises on validating any argument, the
  LLM APIs the clients hand tools to refuse the schema): tools-input-schema-ref-unresolved (the
  SDK's client does not look inside schemas: it lists the tool; proven by jsonschema).
- Neighbours (legal, must pass; the SDK's client works with each): 2000
  ``notifications/message`` before the answer to ``tools/list`` (srv-log-flood); a vendor
  notification ``notifications/acme/heartbeat`` before each answer (srv-notification-unknown:
  receivers ignore notifications they do not know); an ``inputSchema`` with ``"$schema"`` naming
  draft-07, ``definitions`` and a ``$ref`` into them (tools-input-schema-draft-07: 2025-11-25
  lets a schema name its dialect); a server ``ping`` whose id equals the id of the client's
  pending ``tools/list`` (srv-request-id-collides: JSON-RPC ids are the sender's own), answered
  before the listing; ``tools/call`` answering ``"content": []`` (call-content-empty).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks). All eleven are checked in one envcheck run, in
process.

First run (envcheck at a9cd3ba, the commit that added this file, before any change; graded by
the rules above, 2026-12-07): 11 cases, 5 fully right (the five neighbours: nothing failed or
warned), 1 partly, 5 wrong; of the six breakages, none fully right. No process outlived the run.
Cost: 4.2 CPU-s (``-p no:xdist``), 31 s of wall time (the SDK's client and envcheck each wait out
the four that never answer).

- srv-cancels-client-request, wrong: "no answer to tools within 5 s ... it may wait for input it
  never gets, or speak another protocol", fix "run ... by hand ..., or raise timeout": the
  server's ``notifications/cancelled`` for that very request not seen; raising the timeout does
  not help;
- rpc-result-not-object, wrong: the same timeout verdict for an answer that came at once (its
  ``result`` an array, dropped unread);
- stdio-no-trailing-newline, wrong: the same timeout verdict on ``initialize``; the whole answer
  sat on stdout without its newline;
- stdio-python-repr, wrong cause: "printed non-protocol output on stdout" with the answer quoted,
  fix "make the server log to stderr": the line IS the answer, written as Python's ``repr``;
- call-content-missing, partly: "the answer to tools/call does not match the MCP schema:
  content: Field required", fix "upgrade the server, or report the invalid answer to its
  authors" (what and why right; the fix does not say what the answer lacks);
- tools-input-schema-ref-unresolved, wrong: a false pass, "1 tools, input schemas valid".

After (verdicts from structure: the notification's method and ``requestId`` against envcheck's
outstanding ids, the line's JSON or Python-literal parse, the bytes after stdout's last newline,
the pydantic error's type and location, the schema's JSON pointers; none from a message's words):
11 of 11 fully right, each a row of docs/verdicts/mcp.md (section 18, ``ROWS``) asserted on the
run.

- A ``notifications/cancelled`` from a stdio server naming one of envcheck's outstanding requests
  is kept; the request's timeout then says so, with the server's reason.
- A stdio line in a shape no client takes (the result that is not an object, a batch, a BOM,
  pretty-printed JSON...) was read only when the handshake failed; a later request's timeout now
  names it, and the request.
- The bytes after stdout's last newline are kept: a whole JSON-RPC message there, at a timeout,
  is a message written without its newline.
- A line that is no JSON but a Python literal dict holding ``jsonrpc`` is the server's ``repr``
  of its messages, not log output.
- A tool's ``inputSchema`` whose local ``$ref`` (``#``, ``#/...``) names nothing fails the tools
  check, with the fix to define it under ``$defs``.
- An answer the SDK rejects for a missing member names the member in the fix (``must carry
  content``), and for a member of the wrong type what the schema wants.

No printed fix is an edit or a command a program runs (the server's authors'): none is executed
here.

Cost: one envcheck run of the eleven servers in process, the SDK's client over the eleven: about
4.2 CPU-s (``-p no:xdist``), 30 s of wall time (four servers never answer: each side waits out
its timeout).
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.verdicts.mcp_world import (
    PATIENT,
    neighbour_servers,
    processes_of,
    round_tests,
    run_in_process,
)
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_mcp_wire_sweep import judge

#: a string no check may show (there is no credential in this round)
SECRET = "Heldout11-never-shown-7731"

#: the inputSchema of tools-input-schema-ref-unresolved: "$defs" is missing
REF_SCHEMA = {
    "type": "object",
    "properties": {"q": {"$ref": "#/$defs/Query"}},
    "required": ["q"],
}

#: the inputSchema of tools-input-schema-draft-07 (legal)
DRAFT07_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "definitions": {"Word": {"type": "string", "minLength": 1}},
    "properties": {"word": {"$ref": "#/definitions/Word"}},
}

#: this round's stdio server: newline-delimited JSON-RPC, one tool ``echo``; MODE bends one thing
SERVER = textwrap.dedent("""
    import json, sys

    MODE = sys.argv[1]
    TOOL = {"name": "echo", "inputSchema": {"type": "object"}}
    if MODE == "badref":
        TOOL = {"name": "echo", "inputSchema": __REF__}
    if MODE == "draft07":
        TOOL = {"name": "echo", "inputSchema": __DRAFT07__}


    def send(message):
        if MODE == "nonewline":  # the newline that ends a message, forgotten
            sys.stdout.write(json.dumps(message))
        elif MODE == "repr":  # print(message): Python's repr, not JSON
            sys.stdout.write(repr(message) + "\\n")
        else:
            if MODE == "vendor":
                heartbeat = {"jsonrpc": "2.0", "method": "notifications/acme/heartbeat"}
                sys.stdout.write(json.dumps(heartbeat) + "\\n")
            sys.stdout.write(json.dumps(message) + "\\n")
        sys.stdout.flush()


    pending = None
    for line in sys.stdin:
        message = json.loads(line)
        if "method" not in message:  # the client's answer to our ping
            if pending is not None and message.get("id") == pending["id"]:
                send(pending)
                pending = None
            continue
        if "id" not in message:
            continue
        ident, method = message["id"], message["method"]
        params = message.get("params") or {}
        reply = {"jsonrpc": "2.0", "id": ident}
        if method == "initialize":
            reply["result"] = {
                "protocolVersion": params.get("protocolVersion"),
                "capabilities": {"tools": {}, "logging": {}},
                "serverInfo": {"name": "heldout11", "version": "1.0"},
            }
        elif method == "tools/list":
            reply["result"] = {"tools": [TOOL]}
            if MODE == "listarray":  # the tools themselves, not a ListToolsResult
                reply["result"] = [TOOL]
            if MODE == "cancels":  # cancels the CLIENT's request, answers nothing
                send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                      "params": {"requestId": ident, "reason": "index rebuilding"}})
                continue
            if MODE == "flood":
                for n in range(2000):
                    send({"jsonrpc": "2.0", "method": "notifications/message",
                          "params": {"level": "info", "logger": "index",
                                     "data": f"indexed document {n}"}})
            if MODE == "collide":  # a ping of the server's own, with the client's id
                pending = reply
                send({"jsonrpc": "2.0", "id": ident, "method": "ping"})
                continue
        elif method == "ping":
            reply["result"] = {}
        elif method == "tools/call":
            reply["result"] = {"content": [{"type": "text", "text": "ok"}]}
            if MODE == "nocontent":
                reply["result"] = {}
            if MODE == "emptycontent":
                reply["result"] = {"content": []}
        else:
            reply["error"] = {"code": -32601, "message": "Method not found"}
        send(reply)
    """).replace("__REF__", repr(REF_SCHEMA)).replace("__DRAFT07__", repr(DRAFT07_SCHEMA))

#: case name -> (server name, "stdio" (proven by the SDK's client) or "schema" (by jsonschema),
#: mode, the request the SDK's client fails on or None, the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "srv-cancels-client-request": (
        "cancels",
        "stdio",
        "cancels",
        "tools/list",
        Expect(
            "mcp/cancels.tools",
            "fail",
            says=("notifications/cancelled", "index rebuilding"),
            fix=("tools/list",),
            never=("raise timeout", "not an MCP"),
        ),
    ),
    "rpc-result-not-object": (
        "listarray",
        "stdio",
        "listarray",
        "tools/list",
        Expect(
            "mcp/listarray.tools",
            "fail",
            says=("result", "array"),
            fix=("object",),
            never=("raise timeout", "not an MCP"),
        ),
    ),
    "stdio-no-trailing-newline": (
        "nonewline",
        "stdio",
        "nonewline",
        "initialize",
        Expect(
            "mcp/nonewline.initialize",
            "fail",
            says=("newline",),
            fix=("newline",),
            never=("raise timeout", "log to stderr"),
        ),
    ),
    "stdio-python-repr": (
        "repr",
        "stdio",
        "repr",
        "initialize",
        Expect(
            "mcp/repr.initialize",
            "fail",
            says=("repr",),
            fix=("json.dumps",),
            never=("raise timeout", "log to stderr"),
        ),
    ),
    "call-content-missing": (
        "nocontent",
        "stdio",
        "nocontent",
        "tools/call",
        Expect(
            "mcp/nocontent.call",
            "fail",
            says=("content",),
            fix=("content",),
            never=("raise timeout", "check the arguments"),
        ),
    ),
    "tools-input-schema-ref-unresolved": (
        "badref",
        "schema",
        "badref",
        None,
        Expect(
            "mcp/badref.tools",
            "fail|warn",
            says=("echo", "#/$defs/Query"),
            fix=("$defs",),
            never=("raise timeout",),
        ),
    ),
    "srv-log-flood": ("flood", "stdio", "flood", None, Expect("mcp/flood.call", "pass")),
    "srv-notification-unknown": (
        "vendor",
        "stdio",
        "vendor",
        None,
        Expect("mcp/vendor.call", "pass"),
    ),
    "tools-input-schema-draft-07": (
        "draft07",
        "stdio",
        "draft07",
        None,
        Expect("mcp/draft07.call", "pass"),
    ),
    "srv-request-id-collides": (
        "collide",
        "stdio",
        "collide",
        None,
        Expect("mcp/collide.call", "pass"),
    ),
    "call-content-empty": (
        "emptycontent",
        "stdio",
        "emptycontent",
        None,
        Expect("mcp/emptycontent.call", "pass"),
    ),
}

#: the neighbours: the client accepts them, envcheck must not fail or warn about them
NEIGHBOURS = (
    "srv-log-flood",
    "srv-notification-unknown",
    "tools-input-schema-draft-07",
    "srv-request-id-collides",
    "call-content-empty",
)

#: the cases that are rows of docs/verdicts/mcp.md (section 18)
ROWS = tuple(sorted(CASES))


def _table(name: str, mode: str, script: Path) -> str:
    lines = [f"[tool.envcheck.mcp.servers.{name}]"]
    if name in neighbour_servers(CASES, NEIGHBOURS):  # healthy: a loaded machine must not fail it
        lines.append(f"timeout = {PATIENT}")
    lines += [f"command = {json.dumps(sys.executable)}"]
    lines += [f"args = {json.dumps(['-S', str(script), mode])}"]
    lines.append('call = { tool = "echo", arguments = {} }')
    return "\n".join(lines) + "\n"


def _ref_unresolved() -> bool:
    """jsonschema cannot validate any arguments against REF_SCHEMA: its $ref names nothing."""
    import jsonschema
    import referencing.exceptions

    try:
        jsonschema.Draft202012Validator(REF_SCHEMA).validate({"q": "x"})
    except referencing.exceptions.Unresolvable:
        return True
    return False


@pytest.fixture(scope="module")
def round11(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The eleven servers proven (the SDK's client; jsonschema for the unresolved $ref), then
    checked in one envcheck run: the proofs per case, the checks, the processes left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout11")
    (root / "scripts").mkdir()
    script = root / "scripts" / "heldout11_server.py"
    script.write_text(SERVER)
    before = processes_of(root)
    names = sorted(CASES)
    targets = [
        StdioServerParameters(command=sys.executable, args=["-S", str(script), CASES[n][2]])
        for n in names
    ]
    sdk: dict[str, Any] = dict(zip(names, judge(targets)))
    proofs = {
        # the SDK's client lists the tool (it does not resolve schemas); jsonschema cannot
        "tools-input-schema-ref-unresolved": sdk["tools-input-schema-ref-unresolved"] is None
        and _ref_unresolved(),
    }
    config = "[tool.envcheck.mcp]\ntimeout = 5.0\n"
    for server, _, mode, _, _ in CASES.values():
        config += _table(server, mode, script)
    checks = run_in_process(root, config, SECRET)
    yield {
        "sdk": sdk,
        "proofs": proofs,
        "checks": checks,
        "root": root,
        "left": processes_of(root) - before,
    }


test_heldout, test_no_process_outlives_the_run = round_tests("round11", CASES, ROWS, NEIGHBOURS)
