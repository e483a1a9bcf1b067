"""A structural audit of the MCP verdicts of the JSON-RPC and transport layers (issue 23): for a
decision point of src/envcheck/mcpkit/ (diagnose.py, probe.py, steps.py, _stdio.py), which two
server behaviours reach the same branch and are told the same cause or fix, though the structure
(which request was pending, whether an answer or an event came, stdout or stderr, an exit and its
status) tells them apart. Each case is a real server of this file (stdio: :data:`SERVER` in a
mode; streamable HTTP in this process: :class:`Handler`), proven with the SDK's client.

Grepped first (docs/verdicts/mcp.md's 32 sections, tests/verdicts/test_mcp*.py, every
test_heldout_mcp*.py, test_fallback_audit.py, test_stdio_wait_end.py) and skipped as listed:
a silent process (proc-silent: no answer to initialize), an exit after the handshake with a
traceback (proc-exit-after-handshake), non-protocol lines before valid answers
(proc-stdout-noise), a block-buffered stdout (stdio-stdout-block-buffered), a server that skips
ping and answers the rest (ping-never-answered), a POST stream held back by a proxy
(http-sse-buffered), a stream ended without its answer (http-sse-ends-without-answer), a
server's request on the stream before a silence (http-post-stream-undeclared-wait), a wait that
ends while the server writes (stdio-still-writing), a closed stdout (the fallback audit).

The predicted mis-tellings (the branch, and the other behaviour that reaches it):

- stdio-hang-after-handshake (``diagnose.no_answer``'s last branch): a server that answered
  ``initialize`` and never answers ``tools/list`` (its handler waits on something) is told, as
  a process that never answered at all, "it may wait for input it never gets, or speak another
  protocol", fixed by "run it by hand to see whether it speaks MCP": it answered the handshake
  in MCP, so the structure says it speaks it. Fully right: the answered handshake named, the
  timeout or its log as fix, never "another protocol" nor "whether it speaks MCP".
- stdio-answers-at-shutdown (``_held_back``, ``ChildState.late``): a server that answers the
  pending ``tools/list`` with an error as its stdin closes (a shutdown that fails what it still
  had: -32603 "server shutting down") has a late answer, like a server that holds stdout in a
  buffer, and is told so, fixed by ``PYTHONUNBUFFERED``: its ``initialize`` answer came on time
  (stdout is not held) and the late answer is an error, not the result. Fully right: no answer
  to tools/list, the shutdown error shown, never "buffer" nor PYTHONUNBUFFERED.
- stdio-fatal-on-stdout-exit (``stdio_failure``: ``child.garbage`` before ``returncode``): a
  server that prints its fatal error on stdout ("Error: NOTES_TOKEN is not set", console.log
  style) and exits 1 is told, as a server that logs on stdout and runs, "printed non-protocol
  output on stdout", fixed by "log to stderr", which leaves it exiting. Fully right: the exit
  status and the line it printed, the fix passing NOTES_TOKEN (set in this shell, not passed:
  only the SDK's default variables reach a stdio server), never only "log to stderr".
- stdio-error-then-exit (``step_failed``'s first branch: ``returncode`` before the answer): a
  server that answers ``tools/list`` with -32603 "index.db is locked by another process" and
  then exits 1 is told "exited with code 1 during tools ... it wrote nothing to stderr",
  fixed by "fix its arguments or environment": the server's own error, its account, unsaid.
  Fully right: -32603 and the server's message shown with the exit.
- stdio-stops-answering (``no_answer``'s ping branch): a server that answered ``initialize``
  and ``tools/list`` and then answers nothing (a worker stuck after the listing) is told, as the
  server that skips ping, "does not answer ping", fixed by asking its authors to answer ping: a
  request sent after ping would be unanswered too. Fully right: says it stopped answering (a
  later request unanswered too), never "does not answer ping".
- http-stream-event-then-silence (``no_answer``'s SSE branch): a streamable HTTP server that
  answers ``tools/list`` with an SSE stream, sends a ``notifications/message`` event on it and
  never the response is told "the stream is held back ... a proxy buffers the stream", fixed by
  turning off proxy buffering: an event came through, so nothing held the stream. Fully right:
  no answer to tools/list, the event that came named, never "proxy_buffering".
- http-sse-answers-then-post-hangs (``no_answer``'s SSE branch, read from any answer's type):
  added once the six were fixed, expectations committed before envcheck ran on it: a
  streamable HTTP server that answers each POST as an SSE stream (as the SDK's server does)
  and whose ``tools/list`` POST gets no answer at all, not even headers, is told "the stream is
  held back" by a proxy, because ``initialize``'s answer was ``text/event-stream``: the stream
  that carried it delivered it, and ``tools/list`` had no stream to hold. Fully right: no
  answer to tools/list, the answered initialize named, never "held back" nor "buffers".
- call-arguments-fit-schema (``_rpc_error``'s -32602 to ``tools/call``), added with it: a tool
  whose ``inputSchema`` declares ``city`` and requires nothing, called with ``{"city":
  "Berlin"}``, answered -32602 "missing required argument: country" (its handler needs what its
  schema does not declare), is told "the arguments of call do not fit tool lookup's
  inputSchema", fixed by "fix call.arguments to match": they fit it. Fully right: the server's
  message, the arguments valid against the schema, a fix that asks the server's authors to
  declare it in the inputSchema, never "do not fit".
- neighbour stdio-ping-late: a server that answers ping after half a second (every other
  request at once): every check passes.
- neighbour http-stream-event-then-answer: the same stream with the event, then the response:
  every check passes.

Timeouts: 2 s for the cases where the timeout is what is tested (the four silences), 5 s for
the two exits, :data:`PATIENT` for the neighbours.

First run (envcheck at 667024a, the commit that added this file, before any change; graded by the
rules above, 2026-12-08): 8 cases, 2 fully right (the two neighbours: every check passes; only
their rows were missing), 1 partly and 5 wrong (of 6 breakages). No process outlived the run.
(stdio-stops-answering's server first stalled one request early, on ``tools/list``: envcheck
sends ``server/discover`` before ``initialize``, which the server counted; fixed in the server,
stalling after its first ``tools/list`` answer as the case says, and graded on that run, still
before any change of envcheck.)

- stdio-hang-after-handshake, wrong: "no answer to tools within 2 s", "it may wait for input it
  never gets, or speak another protocol", fix "run ... by hand to see whether it speaks MCP, or
  raise timeout": the handshake it answered unsaid, the request named by its step.
- stdio-answers-at-shutdown, wrong: "the server holds its stdout in a buffer ... flushes it only
  at exit", fix ``env = { PYTHONUNBUFFERED = "1" }``: its initialize answer had come at once, and
  the late line was an error, "server shutting down", never shown.
- stdio-fatal-on-stdout-exit, wrong: "printed non-protocol output on stdout: 'Error: NOTES_TOKEN
  is not set'", fix "make the server log to stderr ... or run it with its quiet option": the
  exit 1 unsaid, NOTES_TOKEN (set in the shell, not passed) not offered.
- stdio-error-then-exit, partly, and not the same twice: one run "exited with code 1 during
  tools ... it wrote nothing to stderr", fix "fix its arguments or environment" (the server's
  -32603 "index.db is locked by another process" unsaid); another run (the exit not yet
  learnt) "MCP error -32603: index.db is locked ..." and the exit told only on ``ping``. Which
  verdict came depended on how soon the exit status was read.
- stdio-stops-answering, wrong: "the server answered initialize, tools/list on this connection,
  but not ping", fix "report it to the server's authors: it does not answer ping".
- http-stream-event-then-silence, wrong: "no event on the streamable HTTP stream within 2 s: the
  stream is held back ... a proxy ... buffers the stream", fix "turn off response buffering ...
  (nginx: proxy_buffering off ...)": a ``notifications/message`` event had come on that stream.

After (verdicts from structure: the requests answered before the one that waits, the kind of a
late answer, an exit after stdout lines, a request sent after ping, the notifications that came
while a request waited; none from a message's words): 8 of 8 fully right, each a row of
docs/verdicts/mcp.md (section 33, ``ROWS``) asserted on the run (the six; the two added after
are below).

- A request after the handshake without answer, from a server that answered others on the
  connection, is its handler slow or stuck (``diagnose._handler_stuck``): the answered requests
  named, the fix the timeout or the request sent by hand, never "another protocol".
- ``ChildState.late_errors``: a late answer that is a JSON-RPC error, after answers that came at
  once, is a request failed at shutdown (``diagnose._failed_at_shutdown``), not a held buffer;
  a late result still is (stdio-stdout-block-buffered).
- ``stdio_failure``: stdout lines then an exit by itself, before any answer, is the exit
  (``exited``), the lines shown as non-protocol output and read for a variable of the shell
  not passed, whose pass is the fix; start passes (the process ran and wrote).
- ``step_failed``: a stdio server that answered the request with its JSON-RPC error and then
  exited is told by its error and the exit (``diagnose.answered_error``); after such an answer
  the probe watches stdout's end for 0.3 s (``probe.ERROR_EXIT_GRACE``), so which came first to
  be read no longer decides the verdict.
- ``steps.ping``: half the timeout into a ping without answer, a listing the server answered
  before is sent again; neither answered is a server that stopped answering
  (``diagnose._stopped_answering``); the second listing answered keeps ping-never-answered's
  verdict (now saying so), and its answer is no longer read as "still writing" (``_later``).
- ``Wire.noted``: the notifications that came while each request waited; over HTTP, one that
  came is a stream nothing holds back (``diagnose._came_but_no_answer``), before the proxy's
  buffering is guessed.
- The neighbours needed no change.
- (The fixes above are 5b455f8.)

The two added after (first run at 7b4ab44, the commit that added them, after 5b455f8's fixes
and before any change for them): 0 of 2 fully right, 2 wrong.

- http-sse-answers-then-post-hangs, wrong: "no event on the streamable HTTP stream within 2 s:
  the stream is held back ... a proxy ... buffers the stream", fix "turn off response buffering
  ... (nginx: proxy_buffering off ...)": the only stream was initialize's, which had delivered.
- call-arguments-fit-schema, wrong: "the arguments of call do not fit tool lookup's inputSchema
  (it requires: nothing)", fix "fix call.arguments ... to match tool lookup's inputSchema".

After (b4c692c): 2 of 2 fully right (rows in section 33).

- ``diagnose._stream_held``: over streamable HTTP, a stream is called held back only when the
  waiting request's own POST was answered ``text/event-stream`` (``Attempt.streamed``); over
  HTTP+SSE only while nothing came on the GET's stream; else a request unanswered after the
  handshake is its handler's (``_handler_stuck``).
- ``diagnose._arguments_fit``: -32602 to the smoke call whose arguments are valid against the
  tool's listed ``inputSchema`` (JSON Schema, its dialect or 2020-12) names the handler that
  requires what its schema does not declare, fixed by its authors (and, meanwhile, arguments as
  the server's message says); arguments that do not fit keep call-32602's verdict.

Cost (measured after both fixes, 10 cases, ``-n 0``, pytest's start included, load 3.4 on 2
cores): 3.9 CPU-s, 10 s of wall time (the SDK's proofs wait out their 3 s timeouts on the
silences).
"""

