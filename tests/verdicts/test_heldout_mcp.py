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

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from mcp import StdioServerParameters
from pydantic import ValidationError

from tests.servers import QuietHandler, serving
from tests.verdicts.mcp_world import (  # noqa: F401 - the fixture is autouse here
    Cases,
    World,
    answering,
    http_case,
    jsonrpc_reply,
    no_real_client_configs,
    run_case,
    stdio_case,
    stdio_script,
)
from tests.verdicts.test_heldout_servers import Expect


# -- raw streamable HTTP servers -------------------------------------------------------------------
@contextmanager
def streamable(mode: str) -> Iterator[int]:
    """A streamable HTTP MCP server answering in ``application/json``. ``mode``: ``"no-get"``
    (405 to GET and DELETE, which the transport allows), ``"session-lost"`` (an
    ``Mcp-Session-Id`` with the ``initialize`` result, then 404 to every request that carries
    it: the session is unknown, as behind a load balancer without sticky sessions)."""
    session = "b7d0c1a2e3f4"

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            if mode == "session-lost" and self.headers.get("mcp-session-id"):
                self.respond(404)
                return
            self.respond(405, headers={"allow": "POST"})

        def do_DELETE(self) -> None:  # noqa: N802
            self.respond(405, headers={"allow": "POST"})

        def do_POST(self) -> None:  # noqa: N802
            message = json.loads(self.body())
            if mode == "session-lost" and self.headers.get("mcp-session-id"):
                self.respond(404)
                return
            if "id" not in message:
                self.respond(202)
                return
            headers = {"content-type": "application/json"}
            if mode == "session-lost" and message["method"] == "initialize":
                headers["mcp-session-id"] = session
            self.respond(200, json.dumps(jsonrpc_reply(message)).encode(), headers)

    with serving(Handler) as port:
        yield port


# -- the cases -------------------------------------------------------------------------------------
CASES = Cases()
case = CASES.case


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
    return http_case(w, f"http://127.0.0.1:{port}/mcp", "noget", breaks=False)


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
    return http_case(w, f"http://127.0.0.1:{port}/mcp", "lost")


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
    return http_case(w, f"http://127.0.0.1:{port}/mcp", "meta404")


@pytest.mark.parametrize("name", sorted(CASES))
def test_heldout(pytester: pytest.Pytester, name: str) -> None:
    run_case(pytester, CASES[name], name)
