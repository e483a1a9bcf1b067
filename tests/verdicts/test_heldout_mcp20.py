"""The twentieth held-out round of MCP breakages (issue 23), after nineteen rounds and the four
sweeps: three breakages that no row of docs/verdicts/mcp.md, no earlier round and no sweep pair
lists, and three neighbours, each made for real (a streamable HTTP server of this file, Claude
Code's ``.mcp.json``, VS Code's ``.vscode/mcp.json``).

Grepped first (docs/verdicts/mcp.md, tests/verdicts/test_mcp*.py and their code, every
tests/verdicts/test_heldout_mcp*.py, tests/verdicts/mcp_world.py, http_lab.py,
protocol_faults.py) and dropped as covered: a JSON-RPC batch answered over HTTP as
``application/json`` (the wire sweep's ``HTTP_BYTES`` "batch"), an ``Mcp-Session-Id`` outside
visible ASCII (http-session-id-not-ascii, round 5), ``envFile`` naming a missing file
(cfg-envfile-missing), ``"type": "http"`` with a ``command`` and no ``url``
(cfg-type-http-no-url, the same code for every file), ``sampling``/``roots``/``elicitation``
requests to a client that did not declare them over stdio (srv-request-undeclared-*, rounds 4
and 8) and on the GET's SSE stream (http-get-stream-server-messages, round 7). Nowhere: a
server's request on the SSE stream that answers a POST (``sampling``, ``roots``, ``ping`` grepped
in the HTTP sweep, http_lab.py, protocol_faults.py: none), an entry with both ``url`` and
``command`` (discovery reads ``command`` first whatever ``type`` says).

How the set was made (2026-12-07), from the MCP specification (*Transports › Streamable HTTP ›
Sending Messages to the Server*: to a POSTed request the server answers ``application/json`` or
an SSE stream, which "MAY" carry requests and notifications before the response; *Lifecycle ›
Operation*: both parties use only the negotiated capabilities; *Utilities › Ping*: either party
may ping at any time), Claude Code's schemas (types.ts ``McpServerConfigSchema``, a union tried
in order: ``McpStdioServerConfigSchema`` ``{type?: "stdio", command, args, env}`` first, so an
entry with ``command`` and no ``type`` is a stdio server and its ``url`` dropped; ``"type":
"http"`` matches ``McpHTTPServerConfigSchema`` ``{type: "http", url, headers}`` alone, the
``command`` dropped) and VS Code's (``"type": "http"`` is a remote server at ``url``; its
``command`` is no key of that shape), and the SDK's client on every HTTP server:

- http-post-stream-undeclared-roots: ``tools/list`` answered by an SSE stream whose first event
  is a ``roots/list`` request to a client that declared no ``roots``, and -32603 when refused;
- http-post-stream-undeclared-wait: the same with ``elicitation/create``, after which the
  stream stays open without the response;
- cfg-type-http-url-and-command: a ``.mcp.json`` entry ``"type": "http"`` with a ``url`` (no
  server listens there) and a ``command`` of a healthy stdio server: Claude Code connects to the
  url and fails; starting the command would be a false pass;
- neighbours: ``tools/list`` answered by an SSE stream whose first event is a ``ping`` request,
  the response after the client's answer (http-post-stream-ping, a pass); VS Code's entry
  ``"type": "http"`` with the url of a healthy server and a ``command`` that does not exist
  (cfg-vscode-type-http-url-and-command, a pass: VS Code never runs it); a ``.mcp.json`` entry
  with ``command`` and ``url`` and no ``type`` (cfg-url-and-command-no-type, a pass: Claude Code
  starts the command, the url names no server).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks). All six are checked in one envcheck run, in
process.

First run (envcheck at 3b6e971, the commit that added this file, before any change; graded by
the rules above, 2026-12-07): 6 cases, 2 fully right (http-post-stream-undeclared-roots: the
roots/list request on the POST's stream named, -32603, the server's authors' fix; its neighbour
http-post-stream-ping), 1 partly, 3 wrong. No process outlived the run; every request on a
POST's stream was answered (the ping with a result, the others with an error).

- http-post-stream-undeclared-wait, partly (by the rule; its cause and fix are wrong): "no event
  on the streamable HTTP stream within 5 s: the stream is held back ... a proxy ... buffers the
  stream", fix "turn off response buffering ... in the proxy": an event had come (the server's
  ``elicitation/create``, which envcheck answered), none of it named;
- cfg-type-http-url-and-command, wrong (a false pass): the entry's ``command`` was started and
  checked (``echo.py started``), its ``"type": "http"`` and ``url`` ignored;
- cfg-vscode-type-http-url-and-command, wrong (a false failure): "command not found:
  /nonexistent/acme-mcp", the url VS Code connects to never checked;
- cfg-url-and-command-no-type, wrong (a false failure): "a url entry with no "type": Claude Code
  ... refuses the entry", fix "set "type": "http"": Claude Code's stdio schema, first in its
  union, takes the entry and starts the command.

After (verdicts from structure: the entry's keys and its ``type``, the kind of the server's own
request on the stream; none from a message's words): 6 of 6 fully right, each a row of
docs/verdicts/mcp.md (section 27, ``ROWS``) asserted on the run.

- An entry with ``"type": "http"`` (or ``"sse"``) and a ``url`` is a remote server in every file
  but Claude Desktop's, its ``command`` not run (``discovery._entry``); in ``.mcp.json`` an entry
  with a ``command`` and no ``type`` (or ``"stdio"``) is a stdio server whatever else it holds,
  as Claude Code's union of schemas takes it (``discovery._claude_code_type``).
- A step that timed out after the server sent its own request for a capability envcheck did not
  declare is named so before the HTTP stream is called held back (``diagnose``: the
  ``_asked_undeclared`` verdict ahead of the buffering one): that request was an event.
- http-post-stream-undeclared-roots and the neighbour http-post-stream-ping needed no change.

The fixes, carried out as printed (``test_the_printed_fixes_work``): the ``.mcp.json`` entry's
url pointed at a server that runs (the person's "fix url in"), and the stream servers run
without their undeclared requests (the authors'); envcheck run again over the three: they pass,
the entry's command still not started.

Cost (measured after the fixes, ``-p no:xdist``, pytest's start included): 4.1 CPU-s, 17 s of
wall time (mostly the 5 s timeout of the held stream, twice: the SDK's client and envcheck).
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers import QuietHandler, serving
from tests.verdicts.mcp_world import (
    ECHO_SERVER,
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
SECRET = "Heldout20-never-shown-5520"

#: where no server listens (the discard port)
DEAD_URL = "http://127.0.0.1:9/mcp"

#: the server's request on the POST's stream, per mode
ASKS = {
    "roots": ("roots/list", {}),
    "elicit": (
        "elicitation/create",
        {"message": "Your API key?", "requestedSchema": {"type": "object", "properties": {}}},
    ),
    "ping": ("ping", {}),
}


class Handler(QuietHandler):
    """A streamable HTTP MCP server at ``/<mode>/mcp`` (``mode`` one of ``ASKS`` or ``plain``):
    ``tools/list`` is answered by an SSE stream whose first event is the mode's request to the
    client; the server waits for the client's answer (3 s at most), then sends the response
    (``roots``, ``ping``: the tools if the answer is a result, else -32603; ``elicit``: none, the
    stream kept open 7 s). The client's answers are kept in ``ANSWERS`` by id."""

    ANSWERS: dict[str, dict[str, Any]] = {}
    LOCK = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.respond(405, headers={"allow": "POST, DELETE"})

    def do_DELETE(self) -> None:  # noqa: N802
        self.respond(200)

    def _event(self, message: dict[str, Any]) -> None:
        self.wfile.write(f"event: message\ndata: {json.dumps(message)}\n\n".encode())
        self.wfile.flush()

    def _answer(self, ident: str, seconds: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.LOCK:
                if ident in self.ANSWERS:
                    return self.ANSWERS[ident]
            time.sleep(0.02)
        return None

    def do_POST(self) -> None:  # noqa: N802
        mode = self.path.strip("/").split("/")[0]
        message = json.loads(self.body())
        if "method" not in message:
            with self.LOCK:
                self.ANSWERS[str(message.get("id"))] = message
            self.respond(202)
            return
        if "id" not in message:
            self.respond(202)
            return
        session = {"mcp-session-id": "heldout20-session"}
        if message["method"] != "tools/list" or mode not in ASKS:
            data = json.dumps(jsonrpc_reply(message)).encode()
            self.respond(200, data, {"content-type": "application/json", **session})
            return
        self.send_response(200)
        for name, value in {
            "content-type": "text/event-stream",
            "cache-control": "no-cache",
        }.items():
            self.send_header(name, value)
        self.send_header("mcp-session-id", session["mcp-session-id"])
        self.end_headers()
        method, params = ASKS[mode]
        ident = f"srv-{mode}-{uuid.uuid4().hex[:8]}"
        try:
            self._event({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
            answer = self._answer(ident, 3.0)
            if mode == "elicit":
                deadline = time.monotonic() + 7
                while time.monotonic() < deadline:
                    time.sleep(0.25)
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                return
            reply = jsonrpc_reply(message)
            if answer is None or "result" not in answer:
                del reply["result"]
                reply["error"] = {"code": -32603, "message": "Internal error"}
            self._event(reply)
        except OSError:
            return


#: case name -> (server name, how it is proven: "http" by the SDK's client, "proof" by the
#: case's own; its source, the request the SDK's client fails on or None, the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "http-post-stream-undeclared-roots": (
        "postroots",
        "http",
        "roots",
        "tools/list",
        Expect(
            "mcp/postroots.tools",
            "fail",
            says=("roots/list", "-32603"),
            fix=("roots",),
            never=("raise timeout", "Mcp-Session-Id"),
        ),
    ),
    "http-post-stream-undeclared-wait": (
        "postelicit",
        "http",
        "elicit",
        "tools/list",
        Expect(
            "mcp/postelicit.tools",
            "fail",
            says=("elicitation/create",),
            fix=("elicitation",),
            never=("raise timeout",),
        ),
    ),
    "cfg-type-http-url-and-command": (
        "both",
        "proof",
        '"type": "http", "url", "command"',
        None,
        Expect(
            "mcp/both@mcp.json.start|mcp/both@mcp.json.initialize",
            "fail",
            says=("127.0.0.1:9",),
            never=("by hand",),
        ),
    ),
    "http-post-stream-ping": (
        "postping",
        "http",
        "ping",
        None,
        Expect("mcp/postping.tools", "pass"),
    ),
    "cfg-vscode-type-http-url-and-command": (
        "remote",
        "proof",
        'VS Code\'s "type": "http", "url", a missing "command"',
        None,
        Expect("mcp/remote@vscode.tools", "pass"),
    ),
    "cfg-url-and-command-no-type": (
        "plain",
        "proof",
        '.mcp.json "command" and "url", no "type"',
        None,
        Expect("mcp/plain@mcp.json.tools", "pass"),
    ),
}

#: the neighbours: their clients work with them, envcheck must not fail or warn about them
NEIGHBOURS = (
    "http-post-stream-ping",
    "cfg-vscode-type-http-url-and-command",
    "cfg-url-and-command-no-type",
)

#: the cases that are rows of docs/verdicts/mcp.md (section 27)
ROWS = tuple(sorted(CASES))


@pytest.fixture(scope="module")
def round20(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The servers proven (the SDK's client on each URL), then checked in one envcheck run: the
    proofs, the checks, the processes left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout20")
    echo = write_script(root / "servers" / "echo.py", ECHO_SERVER)
    before = processes_of(root)
    with pytest.MonkeyPatch.context() as mp, serving(Handler, poll=0.1) as port:
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mp.chdir(root)

        def url(mode: str) -> str:
            return f"http://127.0.0.1:{port}/{mode}/mcp"

        proven = [n for n in sorted(CASES) if CASES[n][1] == "http"]
        stdio: dict[str, Any] = {"command": sys.executable, "args": ["-S", echo]}
        dead, healthy, started = judge(
            [
                DEAD_URL,
                url("plain"),
                StdioServerParameters(command=sys.executable, args=["-S", echo], cwd=str(root)),
            ]
        )
        sdk: dict[str, Any] = dict(zip(proven, judge([url(CASES[n][2]) for n in proven])))
        claude = {
            "both": {"type": "http", "url": DEAD_URL, **stdio},
            "plain": {**stdio, "url": DEAD_URL},
        }
        vscode = {
            "servers": {
                "remote": {"type": "http", "url": url("plain"), "command": "/nonexistent/acme-mcp"}
            }
        }
        proofs: dict[str, Any] = {
            # Claude Code connects to the url, where the SDK's client fails
            "cfg-type-http-url-and-command": dead is not None and dead[0] == "initialize",
            # VS Code connects to the url, where the SDK's client works
            "cfg-vscode-type-http-url-and-command": healthy is None,
            # Claude Code starts the command, where the SDK's client works
            "cfg-url-and-command-no-type": started is None,
        }
        (root / ".mcp.json").write_text(json.dumps({"mcpServers": claude}, indent=2))
        (root / ".vscode").mkdir()
        (root / ".vscode" / "mcp.json").write_text(json.dumps(vscode, indent=2))
        servers = {
            CASES[n][0]: {"url": url(CASES[n][2]), "transport": "http"}
            for n in sorted(CASES)
            if CASES[n][1] == "http"
        }
        patient = neighbour_servers(CASES, NEIGHBOURS)
        checks = run_in_process(root, servers_toml(servers, patient), SECRET)
        answered = dict(Handler.ANSWERS)
        left = processes_of(root) - before
    yield {
        "sdk": sdk,
        "proofs": proofs,
        "checks": checks,
        "root": root,
        "answered": answered,
        "left": left,
    }


test_heldout, test_no_process_outlives_the_run = round_tests("round20", CASES, ROWS, NEIGHBOURS)


def test_the_server_requests_were_answered(round20: dict[str, Any]) -> None:
    """Every request a server sent on a POST's stream got an answer (the SDK's client's and
    envcheck's): the ping a result, roots/list and elicitation/create an error (neither client
    declared them)."""
    by_mode: dict[str, list[dict[str, Any]]] = {}
    for ident, answer in round20["answered"].items():
        by_mode.setdefault(ident.split("-")[1], []).append(answer)
    assert all("result" in a for a in by_mode.get("ping", [])), by_mode
    assert all("error" in a for a in by_mode.get("roots", []) + by_mode.get("elicit", []))
    assert {len(by_mode.get(m, [])) for m in ASKS} == {2}, by_mode


def test_the_printed_fixes_work(round20: dict[str, Any]) -> None:
    """The printed fixes carried out as they say: cfg-type-http-url-and-command's ("fix url in
    .mcp.json", the person: the url of a server that runs), the server cases' (the server's
    authors: it stops sending roots/list and elicitation/create to a client that does not declare
    them, the same server in its ``plain`` mode); envcheck run again over those three: they pass,
    and the entry's command is still not started."""
    by_id = {c["id"]: c for c in round20["checks"]}
    root = round20["root"]
    both = by_id["mcp/both@mcp.json.start"]
    assert both["status"] == "fail" and "fix url in" in both["hint"], both
    assert ".mcp.json" in both["hint"], both
    for server, request in (("postroots", "roots/list"), ("postelicit", "elicitation/create")):
        check = by_id[f"mcp/{server}.tools"]
        assert check["status"] == "fail" and f"sends {request} to clients" in check["hint"], check
    with pytest.MonkeyPatch.context() as mp, serving(Handler, poll=0.1) as port:
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mp.chdir(root)
        plain = f"http://127.0.0.1:{port}/plain/mcp"
        claude = json.loads((root / ".mcp.json").read_text())["mcpServers"]
        # another path of the same healthy server (an entry at a URL pyproject.toml already
        # declares is checked once, as pyproject's)
        claude["both"]["url"] = plain.replace("/plain/", "/fixed/")
        (root / ".mcp.json").write_text(json.dumps({"mcpServers": {"both": claude["both"]}}))
        (root / ".vscode" / "mcp.json").unlink()
        servers = {s: {"url": plain, "transport": "http"} for s in ("postroots", "postelicit")}
        after = run_in_process(root, servers_toml(servers), SECRET)
    failing = [f"{c['id']} {c['status']}" for c in after if c["status"] not in ("pass", "skip")]
    passed = {c["id"]: c for c in after if c["status"] == "pass"}
    # the entry's id: ``both`` or ``both@mcp.json`` (the file named when names meet)
    both_id = next((i for i in ("mcp/both", "mcp/both@mcp.json") if f"{i}.tools" in passed), "")
    wanted = {f"{both_id}.tools", "mcp/postroots.tools", "mcp/postelicit.tools"}
    assert not failing and wanted <= set(passed), (failing, sorted(c["id"] for c in after))
    assert "/fixed/mcp" in passed[f"{both_id}.start"]["summary"], passed[f"{both_id}.start"]
