"""The eighth held-out round of MCP breakages, after seven rounds and both sweeps: seven
breakages that no row of docs/verdicts/mcp.md, no earlier round and no sweep pair lists (their
ids, descriptions and fault lists grepped first for 301, buffer/flush/PYTHONUNBUFFERED, issuer,
npx.cmd/.cmd, workspaceFolder, claude_desktop/url, elicitation and "before initialized", stderr,
$ref/$defs, 308), and four healthy neighbours, each made for real (a stdio server of this file,
an HTTP server on 127.0.0.1, Claude Code's ``.mcp.json``, Claude Desktop's
``claude_desktop_config.json``, a real npm package run by ``npx``). Candidates the brief offered
that were already rows were left out (structuredContent against outputSchema, undeclared
elicitation/sampling/roots during ``tools/list``, a BOM on stdout, duplicate tool names, a
non-ASCII ``Mcp-Session-Id``, an ``MCP-Protocol-Version`` the server refuses, a missing
``envFile``, a ``cwd`` that does not exist, ``${input:...}``). A grep of envcheck's sources for
the key words (not its diagnosis, which was not read) found ``npx.cmd`` in mcpkit/command.py:
that case may be handled already; it stays, as no row or test says so.

How the set was made (2026-12-07), from the MCP specification (2025-06-18, 2025-11-25), RFC 8414,
nginx's documentation, the official Python SDK's client and the client formats:

- nginx (``location``): "If a location is defined by a prefix string that ends with the slash
  character, and requests are processed by ... proxy_pass ..., in response to a request with URI
  equal to this string, but without the trailing slash, a permanent redirect with the code 301
  will be returned"; a 301 (as a 302) turns a POST into a GET in every HTTP client that follows
  it (fetch, httpx): the MCP request never reaches the server (http-301-post-becomes-get). A
  308, which keeps the method and the body, is a neighbour (http-308-trailing-slash, a pass;
  round 6's 307 was one too);
- *Transports › stdio*: the server writes its messages to stdout; a Python server that writes
  them without flushing, stdout being a pipe, holds them in its 8 KiB buffer until it exits: the
  client never sees the answer to ``initialize`` (stdio-stdout-block-buffered; the real
  ``print()`` of a hand-written server run without ``-u``). Its neighbour: a server that floods
  stderr (1 MiB before the handshake, 256 KiB before the ``tools/list`` answer, sixteen times a
  pipe's buffer) and answers well: a client that reads stderr, or hands it on, is not blocked
  by it (stdio-stderr-flood, a pass);
- *Basic › Lifecycle* (initialization): "The server SHOULD NOT send requests other than pings
  and logging before receiving the initialized notification"; here ``elicitation/create`` before
  the ``initialize`` answer, to a client that declared no elicitation, and -32603 to
  ``initialize`` when refused (srv-request-before-initialized); a ``ping`` there, which the rule
  allows, is the neighbour (srv-ping-before-initialize-result, a pass);
- *Server › Tools › Output Schema*: an ``outputSchema`` is a JSON Schema; the Python SDK's
  FastMCP writes a nested model's as ``$defs`` and ``$ref``; here ``structuredContent``
  conforming to such a schema (call-output-schema-refs, a pass);
- *Basic › Authorization* and RFC 8414 §3.3: "The issuer value returned MUST be identical to the
  authorization server's issuer identifier value into which the well-known URI string was
  inserted ... If these values are not identical, the data contained in the response MUST NOT
  be used"; here the resource metadata names ``/tenant-a`` and the metadata found there says
  ``"issuer": ".../tenant-b"`` (a proxy or tenant mix-up): the SDK's OAuth client stops before
  any sign-in (auth-as-issuer-mismatch);
- the client formats: a ``.mcp.json`` written on Windows with ``"command": "npx.cmd"`` (the
  wrapper Windows needs; there is none here, exec gives ENOENT: cfg-command-npx-cmd); a
  ``.mcp.json`` copied from VS Code's file with ``${workspaceFolder}`` in ``args``: Claude Code
  expands ``${VAR}`` from its environment only, no such variable is set, and "Claude Code will
  fail to parse the config" (cfg-claude-code-workspacefolder); a ``url`` entry in Claude
  Desktop's file, which starts stdio servers only (remote servers are Settings › Connectors,
  which cannot reach 127.0.0.1; ``mcp-remote`` bridges a local one over stdio:
  cfg-claude-desktop-url).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks). The SDK's client proves the MCP cases (it
fails on the request named, or, for the neighbours, works; its OAuth client refuses the
issuer's metadata and never registers); exec, the environment and the published client rules
prove the config cases. All eleven are checked in one envcheck run, in process.

First run (envcheck at c55eebb, the commit that added this file, before any change; graded by
the rules above, 2026-12-07): 11 cases, 6 fully right by the committed expectations (the four
neighbours http-308-trailing-slash, stdio-stderr-flood, srv-ping-before-initialize-result,
call-output-schema-refs; srv-request-before-initialized "before answering initialize, the server
sent envcheck its own request elicitation/create ... envcheck did not declare elicitation", fix
"report it to the server's authors: it sends elicitation/create to clients that do not declare
elicitation"; http-301-post-becomes-get), 2 partly, 3 wrong; of the seven breakages, 2 fully
right. No process outlived the run. Read by a person, one grade is lower: http-301-post-becomes-
get's ``says`` word "301" matched the path (``/moved301/mcp``), the cause being "redirects to
.../moved301/mcp/, and the redirect was not followed" (the fix ``set url = ".../moved301/mcp/"``
right): neither the status nor why a client does not follow it (a 301 turns the POST into a
GET): partly (the paths are ``/legacy/mcp`` and ``/kept/mcp`` since, no expectation changed).
So 5 of 11 (1 of 7 breakages) fully right read strictly, 3 partly, 3 wrong.

- auth-as-issuer-mismatch, partly: "the server wants an OAuth sign-in ... names the
  authorization server .../tenant-a", fix "get an access token from .../tenant-a": the
  metadata's issuer (.../tenant-b) not read, a sign-in named that no client can start;
- cfg-command-npx-cmd, partly: "command not found: npx.cmd", fix "install npx.cmd or put it on
  PATH": nothing of Windows, a fix that cannot be carried out (npx is on PATH);
- stdio-stdout-block-buffered, wrong: "no answer to initialize within 5 s ... it may wait for
  input it never gets, or speak another protocol", fix "... or raise timeout": the answer the
  server held in its buffer, and gave up when its stdin closed, not looked at;
- cfg-claude-code-workspacefolder, wrong: a false pass (envcheck expanded ``${workspaceFolder}``
  in Claude Code's ``.mcp.json``, which Claude Code reads as an unset environment variable);
- cfg-claude-desktop-url, wrong: a false pass ("http://127.0.0.1:.../plain/mcp answers"): a
  ``url`` entry in Claude Desktop's file, which starts stdio servers only.

After (verdicts from structure, none from a message's words): 11 of 11 fully right, each a row
of docs/verdicts/mcp.md (section 14, ``ROWS``) asserted on the run.

- A redirect not followed names its status; a 301, 302 or 303 (the statuses after which a
  client re-sends a POST as a GET without its body, RFC 9110 §15.4) is said to be one, against
  307/308; the fix is the url it points to, as before.
- The stdio transport keeps the ids of envcheck's requests the server has not answered; when
  the session ends with one outstanding (a step's timeout), the reader of stdout outlives the
  cancelled session (a shielded scope, ended after the server's), envcheck closes the server's
  stdin and waits for its exit, and what it writes then is read to the end (one bound of 3 s,
  ``LATE_GRACE``: an event, the exit, ends the wait; only a server already waited on pays it,
  and the checks' grace grew by as much). An answer to an outstanding request that comes only
  then is held-back output: "the server holds its stdout in a buffer"; for a Python program (an
  interpreter, a runner of one such as uv, or a script whose ``#!`` names one) the fix is
  ``PYTHONUNBUFFERED = "1"`` in the entry's env (an Edit), else the server's authors flush.
- A command not found that ends in a Windows PATHEXT ending (``.cmd``, ``.bat``, ``.exe``,
  ``.com``, ``.ps1``) is the Windows name of a program: the fix sets the command to its stem
  (an Edit), naming whether that is on PATH here.
- In Claude Code's ``.mcp.json`` VS Code's predefined variables (``${workspaceFolder}``,
  ``${userHome}``, ...) are no longer expanded (Claude Code expands environment variables
  only); one that no environment variable sets is named as VS Code's, and the fix is the value
  without it (a path relative to the project root, where Claude Code runs; ``${HOME}`` for
  ``${userHome}``), an Edit of every item of the key that uses it.
- A ``url`` entry of Claude Desktop's file fails ``start``: its fix is the ``mcp-remote``
  bridge, and for a public URL Settings › Connectors first (the host decides: loopback,
  private or a bare name is local).
- The authorization server's metadata is read for its ``issuer``: one that is not the issuer
  the resource metadata names (RFC 8414 §3.3, compared without a trailing slash) is why no
  sign-in can start; the fix is the administrators' (make them agree), and meanwhile a token.

The printed fixes of the four cases whose fix is an edit of the project's files (the 301, the
buffered server, npx.cmd, ${workspaceFolder}) are carried out by envcheck's fixer and envcheck
run again over those servers: they pass. Added after the first run, not graded: a Perl server
whose stdout is block-buffered alike (its fix is its authors', flush, not PYTHONUNBUFFERED), and
the neighbourhood of each fix as pure functions (302, 303, 307, 308; ``.exe``, ``.bat``;
loopback, private, bare and public hosts; ``${userHome}``).

Cost: one envcheck run of the twelve servers in process, the SDK's client over nine of them
(its 10 s wait on the two buffered ones is wall time, not CPU), its OAuth client once, and one
envcheck run over the four fixed entries: 5.7 CPU-s in all (``-p no:xdist``), about 31 s of wall
time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import QuietHandler, serving
from tests.verdicts.mcp_world import (
    jsonrpc_reply,
    judge_server,
    oauth_outcome,
    processes_of,
    proven_case_checks,
    run_in_process,
)
from tests.verdicts.test_heldout_mcp7 import TOOLBOX_SERVER
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_mcp_wire_sweep import judge

#: a token no check may show (the judge's Authorization header; none is needed here)
SECRET = "Heldout8-never-shown-5150"

#: this round's stdio server: newline-delimited JSON-RPC, one tool "echo"; MODE bends one thing
SERVER = textwrap.dedent("""
    import json, sys

    MODE = sys.argv[1]
    TOOL = {"name": "echo", "inputSchema": {"type": "object"}}
    if MODE == "refs":  # the shape FastMCP gives a tool returning a nested pydantic model
        TOOL["outputSchema"] = {
            "type": "object",
            "title": "Weather",
            "properties": {"city": {"type": "string"}, "reading": {"$ref": "#/$defs/Reading"}},
            "required": ["city", "reading"],
            "$defs": {
                "Reading": {
                    "type": "object",
                    "title": "Reading",
                    "properties": {"celsius": {"type": "number"}, "at": {"type": "string"}},
                    "required": ["celsius", "at"],
                }
            },
        }
    STRUCTURED = {"city": "Oslo", "reading": {"celsius": -3.5, "at": "2026-12-07T00:00:00Z"}}


    def send(message):
        sys.stdout.write(json.dumps(message) + "\\n")
        if MODE != "blockbuf":  # a server that never flushes: stdout is a pipe, block-buffered
            sys.stdout.flush()


    def flood(size):
        line = "DEBUG heldout8 " + "x" * 100 + "\\n"
        sys.stderr.write(line * (size // len(line)))
        sys.stderr.flush()


    def ask(ident, method, params):
        # sends the client a request; its answer: the next response with the request's id
        send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        for line in sys.stdin:
            reply = json.loads(line)
            if reply.get("id") == ident and "method" not in reply:
                return reply
        return {}


    if MODE == "stderr-flood":
        flood(2**20)
    for line in sys.stdin:
        message = json.loads(line)
        if "id" not in message or "method" not in message:
            continue
        ident, method = message["id"], message["method"]
        params = message.get("params") or {}
        reply = {"jsonrpc": "2.0", "id": ident}
        if method == "initialize":
            reply["result"] = {
                "protocolVersion": params.get("protocolVersion"),
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "heldout8", "version": "1.0"},
            }
            if MODE == "elicit-first":
                schema = {"type": "object", "properties": {"apiKey": {"type": "string"}}}
                asked = {"message": "Your API key?", "requestedSchema": schema}
                if "result" not in ask("srv-elicit-1", "elicitation/create", asked):
                    del reply["result"]
                    reply["error"] = {"code": -32603, "message": "Internal error"}
            if MODE == "ping-first" and "result" not in ask("srv-ping-1", "ping", {}):
                del reply["result"]
                reply["error"] = {"code": -32603, "message": "Internal error"}
        elif method == "tools/list":
            if MODE == "stderr-flood":
                flood(2**18)
            reply["result"] = {"tools": [TOOL]}
        elif method == "ping":
            reply["result"] = {}
        elif method == "tools/call":
            result = {"content": [{"type": "text", "text": "ok"}]}
            if MODE == "refs":
                result = {
                    "content": [{"type": "text", "text": json.dumps(STRUCTURED)}],
                    "structuredContent": STRUCTURED,
                }
            reply["result"] = result
        else:
            reply["error"] = {"code": -32601, "message": "Method not found"}
        send(reply)
    """)


#: a stdio server in Perl, whose stdout to a pipe is block-buffered as Python's is (no ``$| = 1``):
#: the neighbourhood of stdio-stdout-block-buffered that is not Python (no PYTHONUNBUFFERED)
PERL_SERVER = textwrap.dedent("""\
    use JSON::PP;
    while (my $line = <STDIN>) {
        my $m = decode_json($line);
        next unless defined $m->{id} && defined $m->{method};
        my $r = {jsonrpc => "2.0", id => $m->{id}};
        if ($m->{method} eq "initialize") {
            $r->{result} = {protocolVersion => $m->{params}{protocolVersion},
                            capabilities => {tools => {}},
                            serverInfo => {name => "perlbuf", version => "1.0"}};
        } elsif ($m->{method} eq "tools/list") {
            $r->{result} = {tools => []};
        } elsif ($m->{method} eq "ping") {
            $r->{result} = {};
        } else {
            $r->{error} = {code => -32601, message => "Method not found"};
        }
        print encode_json($r), "\n";
    }
    """)


class Handler(QuietHandler):
    """The round's HTTP servers, by the first part of the path:

    - ``/plain/mcp``: a healthy streamable HTTP MCP server (405 to the GET);
    - ``/legacy/mcp`` and ``/kept/mcp``: 301 and 308 to every request, ``Location`` the same path
      with a trailing slash (nginx's answer for a ``location /legacy/mcp/`` behind
      ``proxy_pass``); the path with the slash is the healthy server;
    - ``/issuer/mcp``: 401 with ``WWW-Authenticate: Bearer resource_metadata=...``; the resource
      metadata (RFC 9728, at the URL named) names the authorization server ``/tenant-a``, whose
      RFC 8414 metadata (``/.well-known/oauth-authorization-server/tenant-a``) gives the issuer
      ``/tenant-b``; every other path 404.

    Every request is kept in ``SEEN`` as (method, path)."""

    SEEN: list[tuple[str, str]] = []
    LOCK = threading.Lock()

    def _base(self) -> str:
        return f"http://{self.headers.get('host')}"

    def _route(self, method: str) -> None:
        with self.LOCK:
            self.SEEN.append((method, self.path))
        body = self.body() if method == "POST" else b""
        path = self.path.split("?")[0]
        if path in ("/legacy/mcp", "/kept/mcp"):
            status = 301 if path == "/legacy/mcp" else 308
            self.respond(status, headers={"location": f"{self._base()}{path}/"})
        elif path == "/issuer/mcp":
            metadata = f"{self._base()}/.well-known/oauth-protected-resource/issuer/mcp"
            challenge = f'Bearer resource_metadata="{metadata}"'
            self.respond(401, b"", {"www-authenticate": challenge})
        elif path == "/.well-known/oauth-protected-resource/issuer/mcp":
            document = {
                "resource": f"{self._base()}/issuer/mcp",
                "authorization_servers": [f"{self._base()}/tenant-a"],
                "bearer_methods_supported": ["header"],
            }
            self.respond(200, json.dumps(document).encode(), {"content-type": "application/json"})
        elif path == "/.well-known/oauth-authorization-server/tenant-a":
            base = f"{self._base()}/tenant-b"
            document = {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "registration_endpoint": f"{base}/register",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
            }
            self.respond(200, json.dumps(document).encode(), {"content-type": "application/json"})
        elif path in ("/plain/mcp", "/legacy/mcp/", "/kept/mcp/") and method == "POST":
            message = json.loads(body)
            if "id" not in message or "method" not in message:
                self.respond(202)
                return
            data = json.dumps(jsonrpc_reply(message)).encode()
            self.respond(200, data, {"content-type": "application/json"})
        elif path in ("/plain/mcp", "/legacy/mcp/", "/kept/mcp/"):
            self.respond(405, headers={"allow": "POST"})
        else:
            self.respond(404, b"not found", {"content-type": "text/plain"})

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._route("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._route("DELETE")


#: case name -> (server name, where it is declared, mode or path, the request the SDK's client
#: fails on or None (the MCP cases; None for the config and auth cases, proven otherwise), the
#: expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "http-301-post-becomes-get": (
        "slash301",
        "http",
        "legacy",
        "initialize",
        Expect(
            "mcp/slash301.initialize",
            "fail",
            says=("301", "/legacy/mcp/"),
            fix=("/legacy/mcp/",),
            never=("another origin", "raise timeout", 'transport = "sse"', "not an MCP"),
        ),
    ),
    "http-308-trailing-slash": (
        "slash308",
        "http",
        "kept",
        None,
        Expect("mcp/slash308.tools", "pass"),
    ),
    "stdio-stdout-block-buffered": (
        "blockbuf",
        "stdio",
        "blockbuf",
        "initialize",
        Expect(
            "mcp/blockbuf.initialize",
            "fail",
            says=("stdout", "buffer"),
            fix=("PYTHONUNBUFFERED",),
            never=("raise timeout", "log to stderr", "not an MCP"),
        ),
    ),
    "stdio-stderr-flood": (
        "flood",
        "stdio",
        "stderr-flood",
        None,
        Expect("mcp/flood.tools", "pass"),
    ),
    "srv-request-before-initialized": (
        "elicitinit",
        "stdio",
        "elicit-first",
        "initialize",
        Expect(
            "mcp/elicitinit.initialize",
            "fail",
            says=("elicitation/create", "before"),
            fix=("elicitation",),
            never=("raise timeout", "upgrade the MCP SDK", "not an MCP"),
        ),
    ),
    "srv-ping-before-initialize-result": (
        "pingfirst",
        "stdio",
        "ping-first",
        None,
        Expect("mcp/pingfirst.tools", "pass"),
    ),
    "call-output-schema-refs": ("refs", "stdio", "refs", None, Expect("mcp/refs.call", "pass")),
    "auth-as-issuer-mismatch": (
        "issuer",
        "oauth",
        "issuer",
        None,
        Expect(
            "mcp/issuer.initialize",
            "fail",
            says=("issuer", "tenant-b"),
            fix=("issuer",),
            never=("raise timeout", "not an MCP", "answers HTTP 404"),
        ),
    ),
    "cfg-command-npx-cmd": (
        "wintool",
        "claude",
        "npx.cmd",
        None,
        Expect(
            "mcp/wintool@mcp.json.start",
            "fail",
            says=("npx.cmd", "Windows"),
            fix=('"npx"',),
            never=("pip install", "npm install -g", "raise timeout"),
        ),
    ),
    "cfg-claude-code-workspacefolder": (
        "wsvar",
        "claude",
        "plain",
        None,
        Expect(
            "mcp/wsvar@mcp.json.start|mcp/discovery[mcp.json]",
            "fail",
            says=("${workspaceFolder}", "VS Code"),
            fix=("scripts/heldout8_server.py",),
            never=("export workspaceFolder", "raise timeout"),
        ),
    ),
    "cfg-claude-desktop-url": (
        "remote",
        "desktop",
        "plain",
        None,
        Expect(
            "mcp/remote@claude-desktop.start",
            "fail",
            says=("Claude Desktop",),
            fix=("mcp-remote",),
            never=("raise timeout", "not an MCP"),
        ),
    ),
}

#: the cases that are rows of docs/verdicts/mcp.md (section 14)
ROWS = tuple(sorted(CASES))

#: the neighbours: the client accepts them, envcheck must pass them
NEIGHBOURS = (
    "http-308-trailing-slash",
    "stdio-stderr-flood",
    "srv-ping-before-initialize-result",
    "call-output-schema-refs",
)


def _stdio_table(name: str, mode: str, script: Path) -> str:
    lines = [f"[tool.envcheck.mcp.servers.{name}]"]
    lines += [f"command = {json.dumps(sys.executable)}"]
    lines += [f"args = {json.dumps(['-S', str(script), mode])}"]
    if mode == "refs":
        lines.append('call = { tool = "echo", arguments = {} }')
    return "\n".join(lines) + "\n"


def _http_table(name: str, url: str) -> str:
    return f'[tool.envcheck.mcp.servers.{name}]\nurl = "{url}"\ntransport = "http"\n'


def _package(root: Path) -> Path:
    """An npm package whose only program, named after it, is an MCP server (node, stdio)."""
    package = root / "clock-mcp"
    package.mkdir()
    manifest = {"name": "clock-mcp", "version": "1.0.0", "bin": {"clock-mcp": "server.js"}}
    (package / "package.json").write_text(json.dumps(manifest))
    (package / "server.js").write_text(TOOLBOX_SERVER)
    (package / "server.js").chmod(0o755)
    return package


@pytest.fixture(scope="module")
def round8(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The eleven servers proven (the SDK's client, its OAuth client, exec, the environment),
    then checked in one envcheck run: the proofs per case, the checks, the processes left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout8")
    (root / "scripts").mkdir()
    script = root / "scripts" / "heldout8_server.py"
    script.write_text(SERVER)
    package = _package(root)
    before = processes_of(root)
    with pytest.MonkeyPatch.context() as mp, serving(Handler) as port:
        # no real client config under HOME; npm's cache and logs under the round's root
        home = root / "home"
        mp.setenv("HOME", str(home))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mp.delenv("workspaceFolder", raising=False)
        base = f"http://127.0.0.1:{port}"
        mcp_cases = [n for n, c in CASES.items() if c[1] in ("stdio", "http")]
        targets: list[Any] = []
        for name in mcp_cases:
            _, transport, mode, _, _ = CASES[name]
            if transport == "stdio":
                targets.append(
                    StdioServerParameters(command=sys.executable, args=["-S", str(script), mode])
                )
            else:
                targets.append(f"{base}/{mode}/mcp")
        perl = root / "scripts" / "perlbuf.pl"
        perl.write_text(PERL_SERVER)
        targets.append(StdioServerParameters(command="perl", args=[str(perl)]))
        mcp_cases.append("perlbuf")
        # the server Claude Desktop's entry names is healthy: the breakage is the entry's kind
        sdk: dict[str, Any] = dict(
            zip([*mcp_cases, "plain"], judge([*targets, f"{base}/plain/mcp"]))
        )
        Handler.SEEN.clear()
        oauth, signed_in = oauth_outcome(f"{base}/issuer/mcp")
        registered = [s for s in Handler.SEEN if "register" in s[1] or "tenant-b" in s[1]]
        try:
            subprocess.run(["npx.cmd", "--version"], capture_output=True)
            npx_cmd = "runs"
        except FileNotFoundError:
            npx_cmd = "ENOENT"
        proofs = {
            # the SDK's OAuth client refuses the metadata: no sign-in, nothing sent to tenant-b
            "auth-as-issuer-mismatch": oauth.startswith("OAuthFlowError")
            and "issuer" in oauth
            and not signed_in
            and not registered,
            # exec of npx.cmd fails ENOENT as Claude Code's spawn does (npx itself is here)
            "cfg-command-npx-cmd": npx_cmd == "ENOENT",
            # Claude Code expands ${VAR} from its environment: no variable workspaceFolder
            "cfg-claude-code-workspacefolder": "workspaceFolder" not in os.environ,
            # the entry has a url and no command, and the server at the url works
            "cfg-claude-desktop-url": sdk["plain"] is None,
        }
        claude = {
            "wintool": {"command": "npx.cmd", "args": ["-y", str(package)]},
            "wsvar": {
                "command": sys.executable,
                "args": ["-S", "${workspaceFolder}/scripts/heldout8_server.py", "plain"],
            },
        }
        (root / ".mcp.json").write_text(json.dumps({"mcpServers": claude}, indent=2))
        desktop = home / ".config" / "Claude" / "claude_desktop_config.json"
        desktop.parent.mkdir(parents=True)
        desktop.write_text(json.dumps({"mcpServers": {"remote": {"url": f"{base}/plain/mcp"}}}))
        config = "[tool.envcheck.mcp]\ntimeout = 5.0\n"
        config += f'[tool.envcheck.mcp.servers.perlbuf]\ncommand = "perl"\nargs = ["{perl}"]\n'
        for name, transport, mode, _, _ in CASES.values():
            if transport == "stdio":
                config += _stdio_table(name, mode, script)
            elif transport in ("http", "oauth"):
                config += _http_table(name, f"{base}/{mode}/mcp")
        checks = run_in_process(root, config, SECRET)
    yield {
        "base": base,
        "script": script,
        "sdk": sdk,
        "oauth": oauth,
        "proofs": proofs,
        "checks": checks,
        "root": root,
        "left": processes_of(root) - before,
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_heldout(round8: dict[str, Any], name: str) -> None:
    expect = CASES[name][4]
    discovery = ("mcp/discovery[mcp.json]",) if name == "cfg-claude-code-workspacefolder" else ()
    mine = proven_case_checks(round8, name, CASES[name], also=discovery)
    row = name if name in ROWS else None
    judge_server(expect, mine, healthy=name in NEIGHBOURS, row=row)


def test_a_buffering_server_that_is_not_python_is_its_authors_to_fix(
    round8: dict[str, Any],
) -> None:
    """Added after the first run, for the rule's other branch (not graded): a Perl server whose
    stdout is block-buffered fails the SDK's handshake alike; envcheck names the buffer, and the
    fix is its authors' (flush), not PYTHONUNBUFFERED."""
    assert round8["sdk"]["perlbuf"] and round8["sdk"]["perlbuf"][0] == "initialize"
    found = {c["id"]: c for c in round8["checks"]}["mcp/perlbuf.initialize"]
    assert found["status"] == "fail", found
    assert "holds its stdout in a buffer" in found["summary"], found
    assert "flush" in found["hint"] and "PYTHONUNBUFFERED" not in found["hint"], found


def _apply(check: dict[str, Any], root: Path) -> None:
    """The structured fix of ``check`` carried out as ``envcheck fix`` carries it out."""
    from envcheck.core.config import EnvcheckConfig, Settings
    from envcheck.engine import registry
    from envcheck.engine.fixer import apply_step
    from tests.verdicts.mcp_world import step_of

    steps = [s for s in check["fix"]["steps"] if s["kind"] != "manual"]
    assert steps, check["fix"]
    config = EnvcheckConfig(
        sections={}, settings=Settings(), rootdir=root, source=str(root / "pyproject.toml")
    )
    results = [apply_step(step_of(s), config, registry.make_plugin_manager()) for s in steps]
    assert all(r.ok for r in results), results


def test_the_printed_fixes_work(round8: dict[str, Any]) -> None:
    """The fixes that are edits of files of the project, carried out by envcheck's fixer as
    printed: the url the 301 points to, PYTHONUNBUFFERED in the buffered server's env, npx for
    npx.cmd, the path without ${workspaceFolder} (whose fix names the relative path); envcheck
    run again over those four servers (pyproject.toml holding only theirs): they pass. (The
    issuer's fix is its administrators', Claude Desktop's is outside the project and needs
    mcp-remote from npm: not carried out.)"""
    by_id = {c["id"]: c for c in round8["checks"]}
    root: Path = round8["root"]
    wsvar = by_id["mcp/wsvar@mcp.json.start"]
    assert '"args": ["-S", "scripts/heldout8_server.py", "plain"]' in wsvar["hint"], wsvar
    with pytest.MonkeyPatch.context() as mp, serving(Handler) as port:
        mp.setenv("HOME", str(root / "home-after"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        config = "[tool.envcheck.mcp]\ntimeout = 5.0\n"
        config += _stdio_table("blockbuf", "blockbuf", round8["script"])
        config += _http_table("slash301", f"{round8['base']}/legacy/mcp")
        (root / "pyproject.toml").write_text(config)
        for name in ("slash301", "blockbuf", "wintool@mcp.json", "wsvar@mcp.json"):
            step = "start" if "@" in name else "initialize"
            _apply(by_id[f"mcp/{name}.{step}"], root)
        text = (root / "pyproject.toml").read_text()
        text = text.replace(round8["base"], f"http://127.0.0.1:{port}")
        assert "PYTHONUNBUFFERED" in text and "/legacy/mcp/" in text, text
        after = run_in_process(root, text, SECRET)
    failing = [f"{c['id']} {c['status']}" for c in after if c["status"] not in ("pass", "skip")]
    fixed = {
        "mcp/slash301.tools",
        "mcp/blockbuf.tools",
        "mcp/wintool@mcp.json.tools",
        "mcp/wsvar@mcp.json.tools",
    }
    assert not failing and fixed <= {c["id"] for c in after}, (
        failing,
        sorted(c["id"] for c in after),
    )


def test_no_process_outlives_the_run(round8: dict[str, Any]) -> None:
    assert not round8["left"], f"processes outlived the run: {sorted(round8['left'])}"


# -- the neighbourhood of the fixes, without a server (cheap) ------------------------------------
@pytest.mark.parametrize(
    ("status", "changes"), [(301, True), (302, True), (303, True), (307, False), (308, False)]
)
def test_a_redirect_not_followed_says_whether_it_turns_the_post_into_a_get(
    status: int, changes: bool
) -> None:
    from envcheck.mcpkit.diagnose import _redirected
    from envcheck.mcpkit.spec import ServerSpec

    spec = ServerSpec("moved", "[tool.envcheck.mcp.servers.moved]", "http", url="http://h/mcp")
    failed = _redirected(spec, "http://h/mcp/", followed=False, status=status)
    assert f"(HTTP {status})" in failed.summary
    assert ("turns the POST into a GET" in (failed.why or "")) is changes, failed.why
    assert failed.fix is not None and 'set url = "http://h/mcp/"' in (failed.fix.text or "")


@pytest.mark.parametrize(
    ("command", "stem"),
    [
        ("npx.cmd", "npx"),
        ("uvx.exe", "uvx"),
        ("node.EXE", "node"),
        ("run-server.bat", "run-server"),
    ],
)
def test_a_windows_program_name_is_its_stem(command: str, stem: str) -> None:
    from envcheck.mcpkit.command import windows_suffix
    from envcheck.mcpkit.spec import ServerSpec

    spec = ServerSpec("w", "[tool.envcheck.mcp.servers.w]", "stdio", command=command)
    failed = windows_suffix(spec, os.environ.get("PATH", ""))
    assert failed is not None and "Windows" in failed.summary
    assert failed.fix is not None and f"set command = {json.dumps(stem)}" in (failed.fix.text or "")
    plain = ServerSpec("w", "[tool.envcheck.mcp.servers.w]", "stdio", command="server.py")
    assert windows_suffix(plain, os.environ.get("PATH", "")) is None


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8080/mcp", True),
        ("http://localhost:3000/mcp", True),
        ("http://10.1.2.3/mcp", True),
        ("http://mcp-box:9000/mcp", True),
        ("https://mcp.example.com/mcp", False),
        ("https://93.184.215.14/mcp", False),
    ],
)
def test_claude_desktops_remote_fix_depends_on_who_can_reach_the_host(
    url: str, local: bool
) -> None:
    from envcheck.checks.mcp.target import _local_host

    assert _local_host(url) is local


@pytest.mark.parametrize(
    ("written", "name", "without"),
    [
        ("${workspaceFolder}/scripts/server.py", "workspaceFolder", "scripts/server.py"),
        ("${workspaceFolder}", "workspaceFolder", "."),
        ("--root=${workspaceFolder}/data", "workspaceFolder", "--root=data"),
        ("${userHome}/.config/srv.toml", "userHome", "${HOME}/.config/srv.toml"),
    ],
)
def test_a_vscode_variable_in_claude_codes_file_is_replaced_by_what_it_means_there(
    written: str, name: str, without: str
) -> None:
    from envcheck.checks.mcp.target import _without_variable

    assert _without_variable(written, name) == without
