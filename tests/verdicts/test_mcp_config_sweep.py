"""How each MCP client reads each field of its own config file, enumerated from the clients'
documentation and (where public) source: the client-config sweep (issue 23).

Two of the eighth held-out round's false passes came from the client files, not the servers:
envcheck expanded VS Code's ``${workspaceFolder}`` in Claude Code's ``.mcp.json`` and accepted a
``url`` entry in Claude Desktop's file. So the space here is each file × each field × each syntax
form, from the sources in ``SOURCES`` (each pair names its own):

- Claude Code's ``.mcp.json`` (``mcpServers``, strict JSON): ``${VAR}`` and ``${VAR:-default}``
  in ``command``, ``args``, ``env`` (stdio) and ``url``, ``headers`` (``"type": "http"``/``"sse"``);
  its expansion (``expandEnvVarsInString``) takes ``${`` up to the first ``}`` as one reference,
  splits it at ``:-`` into at most two parts, uses the variable whenever it is defined (an empty
  value too) and keeps an undefined one without a default as written, warning; its schemas: a
  stdio entry is ``type``/``command``/``args``/``env`` (no ``cwd``, no ``envFile``: dropped), a
  remote one needs ``"type": "http"`` or ``"sse"`` (``"ws"``), any other ``type`` is refused;
- Cursor's ``.cursor/mcp.json`` (``mcpServers``): ``${env:NAME}``, ``${userHome}``,
  ``${workspaceFolder}``, ``${workspaceFolderBasename}``, ``${pathSeparator}``/``${/}`` in
  ``command``, ``args``, ``env``, ``url``, ``headers``; ``envFile`` for stdio; ``type`` optional;
- VS Code's ``.vscode/mcp.json`` (``servers``, JSON with comments): the predefined variables
  (``${workspaceFolder}``, ``${userHome}``, ``${env:NAME}``...), ``inputs`` and
  ``${input:ID}`` (``promptString``, ``password``), ``envFile``, ``cwd``, ``type`` stdio/http/sse,
  ``dev``; a name its resolver does not know is left as written;
- Claude Desktop's ``claude_desktop_config.json`` (``mcpServers``): stdio entries only
  (``command``, ``args``, ``env``), nothing expanded.

For every pair, what the client would do is data: it starts the server healthy with a given
argv/env/cwd/header (``starts``), starts it with text the entry did not mean (``literal``: an
unexpanded reference, an empty value), drops a field (``ignores``), refuses the entry
(``refuses``), or needs a person (``prompts``). Each pair is made for real: the entry written in
a throwaway project's file, pointing at a ``python -S`` stdio server that records its argv, its
``SWEEP_*`` environment and its cwd, or at an HTTP server that records the headers it got; one
envcheck session (in process) per file kind over all its pairs.

The invariants, from structure (the file kind, the field, the syntax; never a message's words
for the decision, which is the pair's data): a pair the client starts healthy fails and warns
nothing, and the server saw what the client would give it; any other pair fails or warns on a
check of that entry, naming the file, the entry, the field and the syntax, with a fix that is an
edit of that field (carried out by envcheck's fixer; a new session over the fixed file passes),
or, for an unset variable, the export of it (done by the test before that session); a ``prompts``
pair is skipped; no secret in any output. Files as a whole (comments, the top-level key) are
judged by discovery alone (``FILE_PAIRS``): one file cannot be both.

First written with 72 entry pairs (Claude Code 31, Cursor 18, VS Code 16, Claude Desktop 7) and 10
file pairs. First run, on the code before any change (2026-12-07, commit 16cb0e9): 19 of the 72
entry pairs wrong, the file pairs right. Claude Code 14 of 31: 10 false passes (``${env:NAME}``
of Cursor's syntax in ``args``, ``env``, ``headers`` taken for ``${NAME}`` and expanded, in
``command`` and ``url`` too, where Claude Code starts or connects to the text itself; ``cwd`` and
``envFile``, which Claude Code drops, used; ``"type": "local"``, ``"streamable-http"`` and a
``url`` without ``type``, which its schema refuses, checked anyway), 3 servers started with
other values than Claude Code gives (a defined but empty variable with a default got the
default; ``${A:-a:-b}`` gave ``a:-b``), and ``${input:ID}`` read as VS Code's prompt (its fix
declares ``inputs``, which Claude Code has not; the re-run failed); Cursor 1 of 18 (``${input:ID}``
alike); VS Code 1 of 16 (an undeclared ``${input:ID}`` named without its field); Claude Desktop 3
of 7 (the literal ``${...}`` it passes on reached the server as envcheck's internal marker
``${ENVCHECK_LITERAL_<hex>}``).

Now none (mcpkit/discovery.py, checks/mcp/target.py): Claude Code's file is expanded as
``expandEnvVarsInString`` expands it (a name that is no variable's, ``${env:NAME}`` or
``${input:ID}``, kept as text the start check warns about, with the fix in Claude Code's syntax;
a defined variable over its default; a default cut at a second ``:-``), its schemas decide
``type`` (a url entry needs ``"http"`` or ``"sse"``: the fix sets it) and the keys it drops
(``cwd``, ``envFile``: a warning, the fix removes them); ``${input:ID}`` is a prompt in VS Code's
file only; an undeclared input is named with its key; Claude Desktop's servers receive the text
itself. Five healthy pairs were then dropped for the cost (none of the wrong ones) and three added
(a relative ``command`` in Claude Code's and Cursor's files, one beside VS Code's ``cwd``): 70
entry pairs (Claude Code 31, Cursor 18, VS Code 15, Claude Desktop 6), which the code before
gets wrong in the same 19 (the sweep run over src/ of commit 16cb0e9); their 27 fixes carried out
(edits by envcheck's fixer, exports and a created envFile by the test) and re-run. Six kinds got
rows of their own (docs/verdicts/mcp.md section 15, ``ROWS``, asserted on this run). Cost: 4.7
to 6 CPU-s for the sweep (two envcheck sessions in process, of 70 and 27 servers), 8.7 for the
file with pytest's start (``-p no:xdist``, a loaded shared machine).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.verdicts import table
from tests.verdicts.child_server import child_server
from tests.verdicts.mcp_world import (  # noqa: F401 - the fixture is autouse here
    environment,
    no_real_client_configs,
    run_in_process,
    step_of,
)

SECRET = "Config-sweep-Token-Never-Shown-2323"
SET = "sweep-value"

#: where each rule is stated
SOURCES = {
    "cc-docs": "https://code.claude.com/docs/en/mcp (Environment variable expansion in .mcp.json:"
    " ${VAR}, ${VAR:-default}; command, args, env, url, headers)",
    "cc-source": "Claude Code services/mcp/envExpansion.ts expandEnvVarsInString (as published in"
    " public reconstructions): /\\$\\{([^}]+)\\}/g, varContent.split(':-', 2), process.env[name]"
    " !== undefined, an undefined name without default kept as written (missingVars: a warning)",
    "cc-measured": "https://dev.to/rulestack/six-var-forms-five-mcpjson-fields-two-tiny-servers-"
    "what-claude-code-mcp-expansion-actually-5a1f (Claude Code 2.1.278: $VAR never expanded, an"
    " unset ${VAR} arrived as the literal text)",
    "cc-schema": "Claude Code services/mcp/types.ts: McpStdioServerConfigSchema {type?: 'stdio',"
    " command, args, env} (other keys dropped); McpSSE/HTTPServerConfigSchema {type: 'sse'|'http',"
    " url, headers}; expandEnvVars: stdio expands command/args/env, sse/http/ws url/headers",
    "cursor-docs": "https://cursor.com/docs/context/mcp (Config interpolation: ${env:NAME},"
    " ${userHome}, ${workspaceFolder}, ${workspaceFolderBasename}, ${pathSeparator} or ${/} in"
    " command, args, env, url, headers; STDIO envFile)",
    "vscode-docs": "https://code.visualstudio.com/docs/copilot/reference/mcp-configuration"
    " (servers, inputs, ${input:ID} promptString/password, envFile, type, dev; predefined"
    " variables)",
    "vscode-resolver": "https://github.com/microsoft/vscode/blob/main/src/vs/workbench/services/"
    "configurationResolver/common/variableResolver.ts (env: an unset name is ''; an unknown"
    " variable name is returned as written)",
    "desktop": "https://modelcontextprotocol.io/quickstart/user (claude_desktop_config.json:"
    " mcpServers of command, args, env; stdio servers started by Claude Desktop)",
}

#: the recording stdio server: ``python -S rec.py RECORDS TAG ARG...``
RECORDER = r"""
import json, os, sys

