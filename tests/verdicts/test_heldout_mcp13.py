"""The thirteenth held-out round of MCP breakages, after twelve rounds and the four sweeps (the
codes-and-statuses sweep, the wire sweep, the client-config sweep, the HTTP sweep): seven
breakages that no row of docs/verdicts/mcp.md, no earlier round and no sweep pair lists, and three
healthy neighbours, each made for real (the two real servers of tests/mcp-servers run as a user
would misconfigure them, scripts of this file, an npm registry and two HTTP servers on
127.0.0.1), each proven with the official ``mcp`` SDK's client (the wire sweep's judge) or, where
the clients of the file are not Python's, with what those clients use (Node's ``fetch``).

Left out as covered (grepped first in docs/verdicts/mcp.md, docs/verdicts/README.md,
tests/verdicts/test_heldout_mcp*.py, the four sweeps, tests/verdicts/mcp_world.py,
tests/test_mcp*.py and tests/test_exec.py), from what the brief names: a ``nextCursor`` that is a
number or null (the wire sweep's (g)), a capability entry of a wrong type (the wire sweep's (f)),
a ``protocolVersion`` missing, null or a number (the wire sweep's (e)), a listing item without a
field schema.ts requires, for tools, resources and prompts (the codes-and-statuses sweep's (c)),
-32601 to a listing of an advertised capability (rpc-32601, the sweep's (a)), a JSON answer under
another media type (http-text-plain), the SSE framing's variants (the wire sweep's (c)), VS
Code's ``{"mcp": {"servers": ...}}`` in another client's file (cfg-no-top's test), a script
argument that does not exist (stdio-python-script-missing), an npx package the registry does not
have (npx-package-not-in-registry), a module only the project's virtualenv has
(stdio-python-module-missing), ``args`` given as one string (cfg-args-string). Grepped for what
is left, none a row, a round's case or a sweep pair: ``~`` in a stdio entry (``~/`` appears only
of npm's and Claude Code's own files; "tilde", "expanduser": nowhere), a ``command`` holding a
whole command line ("shlex" only in tests/test_mcp_cli.py's quoting of the printed command;
"whole command", "a space in": nowhere), ``python -m`` given a distribution's name
("mcp_server_time", "not a module", "distribution" of a server: nowhere), a stdio entry for a
server that runs an HTTP transport ("streamableHttp" only where the test starts
server-everything as an HTTP server; "LISTEN", "net/tcp": nowhere), npm's ``ETARGET`` (a version
the registry's document lacks; "ETARGET", "No matching version", "dist-tag": nowhere), a
JSON-RPC error without its ``message`` ("error without", "without message": nowhere in an MCP
file), an SSE body labelled ``application/json`` ("SSE-framed", "labelled": only round 2's JSON
under text/plain), a header value ending in CR ("Illegal header", "LocalProtocolError",
"carriage" of an MCP header: nowhere).

How the set was made (2026-12-07), from the MCP specification (2025-06-18, 2025-11-25:
*Transports › stdio* "the client launches the MCP server as a subprocess", *Streamable HTTP*
"the server MUST either return Content-Type: text/event-stream ... or Content-Type:
application/json"), JSON-RPC 2.0 §5.1 (the error object: ``code`` and ``message`` required),
Python's command line (``-m`` takes a module name), npm's registry API (a package document's
``versions`` and ``dist-tags``), the WHATWG Fetch standard (*Headers › append*: a value is
normalized, "remove any leading and trailing HTTP whitespace bytes", CR and LF among them), and
the client issues where users met them (Claude Code #37580 and VS Code #247076: ``~`` reaches
the process as written, no shell expands it; Claude Code expands ``${HOME}``):

- stdio-server-runs-http: server-everything (npm) started by a stdio entry with the argument
  ``streamableHttp`` (copied from its README's HTTP section): the process listens on a TCP port
  (``PORT``), writes its start-up line on stdout and never answers on stdin. Fully right: the
  process named as listening (the port, TCP), the fix an entry by ``url`` (or the server's stdio
  mode); never "log to stderr" or "raise timeout".
- cfg-args-tilde: ``"args": ["~/mcp/notes/server.py"]`` in Claude Code's ``.mcp.json`` (the
  script is there, under HOME): python3 gets ``~/...`` literally and exits 2. Fully right: the
  ``~`` named as not expanded, the fix ``${HOME}/mcp/notes/server.py`` (an Edit, run here).
- cfg-command-with-arguments: ``"command": "python3 -u /.../servers/echo.py"`` in ``.mcp.json``:
  the client looks for a program of that whole name (ENOENT). Fully right: the command named as a
  whole command line, the fix ``"command": "python3"`` and the rest in ``args`` (an Edit, run
  here); never "command not found" with an install.
- stdio-python-m-distribution-name: ``python -m mcp-server-time`` (PyPI's name, as its README's
  ``uvx mcp-server-time`` has it): Python exits 1, "No module named mcp-server-time"; the
  module is ``mcp_server_time``. Fully right: both names, the fix the module's name in ``args``
  (an Edit, run here: the real server then passes); never "pip install".
- npx-version-not-in-registry: ``npx -y @heldout13/notes-mcp@2.0.0`` in ``.mcp.json``, the
  registry (``env.npm_config_registry``, an HTTP server on 127.0.0.1) has the package with 1.0.0
  and 1.1.0 (latest): npx exits 1, ``npm error code ETARGET``. Fully right: the version the
  registry lacks and what it has (1.1.0), the fix that version in ``args``; never "no package"
  or "cannot be reached".
- rpc-error-without-message: a stdio server that answers ``tools/list`` with ``{"code": -32603,
  "data": {...}}``, no ``message``: the SDK's client cannot read it (it waits out its timeout).
  Fully right: the code named and the missing ``message``, the fix for the server's authors;
  never "no answer" or "raise timeout".
- http-json-labelled-event-stream: a streamable HTTP server that writes each answer as an SSE
  event (``event: message``, ``data: {...}``) under ``Content-Type: application/json``: the
  SDK's client parses it as JSON and fails. Fully right: the media type and the event-stream body
  named, the fix ``text/event-stream``; never "fix url" or "not an MCP endpoint".
- Neighbours: ``python -m mcp_server_time`` (stdio-python-m-module-name: the real server, the
  SDK's client works), server-everything with its ``stdio`` argument
  (stdio-everything-stdio-arg), and a ``.mcp.json`` HTTP entry whose ``Authorization`` header is
  ``Bearer ${HELDOUT13_TOKEN}`` with the variable ending in CR (a token exported from a CRLF
  ``.env``; cfg-header-trailing-cr): Claude Code connects with ``fetch``, which strips it (shown
  here with Node's ``fetch``: the server gets ``Bearer <token>`` and answers 200). A client in
  Python (httpx) refuses such a value; envcheck must check the server as the file's client
  connects to it. The token is never shown.

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks). All ten are checked in one envcheck run, in
process; the runnable fixes are then carried out by envcheck's fixer and those servers checked
again.

Expectations committed before the first run: 45b6fa5.

First run (envcheck at 45b6fa5, the commit that added this file, before any change; graded by
the rules above, 2026-12-07): 10 cases, 2 fully right (the two real-server neighbours), 1 partly,
7 wrong (4 of them, read by a person, the honest fallback: the layer and the server's own stderr,
whose only fix "run it by hand" each case's ``never`` excludes). No process outlived the run.
Cost: 9.4 user + 1.3 sys CPU-s (``-n 0``), 37 s of wall time (the SDK's client waits out its
10 s timeout on two servers).

- stdio-server-runs-http, wrong cause: "printed non-protocol output on stdout: 'Starting
  Streamable HTTP server...'", fix "make the server log to stderr" (its stderr tail said it
  listens on a port; nothing looked at the sockets);
- cfg-args-tilde, wrong as written (partly read by a person): "exited with code 2 before
  answering ... can't open file '<root>/~/mcp/notes/server.py'", fix "run ... by hand" (the
  missing-script check expands ``~`` itself, as no client does, and found the file);
- cfg-command-with-arguments, wrong cause: "command not found: <root>/python3 -u .../echo.py
  does not exist ... a relative command is taken from <root>" (the whole line read as a path);
- stdio-python-m-distribution-name, wrong as written (partly read by a person): "exited with code
  1 ... No module named mcp-server-time", fix "run ... by hand";
- npx-version-not-in-registry, wrong as written (partly read by a person): "exited with code 1
  ... npm error code ETARGET ...", fix "run ... by hand" (the registry's document not read);
- rpc-error-without-message, partly: "answered tools/list with a message MCP cannot read ...
  JSONRPCRequest.method: Field required" (the SDK's first reason, of the wrong member of its
  union; the error's code and its missing message not named);
- http-json-labelled-event-stream, wrong cause: "the answer to initialize is not a JSON-RPC
  message ... it is not an MCP endpoint", fix "check that ... is an MCP server's endpoint";
- cfg-header-trailing-cr, wrong (a false alarm): "initialize failed: the HTTP connection broke
  (LocalProtocolError: Illegal header value b'Bearer ***\\r') ... not an MCP endpoint, or it
  crashed": envcheck's httpx refused the value the client's fetch sends stripped (the token was
  not shown).

After (verdicts from structure: the sockets the server's processes hold, the entry's words as
the client execs them, the files a distribution's installer recorded, the registry's document,
the error object's members, the answer's body against its media type; none from a message's
words): 10 of 10 fully right, each a row of docs/verdicts/mcp.md (section 20, ``ROWS``)
asserted on the run.

- A stdio server stopped with its handshake unanswered has the TCP sockets its processes listen
  on read from /proc (``_reaper.listening``: the socket inodes of /proc/<pid>/fd in
  /proc/<pid>/net/tcp and tcp6, state LISTEN): one that listens was started in an HTTP mode;
  named with its address, the fix its stdio mode or a url entry (before the stdout it wrote).
- ``~/`` at the start of ``command``, or of the script an interpreter runs, is named before the
  spawn (no shell expands it); the fix is the file's own reference, ``${HOME}`` (Claude Code,
  pyproject.toml), ``${userHome}`` (Cursor, VS Code) or the path (Claude Desktop), an Edit.
  The missing-script check no longer expands ``~`` itself.
- A ``command`` of several words that is no file, whose first word is a program: the first
  word as ``command``, the rest before ``args`` (two Edits); such a command is no longer read as
  a path under the project root.
- ``python -m NAME`` where NAME is no dotted identifier: the interpreter is asked which
  top-level package of the distribution NAME has a ``__main__.py`` (``importlib.metadata``'s
  RECORD); that module in ``args`` (an Edit).
- npx's package found in the registry (200): its document's ``versions`` (an exact version) or
  ``dist-tags`` (a tag) lacking what the entry pins is npm's ETARGET; named with the latest.
- A JSON-RPC error without a ``message`` string is an invalid error like one whose code is not
  an integer (the request's id tied to it, the session given an internal error at once).
- A 2xx ``application/json`` answer whose body is SSE events carrying JSON-RPC messages is
  named as an event stream under the wrong media type.
- Header values lose the HTTP whitespace around them (fetch's normalization, RFC 9110's field
  value), the stripped value registered as a secret.

The runnable fixes (the ``${HOME}`` path, the split command line, the module's name) are carried
out by envcheck's fixer and those three servers checked again: they pass
(``test_the_printed_fixes_work``; the real mcp-server-time among them). Cost now: 7.7 user + 0.9
sys CPU-s (``-n 0``), 37 s of wall time.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import textwrap
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.mcp_servers import EVERYTHING, LOCALHOST_ONLY, node
from tests.servers import QuietHandler, free_port, serving
from tests.verdicts.fixes import apply_fix
from tests.verdicts.mcp_world import (
    ECHO_SERVER,
    jsonrpc_reply,
    neighbour_servers,
    processes_of,
    round_tests,
    run_in_process,
    sdk_outcome,
    sdk_stdio,
    servers_toml,
    write_script,
)
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_mcp_wire_sweep import judge

#: the bearer token of the header neighbour: never shown
SECRET = "Heldout13-never-shown-7310"

#: the variable that holds it in the header neighbour (ending in CR)
TOKEN_VARIABLE = "HELDOUT13_TOKEN"

#: the package npx is asked for, the version the entry pins, the versions the registry has
PACKAGE = "@heldout13/notes-mcp"
WANTED = "2.0.0"
VERSIONS = ("1.0.0", "1.1.0")

#: the stdio server of rpc-error-without-message: the echo server whose tools/list is answered
#: by an error object without its message
LISTING = 'reply["result"] = {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}'
assert ECHO_SERVER.count(LISTING) == 1
NOMSG_SERVER = ECHO_SERVER.replace(
    LISTING, 'reply["error"] = {"code": -32603, "data": {"detail": "index not built"}}'
)

#: the header neighbour's proof: an MCP initialize POSTed with Node's fetch (what Claude Code's
#: HTTP transport sends with), the token from the environment, CR and all
FETCH = textwrap.dedent("""
    const response = await fetch(process.env.HELDOUT13_URL, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${process.env.HELDOUT13_TOKEN}`,
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "fetch", version: "1.0" },
        },
      }),
    });
    process.stdout.write(String(response.status));
    """)

#: case name -> (server name, how it is proven: "stdio"/"http" by the SDK's client, "proof" by the
#: case's own; its source, the request the SDK's client fails on or None, the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "stdio-server-runs-http": (
        "httpmode",
        "stdio",
        "server-everything streamableHttp",
        "initialize",
        Expect(
            "mcp/httpmode.initialize|mcp/httpmode.start",
            "fail",
            says=("listens on", "TCP"),
            fix=("url",),
            never=("log to stderr", "raise timeout"),
        ),
    ),
    "cfg-args-tilde": (
        "tilde",
        "stdio",
        "python3 ~/mcp/notes/server.py",
        "initialize",
        Expect(
            "mcp/tilde@mcp.json.start|mcp/tilde@mcp.json.initialize",
            "fail",
            says=("~/mcp/notes/server.py", "does not expand ~"),
            fix=("${HOME}/mcp/notes/server.py",),
            never=("by hand",),
        ),
    ),
    "cfg-command-with-arguments": (
        "oneline",
        "stdio",
        "python3 -u servers/echo.py as the command",
        "initialize",
        Expect(
            "mcp/oneline@mcp.json.start",
            "fail",
            says=("whole command line", "no shell"),
            fix=("python3", "args"),
            never=("command not found", "pip install"),
        ),
    ),
    "stdio-python-m-distribution-name": (
        "timedash",
        "stdio",
        "python -m mcp-server-time",
        "initialize",
        Expect(
            "mcp/timedash.start|mcp/timedash.initialize",
            "fail",
            says=("mcp-server-time", "mcp_server_time"),
            fix=("mcp_server_time",),
            never=("by hand", "pip install"),
        ),
    ),
    "npx-version-not-in-registry": (
        "notesv",
        "stdio",
        "npx",
        "initialize",
        Expect(
            "mcp/notesv@mcp.json.start|mcp/notesv@mcp.json.initialize",
            "fail",
            says=(WANTED, VERSIONS[-1]),
            fix=(VERSIONS[-1],),
            never=("has no package", "cannot be reached", "by hand"),
        ),
    ),
    "rpc-error-without-message": (
        "nomsg",
        "stdio",
        "nomsg",
        "tools/list",
        Expect(
            "mcp/nomsg.tools",
            "fail",
            says=("-32603", "message"),
            fix=("message",),
            never=("no answer to tools/list", "raise timeout"),
        ),
    ),
    "http-json-labelled-event-stream": (
        "mislabel",
        "http",
        "mislabel",
        "initialize",
        Expect(
            "mcp/mislabel.initialize",
            "fail",
            says=("application/json", "event stream"),
            fix=("text/event-stream",),
            never=("fix url", "not an MCP endpoint"),
        ),
    ),
    "stdio-python-m-module-name": (
        "timemod",
        "proof",
        "python -m mcp_server_time",
        None,
        Expect("mcp/timemod.call", "pass"),
    ),
    "stdio-everything-stdio-arg": (
        "everything",
        "proof",
        "server-everything stdio",
        None,
        Expect("mcp/everything.call", "pass"),
    ),
    "cfg-header-trailing-cr": (
        "crtoken",
        "proof",
        "fetch",
        None,
        Expect("mcp/crtoken@mcp.json.tools", "pass"),
    ),
}

#: the neighbours: their clients work with them, envcheck must not fail or warn about them
NEIGHBOURS = ("stdio-python-m-module-name", "stdio-everything-stdio-arg", "cfg-header-trailing-cr")

#: the cases that are rows of docs/verdicts/mcp.md (section 20)
ROWS = tuple(sorted(CASES))

#: the servers whose printed fix a program carries out (and the checks that may print it)
FIXED = {
    "tilde": ("mcp/tilde@mcp.json.start", "mcp/tilde@mcp.json.initialize"),
    "oneline": ("mcp/oneline@mcp.json.start",),
    "timedash": ("mcp/timedash.start", "mcp/timedash.initialize"),
}


class Registry(BaseHTTPRequestHandler):
    """npm's registry with one package, ``PACKAGE``, in ``VERSIONS`` (the last its ``latest``),
    its document as registry.npmjs.org writes one; 404 to every other document."""

    SEEN: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Registry.SEEN.append(self.path)
        name = urllib.parse.unquote(self.path.split("?")[0].lstrip("/"))
        if name != PACKAGE:
            self._send(404, {"error": "Not found"})
            return
        base = f"http://{self.headers['Host']}/{PACKAGE}/-/notes-mcp"
        versions = {
            v: {
                "name": PACKAGE,
                "version": v,
                "bin": {"notes-mcp": "index.js"},
                "dist": {"tarball": f"{base}-{v}.tgz", "shasum": "0" * 40},
            }
            for v in VERSIONS
        }
        document = {
            "name": PACKAGE,
            "dist-tags": {"latest": VERSIONS[-1]},
            "versions": versions,
            "modified": "2026-11-30T10:00:00.000Z",
        }
        self._send(200, document)

    def _send(self, status: int, document: dict[str, Any]) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class Mislabelled(QuietHandler):
    """Streamable HTTP whose every answer is an SSE event under ``application/json``."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        message = json.loads(self.body() or b"{}")
        if "id" not in message or "method" not in message:
            self.respond(202)
            return
        data = json.dumps(jsonrpc_reply(message))
        body = f"event: message\ndata: {data}\n\n".encode()
        self.respond(200, body, {"content-type": "application/json"})

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.respond(405, b"", {"allow": "POST"})

    do_DELETE = do_GET


class Bearer(QuietHandler):
    """Streamable HTTP (JSON answers) that serves ``Authorization: Bearer SECRET`` only; notes
    whether each request carried exactly that."""

    SEEN: list[bool] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.body()
        right = self.headers.get("authorization") == f"Bearer {SECRET}"
        Bearer.SEEN.append(right)
        if not right:
            challenge = {"content-type": "application/json", "www-authenticate": "Bearer"}
            self.respond(401, b'{"error": "unauthorized"}', challenge)
            return
        message = json.loads(body or b"{}")
        if "id" not in message or "method" not in message:
            self.respond(202)
            return
        answer = json.dumps(jsonrpc_reply(message)).encode()
        self.respond(200, answer, {"content-type": "application/json"})

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.respond(405, b"", {"allow": "POST"})

    do_DELETE = do_GET


def _fetch(root: Path, url: str, token: str) -> str:
    """The status Node's fetch gets for an initialize POSTed with ``Bearer <token>``."""
    script = root / "fetch.mjs"
    script.write_text(FETCH)
    env = {**os.environ, "HELDOUT13_URL": url, TOKEN_VARIABLE: token}
    done = subprocess.run(
        [node(), str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip() or f"fails: {done.stderr[-300:]}"


@pytest.fixture(scope="module")
def round13(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The ten servers proven (the SDK's client or the case's own proof, started as each entry
    says), then checked in one envcheck run: the proofs per case, the checks, the processes
    left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout13")
    home = root / "home"
    echo = write_script(root / "servers" / "echo.py", ECHO_SERVER)
    write_script(home / "mcp" / "notes" / "server.py", ECHO_SERVER)
    nomsg = write_script(root / "servers" / "nomsg.py", NOMSG_SERVER)
    port = free_port()  # server-everything's HTTP port (PORT)
    before = processes_of(root)
    with (
        pytest.MonkeyPatch.context() as mp,
        serving(Registry) as registry_port,
        serving(Mislabelled) as mislabel_port,
        serving(Bearer) as bearer_port,
    ):
        mp.setenv("HOME", str(home))  # npx's cache (~/.npm) empty; ~ is this directory
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mp.setenv(TOKEN_VARIABLE, SECRET + "\r")  # exported from a .env with CRLF line ends
        mp.chdir(root)  # the SDK's client starts servers where the client runs
        registry = f"http://127.0.0.1:{registry_port}/"
        # the project's own servers (pyproject.toml)
        servers: dict[str, dict[str, Any]] = {
            "httpmode": {
                "command": node(),
                "args": ["--require", LOCALHOST_ONLY, EVERYTHING, "streamableHttp"],
                "env": {"PORT": str(port)},
            },
            "timedash": {
                "command": sys.executable,
                "args": ["-m", "mcp-server-time"],
                "call": {"tool": "get_current_time", "arguments": {"timezone": "UTC"}},
            },
            "nomsg": {"command": sys.executable, "args": [nomsg]},
            "mislabel": {"url": f"http://127.0.0.1:{mislabel_port}/mcp", "transport": "http"},
            "timemod": {
                "command": sys.executable,
                "args": ["-m", "mcp_server_time"],
                "call": {"tool": "get_current_time", "arguments": {"timezone": "UTC"}},
            },
            "everything": {
                "command": node(),
                "args": [EVERYTHING, "stdio"],
                "call": {"tool": "echo", "arguments": {"message": "hi"}},
            },
        }
        # Claude Code's file
        crtoken_url = f"http://127.0.0.1:{bearer_port}/mcp"
        claude: dict[str, dict[str, Any]] = {
            "tilde": {"command": "python3", "args": ["~/mcp/notes/server.py"]},
            "oneline": {"command": f"python3 -u {echo}"},
            "notesv": {
                "command": "npx",
                "args": ["-y", f"{PACKAGE}@{WANTED}"],
                "env": {"npm_config_registry": registry},
            },
            "crtoken": {
                "type": "http",
                "url": crtoken_url,
                "headers": {"Authorization": f"Bearer ${{{TOKEN_VARIABLE}}}"},
            },
        }
        proven = [n for n in sorted(CASES) if CASES[n][1] in ("stdio", "http")]
        targets: list[Any] = []
        for name in proven:
            server = CASES[name][0]
            if server == "mislabel":
                targets.append(servers[server]["url"])
                continue
            entry = servers.get(server) or claude[server]
            targets.append(
                StdioServerParameters(
                    command=entry["command"],
                    args=entry.get("args", []),
                    env=entry.get("env"),
                    cwd=str(root),
                )
            )
        sdk: dict[str, Any] = dict(zip(proven, judge(targets)))
        proofs: dict[str, Any] = {}
        for name, server in (
            ("stdio-python-m-module-name", "timemod"),
            ("stdio-everything-stdio-arg", "everything"),
        ):
            entry = servers[server]
            outcome = sdk_outcome(functools.partial(sdk_stdio, entry["command"], entry["args"]))
            proofs[name] = outcome == "works" or None
            proofs[f"{name} outcome"] = outcome
        fetched = _fetch(root, crtoken_url, SECRET + "\r")
        proofs["cfg-header-trailing-cr"] = (fetched == "200" and Bearer.SEEN == [True]) or None
        proofs["cfg-header-trailing-cr outcome"] = fetched
        (root / ".mcp.json").write_text(json.dumps({"mcpServers": claude}, indent=2))
        patient = neighbour_servers(CASES, NEIGHBOURS)
        checks = run_in_process(root, servers_toml(servers, patient), SECRET)
        seen = list(Registry.SEEN)
        left = processes_of(root) - before
    yield {
        "sdk": sdk,
        "proofs": proofs,
        "checks": checks,
        "root": root,
        "servers": servers,
        "claude": claude,
        "seen": seen,
        "left": left,
    }


test_heldout, test_no_process_outlives_the_run = round_tests("round13", CASES, ROWS, NEIGHBOURS)


def test_the_registry_was_asked(round13: dict[str, Any]) -> None:
    """npx asked the registry on 127.0.0.1 for the package's document (and found no 2.0.0)."""
    assert any("notes-mcp" in path for path in round13["seen"]), round13["seen"]


def test_the_printed_fixes_work(round13: dict[str, Any]) -> None:
    """The fixes a program carries out (edits of the entries), applied by envcheck's fixer as
    printed; envcheck run again over those servers alone: they pass. (The pinned version, the
    HTTP-mode server's url and the two servers' answers are a person's or the server's authors'
    to change.)"""
    by_id = {c["id"]: c for c in round13["checks"]}
    root: Path = round13["root"]
    servers = round13["servers"]
    config = servers_toml({name: servers[name] for name in FIXED if name in servers})
    (root / "pyproject.toml").write_text(config)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("HOME", str(root / "home"))
        for ids in FIXED.values():
            failing = [by_id[i] for i in ids if i in by_id and by_id[i]["status"] == "fail"]
            assert failing, [by_id.get(i) for i in ids]
            apply_fix(root, failing[0])
        # the client file keeps only the fixed servers
        claude = json.loads((root / ".mcp.json").read_text())["mcpServers"]
        kept = {name: entry for name, entry in claude.items() if name in FIXED}
        (root / ".mcp.json").write_text(json.dumps({"mcpServers": kept}, indent=2))
        after = run_in_process(root, (root / "pyproject.toml").read_text(), SECRET)
    failing = [f"{c['id']} {c['status']}" for c in after if c["status"] not in ("pass", "skip")]
    passed = {c["id"].rsplit(".", 1)[0] for c in after if c["status"] == "pass"}
    wanted = {"mcp/tilde@mcp.json", "mcp/oneline@mcp.json", "mcp/timedash"}
    assert not failing and wanted <= passed, (failing, sorted(c["id"] for c in after))