from __future__ import annotations

import json
import sys
import textwrap
import time
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from tests.verdicts.mcp_world import (
    PATIENT,
    StreamHandler,
    jsonrpc_reply,
    processes_of,
    round_tests,
    round_world,
    run_in_process,
    servers_toml,
    write_script,
)
from tests.verdicts.test_heldout_servers import Expect

#: nothing of this run is this; the report must not hold it
SECRET = "Structure-audit-never-shown-2323"
#: the variable the stdout-fatal server needs: set in this shell, not passed to the server
NEEDED = "NOTES_TOKEN"

#: the audit's stdio server: newline-delimited JSON-RPC, MODE (argv[1]) bends one thing
SERVER = textwrap.dedent("""
    import json, os, sys, time

    MODE = sys.argv[1]


    def send(message):
        sys.stdout.write(json.dumps(message) + "\\n")
        sys.stdout.flush()


    if MODE == "stdout-fatal" and "NOTES_TOKEN" not in os.environ:
        print("Error: NOTES_TOKEN is not set")  # a fatal error on stdout, then exit 1
        sys.exit(1)

    listed = False
    pending = []
    for line in sys.stdin:
        message = json.loads(line)
        if "id" not in message or "method" not in message:
            continue
        ident, method = message["id"], message["method"]
        params = message.get("params") or {}
        reply = {"jsonrpc": "2.0", "id": ident}
        if MODE == "stalls" and listed:
            continue  # the worker is stuck after the listing: nothing more is answered
        if method == "initialize":
            reply["result"] = {
                "protocolVersion": params.get("protocolVersion"),
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "audit", "version": "1.0"},
            }
        elif method == "tools/list":
            if MODE in ("lists-hang", "shutdown-error"):
                pending.append(ident)  # waits on the index, never answers while it runs
                continue
            if MODE == "error-exit":
                error = {"code": -32603, "message": "index.db is locked by another process"}
                send({"jsonrpc": "2.0", "id": ident, "error": error})
                sys.exit(1)
            reply["result"] = {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}
            if MODE == "call-strict":  # its schema declares city; its handler needs country too
                schema = {"type": "object", "properties": {"city": {"type": "string"}}}
                reply["result"]["tools"].append({"name": "lookup", "inputSchema": schema})
            listed = True
        elif method == "ping":
            if MODE == "ping-late":
                time.sleep(0.5)
            reply["result"] = {}
        elif method == "tools/call":
            arguments = params.get("arguments") or {}
            if MODE == "call-strict" and "country" not in arguments:
                error = {"code": -32602, "message": "missing required argument: country"}
                send({"jsonrpc": "2.0", "id": ident, "error": error})
                continue
            reply["result"] = {"content": [{"type": "text", "text": "ok"}]}
        else:
            reply["error"] = {"code": -32601, "message": "Method not found"}
        send(reply)
    if MODE == "shutdown-error":  # stdin closed: fail what is still pending, then exit
        for ident in pending:
            error = {"code": -32603, "message": "server shutting down"}
            send({"jsonrpc": "2.0", "id": ident, "error": error})
    """)


