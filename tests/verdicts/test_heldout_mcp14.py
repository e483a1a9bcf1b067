"""The fourteenth held-out round of MCP breakages, after thirteen rounds and the four sweeps (the
codes-and-statuses sweep, the wire sweep, the client-config sweep, the HTTP sweep): six
breakages that no row of docs/verdicts/mcp.md, no earlier round and no sweep pair lists, and
three healthy neighbours, each made for real (server-everything from npm run as a user would
misconfigure it, scripts of this file speaking the broken thing, an HTTP server on 127.0.0.1,
real client files), each proven with the official ``mcp`` SDK's client (the wire sweep's judge)
or, where the clients of the case are not Python's, with what those clients use (Node's
``JSON.parse``, Node's ``fetch``, the TypeScript SDK's own result schema, which Claude Code and
VS Code validate with).

Left out as covered (grepped first in docs/verdicts/mcp.md, docs/verdicts/README.md,
tests/verdicts/test_heldout_mcp*.py up to 13, the four sweeps and tests/verdicts/mcp_world.py),
from what the brief names: protocol versions refused, older, future, missing or of a wrong type
(life-*, the wire sweep's (e)), capabilities missing or of a wrong type and requests a server
sends without the client's (init-tools-not-advertised, srv-request-undeclared-*, the wire
sweep's (f)), pagination cursors that loop, never end, are refused or are no string
(rpc-cursor-*, the wire sweep's (g)), content blocks of an unknown type, missing or empty
(call-content-*), ``resource_link``, structured content, a prompt without its name
(prompts-no-name), ``ping`` unanswered or -32601, a progress token no request carried, every
session and resumability row of Streamable HTTP, Origin and Host refusals (http-403-no-challenge,
http-421), the protected-resource metadata's 404, other resource, missing authorization servers
and its well-known path, ``logging/setLevel`` (round 9: envcheck sends none), and everything
rounds 12 and 13 took. Grepped for what is left, none a row, a round's case or a sweep pair:
``Content-Length`` (only as the HTTP header the test servers send and read; "LSP", "framing" of
stdio: nowhere), a key twice in one client file ("duplicate key", "object_pairs": nowhere;
"twice" only of a tool name, a program declared in two entries, a server in two files), an
image block's ``data`` as a ``data:`` URL ("data:image", ";base64", "mimeType": nowhere; "data
URL" only of round 1's SSE), a prompt's ``arguments`` not a list ("PromptArgument": nowhere;
``"arguments": {`` only of a tool call's arguments), protected-resource metadata answered 200
``text/html`` ("text/html" only of the MCP endpoint itself, http-html, and the sweep's
gateways), a mode argument server-everything does not know ("Unknown transport", "--stdio":
nowhere).

How the set was made (2026-12-07), from the MCP specification (2025-06-18, 2025-11-25:
*Transports › stdio* "messages are delimited by newlines, and MUST NOT contain embedded
newlines"; *Server › Tools › Tool Result* "Image content: ``data`` the base64-encoded image
data, ``mimeType``"; *Server › Prompts* ``Prompt.arguments``: a list of ``PromptArgument``;
*Authorization* and RFC 9728 §3.2: the metadata is a JSON object, ``application/json``), the
LSP base protocol (``Content-Length: N\\r\\n\\r\\n`` before each message, what a server ported
from an LSP code base keeps), RFC 8259 §4 and ECMA-262's ``JSON.parse`` (names within an object
SHOULD be unique; ``JSON.parse`` keeps the last), the TypeScript SDK's types.ts (1.32.2,
``Base64Schema``: ``atob`` of ``data``), server-everything's launcher (``index.js``: ``stdio``,
``sse``, ``streamableHttp``, anything else exit 1 with the list on stdout):

- stdio-content-length-framing: a stdio server that writes each message with the LSP base
  protocol's header (``Content-Length: 87``, CRLF, CRLF, the JSON, no newline): the SDK's client
  reads the header as a line that is no JSON and waits for a line that never ends (initialize).
  Fully right: ``Content-Length`` framing named, the fix newline-delimited JSON; never "log to
  stderr", "by hand".
- cfg-duplicate-server-key: ``.mcp.json`` declaring ``notes`` twice, the first entry the one the
  user edits (a script that is there), the last a stale one (its script gone): Claude Code's
  ``JSON.parse`` keeps the last (shown with Node). Fully right: ``notes`` named as declared twice
  and the last entry as the one the client runs; the fix removes one; never "by hand".
- call-image-data-url: the smoke call answers an image block whose ``data`` is a ``data:`` URL
  (``data:image/png;base64,iVBOR...``): the TypeScript SDK's result schema refuses it (``atob``
  fails on ``:``, ``;`` and ``,``), so Claude Code's call fails; Python's SDK takes any string.
  Fully right: the ``data:`` URL named against base64, the fix the bare base64 in ``data`` and
  the MIME type in ``mimeType``; never "isError", "check the arguments".
- prompts-arguments-schema: ``prompts/list`` whose prompt gives its ``arguments`` as a JSON
  Schema object (``{"type": "object", "properties": ..., "required": [...]}``, as a tool's
  ``inputSchema``): the SDK's client refuses the listing (prompts/list). Fully right:
  ``arguments`` named as an object where a list belongs, the fix a list of ``{name, required}``;
  never "no answer", "by hand".
- auth-metadata-html: a 401 whose challenge names ``resource_metadata`` at
  ``/.well-known/oauth-protected-resource/mcp``, which the app's single-page fallback answers 200
  ``text/html`` (its ``index.html``): no client can read it (Node's ``fetch``, then
  ``JSON.parse``, fails), so no sign-in starts. Fully right: the metadata URL named with
  ``text/html``, the fix JSON (``application/json``) at that URL; never "not an MCP endpoint",
  "log in", "get an access token from".
- stdio-everything-unknown-mode: server-everything started with ``--stdio`` (the flag many
  servers take): its launcher knows ``stdio``, ``sse``, ``streamableHttp``, prints its usage on
  stderr and the list on stdout, exit 1. Fully right: the exit and ``--stdio`` named, the fix
  its ``stdio`` (an Edit, run here: the real server then passes); never "log to stderr",
  "by hand".
- Neighbours: the same image as bare base64 with ``mimeType`` (call-image-base64: the
  TypeScript schema takes it), the same prompt with ``arguments`` as a list
  (prompts-arguments-list: the SDK's client works), and one server named ``twin`` in both
  ``.mcp.json`` and ``.vscode/mcp.json``, once in each (cfg-same-name-two-files: each client
  reads its own file; no key is twice in a file).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks). All nine are checked in one envcheck run, in
process; the runnable fixes are then carried out by envcheck's fixer and those servers checked
again.

Expectations committed before the first run: 05a035e.

First run (envcheck at 05a035e, the commit that added this file, before any change; graded by
the rules above, 2026-12-07): 9 cases, 4 fully right (the three neighbours, and
prompts-arguments-schema: "prompts.0.arguments: Input should be a valid list", the SDK's own
reason with its place, the fix that field "as the MCP schema defines it"), 1 partly, 4 wrong.
No process outlived the run. Cost: 3.8 user + 0.5 sys CPU-s (``-n 0``), 30 s of wall time.

- stdio-content-length-framing, wrong cause: "printed non-protocol output on stdout:
  'Content-Length: 85'", fix "make the server log to stderr";
- cfg-duplicate-server-key, partly: "the script .../servers/old/echo.py that python3 runs does
  not exist" (true of the last entry, which is the one the client runs; the name written twice,
  the entry the person edits ignored, not said);
- call-image-data-url, wrong (a miss): "echo answered in 1 ms", a pass (Python's SDK takes any
  string as an image's data);
- auth-metadata-html, wrong: "the server wants an OAuth sign-in ... its protected-resource
  metadata is at .../.well-known/oauth-protected-resource/mcp (envcheck could not read it)",
  fix "get an access token from the authorization server" (the page answering 200 not seen);
- stdio-everything-unknown-mode, wrong cause: "printed non-protocol output on stdout: 'Available
  transports:'", fix "make the server log to stderr" (it had exited 1, its usage on stderr).

After (verdicts from structure: the shape of the stdout's first line that is no message, the
keys of the file's servers object as the client's parser counts them, the image block's data
against the forgiving-base64 grammar ``atob`` uses, the metadata answer's status and media type,
the exit status and the choices the server printed; none from a message's words): 9 of 9 fully
right, each a row of docs/verdicts/mcp.md (section 21, ``ROWS``) asserted on the run.

- A stdout line ``Content-Length: N`` is the LSP base protocol's header framing (a shape of
  ``_stdio.shape_of``, like a batch or a multi-line message): named, with newline-delimited
  JSON as the server's authors' fix, not "log to stderr".
- A name written twice in a client file's servers object (``json.loads``' ``object_pairs_hook``
  counts the keys, ``Discovered.written``) fails that server's start check before it runs: the
  client keeps the last entry (shown), the fix removes all but one.
- The smoke call's image and audio blocks are checked as the TypeScript SDK checks them
  (``steps.not_base64``: WHATWG forgiving-base64, what ``atob`` decodes); a ``data:`` URL is
  named, the fix the bare base64 in ``data`` and the type in ``mimeType``.
- A protected-resource metadata URL answering 200 with no JSON object keeps its media type
  (``Attempt.metadata_not_json``): the 401's verdict names it (``text/html``), the fix JSON at
  that URL by the server's administrators (and a token got another way meanwhile).
- A stdio server that exits non-zero after printing its choices (a list of one word a line, a
  usage's ``[a|b|c]`` or ``{a,b}``), one of the entry's arguments being one of them written
  another way (dashes, case, separators): that argument named, the printed word the fix (an
  Edit of args), checked before the "non-protocol output on stdout" verdict.

The runnable fix (``--stdio`` to ``stdio``) is carried out by envcheck's fixer and the server
checked again: the real server-everything passes (``test_the_printed_fixes_work``). Cost now:
3.4 user + 0.5 sys CPU-s (``-n 0``), 29 s of wall time (the SDK's client waits out its timeout
on the LSP-framed server).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.mcp_servers import EVERYTHING, HERE, node
from tests.servers import QuietHandler, serving
from tests.verdicts.fixes import apply_fix
from tests.verdicts.mcp_world import (
    ECHO_SERVER,
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

#: nothing of this round is a secret; the report must not hold this either
SECRET = "Heldout14-never-shown-5521"

#: a 1x1 PNG, base64
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
#: the image block as a data: URL, and as MCP has it
DATA_URL_IMAGE = {"type": "image", "data": f"data:image/png;base64,{PNG}", "mimeType": "image/png"}
BASE64_IMAGE = {"type": "image", "data": PNG, "mimeType": "image/png"}

#: a prompt's arguments as a JSON Schema (a tool's inputSchema), and as MCP has them
SCHEMA_PROMPT = {
    "name": "summarize",
    "arguments": {
        "type": "object",
        "properties": {"topic": {"type": "string"}},
        "required": ["topic"],
    },
}
LIST_PROMPT = {
    "name": "summarize",
    "arguments": [{"name": "topic", "description": "what to summarize", "required": True}],
}

#: the shaped server: round 12's echo server whose prompts (then advertised) and call content
#: come from its argument (JSON)
SEND = 'sys.stdout.write(json.dumps(message) + "\\n")'
CAPABILITIES = '"capabilities": {"tools": {}},'
PING = '    elif method == "ping":'
CONTENT = 'reply["result"] = {"content": [{"type": "text", "text": "ok"}]}'
for _part in (SEND, CAPABILITIES, PING, CONTENT, "import json, sys\n"):
    assert ECHO_SERVER.count(_part) == 1, _part
SHAPED_SERVER = (
    ECHO_SERVER.replace("import json, sys\n", "import json, sys\nSHAPE = json.loads(sys.argv[1])\n")
    .replace(
        CAPABILITIES,
        '"capabilities": dict({"tools": {}}, **({"prompts": {}} if "prompts" in SHAPE else {})),',
    )
    .replace(
        PING,
        '    elif method == "prompts/list":\n'
        '        reply["result"] = {"prompts": SHAPE["prompts"]}\n' + PING,
    )
    .replace(
        CONTENT,
        'reply["result"] = {"content": SHAPE.get("content", [{"type": "text", "text": "ok"}])}',
    )
)

#: the server of stdio-content-length-framing: each message with the LSP base protocol's header
LSP_SERVER = ECHO_SERVER.replace(
    SEND,
    "data = json.dumps(message).encode()\n"
    '    sys.stdout.buffer.write(b"Content-Length: %d\\r\\n\\r\\n" % len(data) + data)',
)

#: the single-page app's index.html, which its fallback route answers every unknown GET with
INDEX_HTML = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Notes</title>'
    b'<script type="module" src="/assets/index-4f2a.js"></script></head>'
    b'<body><div id="root"></div></body></html>'
)
WELL_KNOWN = "/.well-known/oauth-protected-resource/mcp"

#: the proof of the image cases: the TypeScript SDK's CallToolResultSchema over the results
SCHEMA_CHECK = textwrap.dedent("""
    const { CallToolResultSchema } = require(process.argv[2]);
    const results = JSON.parse(process.argv[3]);
    const parsed = results.map((r) => CallToolResultSchema.safeParse(r).success);
    process.stdout.write(JSON.stringify(parsed));
    """)

#: the proof of auth-metadata-html: the metadata URL fetched and parsed as a client does
FETCH_METADATA = textwrap.dedent("""
    const response = await fetch(process.env.HELDOUT14_URL);
    let parsed = "json";
    try { JSON.parse(await response.text()); } catch { parsed = "not json"; }
    process.stdout.write(`${response.status} ${response.headers.get("content-type")} ${parsed}`);
    """)

#: the proof of the file cases: what Node's JSON.parse makes of each file's servers
PARSE_FILES = textwrap.dedent("""
    const fs = require("fs");
    const out = {};
    for (const [file, top] of JSON.parse(process.argv[2])) {
      out[file] = JSON.parse(fs.readFileSync(file, "utf8"))[top];
    }
    process.stdout.write(JSON.stringify(out));
    """)

#: case name -> (server name, how it is proven: "stdio"/"http" by the SDK's client, "proof" by the
#: case's own; its source, the request the SDK's client fails on or None, the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "stdio-content-length-framing": (
        "lsp",
        "stdio",
        "lsp",
        "initialize",
        Expect(
            "mcp/lsp.initialize|mcp/lsp.start",
            "fail",
            says=("Content-Length", "newline"),
            fix=("newline",),
            never=("log to stderr", "by hand"),
        ),
    ),
    "cfg-duplicate-server-key": (
        "notes",
        "proof",
        "JSON.parse",
        None,
        Expect(
            "mcp/notes@mcp.json.start|mcp/notes@mcp.json.initialize",
            "fail",
            says=("twice", "last"),
            fix=("remove",),
            never=("by hand",),
        ),
    ),
    "call-image-data-url": (
        "dataurl",
        "proof",
        "CallToolResultSchema",
        None,
        Expect(
            "mcp/dataurl.call",
            "fail",
            says=("data:", "base64"),
            fix=("mimeType",),
            never=("isError", "check the arguments"),
        ),
    ),
    "prompts-arguments-schema": (
        "promptschema",
        "stdio",
        "promptschema",
        "prompts/list",
        Expect(
            "mcp/promptschema.prompts",
            "fail",
            says=("arguments", "list"),
            fix=("list",),
            never=("no answer", "by hand"),
        ),
    ),
    "auth-metadata-html": (
        "spa",
        "proof",
        "fetch",
        None,
        Expect(
            "mcp/spa.initialize",
            "fail",
            says=("text/html", WELL_KNOWN),
            fix=("application/json",),
            never=("not an MCP endpoint", "log in", "get an access token from"),
        ),
    ),
    "stdio-everything-unknown-mode": (
        "dashstdio",
        "stdio",
        "server-everything --stdio",
        "initialize",
        Expect(
            "mcp/dashstdio.start|mcp/dashstdio.initialize",
            "fail",
            says=("--stdio", "code 1"),
            fix=("stdio",),
            never=("log to stderr", "by hand"),
        ),
    ),
    "call-image-base64": (
        "rawimage",
        "proof",
        "CallToolResultSchema",
        None,
        Expect("mcp/rawimage.call", "pass"),
    ),
    "prompts-arguments-list": (
        "promptlist",
        "stdio",
        "promptlist",
        None,
        Expect("mcp/promptlist.prompts", "pass"),
    ),
    "cfg-same-name-two-files": (
        "twin",
        "proof",
        "JSON.parse",
        None,
        Expect("mcp/twin@mcp.json.tools", "pass"),
    ),
}

#: the neighbours: their clients work with them, envcheck must not fail or warn about them
NEIGHBOURS = ("call-image-base64", "prompts-arguments-list", "cfg-same-name-two-files")

#: the cases that are rows of docs/verdicts/mcp.md (section 21)
ROWS = tuple(sorted(CASES))

#: the servers whose printed fix a program carries out (and the checks that may print it)
FIXED = {"dashstdio": ("mcp/dashstdio.start", "mcp/dashstdio.initialize")}


class SinglePage(QuietHandler):
    """An MCP endpoint behind an OAuth gateway (401, ``resource_metadata`` named) on a host whose
    app answers every other GET with its single page (200 ``text/html``)."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.body()
        if self.path != "/mcp":
            self.respond(404, b"", {"content-type": "text/plain"})
            return
        origin = f"http://{self.headers.get('host')}"
        challenge = f'Bearer resource_metadata="{origin}{WELL_KNOWN}"'
        headers = {"content-type": "application/json", "www-authenticate": challenge}
        self.respond(401, b'{"error": "unauthorized"}', headers)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/mcp":
            self.do_POST()
            return
        self.respond(200, INDEX_HTML, {"content-type": "text/html; charset=utf-8"})

    do_DELETE = do_POST