records, tag = sys.argv[1], sys.argv[2]
seen = {"argv": sys.argv[3:], "cwd": os.getcwd(),
        "env": {k: v for k, v in os.environ.items() if k.startswith("SWEEP_")}}
with open(os.path.join(records, tag + ".json"), "w") as handle:
    json.dump(seen, handle)
for line in sys.stdin:
    message = json.loads(line)
    if "id" not in message or "method" not in message:
        continue
    method, params = message["method"], message.get("params") or {}
    reply = {"jsonrpc": "2.0", "id": message["id"]}
    if method == "initialize":
        reply["result"] = {"protocolVersion": params.get("protocolVersion"),
                           "capabilities": {"tools": {}},
                           "serverInfo": {"name": "config-sweep", "version": "1.0"}}
    elif method == "tools/list":
        reply["result"] = {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}
    elif method == "ping":
        reply["result"] = {}
    elif method == "tools/call":
        reply["result"] = {"content": [{"type": "text", "text": "ok"}]}
    else:
        reply["error"] = {"code": -32601, "message": "Method not found"}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
"""

#: the recording HTTP server: streamable HTTP (JSON answers) at /TAG/mcp; the Authorization
#: header of each tag's initialize is written to RECORDS/http-TAG.json
HTTP_RECORDER = r"""
import json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

with open(sys.argv[-1]) as handle:
    records = json.load(handle)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.send(405, b"", [("Allow", "POST, DELETE")])

    def do_DELETE(self):
        self.send(200)

    def do_POST(self):
        parts = self.path.strip("/").split("/")
        message = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        method, params = message.get("method"), message.get("params") or {}
        if len(parts) != 2 or parts[1] != "mcp":
            return self.send(404, b"not here", [("Content-Type", "text/plain")])
        if method == "initialize":
            seen = {"path": self.path, "authorization": self.headers.get("Authorization")}
            with open(os.path.join(records, "http-" + parts[0] + ".json"), "w") as handle:
                json.dump(seen, handle)
        if "id" not in message:
            return self.send(202)
        reply = {"jsonrpc": "2.0", "id": message["id"]}
        if method == "initialize":
            reply["result"] = {"protocolVersion": params.get("protocolVersion"),
                               "capabilities": {"tools": {}},
                               "serverInfo": {"name": "config-sweep-http", "version": "1.0"}}
        elif method == "tools/list":
            reply["result"] = {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}
        elif method == "ping":
            reply["result"] = {}
        elif method == "tools/call":
            reply["result"] = {"content": [{"type": "text", "text": "ok"}]}
        else:
            reply["error"] = {"code": -32601, "message": "Method not found"}
        headers = [("Content-Type", "application/json")]
        if method == "initialize":
            headers.append(("Mcp-Session-Id", "config-sweep"))
        self.send(200, json.dumps(reply).encode(), headers)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
