"""Held-out breakages of MCP servers and their client config files that no row of
docs/verdicts/mcp.md lists, each made for real (a tiny stdio server written here, a raw HTTP
server on 127.0.0.1, a client file), to measure whether the ``mcp`` verdicts hold beyond the rows
they were written for (issue 23: "on breakages nobody listed, >= 95% fully right, none wrong").

How the set was made (2026-12-06): from the MCP specification (Basic › Lifecycle: the
``initialize`` result's required ``capabilities`` and ``serverInfo``; Basic: JSON-RPC 2.0 with
``"jsonrpc": "2.0"``, no batches since 2025-06-18; Transports › stdio: UTF-8, newline-delimited
messages without embedded newlines; Transports › Streamable HTTP: ``Mcp-Session-Id`` and the 404
that ends a session, 405 allowed to the GET; Authorization: RFC 9728 metadata at the
``resource_metadata`` URL) and from the client config formats (``command``, ``args`` as a list,
``env`` values as strings), before reading how envcheck diagnoses anything. Every one was checked
against the table's ids and source entries first: none is a row. Two are not breakages at all
(a 405 to the GET, CRLF line ends): a fully right verdict passes them.

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py): the check
and its status, words the cause must say, words the fix must hold, words no check may say. Each
case proves its breakage first with the official MCP Python SDK's client (it fails, or for the
two that are no breakage, it works). The expectations were committed before the first run.

First run (envcheck at 9e65b4e, the commit that added this file, before any change; graded by
the rules above, 2026-12-06): 13 cases, 7 fully right (init-no-capabilities, init-no-serverinfo,
cfg-command-directory, cfg-args-string, auth-metadata-404 (see below), and the two that are no
breakage: stdio-crlf, http-405-get), 2 partly, 4 wrong:

- cfg-env-number, partly: failed and named env and string, but the fix ("fix the entry") did
  not hold the quoted value;
- http-session-404, partly: "the server answered tools/list with a JSON-RPC error (invalid
  request)", the SDK's -32600 "Session terminated" taken for the server's own error; no 404, no
  session;
- jsonrpc-batch, wrong: "printed non-protocol output on stdout", fix "make the server log to
  stderr" for a JSON array of responses;
- jsonrpc-not-2.0, wrong: the same, for a response with ``"jsonrpc": "1.0"``;
- stdio-multiline-json, wrong: the same, for a pretty-printed (multi-line) JSON response;
- stdio-utf-16, wrong: the same, for UTF-16 JSON on stdout.

No proof had to be changed.

After (verdicts from structure, none from message words): 13 of 13 fully right, none wrong. A
stdio line that is no JSON-RPC message is looked at for the shape of a message all the same
(``envcheck.mcpkit._stdio.shape_of``: a UTF-16 byte-order mark or NUL bytes, bytes that are not
UTF-8, a JSON array of objects, an object with ``id`` or ``method`` whose ``jsonrpc`` is not
"2.0", lines from one starting ``{`` or ``[`` that join into one JSON value) and is diagnosed as
that, with what the server must write instead; a 404 to a POST carrying the ``Mcp-Session-Id`` the
server gave (``Attempt.session_lost``, recorded before and never read) is diagnosed as a lost
session (sticky sessions, one instance or stateless); an entry whose ``env`` gives JSON numbers
or booleans gets Edits that write them as the strings they stand for.

Read again when the cases became rows of docs/verdicts/mcp.md (section 7): auth-metadata-404 was
graded fully right by a grader error, its "404" found in the server's name (``meta404``); the
verdict said "envcheck could not read it" of the metadata and offered a token as for any OAuth
server, so it was partly right. Since: the status each metadata URL answered is kept
(``Attempt.metadata_refused``), and a named metadata URL that answers an error fails with that
status, says that no client (editors included) can find the authorization server, and asks the
server's administrators to publish the document (RFC 9728). So the first run was 6 of 13 fully
right, 3 partly, 4 wrong; after, 13 of 13.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from pydantic import ValidationError

from tests.verdicts import table
from tests.verdicts.mcp_world import World, answering
from tests.verdicts.test_heldout_servers import Expect, grade


@pytest.fixture(autouse=True)
def _no_real_client_configs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Claude Desktop's config is looked up under HOME: never read the real one."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)


# -- a stdio server with one oddity ----------------------------------------------------------------
#: newline-delimited JSON-RPC over stdio; MODE (argv[1]) bends one thing of the protocol
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
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


    for line in sys.stdin:
        message = json.loads(line)
        if "id" not in message or "method" not in message:
            continue
        ident, method = message["id"], message["method"]
        params = message.get("params") or {}
        if method == "initialize":
            result = {
                "protocolVersion": params.get("protocolVersion"),
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "heldout", "version": "1.0"},
            }
            if MODE == "no-capabilities":
                del result["capabilities"]
            if MODE == "no-serverinfo":
                del result["serverInfo"]
            send({"jsonrpc": "2.0", "id": ident, "result": result})
        elif method == "ping":
            send({"jsonrpc": "2.0", "id": ident, "result": {}})
        elif method == "tools/list":
            send({"jsonrpc": "2.0", "id": ident, "result": {"tools": TOOLS}})
        elif method == "tools/call":
            content = [{"type": "text", "text": "ok"}]
            send({"jsonrpc": "2.0", "id": ident, "result": {"content": content}})
        else:
            error = {"code": -32601, "message": "Method not found"}
            send({"jsonrpc": "2.0", "id": ident, "error": error})
    """)


