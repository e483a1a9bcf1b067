"""The twenty-third held-out round of MCP breakages (issue 23), after twenty-two rounds and the
four sweeps: three breakages that no row of docs/verdicts/mcp.md, no earlier round and no sweep
pair lists, and one neighbour, each a streamable HTTP server of this file (in this process,
:class:`tests.verdicts.mcp_world.StreamHandler`), proven with the SDK's client.

Grepped first (docs/verdicts/mcp.md, tests/verdicts/test_mcp*.py and their code,
protocol_faults.py, every tests/verdicts/test_heldout_mcp*.py, mcp_world.py, http_lab.py) and
dropped as covered, by construct: of the brief's list, ``result`` and ``error`` both present
(rpc-result-and-error, over stdio and HTTP JSON), a request id answered as a string (the wire
sweep's (a)), ``"jsonrpc": "1.0"`` over stdio (jsonrpc-not-2.0), an SSE event of another type
(http-sse-event-error; the wire sweep's (c)), an SSE stream that ends before the response
(http-sse-ends-without-answer), a UTF-8 BOM and CRLF over stdio (stdio-utf8-bom, stdio-crlf),
an ``envFile`` that does not exist (cfg-envfile-missing), Claude Desktop's url entries
(cfg-claude-desktop-url), the data of an event over several ``data:`` lines (the wire sweep's
(c)). Nowhere: the HTTP side of round 22's stdio verdicts (a request of the server's with ``"id":
null`` and a notification with an ``id`` inside the SSE stream answering a POST: round 20's
http-post-stream-* send ``roots/list``, ``elicitation/create`` and ``ping`` with string ids;
round 22's were stdio only, ``_stdio.null_id_request``), a JSON-RPC response over HTTP without
its ``jsonrpc`` member (grepped ``"jsonrpc"`` removed or changed in the sweeps' servers: only
the stdio ``jsonrpc-1.0`` mode of mcp_world.STDIO_SERVER).

How the set was made (2026-12-07), from the MCP specification (2025-06-18 and 2025-03-26,
*Basic › Messages*: "Requests MUST include a string or integer ID. Unlike base JSON-RPC, the ID
MUST NOT be null"; "Notifications MUST NOT include an ID"; every message, request, response or
notification, carries ``jsonrpc: "2.0"``; *Transports › Streamable HTTP*: the SSE stream
answering a POST "MAY send JSON-RPC requests and notifications before sending the JSON-RPC
response") and the SDK's client on every server:

- http-post-stream-request-id-null: ``tools/list`` is answered by an SSE stream whose first
  event is the server's ``ping`` with ``"id": null``; the server waits 2 s for the client's
  answer, then sends the response, -32603 as none came: no client can answer a request without
  an id (the SDK's client drops the event), so ``tools/list`` fails;
- http-post-stream-notification-with-id: every ``notifications/message`` the server sends
  (first in the SSE streams answering ``initialize`` and ``tools/list``) carries an ``id`` (its
  counter): by JSON-RPC a request, which the SDK's client answers (POSTs) with -32601 (kept:
  ``test_the_client_answered_the_logs``); everything else works. A warning, as over stdio;
- http-json-jsonrpc-missing: ``tools/list`` is answered ``200 application/json`` with the
  response (its ``id``, its ``result``) but no ``jsonrpc`` member (a hand-rolled server): the
  SDK's client cannot read it as a JSON-RPC message and fails ``tools/list``; the endpoint
  answered ``initialize`` as MCP, so "not an MCP endpoint" would be wrong;
- neighbour: the stream's ``ping`` with ``"id": 0`` (http-post-stream-request-id-zero, a pass:
  an integer id, which the client answers).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks). All four are checked in one envcheck run, in
process.

First run (envcheck at de0235e, the commit that added this file, before any change; graded by
the rules above, 2026-12-07): 4 cases, 1 fully right (the neighbour
http-post-stream-request-id-zero: every check passes; only its row was still missing), 1 partly
and 2 wrong (of 3 breakages). No process outlived the run; the SDK's client answered the two log
messages with an id with -32601, the ping with id 0 with a result, the one with a null id not
at all.

- http-post-stream-request-id-null, partly: ``tools`` fails, but as "MCP error -32603: Internal
  error", the honest fallback whose fix is "read the server's log ... to see why"; the ``ping``
  with ``"id": null`` on the stream never named (round 22's verdict read stdio's lines only);
- http-post-stream-notification-with-id, wrong (a false pass): every check passes, the log
  messages sent as requests never mentioned (round 22's warning settled only stdio handshakes);
- http-json-jsonrpc-missing, wrong: "the answer to tools/list is not a JSON-RPC message ... it is
  not an MCP endpoint, or something in front of it answers instead", fix "check that ... is an
  MCP server's endpoint": the endpoint had answered ``initialize`` and ``ping``, and the body is
  a response with the request's id.

After (verdicts from structure: the events of the SSE stream answering a POST, their ``id`` and
``method`` members and the id of the request that POST carried; the client's error codes to the
server's requests; the answer's members with ``jsonrpc`` set to "2.0" validated by the SDK's
message model; none from a message's words): 4 of 4 fully right, each a row of
docs/verdicts/mcp.md (section 30, ``ROWS``) asserted on the run.

- The HTTP transport notes a request of the server's written with ``"id": null`` inside the SSE
  stream answering a POST, with the id of the request that POST carried
  (``Attempt.null_requests``, from ``_stdio.null_id_method``, the test of a parsed value now
  shared with stdio's ``null_id_request``); ``diagnose._null_id_request`` reads both transports'
  notes, so the failing request names it with the same fix as over stdio.
- A passing handshake is held until the later requests were answered over every transport (it
  was stdio only, or HTTP with a refused ``initialized`` notification), so
  ``Probe._notified_with_id`` warns of notifications with an id inside an HTTP server's streams
  too (from the wire's requests of the server and the codes envcheck answered them with); a
  handshake so held is returned as it passed if the check's own wait ends first (``Probe._held``:
  a slow walk never turns a passing handshake into "no result").
- A 2xx answer (``application/json``, or an event of a POST's SSE stream) that is a JSON-RPC
  response but for its ``jsonrpc`` member (missing, or not "2.0") is kept by the request's
  method (``_stdio.jsonrpc_version``, ``Attempt.jsonrpc_versions``) and named before "not a
  JSON-RPC message" (``diagnose._jsonrpc_version``).
- The neighbour needed no change.

The fixes, carried out as printed (``test_the_printed_fixes_work``): the servers changed as
their authors would (the ping given the id ``"srv-ping-1"``, mode ``strping``; the log messages
sent without an id, ``log``; the answer with ``"jsonrpc": "2.0"``, ``jsonrpc``); envcheck run
again over the three: every check passes.

Cost (measured after the fixes, ``-n 0``, pytest's start included): 3.9 CPU-s, 8 s of wall
time (the null-id server's 2 s wait, for the SDK's client and envcheck, and two envcheck runs).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers import serving
from tests.verdicts.mcp_world import (
    StreamHandler,
    jsonrpc_reply,
    processes_of,
    round_tests,
    run_in_process,
    servers_toml,
)
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_mcp_wire_sweep import judge

#: nothing of this round is a secret; the report must not hold this either
SECRET = "Heldout23-never-shown-5523"

#: the id of the ping the server sends on the stream answering tools/list, per mode ("strping":
#: the fix of "nullping")
PING_ID: dict[str, Any] = {"nullping": None, "zeroping": 0, "strping": "srv-ping-1"}


class Handler(StreamHandler):
    """The round's server, by mode: ``nullping``, ``zeroping``, ``strping``: ``tools/list``
    answered by an SSE stream whose first event is a ``ping`` with the mode's id (the response:
    the tools if the client answered it within 2 s, else -32603); ``logid``: ``initialize`` and
    ``tools/list`` answered by an SSE stream, a ``notifications/message`` with an id first
    (``log``, the fix: without); ``nojsonrpc``: the JSON answer to ``tools/list`` without its
    ``jsonrpc`` member (``jsonrpc``, the fix: with it)."""

    logs = 0

    def serve(self, message: dict[str, Any]) -> None:
        mode, method, reply = self.mode, message["method"], jsonrpc_reply(message)
        if mode == "nojsonrpc" and method == "tools/list":
            del reply["jsonrpc"]
            self.json(reply)
        elif mode in PING_ID and method == "tools/list":
            self.open_stream()
            self.event({"jsonrpc": "2.0", "id": PING_ID[mode], "method": "ping"})
            pong = self.answer_to(PING_ID[mode], 2.0) or {}
            if "result" not in pong:
                del reply["result"]
                reply["error"] = {"code": -32603, "message": "Internal error"}
            self.event(reply)
        elif mode in ("logid", "log") and method in ("initialize", "tools/list"):
            self.open_stream()
            log: dict[str, Any] = {"jsonrpc": "2.0", "method": "notifications/message"}
            if mode == "logid":
                with self.lock:
                    Handler.logs += 1
                    log["id"] = Handler.logs
            log["params"] = {"level": "info", "logger": "heldout23", "data": method}
            self.event(log)
            self.event(reply)
        else:
            self.json(reply)


#: case name -> (server name, "http", its mode, the request the SDK's client fails on or None,
#: the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "http-post-stream-request-id-null": (
        "postnull",
        "http",
        "nullping",
        "tools/list",
        Expect(
            "mcp/postnull.tools",
            "fail",
            says=("tools/list", "ping", '"id": null'),
            fix=("string or integer id",),
            never=("by hand", "raise timeout"),
        ),
    ),
    "http-post-stream-notification-with-id": (
        "postlogid",
        "http",
        "logid",
        None,
        Expect(
            "mcp/postlogid.initialize|mcp/postlogid.tools",
            "warn",
            says=("notifications/message", "with an id"),
            fix=("without an id",),
            never=("by hand", "timeout"),
        ),
    ),
    "http-json-jsonrpc-missing": (
        "nojsonrpc",
        "http",
        "nojsonrpc",
        "tools/list",
        Expect(
            "mcp/nojsonrpc.tools",
            "fail",
            says=("tools/list", '"jsonrpc"'),
            fix=('"jsonrpc": "2.0"',),
            never=("not an MCP endpoint", "by hand", "fix url"),
        ),
    ),
    "http-post-stream-request-id-zero": (
        "postzero",
        "http",
        "zeroping",
        None,
        Expect("mcp/postzero.tools", "pass"),
    ),
}

#: the neighbours: their clients work with them, envcheck must not fail or warn about them
NEIGHBOURS = ("http-post-stream-request-id-zero",)

#: the cases that are rows of docs/verdicts/mcp.md (section 30)
ROWS = tuple(sorted(CASES))


def _servers(port: int, names: list[str], modes: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The pyproject.toml entries of the cases ``names``: the path of each one's mode on
    ``port`` (``modes``: a case's mode replaced, by case)."""
    return {
        CASES[name][0]: {
            "url": f"http://127.0.0.1:{port}/{modes.get(name, CASES[name][2])}/mcp",
            "transport": "http",
        }
        for name in names
    }