"""

#: the file of each kind, relative to the project (Claude Desktop's: under HOME)
FILES = {
    "mcp.json": ".mcp.json",
    "cursor": ".cursor/mcp.json",
    "vscode": ".vscode/mcp.json",
    "claude-desktop": "home/.config/Claude/claude_desktop_config.json",
}
TOP = {"vscode": "servers"}


@dataclass
class Lab:
    """What an entry is made of: the interpreter, the recorder, the HTTP server's port."""

    root: Path
    records: Path
    port: int

    @property
    def script(self) -> str:
        return str(self.root / "rec.py")

    def stdio(
        self, tag: str, *extra: str, script: str | None = None, **more: Any
    ) -> dict[str, Any]:
        args = ["-S", script or self.script, str(self.records), tag, *extra]
        return {"command": sys.executable, "args": args, **more}

    def url(self, tag: str, port: str | None = None) -> str:
        return f"http://127.0.0.1:{port or self.port}/{tag}/mcp"


@dataclass
class Pair:
    """One field of one file written in one syntax, and what its client does with it."""

    name: str
    kind: str
    #: the key of the entry (``env.NAME``, ``headers.NAME``: one of its keys)
    field: str
    #: the syntax as written (what a verdict must name)
    form: str
    entry: Callable[[Lab, str], dict[str, Any]]
    #: starts | literal | ignores | refuses | prompts
    client: str
    source: str
    #: what the server sees from the client: argv tail, env, cwd, the Authorization header
    sees: Callable[[Lab], dict[str, Any]] = lambda lab: {}
    #: edit | export:NAME | create:PATH | manual (not carried out) | None
    fix: str | None = None
    #: the key the fix edits, when it is not the field (a declaration the field refers to)
    fix_key: str | None = None
    #: a value a verdict must never show
    secret: bool = False
    extra_env: dict[str, str] = dataclasses.field(default_factory=dict)