def stdio_script(root: Path) -> str:
    path = root / "heldout_server.py"
    path.write_text(STDIO_SERVER)
    return str(path)


async def _sdk_stdio(command: str, args: list[str]) -> str:
    parameters = StdioServerParameters(command=command, args=args)
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write, 5.0) as session:
            await session.initialize()
            await session.list_tools()
    return "works"


async def _sdk_http(url: str) -> str:
    async with streamable_http_client(url) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write, 5.0) as session:
            await session.initialize()
            await session.list_tools()
    return "works"


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


# -- raw streamable HTTP servers -------------------------------------------------------------------
def _jsonrpc_result(method: str, params: dict[str, Any]) -> dict[str, Any] | None:
    if method == "initialize":
        return {
            "protocolVersion": params.get("protocolVersion"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "heldout-http", "version": "1.0"},
        }
    if method == "tools/list":
        return {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}
    if method == "ping":
        return {}
    if method == "tools/call":
        return {"content": [{"type": "text", "text": "ok"}]}
    return None


@contextmanager
def streamable(mode: str) -> Iterator[int]:
    """A streamable HTTP MCP server answering in ``application/json``. ``mode``: ``"no-get"``
    (405 to GET and DELETE, which the transport allows), ``"session-lost"`` (an
    ``Mcp-Session-Id`` with the ``initialize`` result, then 404 to every request that carries
    it: the session is unknown, as behind a load balancer without sticky sessions)."""
    session = "b7d0c1a2e3f4"

    class Handler(BaseHTTPRequestHandler):
        def _plain(self, status: int, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("content-length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            if mode == "session-lost" and self.headers.get("mcp-session-id"):
                self._plain(404)
                return
            self._plain(405, {"allow": "POST"})

        def do_DELETE(self) -> None:  # noqa: N802
            self._plain(405, {"allow": "POST"})

        def do_POST(self) -> None:  # noqa: N802
            message = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
            if mode == "session-lost" and self.headers.get("mcp-session-id"):
                self._plain(404)
                return
            if "id" not in message:
                self._plain(202)
                return
            result = _jsonrpc_result(message["method"], message.get("params") or {})
            reply: dict[str, Any] = {"jsonrpc": "2.0", "id": message["id"]}
            if result is None:
                reply["error"] = {"code": -32601, "message": "Method not found"}
            else:
                reply["result"] = result
            body = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            if mode == "session-lost" and message["method"] == "initialize":
                self.send_header("mcp-session-id", session)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# -- the cases -------------------------------------------------------------------------------------
@dataclass
class Case:
    expect: Expect
    #: makes the project in the world (and its servers, on ``stack``), proves the breakage is
    #: real, and returns the server's name in the check ids
    make: Callable[[World, ExitStack], str]


CASES: dict[str, Case] = {}


def case(name: str, expect: Expect) -> Callable[[Callable[[World, ExitStack], str]], None]:
    def register(make: Callable[[World, ExitStack], str]) -> None:
        CASES[name] = Case(expect, make)

    return register


def stdio_case(w: World, name: str, mode: str, *, breaks: bool = True) -> str:
    script = stdio_script(w.root)
    outcome = sdk_outcome(lambda: _sdk_stdio(sys.executable, [script, mode]))
    assert outcome.startswith("fails") if breaks else outcome == "works", outcome
    w.server(name, command=sys.executable, args=[script, mode], timeout=5.0)
    return name


@case(
    "init-no-capabilities",
    Expect(
        "mcp/nocaps.initialize",
        "fail",
        says=("capabilities", "initialize"),
        never=("protocol version", "exited", "stderr"),
    ),
)
def _no_capabilities(w: World, stack: ExitStack) -> str:
    return stdio_case(w, "nocaps", "no-capabilities")


@case(
    "init-no-serverinfo",
    Expect(
        "mcp/noinfo.initialize",
        "fail",
        says=("serverInfo", "initialize"),
        never=("protocol version", "exited", "stderr"),
    ),
)
def _no_server_info(w: World, stack: ExitStack) -> str:
    return stdio_case(w, "noinfo", "no-serverinfo")


@case(
    "jsonrpc-not-2.0",
    Expect(
        "mcp/rpc1.initialize",
        "fail",
        says=("jsonrpc", "2.0"),
        never=("did not answer", "never answered", "log to stderr"),
    ),
)
def _jsonrpc_one(w: World, stack: ExitStack) -> str:
    return stdio_case(w, "rpc1", "jsonrpc-1.0")


@case(
    "jsonrpc-batch",
    Expect(
        "mcp/batch.initialize",
        "fail",
        says=("batch",),
        never=("did not answer", "never answered", "log to stderr"),
    ),
)
def _batch(w: World, stack: ExitStack) -> str:
    return stdio_case(w, "batch", "batch")


@case(
    "stdio-utf-16",
    Expect(
        "mcp/utf16.initialize",
        "fail",
        says=("UTF-8",),
        never=("did not answer", "never answered", "log to stderr"),
    ),
)
def _utf16(w: World, stack: ExitStack) -> str:
    return stdio_case(w, "utf16", "utf-16")


@case(
    "stdio-multiline-json",
    Expect(
        "mcp/pretty.initialize",
        "fail",
        says=("newline",),
        never=("did not answer", "never answered", "log to stderr"),
    ),
)
def _multiline(w: World, stack: ExitStack) -> str:
    return stdio_case(w, "pretty", "multiline")


@case("stdio-crlf", Expect("mcp/crlf.tools", "pass"))
def _crlf(w: World, stack: ExitStack) -> str:
    return stdio_case(w, "crlf", "crlf", breaks=False)


@case(
    "cfg-command-directory",
    Expect(
        "mcp/dir@mcp.json.start",
        "fail",
        says=("directory",),
        never=("chmod", "execute bit", "not installed"),
    ),
)
def _command_directory(w: World, stack: ExitStack) -> str:
    (w.root / "tools" / "server").mkdir(parents=True)
    with pytest.raises(PermissionError):  # execve(2) of a directory: EACCES
        subprocess.run([str(w.root / "tools" / "server")], check=False)
    w.mcp["discover"] = True
    w.file(".mcp.json", {"mcpServers": {"dir": {"command": str(w.root / "tools" / "server")}}})
    return "dir@mcp.json"


@case(
    "cfg-args-string",
    Expect(
        "mcp/strargs@mcp.json.start|mcp/discovery[mcp.json]",
        "fail|error",
        says=("args",),
        fix=("args",),
        never=("[Errno 2]", "can't open file"),
    ),
)
def _args_string(w: World, stack: ExitStack) -> str:
    script = stdio_script(w.root)
    with pytest.raises(ValidationError):  # the SDK's stdio parameters take a list too
        StdioServerParameters.model_validate({"command": sys.executable, "args": script})
    w.mcp["discover"] = True
    # a string where Claude Code's schema wants an array of strings
    w.file(".mcp.json", {"mcpServers": {"strargs": {"command": sys.executable, "args": script}}})
    return "strargs@mcp.json"


@case(
    "cfg-env-number",
    Expect(
        "mcp/envnum@mcp.json.start|mcp/discovery[mcp.json]",
        "fail|warn|error",
        says=("env", "string"),
        fix=("3000",),
        never=("unset", "not set"),
    ),
)
def _env_number(w: World, stack: ExitStack) -> str:
    script = stdio_script(w.root)
    w.mcp["discover"] = True
    entry = {"command": sys.executable, "args": [script, "plain"], "env": {"PORT": 3000}}
    with pytest.raises(ValidationError):  # the SDK's stdio parameters: env values are strings
        StdioServerParameters.model_validate(entry)
    w.file(".mcp.json", {"mcpServers": {"envnum": entry}})
    return "envnum@mcp.json"


@case("http-405-get", Expect("mcp/noget.tools", "pass"))
def _no_get(w: World, stack: ExitStack) -> str:
    port = stack.enter_context(streamable("no-get"))
    url = f"http://127.0.0.1:{port}/mcp"
    outcome = sdk_outcome(lambda: _sdk_http(url))
    assert outcome == "works", outcome
    w.server("noget", url=url, transport="http")
    return "noget"


@case(
    "http-session-404",
    Expect(
        "mcp/lost.initialize|mcp/lost.tools",
        "fail",
        says=("session", "404"),
        never=("no MCP endpoint", "wrong path", "sign in"),
    ),
)
def _session_lost(w: World, stack: ExitStack) -> str:
    port = stack.enter_context(streamable("session-lost"))
    url = f"http://127.0.0.1:{port}/mcp"
    outcome = sdk_outcome(lambda: _sdk_http(url))
    assert outcome.startswith("fails"), outcome
    w.server("lost", url=url, transport="http")
    return "lost"


@case(
    "auth-metadata-404",
    Expect(
        "mcp/meta404.initialize",
        "fail",
        says=("metadata", "404"),
        never=("sign in", "log in", "expired"),
    ),
)
def _metadata_404(w: World, stack: ExitStack) -> str:
    # the MCP endpoint answers 401 naming its RFC 9728 metadata, whose URL answers 404
    missing = stack.enter_context(answering(404, body=b'{"error": "not found"}'))
    metadata = f"http://127.0.0.1:{missing}/.well-known/oauth-protected-resource/mcp"
    challenge = f'Bearer resource_metadata="{metadata}"'
    port = stack.enter_context(answering(401, {"www-authenticate": challenge}))
    url = f"http://127.0.0.1:{port}/mcp"
    outcome = sdk_outcome(lambda: _sdk_http(url))
    assert outcome.startswith("fails"), outcome
    w.server("meta404", url=url, transport="http")
    return "meta404"


@pytest.mark.parametrize("name", sorted(CASES))
def test_heldout(pytester: pytest.Pytester, name: str) -> None:
    with ExitStack() as stack:
        w = World(pytester, stack)
        server = CASES[name].make(w, stack)
        checks = list(w.run().values())
    expect = CASES[name].expect
    verdict = grade(expect, checks)
    if expect.status == "pass":
        # a server that is not broken: every check of it passes (or is not run)
        mine = [c for c in checks if c["id"].startswith(f"mcp/{server}.")]
        assert mine, sorted(c["id"] for c in checks)
        failing = [f"{c['id']} {c['status']}: {c['summary']}" for c in mine]
        failing = [f for c, f in zip(mine, failing) if c["status"] not in ("pass", "skip")]
        if failing:
            verdict.grade, verdict.problems = "wrong", failing
    assert verdict.grade == "fully right", f"{verdict.grade}: " + "\n".join(verdict.problems)
    # since measured, each case is a row of docs/verdicts/mcp.md: the row holds for the same run
    row = {r.id: r for r in table.rows("mcp")}[name]
    problems = table.verdict_problems(row, checks)
    assert not problems, problems
