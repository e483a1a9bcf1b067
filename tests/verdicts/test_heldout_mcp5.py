"""The fifth held-out round of MCP breakages (issue 23), after the sweep of
tests/verdicts/test_mcp_sweep.py (478 faults crossed with every request): six breakages that no
row of docs/verdicts/mcp.md, no earlier round and no sweep pair lists (the ids and descriptions
of sections 1 to 10 and the sweep's KINDS, statuses, content types and malformed results
grepped first), and three healthy neighbours, each made for real (a stdio server of this file,
a raw HTTP server on 127.0.0.1), by the method of rounds 1 to 4.

How the set was made (2026-12-06), from the MCP specification (2025-06-18, 2025-11-25) and the
official Python SDK's client (``mcp.client``). What had been read of envcheck's code before:
nothing of src/envcheck/checks/mcp/ and src/envcheck/mcpkit/ beyond the rows and the earlier
rounds' docstrings; the rows already listed (life-32022, life-older-version, rpc-cursor-loop,
tools-name-duplicate, stdio-utf-16, http-session-404, http-sse-ends-without-answer, ...) were
left out.

- *Basic › Lifecycle* (version negotiation): the server answers ``initialize`` with a
  ``protocolVersion`` the client does not support (``2099-01-01``, a result, not the -32022 or
  -32602 error of life-32022 / life-32602-version); the client SHOULD disconnect
  (life-version-future-result); a result carrying fields the schema does not name (in
  ``initialize``, ``serverInfo``, ``tools/list`` and a tool) is read, the fields ignored
  (result-extra-fields, a pass);
- *Server › Utilities › Pagination*: a cursor is opaque, the client pages with ``nextCursor``
  until it is absent; here every page gives a NEW cursor and the same tool again, without end
  (rpc-cursor-changes-repeats; rpc-cursor-loop was the same cursor);
- *Server › Tools › List Changed*: a server that declared ``listChanged`` sends
  ``notifications/tools/list_changed`` before it answers ``tools/list`` (tools-list-changed-mid-
  list, a pass);
- *Transports › stdio*: messages are UTF-8 JSON-RPC, one a line; here the first line starts with
  a UTF-8 byte order mark (stdio-utf8-bom), and the answer to ``tools/list`` holds a byte that is
  not UTF-8 (stdio-invalid-utf8-byte; stdio-utf-16 was a whole stream in UTF-16);
- *Transports › Streamable HTTP › Session Management*: the session ID MUST only contain visible
  ASCII (0x21 to 0x7E); here ``Mcp-Session-Id: séss-1`` (a Latin-1 byte; http-session-id-not-
  ascii); one of punctuation only visible ASCII (``a!~Z:9#``) is fine (http-session-id-visible-
  punct, a pass);
- *Streamable HTTP* with SSE: the response to a POST is sent as SSE events (the SDK reads
  ``message`` events, HTML's default); here ``tools/list`` is answered 200 ``text/event-stream``
  whose only event is ``event: error`` holding a JSON-RPC error (http-sse-event-error).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade``): the check and its status, words the cause must say, words the fix must hold, words
no check may say; and no process of the case outlives envcheck's run. Each proves its breakage
first with the official MCP Python SDK's client (it fails, or for the neighbours, it works; for
the cursors, the SDK's ``list_tools`` driven 20 pages by ``PaginatedRequestParams``). The
expectations were committed before the first run (108192e; that commit's page-driving proof
called ``list_tools(cursor=...)``, which this SDK does not take, so it "failed" for that reason:
corrected after, the SDK then pages 20 times and still gets a cursor; no expectation changed).

First run (envcheck at 108192e, before any change; graded by the rules above, 2026-12-06):
9 cases, 5 fully right by the committed expectations (the three neighbours result-extra-fields,
tools-list-changed-mid-list, http-session-id-visible-punct; life-version-future-result,
http-sse-event-error), 2 partly, 2 wrong; of the six breakages, 2 fully right, 2 partly, 2
wrong. No process of any case outlived its run. Read by a person, http-sse-event-error is only
partly right: its ``says`` word "event" matched "its events without an id", and the cause says
the stream "ended without its response" when the response was there, in an ``event: error``
(the SDK reads only ``message`` events); so 4 of 9 (1 of 6 breakages) fully right read strictly.

- life-version-future-result, fully right: "no protocol version in common: the server speaks
  2099-01-01, this client speaks 2024-11-05, ... 2025-11-25, 2026-07-28", the protocolVersion
  named;
- http-sse-event-error, fully right by the words, partly by reading (above);
- rpc-cursor-changes-repeats, partly: a warning "tool name(s) listed more than once: 'echo' (50
  times)", no word of the cursor: every page gave a new ``nextCursor`` and the same tool, the
  listing was cut at 50 pages without saying so;
- http-session-id-not-ascii, partly: "initialize failed: UnicodeEncodeError: 'ascii' codec can't
  encode character '\\xe9' ... (outside what envcheck can explain)", the client library's
  exception, not the ``Mcp-Session-Id`` header outside visible ASCII;
- stdio-utf8-bom, wrong: "printed non-protocol output on stdout: '\\ufeff{"jsonrpc": ...'",
  fix "make the server log to stderr", for a JSON-RPC message preceded by a byte order mark;
- stdio-invalid-utf8-byte, wrong: passed ("1 tools, input schemas valid") with a 0xE9 byte (Latin-1
  "é") in the answer to tools/list, which the SDK's client cannot decode (UnicodeDecodeError).

After (verdicts from structure, none from message words): 9 of 9 fully right, each a row of
docs/verdicts/mcp.md (section 11, ``ROWS``) asserted on its case's run; none left. The stdio
reader tells a first line that is a JSON text after the bytes EF BB BF (the BOM, its own shape
beside UTF-16's) and a message whose line is not UTF-8 (the request of its id fails at once, by
the byte and its offset, as in a client); the HTTP transport keeps an ``Mcp-Session-Id``'s bytes
when one is outside 0x21 to 0x7E (envcheck's capped transport had re-encoded the headers as
ASCII text and failed itself, the "outside what envcheck can explain" of the first run; it now
hands on the bytes) and fails ``initialize``, the later steps blocked; ``tools/list`` that still
has a new cursor after 50 pages fails, counting the pages that listed only tools listed before;
the ``event:`` fields of an SSE stream answering a POST are kept, and a response lost in an event
of another type than ``message`` is named by that type. The rules are by class (any byte outside
0x21 to 0x7E, any event type but ``message``, any walk of 50 new cursors), each tested here by
one example.

Cost (``-n 2``): 9 cases, none waits out a timeout but stdio-utf8-bom (its dropped answer to
the 5 s initialize timeout, as in a client); 35 s wall and 23 s CPU beside other agents' runs.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import PaginatedRequestParams

from tests.servers import QuietHandler, serving
from tests.verdicts import table
from tests.verdicts.mcp_world import (  # noqa: F401 - the fixture is autouse here
    Cases,
    World,
    jsonrpc_reply,
    no_real_client_configs,
    processes_of,
    proven,
    sdk_outcome,
    sdk_stdio,
)
from tests.verdicts.test_heldout_servers import Expect, grade

#: this round's stdio server: newline-delimited JSON-RPC; MODE (argv[1]) bends one thing
SERVER = textwrap.dedent("""
    import json, sys

    MODE = sys.argv[1]
    TOOLS = [{"name": "echo", "inputSchema": {"type": "object", "properties": {}}}]
    first = True


    def send(message, raw=None):
        global first
        data = raw if raw is not None else json.dumps(message).encode()
        if MODE == "bom" and first:
            data = b"\\xef\\xbb\\xbf" + data
        first = False
        sys.stdout.buffer.write(data + b"\\n")
        sys.stdout.buffer.flush()


    for line in sys.stdin:
        message = json.loads(line)
        if "id" not in message or "method" not in message:
            continue
        ident, method = message["id"], message["method"]
        params = message.get("params") or {}
        reply = {"jsonrpc": "2.0", "id": ident}
        if method == "initialize":
            result = {
                "protocolVersion": params.get("protocolVersion"),
                "capabilities": {"tools": {"listChanged": True}},
                "serverInfo": {"name": "heldout5", "version": "1.0"},
            }
            if MODE == "future-version":
                result["protocolVersion"] = "2099-01-01"
            if MODE == "extra-fields":
                result["x-vendor"] = {"region": "eu"}
                result["serverInfo"]["buildHash"] = "abc123"
                result["capabilities"]["experimental"] = {"streaming": {}}
            reply["result"] = result
        elif method == "ping":
            reply["result"] = {}
        elif method == "tools/list":
            tools = [dict(t) for t in TOOLS]
            result = {"tools": tools}
            if MODE == "extra-fields":
                tools[0]["x-cost"] = 3
                result["x-total"] = 1
            if MODE == "cursor-walk":
                page = int((params.get("cursor") or "page-0").split("-")[1])
                result["nextCursor"] = f"page-{page + 1}"
            if MODE == "list-changed":
                note = {"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}
                send(note)
            reply["result"] = result
            if MODE == "bad-byte":
                tools[0]["description"] = "CAFE"
                raw = json.dumps(reply).encode().replace(b"CAFE", b"caf\\xe9")
                send(None, raw)
                continue
        elif method == "tools/call":
            reply["result"] = {"content": [{"type": "text", "text": "ok"}]}
        else:
            reply["error"] = {"code": -32601, "message": "Method not found"}
        send(reply)
    """)


def _script(root: Path) -> str:
    path = root / "heldout5_server.py"
    path.write_text(SERVER)
    return str(path)


def _stdio(w: World, name: str, mode: str, *, breaks: bool = True) -> str:
    script = _script(w.root)
    proven(sdk_outcome(lambda: sdk_stdio(sys.executable, [script, mode])), breaks)
    w.server(name, command=sys.executable, args=[script, mode], timeout=5.0)
    return name


async def _sdk_pages(command: str, args: list[str]) -> str:
    """The SDK's client paging ``tools/list`` by ``nextCursor``, at most 20 pages."""
    parameters = StdioServerParameters(command=command, args=args)
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write, 5.0) as session:
            await session.initialize()
            cursor: str | None = None
            names: list[str] = []
            for _ in range(20):
                listing = await session.list_tools(params=PaginatedRequestParams(cursor=cursor))
                names += [t.name for t in listing.tools]
                cursor = listing.next_cursor
                if cursor is None:
                    return "works"
    raise RuntimeError(f"20 pages, still a cursor ({cursor}); tools {sorted(set(names))}")