def pairs() -> list[Pair]:
    """Every pair, by file kind. ``SWEEP_SET`` is set, ``SWEEP_EMPTY`` is set and empty,
    ``SWEEP_UNSET`` is not set, ``SWEEP_PY`` is this interpreter, ``SWEEP_PORT`` the HTTP
    server's port, ``SWEEP_TOKEN`` a secret."""
    found: list[Pair] = []

    def add(*args: Any, **kwargs: Any) -> None:
        found.append(Pair(*args, **kwargs))

    def arg(form: str) -> Callable[[Lab, str], dict[str, Any]]:
        return lambda lab, tag: lab.stdio(tag, form)

    def env(form: str) -> Callable[[Lab, str], dict[str, Any]]:
        return lambda lab, tag: lab.stdio(tag, env={"SWEEP_OUT": form})

    def argv(value: str) -> Callable[[Lab], dict[str, Any]]:
        return lambda lab: {"argv": [value]}

    def out(value: str) -> Callable[[Lab], dict[str, Any]]:
        return lambda lab: {"env": {"SWEEP_OUT": value}}

    def header(form: str, typed: str | None = "http") -> Callable[[Lab, str], dict[str, Any]]:
        def make(lab: Lab, tag: str) -> dict[str, Any]:
            entry: dict[str, Any] = {"url": lab.url(tag), "headers": {"Authorization": form}}
            if typed is not None:
                entry["type"] = typed
            return entry

        return make

    def auth(value: str) -> Callable[[Lab], dict[str, Any]]:
        return lambda lab: {"authorization": value}

    # -- Claude Code's .mcp.json ---------------------------------------------------------------
    k = "mcp.json"
    add(
        "cc-args-set",
        k,
        "args",
        "${SWEEP_SET}",
        arg("${SWEEP_SET}"),
        "starts",
        "cc-docs",
        argv(SET),
    )
    add(
        "cc-args-unset",
        k,
        "args",
        "${SWEEP_UNSET}",
        arg("${SWEEP_UNSET}"),
        "literal",
        "cc-measured",
        fix="export:SWEEP_UNSET",
    )
    add(
        "cc-args-default-unset",
        k,
        "args",
        "${SWEEP_UNSET:-dflt}",
        arg("${SWEEP_UNSET:-dflt}"),
        "starts",
        "cc-docs",
        argv("dflt"),
    )
    # defined but empty: Claude Code takes the variable (!== undefined), not the default
    add(
        "cc-args-default-empty",
        k,
        "args",
        "${SWEEP_EMPTY:-dflt}",
        arg("${SWEEP_EMPTY:-dflt}"),
        "starts",
        "cc-source",
        argv(""),
    )
    # split(':-', 2): the default ends at a second ':-'
    add(
        "cc-args-default-twice",
        k,
        "args",
        "${SWEEP_UNSET:-a:-b}",
        arg("${SWEEP_UNSET:-a:-b}"),
        "starts",
        "cc-source",
        argv("a"),
    )
    add(
        "cc-args-dollar",
        k,
        "args",
        "$SWEEP_SET",
        arg("$SWEEP_SET"),
        "starts",
        "cc-measured",
        argv("$SWEEP_SET"),
    )
    add(
        "cc-args-dollar-twice",
        k,
        "args",
        "$${SWEEP_SET}",
        arg("$${SWEEP_SET}"),
        "starts",
        "cc-source",
        argv("$" + SET),
    )
    add(
        "cc-args-cursor-env",
        k,
        "args",
        "${env:SWEEP_SET}",
        arg("${env:SWEEP_SET}"),
        "literal",
        "cc-source",
        argv("${env:SWEEP_SET}"),
        fix="edit",
    )
    add(
        "cc-args-input",
        k,
        "args",
        "${input:sweep-key}",
        arg("${input:sweep-key}"),
        "literal",
        "cc-source",
        argv("${input:sweep-key}"),
        fix="edit",
        extra_env={"SWEEP_KEY": "k"},
    )
    add(
        "cc-args-workspacefolder",
        k,
        "args",
        "${workspaceFolder}",
        lambda lab, tag: lab.stdio(tag, script="${workspaceFolder}/rec.py"),
        "refuses",
        "cc-source",
        fix="edit",
    )
    add(
        "cc-args-relative",
        k,
        "args",
        "rec.py",
        lambda lab, tag: lab.stdio(tag, script="rec.py"),
        "starts",
        "cc-schema",
        lambda lab: {"cwd": str(lab.root)},
    )
    add(
        "cc-command-relative",
        k,
        "command",
        "./run.sh",
        lambda lab, tag: {"command": "./run.sh", "args": [str(lab.records), tag]},
        "starts",
        "cc-schema",
        lambda lab: {"cwd": str(lab.root)},
    )
    add(
        "cc-command-set",
        k,
        "command",
        "${SWEEP_PY}",
        lambda lab, tag: lab.stdio(tag, "c", command="${SWEEP_PY}"),
        "starts",
        "cc-docs",
        argv("c"),
    )
    add(
        "cc-command-cursor-env",
        k,
        "command",
        "${env:SWEEP_PY}",
        lambda lab, tag: lab.stdio(tag, command="${env:SWEEP_PY}"),
        "refuses",
        "cc-source",
        fix="edit",
    )
    add(
        "cc-env-set",
        k,
        "env.SWEEP_OUT",
        "${SWEEP_SET}",
        env("${SWEEP_SET}"),
        "starts",
        "cc-docs",
        out(SET),
    )
    add(
        "cc-env-unset",
        k,
        "env.SWEEP_OUT",
        "${SWEEP_UNSET}",
        env("${SWEEP_UNSET}"),
        "literal",
        "cc-measured",
        fix="export:SWEEP_UNSET",
    )
    add(
        "cc-env-default-empty",
        k,
        "env.SWEEP_OUT",
        "${SWEEP_EMPTY:-dflt}",
        env("${SWEEP_EMPTY:-dflt}"),
        "starts",
        "cc-source",
        out(""),
    )
    add(
        "cc-env-cursor-env",
        k,
        "env.SWEEP_OUT",
        "${env:SWEEP_SET}",
        env("${env:SWEEP_SET}"),
        "literal",
        "cc-source",
        out("${env:SWEEP_SET}"),
        fix="edit",
    )
    add(
        "cc-env-secret",
        k,
        "env.SWEEP_TOKEN_OUT",
        "${SWEEP_TOKEN}",
        lambda lab, tag: lab.stdio(tag, env={"SWEEP_TOKEN_OUT": "${SWEEP_TOKEN}"}),
        "starts",
        "cc-docs",
        lambda lab: {"env": {"SWEEP_TOKEN_OUT": SECRET}},
        secret=True,
    )
    add(
        "cc-cwd",
        k,
        "cwd",
        "sub",
        lambda lab, tag: lab.stdio(tag, cwd="sub"),
        "ignores",
        "cc-schema",
        lambda lab: {"cwd": str(lab.root)},
        fix="edit",
    )
    add(
        "cc-envfile",
        k,
        "envFile",
        ".env.sweep",
        lambda lab, tag: lab.stdio(tag, envFile=".env.sweep"),
        "ignores",
        "cc-schema",
        lambda lab: {"env": {}},
        fix="edit",
    )
    add(
        "cc-type-stdio",
        k,
        "type",
        "stdio",
        lambda lab, tag: lab.stdio(tag, type="stdio"),
        "starts",
        "cc-schema",
    )
    add(
        "cc-type-unknown",
        k,
        "type",
        "local",
        lambda lab, tag: lab.stdio(tag, type="local"),
        "refuses",
        "cc-schema",
        fix="edit",
    )
    add(
        "cc-url-http",
        k,
        "headers.Authorization",
        "Bearer ${SWEEP_TOKEN}",
        header("Bearer ${SWEEP_TOKEN}"),
        "starts",
        "cc-docs",
        auth("Bearer " + SECRET),
        secret=True,
    )
    add(
        "cc-url-port",
        k,
        "url",
        "${SWEEP_PORT}",
        lambda lab, tag: {"type": "http", "url": lab.url(tag, "${SWEEP_PORT}")},
        "starts",
        "cc-docs",
    )
    add(
        "cc-url-sse-type",
        k,
        "type",
        "sse",
        header("Bearer x", "sse"),
        "refuses",
        "cc-schema",
        fix=None,
    )
    add(
        "cc-url-no-type",
        k,
        "type",
        "type",
        header("Bearer x", None),
        "refuses",
        "cc-schema",
        fix="edit",
    )
    add(
        "cc-url-streamable",
        k,
        "type",
        "streamable-http",
        header("Bearer x", "streamable-http"),
        "refuses",
        "cc-schema",
        fix="edit",
    )
    add(
        "cc-url-cursor-env",
        k,
        "url",
        "${env:SWEEP_PORT}",
        lambda lab, tag: {"type": "http", "url": lab.url(tag, "${env:SWEEP_PORT}")},
        "refuses",
        "cc-source",
        fix="edit",
    )
    add(
        "cc-headers-cursor-env",
        k,
        "headers.Authorization",
        "${env:SWEEP_TOKEN}",
        header("Bearer ${env:SWEEP_TOKEN}"),
        "literal",
        "cc-source",
        auth("Bearer ${env:SWEEP_TOKEN}"),
        fix="edit",
    )
    add(
        "cc-headers-unset",
        k,
        "headers.Authorization",
        "${SWEEP_UNSET}",
        header("Bearer ${SWEEP_UNSET}"),
        "literal",
        "cc-measured",
        fix="export:SWEEP_UNSET",
    )

    # -- Cursor's .cursor/mcp.json ---------------------------------------------------------------
    k = "cursor"
    add(
        "cu-args-env-set",
        k,
        "args",
        "${env:SWEEP_SET}",
        arg("${env:SWEEP_SET}"),
        "starts",
        "cursor-docs",
        argv(SET),
    )
    add(
        "cu-args-env-unset",
        k,
        "args",
        "${env:SWEEP_UNSET}",
        arg("${env:SWEEP_UNSET}"),
        "literal",
        "cursor-docs",
        fix="export:SWEEP_UNSET",
    )
    add(
        "cu-args-bare",
        k,
        "args",
        "${SWEEP_SET}",
        arg("${SWEEP_SET}"),
        "literal",
        "cursor-docs",
        argv("${SWEEP_SET}"),
        fix="edit",
    )
    add(
        "cu-args-bare-default",
        k,
        "args",
        "${SWEEP_SET:-d}",
        arg("${SWEEP_SET:-d}"),
        "literal",
        "cursor-docs",
        argv("${SWEEP_SET:-d}"),
        fix="edit",
    )
    add(
        "cu-args-userhome",
        k,
        "args",
        "${userHome}",
        arg("${userHome}/x"),
        "starts",
        "cursor-docs",
        lambda lab: {"argv": [os.environ["HOME"] + "/x"]},
    )
    add(
        "cu-args-workspacefolder",
        k,
        "args",
        "${workspaceFolder}",
        lambda lab, tag: lab.stdio(tag, script="${workspaceFolder}/rec.py"),
        "starts",
        "cursor-docs",
    )
    add(
        "cu-args-basename",
        k,
        "args",
        "${workspaceFolderBasename}",
        arg("${workspaceFolderBasename}"),
        "starts",
        "cursor-docs",
        lambda lab: {"argv": [lab.root.name]},
    )
    add(
        "cu-args-pathsep",
        k,
        "args",
        "${pathSeparator}",
        arg("a${pathSeparator}b${/}c"),
        "starts",
        "cursor-docs",
        argv("a/b/c"),
    )
    add(
        "cu-args-input",
        k,
        "args",
        "${input:sweep-key}",
        arg("${input:sweep-key}"),
        "literal",
        "cursor-docs",
        argv("${input:sweep-key}"),
        fix="edit",
        extra_env={"SWEEP_KEY": "k"},
    )
    add(
        "cu-args-relative",
        k,
        "args",
        "rec.py",
        lambda lab, tag: lab.stdio(tag, script="rec.py"),
        "starts",
        "cursor-docs",
        lambda lab: {"cwd": str(lab.root)},
    )
    add(
        "cu-command-relative",
        k,
        "command",
        "./run.sh",
        lambda lab, tag: {"command": "./run.sh", "args": [str(lab.records), tag]},
        "starts",
        "cursor-docs",
        lambda lab: {"cwd": str(lab.root)},
    )
    add(
        "cu-command-env",
        k,
        "command",
        "${env:SWEEP_PY}",
        lambda lab, tag: lab.stdio(tag, "c", command="${env:SWEEP_PY}"),
        "starts",
        "cursor-docs",
        argv("c"),
    )
    add(
        "cu-env-env-set",
        k,
        "env.SWEEP_OUT",
        "${env:SWEEP_SET}",
        env("${env:SWEEP_SET}"),
        "starts",
        "cursor-docs",
        out(SET),
    )
    add(
        "cu-env-bare",
        k,
        "env.SWEEP_OUT",
        "${SWEEP_SET}",
        env("${SWEEP_SET}"),
        "literal",
        "cursor-docs",
        out("${SWEEP_SET}"),
        fix="edit",
    )
    add(
        "cu-envfile",
        k,
        "envFile",
        ".env.sweep",
        lambda lab, tag: lab.stdio(tag, envFile=".env.sweep"),
        "starts",
        "cursor-docs",
        lambda lab: {"env": {"SWEEP_FROM_FILE": "filed"}},
    )
    add(
        "cu-envfile-missing",
        k,
        "envFile",
        "missing.env",
        lambda lab, tag: lab.stdio(tag, envFile="missing.env"),
        "refuses",
        "cursor-docs",
        fix="create:missing.env",
    )
    add(
        "cu-url-env",
        k,
        "headers.Authorization",
        "Bearer ${env:SWEEP_TOKEN}",
        lambda lab, tag: {
            "url": lab.url(tag, "${env:SWEEP_PORT}"),
            "headers": {"Authorization": "Bearer ${env:SWEEP_TOKEN}"},
        },
        "starts",
        "cursor-docs",
        auth("Bearer " + SECRET),
        secret=True,
    )
    add(
        "cu-headers-bare",
        k,
        "headers.Authorization",
        "${SWEEP_TOKEN}",
        header("Bearer ${SWEEP_TOKEN}", None),
        "literal",
        "cursor-docs",
        auth("Bearer ${SWEEP_TOKEN}"),
        fix="edit",
    )

    # -- VS Code's .vscode/mcp.json ----------------------------------------------------------------
    k = "vscode"
    add(
        "vs-args-env-set",
        k,
        "args",
        "${env:SWEEP_SET}",
        arg("${env:SWEEP_SET}"),
        "starts",
        "vscode-resolver",
        argv(SET),
    )
    add(
        "vs-args-env-unset",
        k,
        "args",
        "${env:SWEEP_UNSET}",
        arg("${env:SWEEP_UNSET}"),
        "literal",
        "vscode-resolver",
        fix="export:SWEEP_UNSET",
    )
    add(
        "vs-args-bare",
        k,
        "args",
        "${SWEEP_SET}",
        arg("${SWEEP_SET}"),
        "literal",
        "vscode-resolver",
        argv("${SWEEP_SET}"),
        fix="edit",
    )
    add(
        "vs-args-workspacefolder",
        k,
        "args",
        "${workspaceFolder}",
        lambda lab, tag: lab.stdio(tag, script="${workspaceFolder}/rec.py"),
        "starts",
        "vscode-docs",
    )
    add(
        "vs-args-userhome",
        k,
        "args",
        "${userHome}",
        arg("${userHome}/x"),
        "starts",
        "vscode-resolver",
        lambda lab: {"argv": [os.environ["HOME"] + "/x"]},
    )
    add(
        "vs-args-basename",
        k,
        "args",
        "${workspaceFolderBasename}",
        arg("${workspaceFolderBasename}"),
        "starts",
        "vscode-resolver",
        lambda lab: {"argv": [lab.root.name]},
    )
    add(
        "vs-command-env",
        k,
        "command",
        "${env:SWEEP_PY}",
        lambda lab, tag: lab.stdio(tag, "c", command="${env:SWEEP_PY}"),
        "starts",
        "vscode-resolver",
        argv("c"),
    )
    add(
        "vs-env-input",
        k,
        "env.SWEEP_OUT",
        "${input:sweep-key}",
        env("${input:sweep-key}"),
        "prompts",
        "vscode-docs",
    )
    add(
        "vs-env-input-undeclared",
        k,
        "env.SWEEP_OUT",
        "${input:sweep-other}",
        env("${input:sweep-other}"),
        "refuses",
        "vscode-docs",
        fix="edit",
        fix_key="inputs",
    )
    add(
        "vs-cwd-workspacefolder",
        k,
        "cwd",
        "${workspaceFolder}/sub",
        lambda lab, tag: lab.stdio(tag, cwd="${workspaceFolder}/sub"),
        "starts",
        "vscode-docs",
        lambda lab: {"cwd": str(lab.root / "sub")},
    )
    add(
        "vs-command-relative-cwd",
        k,
        "command",
        "../run.sh",
        lambda lab, tag: {
            "command": "../run.sh",
            "args": [str(lab.records), tag],
            "cwd": "${workspaceFolder}/sub",
        },
        "starts",
        "vscode-docs",
        lambda lab: {"cwd": str(lab.root / "sub")},
    )
    add(
        "vs-envfile",
        k,
        "envFile",
        "${workspaceFolder}/.env.sweep",
        lambda lab, tag: lab.stdio(tag, envFile="${workspaceFolder}/.env.sweep"),
        "starts",
        "vscode-docs",
        lambda lab: {"env": {"SWEEP_FROM_FILE": "filed"}},
    )
    add(
        "vs-envfile-missing",
        k,
        "envFile",
        "missing.env",
        lambda lab, tag: lab.stdio(tag, envFile="missing.env"),
        "refuses",
        "vscode-docs",
        fix="create:missing.env",
    )
    add(
        "vs-url-http",
        k,
        "headers.Authorization",
        "Bearer ${env:SWEEP_TOKEN}",
        header("Bearer ${env:SWEEP_TOKEN}"),
        "starts",
        "vscode-docs",
        auth("Bearer " + SECRET),
        secret=True,
    )
    add(
        "vs-headers-bare",
        k,
        "headers.Authorization",
        "${SWEEP_TOKEN}",
        header("Bearer ${SWEEP_TOKEN}"),
        "literal",
        "vscode-resolver",
        auth("Bearer ${SWEEP_TOKEN}"),
        fix="edit",
    )

    # -- Claude Desktop's claude_desktop_config.json ---------------------------------------------
    k = "claude-desktop"
    add("cd-plain", k, "env.SWEEP_OUT", "plain", env("plain"), "starts", "desktop", out("plain"))
    add(
        "cd-args-var",
        k,
        "args",
        "${SWEEP_SET}",
        arg("${SWEEP_SET}"),
        "literal",
        "desktop",
        argv("${SWEEP_SET}"),
        fix="manual",
    )
    add(
        "cd-env-cursor-env",
        k,
        "env.SWEEP_OUT",
        "${env:SWEEP_SET}",
        env("${env:SWEEP_SET}"),
        "literal",
        "desktop",
        out("${env:SWEEP_SET}"),
        fix="manual",
    )
    add(
        "cd-args-workspacefolder",
        k,
        "args",
        "${workspaceFolder}",
        arg("${workspaceFolder}"),
        "literal",
        "desktop",
        argv("${workspaceFolder}"),
        fix="manual",
    )
    add(
        "cd-args-input",
        k,
        "args",
        "${input:sweep-key}",
        arg("${input:sweep-key}"),
        "literal",
        "desktop",
        argv("${input:sweep-key}"),
        fix="manual",
    )
    add("cd-url", k, "url", "url", header("Bearer x", None), "refuses", "desktop", fix="manual")
    return found


