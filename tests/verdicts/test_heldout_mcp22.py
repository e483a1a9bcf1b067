"""The twenty-second held-out round of MCP breakages (issue 23), after twenty-one rounds and the
four sweeps: three breakages that no row of docs/verdicts/mcp.md, no earlier round and no sweep
pair lists, and two neighbours, each a real server of this file (a stdio server speaking
newline-delimited JSON-RPC, a streamable HTTP server in this process), proven with the SDK's
client.

Grepped first (docs/verdicts/mcp.md, tests/verdicts/test_mcp*.py and their code,
protocol_faults.py, child_server.py, every tests/verdicts/test_heldout_mcp*.py,
tests/verdicts/mcp_world.py, http_lab.py) and dropped as covered, by construct: of the brief's
list, a ``nextCursor`` that repeats (rpc-cursor-loop, rpc-cursor-changes-repeats), a cursor the
server then refuses with -32602 (rpc-cursor-32602; the wire sweep's (g) on ``resources/list``
and ``prompts/list``), -32601 to a listing of an advertised capability (rpc-32601; the codes
sweep on every listing), ``structuredContent`` missing beside an ``outputSchema``
(call-structured-content-missing), a 404 to the session's own ``Mcp-Session-Id``
(http-session-404, http-session-ends-after-one-request), a 400 to ``MCP-Protocol-Version``
(http-protocol-version-400, the wire sweep's (d)), ``sampling``/``roots``/``elicitation``
requests to a client that did not declare them (srv-request-undeclared-*, rounds 4, 7, 8, 20),
a ``notifications/message`` flood (srv-log-flood), ``ping`` answered with an error
(rpc-ping-32601, the codes sweep); besides, a request id answered as a string (the wire sweep's
(a)) and an error answering a notification (rpc-error-to-notification). Nowhere: a request from
the server whose ``id`` is ``null`` (grepped ``"id": None`` and ``null``: every hit an *error*
with a null id, none a request), a notification that carries an ``id`` (grepped ``MUST NOT
include an ID``, ``notification`` with ``id``: none), an ``application/json`` answer holding more
than one message (grepped ``ndjson``, ``two messages``, ``one message per``: only stdio's
batches).

How the set was made (2026-12-07), from the MCP specification (2025-06-18 and 2025-03-26,
*Basic › Messages*: "Requests MUST include a string or integer ID. Unlike base JSON-RPC, the ID
MUST NOT be null"; "Notifications MUST NOT include an ID"; *Transports › Streamable HTTP ›
Sending Messages to the Server*: to a POST carrying a request "the server MUST either return
Content-Type: text/event-stream, to initiate an SSE stream, or Content-Type: application/json,
to return one JSON object") and the SDK's client on every server:

- srv-request-id-null: before answering ``tools/list`` the server sends ``ping`` with ``"id":
  null`` and waits 2 s for the answer, then answers ``tools/list`` -32603: the SDK's client
  cannot answer a request without an id (it drops the line), so ``tools/list`` fails;
- srv-notification-with-id: every ``notifications/message`` the server sends (before the
  ``initialize`` result and before the ``tools/list`` answer) carries an ``id`` (its counter):
  JSON-RPC reads a message with an id as a request, so the SDK's client answers each with
  -32601 (kept by the server: ``test_the_client_answered_the_logs``) and its log messages never
  reach a client as logs; everything else works. Not a failure for the client, a fault of the
  server's messages envcheck should name as a warning;
- http-json-two-messages: ``tools/list`` is answered ``200 application/json`` whose body holds
  two JSON-RPC messages, one per line (a ``notifications/message``, then the response: a stdio
  server's lines passed on by a bridge): the SDK's client cannot read the body as one message
  and fails ``tools/list``;
- neighbours: the ``ping`` with ``"id": 0`` (srv-request-id-zero, a pass: 0 is an integer id,
  the client answers it, a test of an id's truth instead of its presence would not); every HTTP
  answer ``application/json`` of one message followed by a newline
  (http-json-trailing-newline, a pass: JSON's whitespace).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks). All five are checked in one envcheck run, in
process.

First run (envcheck at 8d1490a, the commit that added this file, before any change; graded by
the rules above, 2026-12-07): 5 cases, 2 fully right (the neighbours srv-request-id-zero and
http-json-trailing-newline: every check passes; only their rows were still missing), 3 wrong
(of 3 breakages). No process outlived the run; the SDK's client answered the two log messages
with an id with -32601, the ping with id 0 with a result, the one with a null id not at all.

- srv-request-id-null, wrong: "MCP error -32603: Internal error", the honest fallback whose fix
  is "run ... by hand to see why"; the ``ping`` with ``"id": null`` never named;
- srv-notification-with-id, wrong (a false pass): every check passes, the log messages sent as
  requests never mentioned;
- http-json-two-messages, wrong: "the answer to tools/list is not a JSON-RPC message ... it is
  not an MCP endpoint, or something in front of it answers instead", fix "check that ... is an
  MCP server's endpoint": the endpoint had answered ``initialize`` and ``ping``, and the body
  is two JSON-RPC messages.

After (verdicts from structure: the raw line's ``id`` member and ``method``, the ids of
envcheck's requests then waiting, the messages' ``method`` namespace and the client's error
codes, the JSON texts an answer's body holds; none from a message's words): 5 of 5 fully right,
each a row of docs/verdicts/mcp.md (section 29, ``ROWS``) asserted on the run.

- The stdio transport notes a request written with ``"id": null`` (a method outside the
  ``notifications/`` namespace; the SDK's model reads it as a notification and drops it) with
  the ids of envcheck's requests then waiting (``_stdio.null_id_request``,
  ``ChildState.null_requests``); a request of those that fails (a JSON-RPC error, or no answer)
  names it, with the fix "its requests must carry a string or integer id (never null)"
  (``diagnose._null_id_request``).
- A stdio server's passing ``initialize``, settled once the later requests were answered, warns
  when the server sent messages of the ``notifications/`` namespace with an id, which the client
  answered as requests (``Probe._notified_with_id``, from the wire's requests of the server and
  the codes envcheck answered them with).
- A 2xx ``application/json`` answer whose body is several JSON texts, each a JSON-RPC message,
  is kept by the request's method (``probe._messages_in``, ``Attempt.messages_in_json``) and
  named, before "not a JSON-RPC message" (``diagnose._messages_in_json``).
- The neighbours needed no change.

The fixes, carried out as printed (``test_the_printed_fixes_work``): the server's source
changed as its authors would (the ping given the id ``"srv-ping-1"``, the log messages sent
without an id) and the answer to ``tools/list`` sent as two SSE events (mode ``events``);
envcheck run again over the three: every check passes.

Cost (measured after the fixes, ``-n 0``, pytest's start included): 4.7 CPU-s, 13 s of wall
time (the null-id server's 2 s wait, for the SDK's client and envcheck, and two envcheck runs).
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import QuietHandler, serving
from tests.verdicts.mcp_world import (
    jsonrpc_reply,
    neighbour_servers,
    processes_of,
    round_tests,
    run_in_process,
    servers_toml,
    write_script,
)
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_mcp_wire_sweep import judge

#: nothing of this round is a secret; the report must not hold this either
SECRET = "Heldout22-never-shown-5522"

#: the round's stdio server; MODE (argv[1]) bends one thing, ANSWERS (argv[2]) is the file where
#: it keeps every response the client sends it (one JSON line each)
SERVER = textwrap.dedent("""
    import json, select, sys

    MODE, ANSWERS = sys.argv[1], sys.argv[2]
    #: the id of the ping the server sends before it answers tools/list, per mode
    PING_ID = {"ping-null-id": None, "ping-id-zero": 0}
    logs = 0


    def send(message):
        sys.stdout.write(json.dumps(message) + "\\n")
        sys.stdout.flush()


    def keep(message):
        with open(ANSWERS, "a") as answers:
            answers.write(json.dumps(message) + "\\n")


    def log(data):
        global logs
        logs += 1
        message = {"jsonrpc": "2.0", "method": "notifications/message"}
        if MODE == "log-with-id":
            message["id"] = logs
        message["params"] = {"level": "info", "logger": "heldout22", "data": data}
        send(message)


    def answer_to(ident, seconds):
        # the client's response to the server's request ``ident``; None after ``seconds``
        while select.select([sys.stdin], [], [], seconds)[0]:
            line = sys.stdin.readline()
            if not line:
                return None
            message = json.loads(line)
            if "method" not in message:
                keep(message)
                if message.get("id", "no id") == ident:
                    return message
        return None


    for line in sys.stdin:
        message = json.loads(line)
        if "method" not in message:
            keep(message)
            continue
        if "id" not in message:
            continue
        ident, method = message["id"], message["method"]
        params = message.get("params") or {}
        reply = {"jsonrpc": "2.0", "id": ident}
        if method == "initialize":
            log("starting up")
            reply["result"] = {
                "protocolVersion": params.get("protocolVersion"),
                "capabilities": {"tools": {}, "logging": {}},
                "serverInfo": {"name": "heldout22", "version": "1.0"},
            }
        elif method == "tools/list":
            log("listing tools")
            pong = {"result": {}}
            if MODE in PING_ID:
                send({"jsonrpc": "2.0", "id": PING_ID[MODE], "method": "ping"})
                pong = answer_to(PING_ID[MODE], 2.0) or {}
            if "result" in pong:
                reply["result"] = {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}
            else:
                reply["error"] = {"code": -32603, "message": "Internal error"}
        elif method == "ping":
            reply["result"] = {}
        elif method == "tools/call":
            reply["result"] = {"content": [{"type": "text", "text": "ok"}]}
        else:
            reply["error"] = {"code": -32601, "message": "Method not found"}
        send(reply)
    """)

#: the log line the HTTP server sends before its answer to tools/list (modes "lines", "events")
LOG = {
    "jsonrpc": "2.0",
    "method": "notifications/message",
    "params": {"level": "info", "logger": "heldout22", "data": "listing tools"},
}


class Handler(QuietHandler):
    """A streamable HTTP MCP server at ``/<mode>/mcp``: every request answered ``200
    application/json`` (one message); in mode ``lines`` the answer to ``tools/list`` holds
    :data:`LOG` and the response, one per line; in ``events`` (the fix) the same two messages as
    two SSE events; in ``newline`` every answer ends with a newline."""

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.respond(405, headers={"allow": "POST, DELETE"})

    def do_DELETE(self) -> None:  # noqa: N802
        self.respond(200)

    def do_POST(self) -> None:  # noqa: N802
        mode = self.path.strip("/").split("/")[0]
        message = json.loads(self.body())
        if "id" not in message or "method" not in message:
            self.respond(202)
            return
        reply = json.dumps(jsonrpc_reply(message))
        body, kind = reply, "application/json"
        if mode == "newline":
            body = reply + "\n"
        elif message["method"] == "tools/list" and mode == "lines":
            body = json.dumps(LOG) + "\n" + reply + "\n"
        elif message["method"] == "tools/list" and mode == "events":
            body = "".join(f"event: message\ndata: {m}\n\n" for m in (json.dumps(LOG), reply))
            kind = "text/event-stream"
        self.respond(200, body.encode(), {"content-type": kind})


#: case name -> (server name, "stdio" or "http", its mode, the request the SDK's client fails on
#: or None, the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "srv-request-id-null": (
        "nullping",
        "stdio",
        "ping-null-id",
        "tools/list",
        Expect(
            "mcp/nullping.tools",
            "fail",
            says=("tools/list", "ping", '"id": null'),
            fix=("string or integer id",),
            never=("by hand", "raise timeout"),
        ),
    ),
    "srv-notification-with-id": (
        "logid",
        "stdio",
        "log-with-id",
        None,
        Expect(
            "mcp/logid.initialize|mcp/logid.tools",
            "warn",
            says=("notifications/message", "with an id"),
            fix=("without an id",),
            never=("by hand", "timeout"),
        ),
    ),
    "http-json-two-messages": (
        "twolines",
        "http",
        "lines",
        "tools/list",
        Expect(
            "mcp/twolines.tools",
            "fail",
            says=("tools/list", "application/json", "2 JSON-RPC messages"),
            fix=("text/event-stream",),
            never=("not an MCP endpoint", "by hand", "fix url"),
        ),
    ),
    "srv-request-id-zero": (
        "zeroping",
        "stdio",
        "ping-id-zero",
        None,
        Expect("mcp/zeroping.tools", "pass"),
    ),
    "http-json-trailing-newline": (
        "newline",
        "http",
        "newline",
        None,
        Expect("mcp/newline.tools", "pass"),
    ),
}

#: the neighbours: their clients work with them, envcheck must not fail or warn about them
NEIGHBOURS = ("srv-request-id-zero", "http-json-trailing-newline")

#: the cases that are rows of docs/verdicts/mcp.md (section 29)
ROWS = tuple(sorted(CASES))


def _servers(script: str, root: Path, port: int, names: list[str]) -> dict[str, dict[str, Any]]:
    """The pyproject.toml entries of the cases ``names``: a stdio server runs ``script`` in the
    case's mode, keeping the client's answers under ``root``; an HTTP one is the path of its
    mode on ``port``."""
    servers: dict[str, dict[str, Any]] = {}
    for name in names:
        server, where, mode = CASES[name][:3]
        if where == "stdio":
            answers = str(root / f"{server}.answers")
            servers[server] = {"command": sys.executable, "args": ["-S", script, mode, answers]}
        else:
            servers[server] = {"url": f"http://127.0.0.1:{port}/{mode}/mcp", "transport": "http"}
    return servers


@pytest.fixture(scope="module")
def round22(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The servers proven (the SDK's client on each), then checked in one envcheck run: the
    proofs, the checks, the client's answers each stdio server kept, the processes left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout22")
    script = write_script(root / "servers" / "heldout22.py", SERVER)
    before = processes_of(root)
    with pytest.MonkeyPatch.context() as mp, serving(Handler, poll=0.1) as port:
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mp.chdir(root)
        names = sorted(CASES)
        targets = [
            (
                StdioServerParameters(
                    command=sys.executable,
                    args=["-S", script, CASES[n][2], str(root / f"sdk-{CASES[n][0]}.answers")],
                )
                if CASES[n][1] == "stdio"
                else f"http://127.0.0.1:{port}/{CASES[n][2]}/mcp"
            )
            for n in names
        ]
        sdk: dict[str, Any] = dict(zip(names, judge(targets)))
        servers = _servers(script, root, port, names)
        patient = neighbour_servers(CASES, NEIGHBOURS)
        checks = run_in_process(root, servers_toml(servers, patient), SECRET)
        left = processes_of(root) - before
    yield {"sdk": sdk, "proofs": {}, "checks": checks, "root": root, "left": left}


test_heldout, test_no_process_outlives_the_run = round_tests("round22", CASES, ROWS, NEIGHBOURS)


def test_the_client_answered_the_logs(round22: dict[str, Any]) -> None:
    """The breakage of srv-notification-with-id, as the SDK's client met it: each log message
    with an id was taken for a request and answered with an error (-32601); the ping with id 0
    was answered with a result, the one with a null id not at all."""
    root = round22["root"]

    def answers(server: str) -> list[dict[str, Any]]:
        path = root / f"sdk-{server}.answers"
        lines = path.read_text().splitlines() if path.exists() else []
        return [json.loads(line) for line in lines]

    logged = answers("logid")
    assert len(logged) == 2 and all(a["error"]["code"] == -32601 for a in logged), logged
    assert answers("zeroping") == [{"jsonrpc": "2.0", "id": 0, "result": {}}]
    assert answers("nullping") == []


def test_the_printed_fixes_work(round22: dict[str, Any]) -> None:
    """The printed fixes carried out as they say, by the servers' authors: the ping given a
    string id, the log messages sent without an id (in a copy of the server's source), the
    answer to ``tools/list`` sent as an SSE stream of two events (mode ``events``); envcheck run
    again over the three servers: every check passes."""
    by_id = {c["id"]: c for c in round22["checks"]}
    assert "string or integer id" in by_id["mcp/nullping.tools"]["hint"]
    logid = next(
        by_id[i]
        for i in ("mcp/logid.initialize", "mcp/logid.tools")
        if by_id[i]["status"] == "warn"
    )
    assert "without an id" in logid["hint"], logid
    assert "text/event-stream" in by_id["mcp/twolines.tools"]["hint"]
    root = round22["root"]
    fixed = SERVER.replace('"ping-null-id": None', '"ping-null-id": "srv-ping-1"')
    fixed = fixed.replace('    if MODE == "log-with-id":\n        message["id"] = logs\n', "")
    assert '"ping-null-id": None' not in fixed and 'message["id"] = logs' not in fixed, fixed
    script = write_script(root / "fixed" / "heldout22.py", fixed)
    with pytest.MonkeyPatch.context() as mp, serving(Handler, poll=0.1) as port:
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mp.chdir(root)
        broken = ["srv-request-id-null", "srv-notification-with-id", "http-json-two-messages"]
        servers = _servers(script, root / "fixed", port, broken)
        servers["twolines"]["url"] = f"http://127.0.0.1:{port}/events/mcp"
        after = run_in_process(root, servers_toml(servers), SECRET)
    failing = [f"{c['id']} {c['status']}" for c in after if c["status"] not in ("pass", "skip")]
    passed = {c["id"] for c in after if c["status"] == "pass"}
    wanted = {"mcp/nullping.tools", "mcp/logid.initialize", "mcp/logid.tools"}
    wanted |= {"mcp/twolines.tools"}
    assert not failing and wanted <= passed, (failing, sorted(passed))