class Handler(StreamHandler):
    """The audit's streamable HTTP server, by mode: ``logstall``: ``tools/list`` answered as an
    SSE stream with a ``notifications/message`` event and then nothing (the stream kept open a
    while); ``logfirst``: the same event, then the response."""

    def serve(self, message: dict[str, Any]) -> None:
        if self.mode == "ssehang":  # every answer an SSE stream, as the SDK's server writes
            if message["method"] == "tools/list":
                time.sleep(6)  # its handler blocks before any header is sent
                return
            self.open_stream()
            self.event(jsonrpc_reply(message))
            return
        if message["method"] != "tools/list" or self.mode not in ("logstall", "logfirst"):
            super().serve(message)
            return
        self.open_stream()
        log = {"level": "info", "logger": "index", "data": "loading the index"}
        self.event({"jsonrpc": "2.0", "method": "notifications/message", "params": log})
        if self.mode == "logfirst":
            tools = [{"name": "echo", "inputSchema": {"type": "object"}}]
            self.event({"jsonrpc": "2.0", "id": message["id"], "result": {"tools": tools}})
            return
        time.sleep(6)  # the response never comes; the stream ends after every client gave up


#: case name -> (server name, "stdio" or "http", its mode, the request the SDK's client fails on
#: or None, the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "stdio-hang-after-handshake": (
        "hangs",
        "stdio",
        "lists-hang",
        "tools/list",
        Expect(
            "mcp/hangs.tools",
            "fail",
            says=("no answer to tools/list", "answered initialize"),
            fix=("raise timeout",),
            never=("another protocol", "whether it speaks MCP", "newline"),
        ),
    ),
    "stdio-answers-at-shutdown": (
        "quitter",
        "stdio",
        "shutdown-error",
        "tools/list",
        Expect(
            "mcp/quitter.tools",
            "fail",
            says=("no answer to tools/list", "server shutting down", "answered initialize"),
            fix=("raise timeout",),
            never=("buffer", "PYTHONUNBUFFERED", "flush"),
        ),
    ),
    "stdio-fatal-on-stdout-exit": (
        "fatal",
        "stdio",
        "stdout-fatal",
        "initialize",
        Expect(
            "mcp/fatal.start|mcp/fatal.initialize",
            "fail",
            says=("code 1", "NOTES_TOKEN is not set"),
            fix=(NEEDED,),
            never=(SECRET, "quiet option"),
        ),
    ),
    "stdio-error-then-exit": (
        "locked",
        "stdio",
        "error-exit",
        "tools/list",
        Expect(
            "mcp/locked.tools",
            "fail",
            says=("tools/list", "-32603", "index.db is locked by another process", "code 1"),
            never=("raise timeout",),
        ),
    ),
    "stdio-stops-answering": (
        "stalls",
        "stdio",
        "stalls",
        "ping",
        Expect(
            "mcp/stalls.ping",
            "fail",
            says=("no answer to ping", "tools/list", "stopped answering"),
            fix=("raise timeout",),
            never=("does not answer ping", "another protocol"),
        ),
    ),
    "http-stream-event-then-silence": (
        "logstall",
        "http",
        "logstall",
        "tools/list",
        Expect(
            "mcp/logstall.tools",
            "fail",
            says=("no answer to tools/list", "notifications/message"),
            fix=("raise timeout",),
            never=("proxy_buffering", "held back", "buffers"),
        ),
    ),
    "http-sse-answers-then-post-hangs": (
        "ssehang",
        "http",
        "ssehang",
        "tools/list",
        Expect(
            "mcp/ssehang.tools",
            "fail",
            says=("no answer to tools/list", "answered initialize"),
            fix=("raise timeout",),
            never=("proxy_buffering", "held back", "buffers"),
        ),
    ),
    "call-arguments-fit-schema": (
        "strict",
        "stdio",
        "call-strict",
        "tools/call",
        Expect(
            "mcp/strict.call",
            "fail",
            says=("-32602", "missing required argument: country", "fit"),
            fix=("server's authors", "inputSchema"),
            never=("do not fit",),
        ),
    ),
    "stdio-ping-late": (
        "pinglate",
        "stdio",
        "ping-late",
        None,
        Expect("mcp/pinglate.ping", "pass"),
    ),
    "http-stream-event-then-answer": (
        "logfirst",
        "http",
        "logfirst",
        None,
        Expect("mcp/logfirst.tools", "pass"),
    ),
}