#: files as a whole, judged by discovery: (kind, text, what the client does: "reads" its servers,
#: "refuses" the file's syntax, or reads under the other key and so sees "none")
FILE_PAIRS: list[tuple[str, str, str]] = [
    ("mcp.json", '{\n  // a comment\n  "mcpServers": {"a": {"command": "x"}}\n}', "refuses"),
    ("mcp.json", '{"mcpServers": {"a": {"command": "x"},}}', "refuses"),
    ("cursor", '{"mcpServers": {"a": {"command": "x"}}, }', "refuses"),
    ("claude-desktop", '{"mcpServers": {"a": {"command": "x"}} /* c */}', "refuses"),
    ("vscode", '{\n  // VS Code reads JSONC\n  "servers": {"a": {"command": "x",},},\n}', "reads"),
    ("vscode", '{"servers": {"a": {"command": "x"}}}', "reads"),
    ("mcp.json", '{"servers": {"a": {"command": "x"}}}', "none"),
    ("cursor", '{"servers": {"a": {"command": "x"}}}', "none"),
    ("claude-desktop", '{"servers": {"a": {"command": "x"}}}', "none"),
    ("vscode", '{"mcpServers": {"a": {"command": "x"}}}', "none"),
]


# -- running one kind ------------------------------------------------------------------------------
def _path(root: Path, kind: str) -> Path:
    return root / FILES[kind]