@pytest.fixture(scope="module")
def round23(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The servers proven (the SDK's client on each), then checked in one envcheck run: the
    proofs, the checks, the responses the SDK's client POSTed, the processes left."""
    root = tmp_path_factory.mktemp("heldout23")
    before = processes_of(root)
    with pytest.MonkeyPatch.context() as mp, serving(Handler, poll=0.1) as port:
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mp.chdir(root)
        names = sorted(CASES)
        targets = [f"http://127.0.0.1:{port}/{CASES[n][2]}/mcp" for n in names]
        sdk: dict[str, Any] = dict(zip(names, judge(targets)))
        with Handler.lock:
            answered = list(Handler.answers)
            Handler.answers.clear()
        checks = run_in_process(root, servers_toml(_servers(port, names, {})), SECRET)
        left = processes_of(root) - before
    yield {
        "sdk": sdk,
        "proofs": {},
        "checks": checks,
        "root": root,
        "left": left,
        "answered": answered,
    }


test_heldout, test_no_process_outlives_the_run = round_tests("round23", CASES, ROWS, NEIGHBOURS)


def test_the_client_answered_the_logs(round23: dict[str, Any]) -> None:
    """The breakage of http-post-stream-notification-with-id, as the SDK's client met it: each
    log message with an id was taken for a request and answered with an error (-32601); the
    ping with id 0 was answered with a result, the one with a null id not at all."""

    def answers(mode: str) -> list[dict[str, Any]]:
        return [a for m, a in round23["answered"] if m == mode]

    logged = answers("logid")
    assert len(logged) == 2 and all(a["error"]["code"] == -32601 for a in logged), logged
    assert answers("nullping") == []


def test_the_printed_fixes_work(round23: dict[str, Any]) -> None:
    """The printed fixes carried out as they say, by the servers' authors: the stream's ping
    given a string id (mode ``strping``), the log messages sent without an id (``log``), the
    answer to ``tools/list`` with ``"jsonrpc": "2.0"`` (``jsonrpc``); envcheck run again over
    the three servers: every check passes."""
    by_id = {c["id"]: c for c in round23["checks"]}
    assert "string or integer id" in by_id["mcp/postnull.tools"]["hint"]
    logid = next(
        by_id[i]
        for i in ("mcp/postlogid.initialize", "mcp/postlogid.tools")
        if by_id[i]["status"] == "warn"
    )
    assert "without an id" in logid["hint"], logid
    assert '"jsonrpc": "2.0"' in by_id["mcp/nojsonrpc.tools"]["hint"]
    root = round23["root"] / "fixed"
    root.mkdir()
    fixed = {
        "http-post-stream-request-id-null": "strping",
        "http-post-stream-notification-with-id": "log",
        "http-json-jsonrpc-missing": "jsonrpc",
    }
    with pytest.MonkeyPatch.context() as mp, serving(Handler, poll=0.1) as port:
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mp.chdir(root)
        servers = _servers(port, sorted(fixed), fixed)
        after = run_in_process(root, servers_toml(servers), SECRET)
    failing = [f"{c['id']} {c['status']}" for c in after if c["status"] not in ("pass", "skip")]
    passed = {c["id"] for c in after if c["status"] == "pass"}
    wanted = {"mcp/postnull.tools", "mcp/postlogid.initialize", "mcp/postlogid.tools"}
    wanted |= {"mcp/nojsonrpc.tools"}
    assert not failing and wanted <= passed, (failing, sorted(passed))
