"""The seventh held-out round of MCP breakages, after six rounds and both sweeps: six breakages
that no row of docs/verdicts/mcp.md, no earlier round and no sweep pair lists (their ids,
descriptions and fault lists grepped first for instructions, _meta, GET, userinfo, envFile, npx,
stdout), and four healthy neighbours, each made for real (a stdio server of this file, an HTTP
server on 127.0.0.1, a VS Code ``.vscode/mcp.json``, a real npm package run by ``npx``). One of
the six (stdio-json-log-lines) is a warning: the SDK's client logs it and goes on.

How the set was made (2026-12-06), from the MCP specification (2025-06-18, 2025-11-25:
schema.ts), the WHATWG Fetch standard, npm's ``npm exec`` and VS Code's configuration format:

- *Basic › Lifecycle*: ``InitializeResult.instructions`` is an optional string; here a list of
  strings (init-instructions-not-string); a string of 4 MiB, a server pasting its manual, is
  still one (init-instructions-huge, a pass);
- *Basic › _meta*: ``_meta`` is an object wherever it appears; here ``"_meta": "trace-7f3a"`` in
  the ``tools/list`` result (result-meta-not-object); objects in every place the schema allows
  one (the initialize result, a tool, a list result, a call result, a content block), with
  reserved ``io.modelcontextprotocol/`` keys (meta-everywhere, a pass);
- *Transports › stdio*: the server MUST NOT write anything to stdout that is not a valid MCP
  message; here a structured logger's JSON lines (``{"level": 30, "msg": ...}``, pino's shape),
  one before the handshake, one before the ``tools/list`` answer (stdio-json-log-lines: the
  SDK's client goes on, a warning as for non-JSON noise, not a protocol failure);
- *Transports › Streamable HTTP › Listening for messages*: after the handshake the client may
  GET the endpoint for an SSE stream on which the server sends notifications and requests; here
  the stream carries ``notifications/tools/list_changed``, a ``ping`` and a
  ``sampling/createMessage`` (to a client that declared no sampling, which answers it with an
  error) and stays open (http-get-stream-server-messages, a pass: the SDK's client answers and
  goes on);
- WHATWG Fetch, *Request constructor*: "If parsedURL includes credentials, then throw a
  TypeError" — a ``url`` with ``user:password@`` is refused by every fetch-based client (VS
  Code, Claude Code, the TypeScript SDK), proven here with node's ``Request``
  (cfg-url-userinfo; its password is a secret and must not be shown); the same credentials in
  ``headers`` (``Authorization: Basic ...``), which fetch sends (cfg-headers-basic, a pass);
- VS Code's ``envFile`` names a file; here a directory (``.env.d/``) (cfg-envfile-directory);
- ``npx -y <package>`` runs the package's ``bin``; a package without one makes npm exit 1,
  "could not determine executable to run" (npx-bin-missing).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks). The SDK's client proves the breakages and the
neighbours of the MCP cases; node's fetch, the file system and npx themselves prove the config
cases. All ten are checked in one envcheck run, in process.

First run (envcheck at 02078f0, the commit that added this file, before any change; graded by
the rules above, 2026-12-06): 10 cases, 7 fully right (the four neighbours init-instructions-huge,
meta-everywhere, http-get-stream-server-messages, cfg-headers-basic; init-instructions-not-string
"the answer to initialize does not match the MCP schema: instructions: Input should be a valid
string", result-meta-not-object "... tools/list ...: _meta: Input should be a valid dictionary",
stdio-json-log-lines WARN "printed 1 non-protocol line(s) on stdout", fix "log to stderr"), 1
partly, 2 wrong; of the six breakages, 3 fully right. No process outlived the run; the password
was in no check.

- npx-bin-missing, partly: "`npx -y .../weather-mcp` exited with code 1 before answering", npm's
  own words in the fallback ("npm error could not determine executable to run"), fix "run ... by
  hand to see the error": nothing read from the package (its package.json has no ``bin``);
- cfg-envfile-directory, wrong: "envFile .../.env.d does not exist", fix "create .../.env.d with
  the server's variables" for a path that exists, a directory (a wrong cause, a fix that cannot
  be carried out);
- cfg-url-userinfo, wrong: a false pass ("http://***@127.0.0.1:.../plain/mcp answers"): envcheck's
  own client (httpx) sends the URL's credentials as Basic, VS Code's fetch refuses the URL.

After (verdicts from structure, none from npm's or anyone's words): 10 of 10 fully right, each
a row of docs/verdicts/mcp.md (section 13, ``ROWS``) asserted on the run. A client file's ``url``
whose authority holds ``user:password@`` fails ``start`` (read with urllib.parse; the summary
names ``user:password@`` and the URL without them, never the values), the fix the
``Authorization`` header; an ``envFile`` that is a directory is named so, with the files in it,
and the fix names one; a server started by ``npx``/``npm exec`` that exits 1 at start has its
package's ``package.json`` read (a local path as given, else npx's cache
``<npm cache>/_npx/*/node_modules/<name>``) with npm's own choice of program (the only ``bin``,
or the one named after the package): no ``bin`` is a library, several with none of that name
need ``--package=PKG PROGRAM``. That second branch is an eleventh case added after the first
run (npx-bin-ambiguous, in Claude Code's ``.mcp.json``), not counted in the grades. The fixes
of the three config cases are carried out as printed and envcheck run again: they pass.

Cost: one envcheck run of all the servers in process, the SDK's client over the seven MCP
servers, node and npx for the proofs, and one more envcheck run over the fixed entries: about 6
CPU-s (``-p no:xdist``).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import QuietHandler, serving
from tests.verdicts.mcp_world import (
    jsonrpc_reply,
    processes_of,
    round_tests,
    run_in_process,
)
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_mcp_wire_sweep import judge

#: the password of cfg-url-userinfo's URL: a secret no check may show
PASSWORD = "pw-Hq2vZ9xK"
#: the same credentials as VS Code sends them, in an Authorization header (cfg-headers-basic)
BASIC = base64.b64encode(f"envcheck:{PASSWORD}".encode()).decode()

#: this round's stdio server: newline-delimited JSON-RPC, one tool "echo"; MODE bends one thing
SERVER = textwrap.dedent("""
    import json, sys

    MODE = sys.argv[1]
    TOOL = {"name": "echo", "inputSchema": {"type": "object"}}
    META = {"io.modelcontextprotocol/related-task": {"taskId": "t-1"}, "example.com/trace": "a1"}
    if MODE == "meta":
        TOOL["_meta"] = dict(META)


    def send(message):
        sys.stdout.write(json.dumps(message) + "\\n")
        sys.stdout.flush()


    def log(words):
        # pino's shape: a structured logger writing its JSON lines to stdout
        sys.stdout.write(json.dumps({"level": 30, "time": 1765000000000, "msg": words}) + "\\n")
        sys.stdout.flush()


    if MODE == "json-logs":
        log("server started")
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
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "heldout7", "version": "1.0"},
            }
            if MODE == "instructions-list":
                result["instructions"] = ["Use echo to test.", "Nothing else."]
            if MODE == "instructions-huge":
                result["instructions"] = "Use echo to test; it answers ok. " * 131072
            if MODE == "meta":
                result["_meta"] = dict(META)
            reply["result"] = result
        elif method == "tools/list":
            if MODE == "json-logs":
                log("tools/list")
            reply["result"] = {"tools": [TOOL]}
            if MODE == "meta-string":
                reply["result"]["_meta"] = "trace-7f3a"
            if MODE == "meta":
                reply["result"]["_meta"] = dict(META)
        elif method == "ping":
            reply["result"] = {}
        elif method == "tools/call":
            result = {"content": [{"type": "text", "text": "ok"}]}
            if MODE == "meta":
                result = {"content": [{"type": "text", "text": "ok", "_meta": dict(META)}],
                          "_meta": dict(META)}
            reply["result"] = result
        else:
            reply["error"] = {"code": -32601, "message": "Method not found"}
        send(reply)
    """)


class Handler(QuietHandler):
    """A streamable HTTP MCP server at ``/<mode>/mcp`` that gives a session id; ``mode``:
    ``plain`` (405 to the GET), ``getstream`` (the GET is answered with an SSE stream carrying
    ``notifications/tools/list_changed``, a ``ping`` and a ``sampling/createMessage``, left open
    until the client goes or 8 s pass). The client's answers to the stream's requests are kept
    in ``ANSWERS``."""

    ANSWERS: list[dict[str, Any]] = []
    LOCK = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        mode = self.path.strip("/").split("/")[0]
        if mode != "getstream" or "text/event-stream" not in (self.headers.get("accept") or ""):
            self.respond(405, headers={"allow": "POST, DELETE"})
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.end_headers()
        changed = {"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}
        ping = {"jsonrpc": "2.0", "id": "srv-ping-1", "method": "ping"}
        sampling = {
            "jsonrpc": "2.0",
            "id": "srv-sampling-1",
            "method": "sampling/createMessage",
            "params": {
                "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}],
                "maxTokens": 10,
            },
        }
        try:
            for n, message in enumerate((changed, ping, sampling)):
                self.wfile.write(f"id: {n}\ndata: {json.dumps(message)}\n\n".encode())
                self.wfile.flush()
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:
                time.sleep(0.25)
                self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except OSError:
            return

    def do_DELETE(self) -> None:  # noqa: N802
        self.respond(200)

    def do_POST(self) -> None:  # noqa: N802
        message = json.loads(self.body())
        if "method" not in message:
            with self.LOCK:
                self.ANSWERS.append(message)
            self.respond(202)
            return
        if "id" not in message:
            self.respond(202)
            return
        data = json.dumps(jsonrpc_reply(message)).encode()
        headers = {"content-type": "application/json", "mcp-session-id": "heldout7-session"}
        self.respond(200, data, headers)


#: case name -> (server name, where it is declared, mode, the request the SDK's client fails
#: on or None (the MCP cases; None for the config cases, proven otherwise), the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "init-instructions-not-string": (
        "manual",
        "stdio",
        "instructions-list",
        "initialize",
        Expect(
            "mcp/manual.initialize",
            "fail",
            says=("instructions",),
            never=("raise timeout", "not an MCP", "log to stderr", "can explain"),
        ),
    ),
    "init-instructions-huge": (
        "verbose",
        "stdio",
        "instructions-huge",
        None,
        Expect("mcp/verbose.tools", "pass", never=("it answers ok. Use echo",)),
    ),
    "result-meta-not-object": (
        "traced",
        "stdio",
        "meta-string",
        "tools/list",
        Expect(
            "mcp/traced.tools",
            "fail",
            says=("_meta", "tools/list"),
            never=("raise timeout", "not an MCP", "log to stderr", "can explain"),
        ),
    ),
    "meta-everywhere": ("metas", "stdio", "meta", None, Expect("mcp/metas.call", "pass")),
    "stdio-json-log-lines": (
        "pino",
        "stdio",
        "json-logs",
        None,
        Expect(
            "mcp/pino.initialize",
            "warn",
            says=("stdout",),
            fix=("stderr",),
            never=("jsonrpc", "not an MCP", "raise timeout"),
        ),
    ),
    "http-get-stream-server-messages": (
        "listener",
        "http",
        "getstream",
        None,
        Expect("mcp/listener.tools", "pass", never=("raise timeout", "sampling")),
    ),
    "cfg-url-userinfo": (
        "userinfo",
        "vscode",
        "plain",
        None,
        Expect(
            "mcp/userinfo@vscode.start|mcp/userinfo@vscode.initialize",
            "fail",
            says=("credentials", "url"),
            fix=("headers", "Authorization"),
            never=(PASSWORD, "raise timeout", "not an MCP"),
        ),
    ),
    "cfg-headers-basic": (
        "basic",
        "vscode",
        "plain",
        None,
        Expect("mcp/basic@vscode.tools", "pass", never=(PASSWORD, BASIC)),
    ),
    "cfg-envfile-directory": (
        "envdir",
        "vscode",
        "plain",
        None,
        Expect(
            "mcp/envdir@vscode.start",
            "fail",
            says=("envFile", "directory"),
            fix=("envFile",),
            never=("does not exist", "raise timeout"),
        ),
    ),
    "npx-bin-missing": (
        "weather",
        "vscode",
        "npx",
        None,
        Expect(
            "mcp/weather@vscode.start",
            "fail",
            says=("bin",),
            never=("install Node.js", "not found", "raise timeout", "log to stderr"),
        ),
    ),
    # added after the first run, for the rule's other branch (not graded by the first run)
    "npx-bin-ambiguous": (
        "toolbox",
        "claude",
        "npx",
        None,
        Expect(
            "mcp/toolbox@mcp.json.start",
            "fail",
            says=("toolbox-cli", "toolbox-mcp"),
            fix=("--package=",),
            never=("install Node.js", "not found", "raise timeout", "log to stderr"),
        ),
    ),
}

#: the cases that are rows of docs/verdicts/mcp.md (section 13)
ROWS = tuple(sorted(CASES))

#: the neighbours: the client accepts them, envcheck must pass them (or warn, as the SDK's
#: client logs and goes on)
NEIGHBOURS = (
    "init-instructions-huge",
    "meta-everywhere",
    "http-get-stream-server-messages",
    "cfg-headers-basic",
)


def _stdio_table(name: str, mode: str, script: Path) -> str:
    lines = [f"[tool.envcheck.mcp.servers.{name}]"]
    lines += [f"command = {json.dumps(sys.executable)}"]
    lines += [f"args = {json.dumps(['-S', str(script), mode])}"]
    lines.append('call = { tool = "echo", arguments = {} }')
    return "\n".join(lines) + "\n"


def _vscode(root: Path, script: Path, port: int, package: Path) -> dict[str, Any]:
    """The round's ``.vscode/mcp.json`` servers."""
    (root / ".env.d").mkdir()
    (root / ".env.d" / "local.env").write_text("HELDOUT7_URL=http://127.0.0.1:9/api\n")
    return {
        "userinfo": {
            "type": "http",
            "url": f"http://envcheck:{PASSWORD}@127.0.0.1:{port}/plain/mcp",
        },
        "basic": {
            "type": "http",
            "url": f"http://127.0.0.1:{port}/plain/mcp",
            "headers": {"Authorization": f"Basic {BASIC}"},
        },
        "envdir": {
            "type": "stdio",
            "command": sys.executable,
            "args": ["-S", str(script), "plain"],
            "envFile": "${workspaceFolder}/.env.d",
        },
        "weather": {"type": "stdio", "command": "npx", "args": ["-y", str(package)]},
    }