def _write(root: Path, chosen: list[Pair], lab: Lab) -> None:
    """Every kind's file, holding its pairs' entries (VS Code's declares one input)."""
    inputs = [{"type": "promptString", "id": "sweep-key", "description": "k", "password": True}]
    for kind in FILES:
        entries = {p.name: p.entry(lab, p.name) for p in chosen if p.kind == kind}
        document: dict[str, Any] = {TOP.get(kind, "mcpServers"): entries}
        if kind == "vscode":
            document["inputs"] = inputs
        path = _path(root, kind)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2))


def _keep(root: Path, names: set[str]) -> None:
    """Each kind's file (as the fixes left it) with the entries of ``names`` only: the second
    session checks the fixed entries."""
    for kind in FILES:
        path = _path(root, kind)
        document = json.loads(path.read_text())
        top = TOP.get(kind, "mcpServers")
        document[top] = {k: v for k, v in document[top].items() if k in names}
        path.write_text(json.dumps(document, indent=2))


def _checks_of(checks: list[dict[str, Any]], pair: Pair) -> list[dict[str, Any]]:
    label = f"{pair.name}@{pair.kind}"
    return [
        c
        for c in checks
        if c["id"].startswith(f"mcp/{label}.") or c["id"] == f"mcp/discovery[{pair.kind}]"
    ]


