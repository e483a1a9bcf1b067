"""The twenty-fourth held-out round of MCP breakages (issue 23), after twenty-three rounds and the
four sweeps: three breakages that no row of docs/verdicts/mcp.md, no earlier round and no sweep
pair lists, and two neighbours, each a real server of this file (streamable HTTP in this
process, :class:`tests.verdicts.mcp_world.StreamHandler`; stdio from
:data:`tests.verdicts.mcp_world.ECHO_SERVER`), proven with the SDK's client.

Grepped first (docs/verdicts/mcp.md, tests/verdicts/test_mcp*.py and the four MCP sweeps,
protocol_faults.py, every tests/verdicts/test_heldout_mcp*.py, mcp_world.py), several spellings
each, and dropped as covered: a request id answered as a string (the wire sweep's (a)), a
``nextCursor`` that is a number or null (the wire sweep's (g)), a BOM in an HTTP JSON answer (the
wire sweep's (b)), ``result`` and ``error`` both set (rpc-result-and-error), a result that is
not an object (rpc-result-not-object: ``"pong"`` to ``ping`` is one), an error's ``data``
(rpc-32603-data), log messages before the handshake or in a flood (life-log-before-result,
srv-log-flood), a level the schema does not know (srv-log-level-unknown), ``{"mcp": {"servers":
...}}`` in a client file (cfg-no-top's test), OpenID Connect discovery (round 3), a url with
``user:password@`` (cfg-url-userinfo), 401 without OAuth metadata (auth-401-token). Nowhere
(grepped ``1.0}``, ``float``, ``fraction`` in ids; ``"error": null``, ``error=None``, ``jsonrpc
1.0``; ``api_key=``, ``apiKey``, ``?token=``, ``?key=``, ``query string``; ``"critical"``,
``"error"`` as a log level, ``level.*error``): a response id written as a number with a
fraction, a JSON-RPC 1.0-style ``"error": null`` beside a result, a credential in a url's query,
a log message of level ``error`` sent with the failure it explains.

How the set was made (2026-12-07), from the MCP specification (2025-06-18 and 2025-11-25:
*Basic › Messages*, "Requests MUST include a string or integer ID", responses carry "the same
ID as the request it corresponds to"; *Server › Utilities › Logging*, ``notifications/message``
with a ``LoggingLevel`` of RFC 5424, "error: Error conditions"; *Basic › Authorization*, which
a service that takes an API key in its url does not use), JSON-RPC 2.0 (§5: "Either the result
member or error member MUST be included, but both members MUST NOT be included"; §4: numbers
"SHOULD NOT contain fractional parts"), Claude Code's ``.mcp.json`` (``"type": "http"``, ``url``
with ``${VAR}`` expanded) and the hosted servers that document a key in the url's query
(``?exaApiKey=``, ``?tavilyApiKey=``, Smithery's ``?api_key=``); and the SDK's client on every
server:

- http-json-id-fraction: a hand-rolled server that reads each request into a map of doubles
  (Java's Gson into ``Map<String, Object>``) and writes the id back as ``0.0``, ``1.0``: the
  SDK's client refuses the answer to ``initialize`` (its id model takes a string or an integer:
  "Failed to parse JSON response", -32700); a fully right verdict names ``initialize`` and the
  id that is not a string or integer, with the fix to write back the request's id as sent;
- cfg-url-query-key-refused: ``.mcp.json``'s ``"type": "http"`` entry whose url carries the key
  in its query (``?apiKey=${NOTES_API_KEY}``), the variable holding a revoked key: the service
  answers 401 (no OAuth metadata) and the SDK's client fails ``initialize``; a fully right
  verdict says 401 for the ``apiKey`` of the url's query and names ``NOTES_API_KEY`` in its fix;
  never the key, never a fix that adds an ``Authorization`` header (a credential was sent, where
  the service reads it);
- srv-log-error-before-failure: a stdio server that, asked ``tools/list``, sends a
  ``notifications/message`` of level ``error`` ("cannot open the index:
  .../index.db does not exist") and then answers -32603 "Internal error": the SDK's client fails
  ``tools/list``; a fully right verdict quotes the server's logged error with the -32603;
- neighbour http-json-error-null-beside-result: every result beside ``"error": null`` (JSON-RPC
  1.0's response shape, which libraries still write): the SDK's client takes each as a response
  (a null ``error`` is no error); every check passes;
- neighbour cfg-url-query-key-accepted: the same url form with a live key: every check passes,
  the key never shown.

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks). All five are checked in one envcheck run, in
process.

First run (envcheck at cec0389, the commit that added this file, before any change; graded by
the rules above, 2026-12-07): 5 cases, 2 fully right (the two neighbours: every check passes,
no key shown anywhere; only their rows were missing), 1 partly and 2 wrong (of 3 breakages).
No process outlived the run. (The first two invocations wrote a report without checks although
the session's terminal listed them, while other helpers' uncommitted edits were in the shared
tree; not seen again in the runs since. Graded is the first run whose report held the checks,
still before any change of this round.)

- http-json-id-fraction, wrong: "the answer to initialize is not a JSON-RPC message ... it is
  not an MCP endpoint, or something in front of it answers instead", fix "check that ... is an
  MCP server's endpoint": the body shown was a JSON-RPC response with the id ``1.0``;
- cfg-url-query-key-refused, wrong: "HTTP 401 ... the server refused the credentials ... no
  Authorization header was sent, and the server wants one", fix 'set "headers":
  {"Authorization": "Bearer ${TOKEN}"} ... (and export TOKEN)': the key was sent, in the url's
  query, where the service reads it (the key itself was masked: ``apiKey=***``);
- srv-log-error-before-failure, partly: "MCP error -32603: Internal error", "the server
  answered tools/list with a JSON-RPC error (internal error ...)", fix "run ... by hand to see
  why": the server's error-level log message, sent while tools/list waited, never shown.

After (verdicts from structure: the answer's ``id`` member, re-validated by the SDK's message
model with an integer in its place; the url's query parameters as written, before expansion,
whose name or whose variable says it holds a secret; the level of each ``notifications/message``
and the requests then waiting; none from a message's words): 5 of 5 fully right, each a row of
docs/verdicts/mcp.md (section 31, ``ROWS``) asserted on the run.

- A 2xx answer (``application/json``, or an event of a POST's SSE stream) that is a JSON-RPC
  response but for its ``id``, neither a string nor an integer, is kept by the request's method
  (``_stdio.odd_response_id``, ``Attempt.odd_ids``) and named before "not a JSON-RPC message"
  (``diagnose._odd_id``, ``server/discover``'s answer counted for the handshake); over stdio the
  same line is its own shape (``odd-id``, named by the request it answers) instead of "a message
  MCP cannot read" (checked by hand on a stdio copy of the server: "answered server/discover
  with the id 1.0").
- ``ServerSpec.url_keys``: the url's query parameters that carry a credential, each with the
  variable it is written as (``checks/mcp/target._url_keys``); a 401 without OAuth metadata to
  such a url, no header sent, is the key refused (``diagnose._url_key_refused``), its fix the
  export of that variable, never a header.
- ``Wire.logged_errors``: each log message of level error or worse with the requests then
  waiting; a JSON-RPC error to one of them quotes the last such message, its level and logger
  (``diagnose._logged_while``), and its fix starts from what it names.
- The neighbours needed no change.

The fixes, carried out as printed (``test_the_printed_fixes_work``): the server writes each id
back as sent (mode ``intid``), the person exports the live key as NOTES_API_KEY, the index the
log names is created; envcheck run again over the three: every check passes.

Cost (measured after the fixes, ``-n 0``, pytest's start included, on a machine at load 8):
7 to 8.7 CPU-s (round 23's file measured alike: 7.4), 18 to 21 s of wall time.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.verdicts.mcp_world import (
    ECHO_SERVER,
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
from tests.verdicts.test_mcp_wire_sweep import judge

#: nothing of this round's run is this; the report must not hold it
SECRET = "Heldout24-never-shown-5524"
#: the keys of the service that reads its key from the url's query: one revoked, two live
REVOKED_KEY = "nk-revoked-Heldout24-3141"
LIVE_KEY = "nk-live-Heldout24-2718"
SEARCH_KEY = "sk-search-Heldout24-1618"
KEYS = (REVOKED_KEY, LIVE_KEY, SEARCH_KEY)

#: the stdio server of srv-log-error-before-failure: the echo server that, asked tools/list
#: while its index (NOTES_INDEX) is missing, logs an error and answers -32603
LISTING = 'reply["result"] = {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}'
CAPABILITIES = '"capabilities": {"tools": {}},'
assert ECHO_SERVER.count(LISTING) == 1 and ECHO_SERVER.count(CAPABILITIES) == 1
INDEXED = "import os\n" "INDEX = os.environ['NOTES_INDEX']\n" + ECHO_SERVER.replace(
    CAPABILITIES, '"capabilities": {"tools": {}, "logging": {}},'
).replace(
    LISTING,
    "if not os.path.exists(INDEX):\n"
    "            level = {'level': 'error', 'logger': 'notes.index',\n"
    "                     'data': 'cannot open the index: ' + INDEX + ' does not exist'}\n"
    "            send({'jsonrpc': '2.0', 'method': 'notifications/message', 'params': level})\n"
    "            reply['error'] = {'code': -32603, 'message': 'Internal error'}\n"
    "        else:\n"
    "            " + LISTING,
)


class Handler(StreamHandler):
    """The round's HTTP server, by mode: ``floatid``: every response's id written back as a
    number with a fraction (``intid``, the fix: as sent); ``errnull``: every result beside
    ``"error": null``; ``keyed``: a service that reads its key from the url's query
    (``apiKey``): 401 for any key not live."""

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        if self.mode == "keyed":
            keys = parse_qs(urlsplit(self.path).query).get("apiKey", [])
            if not keys or keys[0] not in (LIVE_KEY, SEARCH_KEY):
                self.body()
                body = b'{"error": "invalid_api_key", "message": "Invalid API key"}'
                self.respond(401, body, {"content-type": "application/json"})
                return
        super().do_POST()

    def serve(self, message: dict[str, Any]) -> None:
        reply = jsonrpc_reply(message)
        if self.mode == "floatid" and isinstance(reply["id"], int):
            reply["id"] = float(reply["id"])
        elif self.mode == "errnull" and "result" in reply:
            reply["error"] = None
        self.json(reply)


#: case name -> (server name, "http" or "stdio", its mode, the request the SDK's client fails on
#: or None, the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "http-json-id-fraction": (
        "floatid",
        "http",
        "floatid",
        "initialize",
        Expect(
            "mcp/floatid.initialize",
            "fail",
            says=("initialize", "string or integer"),
            fix=("integer",),
            never=("not an MCP endpoint", "fix url", "by hand", "raise timeout"),
        ),
    ),
    "cfg-url-query-key-refused": (
        "querykey",
        "http",
        "keyed",
        "initialize",
        Expect(
            "mcp/querykey@mcp.json.initialize|mcp/querykey@mcp.json.start",
            "fail",
            says=("401", "apiKey"),
            fix=("NOTES_API_KEY",),
            never=(*KEYS, "Authorization", "by hand"),
        ),
    ),
    "srv-log-error-before-failure": (
        "logerr",
        "stdio",
        "logerr",
        "tools/list",
        Expect(
            "mcp/logerr.tools",
            "fail",
            says=("tools/list", "-32603", "index.db does not exist"),
            never=("raise timeout",),
        ),
    ),
    "http-json-error-null-beside-result": (
        "errnull",
        "http",
        "errnull",
        None,
        Expect("mcp/errnull.tools", "pass"),
    ),
    "cfg-url-query-key-accepted": (
        "querykeyok",
        "http",
        "keyed",
        None,
        Expect("mcp/querykeyok@mcp.json.tools", "pass", never=KEYS),
    ),
}

#: the neighbours: their clients work with them, envcheck must not fail or warn about them
NEIGHBOURS = ("cfg-url-query-key-accepted", "http-json-error-null-beside-result")

#: the cases that are rows of docs/verdicts/mcp.md (section 31)
ROWS = tuple(sorted(CASES))

#: the .mcp.json servers: name -> the variable its url's apiKey comes from
QUERY_KEYED = {"querykey": "NOTES_API_KEY", "querykeyok": "SEARCH_API_KEY"}


def _project(root: Path, port: int, script: str, modes: dict[str, str]) -> str:
    """The project of the round under ``root``: ``.mcp.json`` with the two keyed servers, and
    the pyproject.toml (returned) with the others (``modes``: a case's mode replaced)."""
    base = f"http://127.0.0.1:{port}/keyed/mcp?apiKey="
    entries = {
        name: {"type": "http", "url": base + "${" + variable + "}"}
        for name, variable in QUERY_KEYED.items()
    }
    (root / ".mcp.json").write_text(json.dumps({"mcpServers": entries}, indent=2))
    servers: dict[str, dict[str, Any]] = {}
    for name, (server, where, mode, *_) in CASES.items():
        mode = modes.get(name, mode)
        if server in QUERY_KEYED:
            continue
        if where == "stdio":
            env = {"NOTES_INDEX": str(root / "data" / "index.db")}
            servers[server] = {"command": sys.executable, "args": ["-S", script], "env": env}
        else:
            servers[server] = {"url": f"http://127.0.0.1:{port}/{mode}/mcp", "transport": "http"}
    return servers_toml(servers)


@pytest.fixture(scope="module")
def round24(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The servers proven (the SDK's client on each), then checked in one envcheck run: the
    checks, the processes left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout24")
    script = write_script(root / "servers" / "notes.py", INDEXED)
    before = processes_of(root)
    variables = {"NOTES_API_KEY": REVOKED_KEY, "SEARCH_API_KEY": SEARCH_KEY}
    with round_world(root, Handler, variables) as port:
        names = sorted(CASES)
        keyed = {"querykey": REVOKED_KEY, "querykeyok": SEARCH_KEY}
        targets: list[Any] = []
        for n in names:
            server, where, mode = CASES[n][:3]
            if where == "stdio":
                env = {"NOTES_INDEX": str(root / "data" / "index.db")}
                targets.append(
                    StdioServerParameters(command=sys.executable, args=["-S", script], env=env)
                )
            elif server in keyed:
                targets.append(f"http://127.0.0.1:{port}/keyed/mcp?apiKey={keyed[server]}")
            else:
                targets.append(f"http://127.0.0.1:{port}/{mode}/mcp")
        sdk: dict[str, Any] = dict(zip(names, judge(targets)))
        checks = run_in_process(root, _project(root, port, script, {}), SECRET)
        left = processes_of(root) - before
    yield {"sdk": sdk, "proofs": {}, "checks": checks, "root": root, "left": left}


test_heldout, test_no_process_outlives_the_run = round_tests("round24", CASES, ROWS, NEIGHBOURS)


def test_no_key_shown(round24: dict[str, Any]) -> None:
    """No key of the service (the revoked one, the live ones) in any check of the run."""
    text = json.dumps(round24["checks"])
    assert not [key for key in KEYS if key in text]


def test_the_printed_fixes_work(round24: dict[str, Any]) -> None:
    """The printed fixes carried out as they say: the server's author writes each id back as
    sent (mode ``intid``); the person exports the live key as NOTES_API_KEY (the variable the
    fix names); the server's index created where its logged error says; envcheck run again:
    every check of the three passes."""
    by_id = {c["id"]: c for c in round24["checks"]}
    assert "integer" in by_id["mcp/floatid.initialize"]["hint"]
    keyed = [c for i, c in by_id.items() if i.startswith("mcp/querykey@") and c["status"] == "fail"]
    assert keyed and "NOTES_API_KEY" in keyed[0]["hint"], keyed
    assert "index.db does not exist" in by_id["mcp/logerr.tools"]["why"]
    root = round24["root"]
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "index.db").write_bytes(b"")
    script = str(root / "servers" / "notes.py")
    variables = {"NOTES_API_KEY": LIVE_KEY, "SEARCH_API_KEY": SEARCH_KEY}
    with round_world(root, Handler, variables) as port:
        config = _project(root, port, script, {"http-json-id-fraction": "intid"})
        after = run_in_process(root, config, SECRET)
    failing = [f"{c['id']} {c['status']}" for c in after if c["status"] not in ("pass", "skip")]
    passed = {c["id"] for c in after if c["status"] == "pass"}
    wanted = {"mcp/floatid.initialize", "mcp/querykey@mcp.json.tools", "mcp/logerr.tools"}
    assert not failing and wanted <= passed, (failing, sorted(passed))