async def _sdk_http(url: str) -> str:
    async with streamable_http_client(url) as streams:
        async with ClientSession(streams[0], streams[1], 2.0) as session:
            await session.initialize()
            await session.list_tools()
    return "works"


@contextmanager
def streamable(mode: str) -> Iterator[str]:
    """A streamable HTTP MCP server (405 to GET, 200 to DELETE); ``mode``: ``"sess-latin1"``
    (``Mcp-Session-Id: séss-1`` on initialize, a Latin-1 byte), ``"sess-punct"``
    (``Mcp-Session-Id: a!~Z:9#``), ``"sse-error"`` (``tools/list`` answered as an SSE stream whose
    one event is ``event: error`` holding a JSON-RPC error). Yields the endpoint's URL."""
    session = {"sess-latin1": "s\u00e9ss-1", "sess-punct": "a!~Z:9#"}.get(mode)

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            self.respond(405, headers={"allow": "POST, DELETE"})

        def do_DELETE(self) -> None:  # noqa: N802
            self.respond(200)

        def do_POST(self) -> None:  # noqa: N802
            message = json.loads(self.body())
            if "id" not in message or "method" not in message:
                self.respond(202)
                return
            headers = {"content-type": "application/json"}
            if session is not None and message["method"] == "initialize":
                headers["mcp-session-id"] = session
            reply = jsonrpc_reply(message)
            if mode == "sse-error" and message["method"] == "tools/list":
                error = {"code": -32603, "message": "upstream unavailable"}
                data = json.dumps({"jsonrpc": "2.0", "id": message["id"], "error": error})
                stream = f"event: error\ndata: {data}\n\n".encode()
                self.respond(200, stream, {"content-type": "text/event-stream"})
                return
            self.respond(200, json.dumps(reply).encode(), headers)

    with serving(Handler) as port:
        yield f"http://127.0.0.1:{port}/mcp"