def _text(check: dict[str, Any]) -> str:
    return " | ".join(str(check.get(k) or "") for k in ("id", "summary", "why", "hint"))


def _seen(lab: Lab, pair: Pair) -> dict[str, Any] | None:
    http = lab.records / f"http-{pair.name}.json"
    stdio = lab.records / f"{pair.name}.json"
    for path in (http, stdio):
        if path.is_file():
            loaded: dict[str, Any] = json.loads(path.read_text())
            return loaded
    return None


def _mismatch(lab: Lab, pair: Pair, seen: dict[str, Any] | None) -> str | None:
    """What the server saw that the client would not have given it (secrets masked)."""
    want = pair.sees(lab)
    if not want:
        return None
    if seen is None:
        return "the server was never started"
    for key, value in want.items():
        got = seen.get(key)
        if key == "argv":
            got = (got or [])[: len(value)]
        if key == "env":
            got = {k: v for k, v in (got or {}).items() if k in value or k == "SWEEP_FROM_FILE"}
        if got != value:
            shown = json.dumps({"want": value, "got": got}).replace(SECRET, "<secret>")
            return f"the server saw other {key}: {shown}"
    return None


def problems_of(lab: Lab, pair: Pair, checks: list[dict[str, Any]]) -> list[str]:
    """What breaks the sweep's invariants for one pair, on its first run."""
    mine = _checks_of(checks, pair)
    own = [c for c in mine if c["id"] != f"mcp/discovery[{pair.kind}]"]
    bad = [c for c in mine if c["status"] in ("fail", "warn", "error")]
    texts = " || ".join(_text(c) for c in bad)
    found: list[str] = []
    if any("Traceback" in _text(c) or c["status"] == "error" for c in mine):
        found.append(f"envcheck's own error: {texts[:300]}")
    if pair.client == "starts":
        if bad:
            found.append(f"the client starts it, envcheck says: {texts[:400]}")
        if not own:
            found.append("no check of the entry ran")
        wrong = _mismatch(lab, pair, _seen(lab, pair))
        if wrong:
            found.append(wrong)
        return found
    if pair.client == "prompts":
        if bad or not any(c["status"] == "skip" for c in own):
            found.append(f"needs a person's prompt, envcheck: {[c['status'] for c in own]}")
        return found
    if not bad:
        statuses = {c["id"]: c["status"] for c in mine}
        found.append(f"the client {pair.client} it, envcheck passes: {statuses}")
        return found
    relative = FILES[pair.kind].split("home/", 1)[-1]
    for word, what in (
        (relative, "the file"),
        (pair.name, "the entry"),
        (pair.field.rpartition(".")[2], "the field"),
        (pair.form, "the syntax"),
    ):
        if word not in texts:
            found.append(f"the verdict does not name {what} ({word}): {texts[:400]}")
    if pair.client == "literal" and any(c["status"] == "warn" for c in bad):
        wrong = _mismatch(lab, pair, _seen(lab, pair))
        if wrong:
            found.append(f"started, but not as the client starts it: {wrong}")
    fix = _fix_of(bad)
    if pair.fix == "edit":
        steps = [s for s in (fix or {}).get("steps", []) if s["kind"] == "edit"]
        head = pair.fix_key or pair.field.partition(".")[0]
        if not steps or not any(head in s["key"] or s["key"].endswith(pair.name) for s in steps):
            found.append(f"no edit of {pair.field}: {json.dumps(fix)[:300]}")
    elif pair.fix and pair.fix.startswith("export:"):
        name = pair.fix.partition(":")[2]
        if f"export {name}" not in json.dumps(fix):
            found.append(f"the fix does not export {name}: {json.dumps(fix)[:300]}")
    elif pair.fix and fix is None:
        found.append("no fix")
    return found


def _fix_of(bad: list[dict[str, Any]]) -> dict[str, Any] | None:
    for check in bad:
        if check.get("fix"):
            fixed: dict[str, Any] = check["fix"]
            return fixed
    return None