def _node(root: Path, name: str, program: str, *args: str, **env: str) -> str:
    """What a Node program of this file prints (its stderr's tail if it printed nothing)."""
    script = root / name
    script.write_text(program)
    done = subprocess.run(
        [node(), str(script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
    )
    return done.stdout.strip() or f"fails: {done.stderr[-300:]}"


def _claude_file(echo: str, stale: str) -> str:
    """``.mcp.json`` as a person left it: ``notes`` edited at the top, its stale entry still at the
    bottom (json.dumps cannot write a key twice)."""
    python = json.dumps("python3")
    return textwrap.dedent(f"""\
        {{
          "mcpServers": {{
            "notes": {{"command": {python}, "args": [{json.dumps(echo)}]}},
            "twin": {{"command": {python}, "args": [{json.dumps(echo)}]}},
            "notes": {{"command": {python}, "args": [{json.dumps(stale)}]}}
          }}
        }}
        """)


@pytest.fixture(scope="module")
def round14(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The nine servers proven (the SDK's client or the case's own proof, started as each entry
    says), then checked in one envcheck run: the proofs per case, the checks, the processes
    left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout14")
    echo = write_script(root / "servers" / "echo.py", ECHO_SERVER)
    stale = str(root / "servers" / "old" / "echo.py")  # removed when echo.py moved
    shaped = write_script(root / "servers" / "shaped.py", SHAPED_SERVER)
    lsp = write_script(root / "servers" / "lsp.py", LSP_SERVER)
    before = processes_of(root)
    with pytest.MonkeyPatch.context() as mp, serving(SinglePage) as spa_port:
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mp.chdir(root)  # the SDK's client starts servers where the client runs
        call = {"tool": "echo", "arguments": {}}
        servers: dict[str, dict[str, Any]] = {
            "lsp": {"command": sys.executable, "args": [lsp]},
            "dataurl": {
                "command": sys.executable,
                "args": [shaped, json.dumps({"content": [DATA_URL_IMAGE]})],
                "call": call,
            },
            "rawimage": {
                "command": sys.executable,
                "args": [shaped, json.dumps({"content": [BASE64_IMAGE]})],
                "call": call,
            },
            "promptschema": {
                "command": sys.executable,
                "args": [shaped, json.dumps({"prompts": [SCHEMA_PROMPT]})],
            },
            "promptlist": {
                "command": sys.executable,
                "args": [shaped, json.dumps({"prompts": [LIST_PROMPT]})],
            },
            "spa": {"url": f"http://127.0.0.1:{spa_port}/mcp", "transport": "http"},
            "dashstdio": {"command": node(), "args": [EVERYTHING, "--stdio"]},
        }
        (root / ".mcp.json").write_text(_claude_file(echo, stale))
        vscode = {"servers": {"twin": {"type": "stdio", "command": "python3", "args": [echo]}}}
        (root / ".vscode").mkdir()
        (root / ".vscode" / "mcp.json").write_text(json.dumps(vscode, indent=2))
        proven = [n for n in sorted(CASES) if CASES[n][1] == "stdio"]
        targets = [
            StdioServerParameters(
                command=servers[CASES[n][0]]["command"],
                args=servers[CASES[n][0]]["args"],
                cwd=str(root),
            )
            for n in proven
        ]
        sdk: dict[str, Any] = dict(zip(proven, judge(targets)))
        proofs: dict[str, Any] = {}
        # the image blocks through the TypeScript SDK's result schema
        types = (
            HERE / "node_modules" / "@modelcontextprotocol" / "sdk" / "dist" / "cjs" / "types.js"
        )
        results = [{"content": [DATA_URL_IMAGE]}, {"content": [BASE64_IMAGE]}]
        parsed = _node(root, "schema.cjs", SCHEMA_CHECK, str(types), json.dumps(results))
        proofs["call-image-data-url"] = parsed == "[false,true]" or None
        proofs["call-image-base64"] = parsed == "[false,true]" or None
        proofs["image outcome"] = parsed
        # the metadata URL as a client fetches it
        metadata_url = f"http://127.0.0.1:{spa_port}{WELL_KNOWN}"
        fetched = _node(root, "fetch.mjs", FETCH_METADATA, HELDOUT14_URL=metadata_url)
        proofs["auth-metadata-html"] = fetched == "200 text/html; charset=utf-8 not json" or None
        proofs["auth-metadata-html outcome"] = fetched
        # the files as Claude Code and VS Code parse them
        files = [[".mcp.json", "mcpServers"], [".vscode/mcp.json", "servers"]]
        read = json.loads(_node(root, "parse.cjs", PARSE_FILES, json.dumps(files)))
        proofs["cfg-duplicate-server-key"] = read[".mcp.json"]["notes"]["args"] == [stale] or None
        twins = [read[".mcp.json"]["twin"]["args"], read[".vscode/mcp.json"]["twin"]["args"]]
        works = sdk_outcome(functools.partial(sdk_stdio, "python3", [echo]))
        proofs["cfg-same-name-two-files"] = (twins == [[echo], [echo]] and works == "works") or None
        proofs["files outcome"] = (read, works)
        patient = neighbour_servers(CASES, NEIGHBOURS)
        checks = run_in_process(root, servers_toml(servers, patient), SECRET)
        left = processes_of(root) - before
    yield {
        "sdk": sdk,
        "proofs": proofs,
        "checks": checks,
        "root": root,
        "servers": servers,
        "left": left,
    }


test_heldout, test_no_process_outlives_the_run = round_tests("round14", CASES, ROWS, NEIGHBOURS)


def test_the_printed_fixes_work(round14: dict[str, Any]) -> None:
    """The fixes a program carries out (edits of the entries), applied by envcheck's fixer as
    printed; envcheck run again over those servers alone: they pass. (The other breakages are
    the servers' authors' or the file's owner's to change.)"""
    by_id = {c["id"]: c for c in round14["checks"]}
    root: Path = round14["root"]
    servers = round14["servers"]
    config = servers_toml({name: servers[name] for name in FIXED})
    (root / "pyproject.toml").write_text(config)
    (root / ".mcp.json").unlink()
    (root / ".vscode" / "mcp.json").unlink()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("HOME", str(root / "home"))
        for ids in FIXED.values():
            failing = [by_id[i] for i in ids if i in by_id and by_id[i]["status"] == "fail"]
            assert failing, [by_id.get(i) for i in ids]
            apply_fix(root, failing[0])
        after = run_in_process(root, (root / "pyproject.toml").read_text(), SECRET)
    failing = [f"{c['id']} {c['status']}" for c in after if c["status"] not in ("pass", "skip")]
    passed = {c["id"].rsplit(".", 1)[0] for c in after if c["status"] == "pass"}
    assert not failing and {"mcp/dashstdio"} <= passed, (failing, sorted(c["id"] for c in after))