#: the neighbours: their clients work with them, envcheck must not fail or warn about them
NEIGHBOURS = ("http-stream-event-then-answer", "stdio-ping-late")

#: the cases that are rows of docs/verdicts/mcp.md (section 33)
ROWS = tuple(sorted(CASES))

#: the timeout of each case's server: short only where the timeout is what is tested
TIMEOUTS = {
    "stdio-hang-after-handshake": 2.0,
    "stdio-answers-at-shutdown": 2.0,
    "stdio-stops-answering": 2.0,
    "http-stream-event-then-silence": 2.0,
    "http-sse-answers-then-post-hangs": 2.0,
    "stdio-fatal-on-stdout-exit": 5.0,
    "call-arguments-fit-schema": 5.0,
    "stdio-error-then-exit": 5.0,
}

#: the smoke call of call-arguments-fit-schema: arguments valid against the tool's inputSchema
TOOL, ARGUMENTS = "lookup", {"city": "Berlin"}
CALL: dict[str, Any] = {"tool": TOOL, "arguments": ARGUMENTS}

#: the SDK's client's read timeout in the proofs
PROOF_TIMEOUT = 3.0


async def sdk_walk(target: Any) -> tuple[str, str] | None:
    """What the SDK's client makes of ``target`` (a stdio server's parameters, or a URL): ``None``
    when initialize, tools/list, ping and (for a server listing the tool of :data:`CALL`) that
    call worked, else the request it failed on and why."""
    from mcp import Client

    method = "initialize"
    try:
        with anyio.fail_after(PROOF_TIMEOUT * 4):
            async with Client(target, read_timeout_seconds=PROOF_TIMEOUT) as client:
                method = "tools/list"
                listed = await client.session.list_tools()
                method = "ping"
                await client.session.send_ping()
                if any(tool.name == TOOL for tool in listed.tools):
                    method = "tools/call"
                    await client.session.call_tool(TOOL, ARGUMENTS)
    except BaseException as exc:  # noqa: B902 - an ExceptionGroup, a timeout, an McpError
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
            exc = exc.exceptions[0]
        return method, f"{type(exc).__name__}: {exc}"[:300]
    return None