def _basic_works(port: int) -> bool:
    """node's fetch sends the header form of the same credentials (and the server answers)."""
    script = (
        "fetch(process.argv[1], {method: 'POST', headers: {Authorization: process.argv[2], "
        "'content-type': 'application/json', accept: 'application/json, text/event-stream'}, "
        "body: JSON.stringify({jsonrpc: '2.0', id: 1, method: 'ping'})})"
        ".then(r => process.exit(r.status === 200 ? 0 : 1), () => process.exit(2))"
    )
    url = f"http://127.0.0.1:{port}/plain/mcp"
    done = subprocess.run(["node", "-e", script, url, f"Basic {BASIC}"], capture_output=True)
    return done.returncode == 0


def _package(root: Path) -> Path:
    """An npm package whose package.json has ``main`` and no ``bin`` (a library)."""
    package = root / "weather-mcp"
    package.mkdir()
    manifest = {"name": "weather-mcp", "version": "1.0.0", "main": "index.js"}
    (package / "package.json").write_text(json.dumps(manifest))
    (package / "index.js").write_text("module.exports = {};\n")
    return package


#: toolbox's MCP server program: newline-delimited JSON-RPC over stdio, one tool
TOOLBOX_SERVER = textwrap.dedent("""\
    #!/usr/bin/env node
    const lines = require("readline").createInterface({ input: process.stdin });
    lines.on("line", (line) => {
      const m = JSON.parse(line);
      if (m.id === undefined || !m.method) return;
      const r = { jsonrpc: "2.0", id: m.id };
      if (m.method === "initialize") {
        r.result = { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} },
                     serverInfo: { name: "toolbox", version: "1.0" } };
      } else if (m.method === "tools/list") {
        r.result = { tools: [{ name: "echo", inputSchema: { type: "object" } }] };
      } else if (m.method === "ping") {
        r.result = {};
      } else {
        r.error = { code: -32601, message: "Method not found" };
      }
      process.stdout.write(JSON.stringify(r) + "\\n");
    });
    """)