def _http(w: World, url: str, name: str, *, breaks: bool = True, **entry: Any) -> str:
    proven(sdk_outcome(lambda: _sdk_http(url)), breaks)
    w.server(name, url=url, transport="http", **entry)
    return name


# -- the cases -------------------------------------------------------------------------------------
CASES = Cases()
case = CASES.case


@case(
    "life-version-future-result",
    Expect(
        "mcp/nextver.initialize",
        "fail",
        says=("2099-01-01", "protocolVersion"),
        never=("raise timeout", "hung", "-32022", "not an MCP", "UTF-8"),
    ),
)
def _future(w: World, stack: ExitStack) -> str:
    return _stdio(w, "nextver", "future-version")


@case("result-extra-fields", Expect("mcp/extras.tools", "pass"))
def _extras(w: World, stack: ExitStack) -> str:
    return _stdio(w, "extras", "extra-fields", breaks=False)


@case(
    "rpc-cursor-changes-repeats",
    Expect(
        "mcp/walker.tools",
        "warn|fail",
        says=("nextCursor", "echo"),
        never=("raise timeout", "hung", "not an MCP"),
    ),
)
def _cursor_walk(w: World, stack: ExitStack) -> str:
    script = _script(w.root)
    proven(sdk_outcome(lambda: _sdk_pages(sys.executable, [script, "cursor-walk"])), True)
    w.server("walker", command=sys.executable, args=[script, "cursor-walk"], timeout=5.0)
    return "walker"