@contextmanager
def _lab(tmp_path: Path) -> Iterator[Lab]:
    records = tmp_path / "records"
    records.mkdir()
    (tmp_path / "rec.py").write_text(RECORDER)
    run = tmp_path / "run.sh"  # a program named by a path relative to where the client starts it
    run.write_text(f'#!/bin/sh\nexec {sys.executable} -S {tmp_path / "rec.py"} "$@"\n')
    run.chmod(0o755)
    (tmp_path / "sub").mkdir()
    (tmp_path / ".env.sweep").write_text("SWEEP_FROM_FILE=filed\n")
    with child_server(HTTP_RECORDER, str(records), tmp_path / "http-plan.json") as port:
        yield Lab(tmp_path, records, port)


def _environ(lab: Lab) -> dict[str, str]:
    return {
        "SWEEP_SET": SET,
        "SWEEP_EMPTY": "",
        "SWEEP_PY": sys.executable,
        "SWEEP_PORT": str(lab.port),
        "SWEEP_TOKEN": SECRET,
    }


CONFIG = "[tool.envcheck.mcp]\ntimeout = 8.0\n"
#: the rows of docs/verdicts/mcp.md this sweep runs (section 15), by the pair whose checks hold them
ROWS = {
    "cfg-claude-code-foreign-var": "cc-env-cursor-env",
    "cfg-claude-code-input": "cc-args-input",
    "cfg-claude-code-dropped-key": "cc-cwd",
    "cfg-claude-code-url-type": "cc-url-no-type",
    "cfg-claude-code-type-unknown": "cc-type-unknown",
    "cfg-input-outside-vscode": "cu-args-input",
}


def _apply(lab: Lab, check: dict[str, Any]) -> None:
    from envcheck.core.config import EnvcheckConfig, Settings
    from envcheck.engine import registry
    from envcheck.engine.fixer import apply_step

    steps = [s for s in check["fix"]["steps"] if s["kind"] != "manual"]
    config = EnvcheckConfig(
        sections={}, settings=Settings(), rootdir=lab.root, source=str(lab.root / "pyproject.toml")
    )
    pm = registry.make_plugin_manager()
    for step in steps:
        result = apply_step(step_of(step), config, pm)
        assert result.ok, (check["id"], result)


def run_sweep(lab: Lab, capsys: pytest.CaptureFixture[str]) -> tuple[list[Pair], list[str]]:
    """One envcheck session over every pair of every kind (each kind's file holding its pairs),
    the fixes carried out, a second session over the fixed files: the pairs and the problems."""
    chosen = pairs()
    _write(lab.root, chosen, lab)
    with environment(**_environ(lab)):
        os.environ.pop("SWEEP_UNSET", None)
        checks = run_in_process(lab.root, CONFIG, SECRET, log_capture=False)
    problems = [f"{p.name}: {m}" for p in chosen for m in problems_of(lab, p, checks)]
    table_rows = {r.id: r for r in table.rows("mcp")}
    problems += [
        f"{name}: {problem}"
        for row, name in ROWS.items()
        for problem in table.verdict_problems(table_rows[row], checks)
    ]
    # the fixes, as envcheck fix carries them out, and what a person does besides
    fixed: list[Pair] = []
    extra: dict[str, str] = {}
    for pair in chosen:
        if pair.client in ("starts", "prompts") or not pair.fix or pair.fix == "manual":
            continue
        bad = [c for c in _checks_of(checks, pair) if c["status"] in ("fail", "warn")]
        fix = _fix_of(bad)
        if fix is None:
            continue
        if pair.fix == "edit":
            if not any(s["kind"] == "edit" for s in fix["steps"]):
                continue
            _apply(lab, next(c for c in bad if c.get("fix")))
        elif pair.fix.startswith("export:"):
            extra[pair.fix.partition(":")[2]] = "exported"
        elif pair.fix.startswith("create:"):
            (lab.root / pair.fix.partition(":")[2]).write_text("SWEEP_FROM_FILE=filed\n")
        extra.update(pair.extra_env)
        fixed.append(pair)
    if fixed:
        _keep(lab.root, {p.name for p in fixed})
        with environment(**_environ(lab), **extra):
            after = run_in_process(lab.root, CONFIG, SECRET, log_capture=False)
        for pair in fixed:
            mine = _checks_of(after, pair)
            failing = [f"{c['id']} {c['status']}" for c in mine if c["status"] in ("fail", "warn")]
            ran = [c for c in mine if c["id"] != f"mcp/discovery[{pair.kind}]"]
            if failing or not ran:
                problems.append(f"{pair.name}: after its fix, {failing or 'nothing ran'}")
    output = capsys.readouterr()
    assert SECRET not in output.out + output.err, "the secret is in the output"
    return chosen, problems


def test_every_field_of_every_client_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with _lab(tmp_path) as lab:
        chosen, problems = run_sweep(lab, capsys)
    wrong = {p.partition(":")[0] for p in problems}
    by_kind = {k: sum(p.kind == k for p in chosen) for k in FILES}
    assert not problems, f"{len(wrong)} of {len(chosen)} pairs wrong ({by_kind}):\n" + "\n".join(
        problems
    )


def test_every_pair_names_its_source() -> None:
    for pair in pairs():
        assert pair.source in SOURCES, pair.name
        assert pair.client in ("starts", "literal", "ignores", "refuses", "prompts"), pair.name
    assert len({p.name for p in pairs()}) == len(pairs())


@pytest.mark.parametrize(("kind", "text", "client"), FILE_PAIRS)
def test_files_as_their_client_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, text: str, client: str
) -> None:
    from envcheck.mcpkit import discovery

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = _path(tmp_path, kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    found, broken = discovery.discover(tmp_path)
    mine = [b for b in broken if b.label == kind]
    if client == "reads":
        assert not mine and [d.name for d in found if d.label == kind] == ["a"], (found, broken)
    elif client == "refuses":
        assert mine and mine[0].line is not None and not found, (found, broken)
    else:
        assert mine and mine[0].wrong_top is not None and not found, (found, broken)