def _toolbox(root: Path) -> Path:
    """An npm package with two programs, neither named after it: a CLI and the MCP server."""
    package = root / "toolbox"
    package.mkdir()
    bins = {"toolbox-cli": "cli.js", "toolbox-mcp": "server.js"}
    manifest = {"name": "toolbox", "version": "1.0.0", "bin": bins}
    (package / "package.json").write_text(json.dumps(manifest))
    (package / "cli.js").write_text("#!/usr/bin/env node\nconsole.log('usage: toolbox');\n")
    (package / "server.js").write_text(TOOLBOX_SERVER)
    for name in bins.values():
        (package / name).chmod(0o755)
    return package


@pytest.fixture(scope="module")
def round7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The ten servers proven (the SDK's client, node's fetch, the file system, npx), then
    checked in one envcheck run: the proofs per case, the checks, the processes left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout7")
    script = root / "heldout7_server.py"
    script.write_text(SERVER)
    package = _package(root)
    before = processes_of(root)
    with pytest.MonkeyPatch.context() as mp, serving(Handler) as port:
        # no real client config under HOME; npm's cache and logs under the round's root
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mcp_cases = [n for n, c in CASES.items() if c[1] in ("stdio", "http")]
        targets: list[Any] = []
        for name in mcp_cases:
            _, transport, mode, _, _ = CASES[name]
            if transport == "stdio":
                targets.append(
                    StdioServerParameters(command=sys.executable, args=["-S", str(script), mode])
                )
            else:
                targets.append(f"http://127.0.0.1:{port}/{mode}/mcp")
        sdk: dict[str, Any] = dict(zip(mcp_cases, judge(targets)))
        answered = [a.get("id") for a in Handler.ANSWERS]
        servers = _vscode(root, script, port, package)
        fetch = subprocess.run(
            ["node", "-e", "new Request(process.argv[1])", servers["userinfo"]["url"]],
            capture_output=True,
            text=True,
        )
        npx = subprocess.run(
            ["npx", "-y", str(package)], capture_output=True, text=True, cwd=root, timeout=60
        )
        toolbox = _toolbox(root)
        npx2 = subprocess.run(
            ["npx", "-y", str(toolbox)], capture_output=True, text=True, cwd=root, timeout=60
        )
        proofs = {
            # node's fetch refuses the URL (a TypeError), as VS Code's does
            "cfg-url-userinfo": fetch.returncode != 0 and "TypeError" in fetch.stderr,
            "cfg-headers-basic": (
                "basic",
                "vscode",
                "plain",
                None,
                Expect("mcp/basic@vscode.tools", "pass", never=(PASSWORD, BASIC)),
            ),
            "cfg-envfile-directory": (root / ".env.d").is_dir(),
            "npx-bin-missing": npx.returncode != 0,
            "npx-bin-ambiguous": npx2.returncode != 0,
        }
        claude = {"command": "npx", "args": ["-y", str(toolbox)]}
        (root / ".mcp.json").write_text(json.dumps({"mcpServers": {"toolbox": claude}}))
        (root / ".vscode").mkdir()
        (root / ".vscode" / "mcp.json").write_text(json.dumps({"servers": servers}, indent=2))
        config = "[tool.envcheck.mcp]\ntimeout = 5.0\n" + "".join(
            _stdio_table(name, mode, script)
            for name, transport, mode, _, _ in CASES.values()
            if transport == "stdio"
        )
        config += (
            f'[tool.envcheck.mcp.servers.listener]\nurl = "http://127.0.0.1:{port}/getstream/mcp"'
            '\ntransport = "http"\n'
        )
        checks = run_in_process(root, config, PASSWORD)
    yield {
        "sdk": sdk,
        "proofs": proofs,
        "answered": answered,
        "checks": checks,
        "root": root,
        "left": processes_of(root) - before,
    }