@case("tools-list-changed-mid-list", Expect("mcp/changer.tools", "pass"))
def _list_changed(w: World, stack: ExitStack) -> str:
    return _stdio(w, "changer", "list-changed", breaks=False)


@case(
    "stdio-utf8-bom",
    Expect(
        "mcp/bommed.initialize",
        "fail",
        says=("BOM", "stdout"),
        never=("raise timeout", "hung", "UTF-16", "log to stderr"),
    ),
)
def _bom(w: World, stack: ExitStack) -> str:
    return _stdio(w, "bommed", "bom")


@case(
    "stdio-invalid-utf8-byte",
    Expect(
        "mcp/latin.tools",
        "fail",
        says=("UTF-8", "tools/list"),
        never=("raise timeout", "hung", "UTF-16", "log to stderr"),
    ),
)
def _bad_byte(w: World, stack: ExitStack) -> str:
    return _stdio(w, "latin", "bad-byte")


@case(
    "http-session-id-not-ascii",
    Expect(
        "mcp/sessid.initialize",
        "fail",
        says=("Mcp-Session-Id", "ASCII"),
        never=("raise timeout", "hung", "sign in", "404"),
    ),
)
def _session_latin1(w: World, stack: ExitStack) -> str:
    return _http(w, stack.enter_context(streamable("sess-latin1")), "sessid")


@case("http-session-id-visible-punct", Expect("mcp/punct.tools", "pass"))
def _session_punct(w: World, stack: ExitStack) -> str:
    return _http(w, stack.enter_context(streamable("sess-punct")), "punct", breaks=False)


@case(
    "http-sse-event-error",
    Expect(
        "mcp/sseerror.tools",
        "fail",
        says=("tools/list", "event"),
        never=("raise timeout", "hung", "buffers", "is running"),
    ),
)
def _sse_error(w: World, stack: ExitStack) -> str:
    # a short timeout: an answer the client never reads as one still ends in 3 s
    url = stack.enter_context(streamable("sse-error"))
    return _http(w, url, "sseerror", timeout=3.0)


#: the cases that are rows of docs/verdicts/mcp.md (section 11)
ROWS = (
    "http-session-id-not-ascii",
    "http-session-id-visible-punct",
    "http-sse-event-error",
    "life-version-future-result",
    "result-extra-fields",
    "rpc-cursor-changes-repeats",
    "stdio-invalid-utf8-byte",
    "stdio-utf8-bom",
    "tools-list-changed-mid-list",
)
#: the cases not fully right (the first run's partly and wrong)
NOT_YET: tuple[str, ...] = ()


def _run(pytester: pytest.Pytester, name: str) -> None:
    """One envcheck run of the case, graded; a row's verdict holds for the same run."""
    made = CASES[name]
    with ExitStack() as stack:
        w = World(pytester, stack)
        server = made.make(w, stack)
        checks = list(w.run().values())
    verdict = grade(made.expect, checks)
    if made.expect.status == "pass":
        mine = [c for c in checks if c["id"].startswith(f"mcp/{server}.")]
        assert mine, sorted(c["id"] for c in checks)
        failing = [
            f"{c['id']} {c['status']}: {c['summary']}"
            for c in mine
            if c["status"] not in ("pass", "skip")
        ]
        if failing:
            verdict.grade, verdict.problems = "wrong", failing
    summary = "\n".join(
        f"  {c['id']} {c['status']}: {c['summary']} | {c.get('why') or ''} | {c.get('hint') or ''}"
        for c in checks
        if c["id"].startswith(f"mcp/{server}.")
    )
    print(summary)  # what a user sees of the case's server, shown with -rA
    assert verdict.grade == "fully right", (
        f"{verdict.grade}: " + "\n".join(verdict.problems) + "\n" + summary
    )
    if name in ROWS:
        row = {r.id: r for r in table.rows("mcp")}[name]
        problems = table.verdict_problems(row, checks)
        assert not problems, problems


def _measured(name: str) -> Any:
    """A case not yet fully right stays measured, its expectation unchanged: an expected failure
    (strict: once envcheck gets it right, the case must become a row)."""
    if name not in NOT_YET:
        return name
    return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason="not yet fully right"))


@pytest.mark.parametrize("name", [_measured(n) for n in sorted(CASES)])
def test_heldout(pytester: pytest.Pytester, name: str) -> None:
    before = processes_of(pytester.path)
    try:
        _run(pytester, name)
    finally:
        left = processes_of(pytester.path) - before
    assert not left, f"processes outlived the run: {sorted(left)}"