def judge(targets: list[Any]) -> list[tuple[str, str] | None]:
    """The SDK's verdict on each target, all walked at once."""
    verdicts: list[tuple[str, str] | None] = [None] * len(targets)

    async def one(i: int) -> None:
        verdicts[i] = await sdk_walk(targets[i])

    async def every() -> None:
        async with anyio.create_task_group() as group:
            for i in range(len(targets)):
                group.start_soon(one, i)

    anyio.run(every)
    return verdicts


def _project(port: int, script: str) -> str:
    servers: dict[str, dict[str, Any]] = {}
    for name, (server, where, mode, *_) in CASES.items():
        entry: dict[str, Any]
        if where == "stdio":
            entry = {"command": sys.executable, "args": ["-S", script, mode]}
        else:
            entry = {"url": f"http://127.0.0.1:{port}/{mode}/mcp", "transport": "http"}
        if name in TIMEOUTS:
            entry["timeout"] = TIMEOUTS[name]
        if mode == "call-strict":
            entry["call"] = CALL
        servers[server] = entry
    patient = {CASES[name][0] for name in NEIGHBOURS}
    assert all(PATIENT > t for t in TIMEOUTS.values())
    return servers_toml(servers, patient)


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The servers proven (the SDK's client on each), then checked in one envcheck run: the
    checks, the processes left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("structure-audit")
    script = write_script(root / "servers" / "audit.py", SERVER)
    before = processes_of(root)
    # NEEDED in this shell; a stdio server gets it only if passed
    with round_world(root, Handler, {NEEDED: SECRET}) as port:
        names = sorted(CASES)
        targets: list[Any] = []
        for n in names:
            _, where, mode = CASES[n][:3]
            if where == "stdio":
                targets.append(
                    StdioServerParameters(command=sys.executable, args=["-S", script, mode])
                )
            else:
                targets.append(f"http://127.0.0.1:{port}/{mode}/mcp")
        sdk: dict[str, Any] = dict(zip(names, judge(targets)))
        checks = run_in_process(root, _project(port, script), SECRET)
        left = processes_of(root) - before
    yield {"sdk": sdk, "proofs": {}, "checks": checks, "root": root, "left": left}


test_structure, test_no_process_outlives_the_run = round_tests("audit", CASES, ROWS, NEIGHBOURS)


def test_the_variable_is_never_shown(audit: dict[str, Any]) -> None:
    """The value of NOTES_TOKEN in this shell is in no check (run_in_process asserts it of the
    report; here of the checks as read)."""
    assert SECRET not in json.dumps(audit["checks"])


def test_proofs_name_the_request(audit: dict[str, Any]) -> None:
    """The SDK's client fails each breakage on the request its case names, and works with each
    neighbour (the same proof the round's test asserts, shown with its words)."""
    wrong = {
        name: audit["sdk"][name]
        for name, case in CASES.items()
        if (audit["sdk"][name] and audit["sdk"][name][0]) != case[3]
    }
    assert not wrong, wrong