test_heldout, test_no_process_outlives_the_run = round_tests("round7", CASES, ROWS, NEIGHBOURS)


def test_the_printed_fixes_of_the_config_cases_work(round7: dict[str, Any]) -> None:
    """cfg-url-userinfo's, cfg-envfile-directory's and npx-bin-ambiguous's fixes (Manual: VS
    Code's file is JSON with comments, which envcheck does not rewrite; which program is the
    server only its documentation says), carried out as printed: the url without its credentials
    and the header the fix names; envFile set to the file the fix names; the args printed, with
    the server's program for PROGRAM. envcheck run again over the fixed entries: all pass."""
    by_id = {c["id"]: c for c in round7["checks"]}
    userinfo, envdir = by_id["mcp/userinfo@vscode.start"], by_id["mcp/envdir@vscode.start"]
    root: Path = round7["root"]
    servers = json.loads((root / ".vscode" / "mcp.json").read_text())["servers"]
    bare = servers["basic"]["url"]  # the same server's URL, without credentials
    assert f'"url": "{bare}"' in userinfo["hint"] and '"Authorization": "Basic' in userinfo["hint"]
    named = root / ".env.d" / "local.env"
    assert f"e.g. {named}" in envdir["hint"], envdir["hint"]
    toolbox = by_id["mcp/toolbox@mcp.json.start"]
    printed = ["-y", f"--package={root / 'toolbox'}", "PROGRAM"]
    assert json.dumps(printed) in toolbox["hint"], toolbox["hint"]
    # PROGRAM: of the two the fix lists, the one that is the MCP server
    args = [a.replace("PROGRAM", "toolbox-mcp") for a in printed]
    claude = {"mcpServers": {"toolbox": {"command": "npx", "args": args}}}
    (root / ".mcp.json").write_text(json.dumps(claude))
    fixed = {
        "userinfo": {"type": "http", "url": bare, "headers": {"Authorization": f"Basic {BASIC}"}},
        "envdir": {**servers["envdir"], "envFile": str(named)},
    }
    (root / ".vscode" / "mcp.json").write_text(json.dumps({"servers": fixed}))
    with pytest.MonkeyPatch.context() as mp, serving(Handler) as port:
        mp.setenv("HOME", str(root / "home"))
        text = json.dumps({"servers": fixed}).replace(bare.split("/")[2], f"127.0.0.1:{port}")
        (root / ".vscode" / "mcp.json").write_text(text)
        after = run_in_process(root, "[tool.envcheck.mcp]\ntimeout = 5.0\n", PASSWORD)
    failing = [f"{c['id']} {c['status']}" for c in after if c["status"] not in ("pass", "skip")]
    ids = {c["id"] for c in after}
    fixed_ids = {
        "mcp/userinfo@vscode.tools",
        "mcp/envdir@vscode.tools",
        "mcp/toolbox@mcp.json.tools",
    }
    assert not failing and fixed_ids <= ids, (
        failing,
        sorted(ids),
    )


def test_the_sdk_answered_the_get_streams_requests(round7: dict[str, Any]) -> None:
    """The neighbour is what it says: the SDK's client read the GET stream and answered both of
    the server's requests there (the ping with a result, the sampling with an error)."""
    assert {"srv-ping-1", "srv-sampling-1"} <= set(round7["answered"]), round7["answered"]
