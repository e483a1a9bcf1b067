"""The sixth held-out round of MCP breakages, after both sweeps (tests/verdicts/test_mcp_sweep.py:
codes, statuses, content types, malformed results; test_mcp_wire_sweep.py: what the transports
carry inside a well-formed answer): six breakages that no row of docs/verdicts/mcp.md, no
earlier round and no sweep pair lists (their ids, descriptions and fault lists grepped first for
structuredContent, outputSchema, taskSupport, annotations, content types, Content-Encoding,
redirects, progress), and four healthy neighbours, each made for real (a stdio server of this
file, an HTTP server on 127.0.0.1) and proven with the official SDK's client (``mcp.Client``,
walked as the wire sweep's judge walks a server: it fails on the request named, or, for the
neighbours, works).

How the set was made (2026-12-06), from the MCP specification (2025-06-18, 2025-11-25) and the
SDK's client:

- *Server › Tools › Structured Content / Output Schema*: a tool that declares an
  ``outputSchema`` MUST return ``structuredContent`` conforming to it, and clients SHOULD
  validate it; here the smoke call's answer holds ``{"n": "seven"}`` for a required number
  (call-structured-content-invalid) or no ``structuredContent`` at all
  (call-structured-content-missing);
- *Server › Tools › Tool Result*: content blocks are text, image, audio, ``resource_link`` or an
  embedded resource; here a block of type ``video`` (call-content-unknown-type); a
  ``resource_link`` block (2025-06-18) is a neighbour (call-resource-link, a pass);
- *Server › Tools* (2025-11-25, tasks): a tool whose ``execution.taskSupport`` is
  ``"required"`` must be called as a task, and a server answers a plain call with -32601; here
  it is the configured smoke call's tool (call-tool-requires-task);
- *Server › Tools › Tool annotations*: ``readOnlyHint`` is a boolean; here ``"maybe"``
  (tools-annotation-wrong-type);
- *Basic › Utilities › Progress*: a ``notifications/progress`` whose ``progressToken`` no
  request carried, before the answer to ``tools/list`` (srv-progress-unknown-token, a pass: the
  client drops it);
- HTTP (RFC 9110 §8.4): ``Content-Encoding: gzip`` on an answer that is not gzip
  (http-content-encoding-not-applied); an answer really gzip'd (http-gzip, a pass); a 307 from
  ``/mcp`` to ``/mcp/`` on the same origin, as Starlette's ``redirect_slashes`` answers a mount
  (http-redirect-trailing-slash, a pass: the SDK follows a redirect within the origin).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks): the check and its status, words the cause must
say, words the fix must hold, words no check of the server may say; and no process of the round
outlives envcheck's run. All ten servers are checked in one envcheck run, in process.

First run (envcheck at dcad4be, before any change; graded by the rules above, 2026-12-06): 10
cases, 6 fully right by the committed expectations (the four neighbours srv-progress-unknown-
token, call-resource-link, http-gzip, http-redirect-trailing-slash; tools-annotation-wrong-type,
call-content-unknown-type), 2 partly, 2 wrong; of the six breakages, 2 fully right, 2 partly, 2
wrong. No process outlived the run. Read by a person, two grades are lower: call-content-unknown-
type's ``says`` word "video" matched the server's own name (``video: call failed``), the cause
being "content.0.TextContent.text: Field required", the SDK's first union member, not the block's
type: partly (the server is named ``clip`` since, no expectation changed); call-tool-requires-task
was "method not found: it does not implement this" for a method the server has: a wrong cause,
not partly. So 5 of 10 (1 of 6 breakages) fully right read strictly, 1 partly, 4 wrong.

- tools-annotation-wrong-type, fully right: "tool 'echo' has an invalid
  annotations.readOnlyHint", the SDK rejecting the whole listing;
- call-content-unknown-type, partly (above);
- call-structured-content-invalid, wrong: "RuntimeError: Invalid structured content returned by
  tool echo: 'seven' is not of type 'number' ... (outside what envcheck can explain)", run the
  server by hand: the SDK's words in the fallback, nothing read from the tool's outputSchema;
- call-structured-content-missing, wrong: the same fallback, "Tool echo has an output schema but
  did not return structured content";
- call-tool-requires-task, wrong (partly by the words): -32601 read as "method not found: it does
  not implement this", the fix "run it by hand"; the tool's ``execution.taskSupport`` not read;
- http-content-encoding-not-applied, wrong (partly by the words): no check failed; ``tools`` and
  every later step were skipped, "the connection ended before this step": the SDK's transport
  raised httpx's DecodingError in its task group, which ended the session under the step.

After (verdicts from structure, none from message words): 10 of 10 fully right, each a row of
docs/verdicts/mcp.md (section 12, ``ROWS``) asserted on the run. The smoke call's answer is read
from the wire against the tool's own ``tools/list`` entry (``diagnose._call_problem``): a tool
whose ``execution.taskSupport`` is ``"required"`` answered with an error is that, with an edit that
removes ``call`` (executed here by envcheck's fixer; the re-run passes); a content block of a type
schema.ts does not define is named by its type; a tool with an ``outputSchema`` whose result has
no ``structuredContent``, or one that does not validate (jsonschema, the path and the first
error), is named so. Over HTTP, the ``Content-Encoding`` an answer came with is kept by the
request's method, and httpx's DecodingError names it; a transport failure that ends the session
under a step fails that step (the later ones blocked) instead of skipping every one as "the
connection ended". The rules are by class (any tool's task support, any undefined block type, any
schema, any coding), each tested here by one example.

Cost: one envcheck run of ten servers in process, and two of one server for the executed fix:
about 5 CPU-s (``-p no:xdist``).
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import QuietHandler, serving
from tests.verdicts.mcp_world import (  # noqa: F401 - the fixture is autouse here
    jsonrpc_reply,
    judge_server,
    no_real_client_configs,
    processes_of,
    run_in_process,
    step_of,
)
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_mcp_wire_sweep import TOKEN, judge

#: this round's stdio server: newline-delimited JSON-RPC, one tool "echo"; MODE bends one thing
SERVER = textwrap.dedent("""
    import json, sys

    MODE = sys.argv[1]
    TOOL = {"name": "echo", "inputSchema": {"type": "object"}}
    if MODE in ("struct-invalid", "struct-missing"):
        TOOL["outputSchema"] = {
            "type": "object",
            "properties": {"n": {"type": "number"}},
            "required": ["n"],
        }
    if MODE == "task-required":
        TOOL["execution"] = {"taskSupport": "required"}
    if MODE == "annotation":
        TOOL["annotations"] = {"readOnlyHint": "maybe"}


    def send(message):
        sys.stdout.write(json.dumps(message) + "\\n")
        sys.stdout.flush()


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
                "serverInfo": {"name": "heldout6", "version": "1.0"},
            }
        elif method == "tools/list":
            if MODE == "progress":
                progress = {"progressToken": "nobody-asked", "progress": 1, "total": 2}
                send({"jsonrpc": "2.0", "method": "notifications/progress", "params": progress})
            reply["result"] = {"tools": [TOOL]}
        elif method == "ping":
            reply["result"] = {}
        elif method == "tools/call":
            result = {"content": [{"type": "text", "text": "ok"}]}
            if MODE == "struct-invalid":
                result["structuredContent"] = {"n": "seven"}
            if MODE == "content-video":
                result = {"content": [{"type": "video", "url": "https://example.invalid/v.mp4"}]}
            if MODE == "resource-link":
                link = {"type": "resource_link", "uri": "file:///report.txt", "name": "report"}
                result = {"content": [link]}
            reply["result"] = result
            if MODE == "task-required":
                words = "Tool echo requires task-augmented execution (execution.taskSupport)"
                reply = {"jsonrpc": "2.0", "id": ident,
                         "error": {"code": -32601, "message": words}}
        else:
            reply["error"] = {"code": -32601, "message": "Method not found"}
        send(reply)
    """)


class Handler(QuietHandler):
    """A streamable HTTP MCP server at ``/<mode>/mcp`` (405 to GET, 200 to DELETE); ``mode``:
    ``gzip-lie`` (``tools/list`` answered with ``Content-Encoding: gzip`` over a plain body),
    ``gzip`` (every answer gzip'd), ``slash`` (``/slash/mcp`` is answered 307 to ``/slash/mcp/``,
    which serves)."""

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.respond(405, headers={"allow": "POST, DELETE"})

    def do_DELETE(self) -> None:  # noqa: N802
        self.respond(200)

    def do_POST(self) -> None:  # noqa: N802
        mode = self.path.strip("/").split("/")[0]
        body = self.body()
        if mode == "slash" and not self.path.endswith("/"):
            self.respond(307, headers={"location": self.path + "/"})
            return
        message = json.loads(body)
        if "id" not in message or "method" not in message:
            self.respond(202)
            return
        data = json.dumps(jsonrpc_reply(message)).encode()
        headers = {"content-type": "application/json"}
        if mode == "gzip" or (mode == "gzip-lie" and message["method"] == "tools/list"):
            headers["content-encoding"] = "gzip"
        if mode == "gzip":
            data = gzip.compress(data)
        self.respond(200, data, headers)


#: case name -> (server name, transport, mode, the request the SDK's client fails on or None,
#: the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "call-structured-content-invalid": (
        "structbad",
        "stdio",
        "struct-invalid",
        "tools/call",
        Expect(
            "mcp/structbad.call",
            "fail",
            says=("structuredContent", "outputSchema"),
            never=("raise timeout", "isError", "not an MCP", "log to stderr", "can explain"),
        ),
    ),
    "call-structured-content-missing": (
        "structnone",
        "stdio",
        "struct-missing",
        "tools/call",
        Expect(
            "mcp/structnone.call",
            "fail",
            says=("structuredContent", "outputSchema"),
            never=("raise timeout", "isError", "not an MCP", "log to stderr", "can explain"),
        ),
    ),
    "call-content-unknown-type": (
        "clip",
        "stdio",
        "content-video",
        "tools/call",
        Expect(
            "mcp/clip.call",
            "fail",
            says=("tools/call", "video"),
            never=("raise timeout", "not an MCP", "log to stderr", "can explain"),
        ),
    ),
    "call-tool-requires-task": (
        "tasked",
        "stdio",
        "task-required",
        "tools/call",
        Expect(
            "mcp/tasked.call",
            "fail",
            says=("taskSupport",),
            fix=("call",),
            never=("raise timeout", "not an MCP", "does not implement tools/call"),
        ),
    ),
    "tools-annotation-wrong-type": (
        "annot",
        "stdio",
        "annotation",
        "tools/list",
        Expect(
            "mcp/annot.tools",
            "fail",
            says=("readOnlyHint", "tools/list"),
            never=("raise timeout", "not an MCP", "log to stderr", "can explain"),
        ),
    ),
    "srv-progress-unknown-token": (
        "progress",
        "stdio",
        "progress",
        None,
        Expect("mcp/progress.tools", "pass"),
    ),
    "call-resource-link": (
        "linked",
        "stdio",
        "resource-link",
        None,
        Expect("mcp/linked.call", "pass"),
    ),
    "http-content-encoding-not-applied": (
        "gzlie",
        "http",
        "gzip-lie",
        "tools/list",
        Expect(
            "mcp/gzlie.tools",
            "fail",
            says=("Content-Encoding", "gzip"),
            never=("raise timeout", "not an MCP", "closed the connection", "can explain"),
        ),
    ),
    "http-gzip": ("gzipped", "http", "gzip", None, Expect("mcp/gzipped.tools", "pass")),
    "http-redirect-trailing-slash": (
        "slash",
        "http",
        "slash",
        None,
        Expect("mcp/slash.tools", "pass"),
    ),
}


#: the cases that are rows of docs/verdicts/mcp.md (section 12)
ROWS = tuple(sorted(CASES))


def _table(name: str, transport: str, mode: str, script: Path, port: int) -> str:
    lines = [f"[tool.envcheck.mcp.servers.{name}]"]
    if transport == "stdio":
        lines += [f"command = {json.dumps(sys.executable)}"]
        lines += [f"args = {json.dumps(['-S', str(script), mode])}"]
    else:
        lines += [f'url = "http://127.0.0.1:{port}/{mode}/mcp"', 'transport = "http"']
        lines += [f'headers = {{ Authorization = "Bearer {TOKEN}" }}']
    lines.append('call = { tool = "echo", arguments = {} }')
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def round6(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The ten servers proven with the SDK's client, then checked in one envcheck run: the
    SDK's outcome per case, the checks by server, the processes left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout6")
    script = root / "heldout6_server.py"
    script.write_text(SERVER)
    before = processes_of(root)
    with serving(Handler) as port:
        targets: list[Any] = []
        for _, transport, mode, _, _ in CASES.values():
            if transport == "stdio":
                targets.append(
                    StdioServerParameters(command=sys.executable, args=["-S", str(script), mode])
                )
            else:
                targets.append(f"http://127.0.0.1:{port}/{mode}/mcp")
        sdk = dict(zip(CASES, judge(targets)))
        config = "[tool.envcheck.mcp]\ndiscover = false\ntimeout = 5.0\n" + "".join(
            _table(name, transport, mode, script, port)
            for name, transport, mode, _, _ in CASES.values()
        )
        checks = run_in_process(root, config, TOKEN)
    yield {"sdk": sdk, "checks": checks, "left": processes_of(root) - before}


@pytest.mark.parametrize("name", sorted(CASES))
def test_heldout(round6: dict[str, Any], name: str) -> None:
    server, _, _, fails_on, expect = CASES[name]
    sdk = round6["sdk"][name]
    # the breakage is real: the SDK's client fails on the request named, or works
    assert (sdk and sdk[0]) == fails_on, sdk
    mine = [c for c in round6["checks"] if c["id"].startswith(f"mcp/{server}.")]
    assert mine, sorted(c["id"] for c in round6["checks"])
    row = name if name in ROWS else None
    judge_server(expect, mine, healthy=expect.status == "pass", row=row)


def test_the_printed_fix_of_the_task_required_call_works(tmp_path: Path) -> None:
    """call-tool-requires-task's fix, executed as envcheck prints it (its edit of the project's
    pyproject.toml, applied by envcheck's fixer), and envcheck run again: it passes."""
    from envcheck.core.config import EnvcheckConfig, Settings
    from envcheck.engine import registry
    from envcheck.engine.fixer import apply_step

    script = tmp_path / "heldout6_server.py"
    script.write_text(SERVER)
    config = "[tool.envcheck.mcp]\ndiscover = false\ntimeout = 5.0\n" + _table(
        "tasked", "stdio", "task-required", script, 0
    )
    before = {c["id"]: c for c in run_in_process(tmp_path, config, TOKEN)}
    fix = before["mcp/tasked.call"]["fix"]
    assert before["mcp/tasked.call"]["status"] == "fail" and fix["runnable"], fix
    settings = EnvcheckConfig(
        sections={}, settings=Settings(), rootdir=tmp_path, source=str(tmp_path / "pyproject.toml")
    )
    pm = registry.make_plugin_manager()
    results = [apply_step(step_of(s), settings, pm) for s in fix["steps"]]
    assert all(r.ok for r in results), results
    (tmp_path / "envcheck-report.json").unlink()
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        pytest.main(["-m", "mcp", "-p", "no:cacheprovider", "--envcheck-report", "-q", "-s"])
    finally:
        os.chdir(here)
    after = {
        c["id"]: c for c in json.loads((tmp_path / "envcheck-report.json").read_text())["checks"]
    }
    failing = [
        f"{i} {c['status']}" for i, c in after.items() if c["status"] not in ("pass", "skip")
    ]
    # the server passes; with no smoke call configured, there is no call check
    assert not failing and "mcp/tasked.tools" in after, (failing, sorted(after))
    assert after.get("mcp/tasked.call", {"status": "skip"})["status"] == "skip", sorted(after)


def test_no_process_outlives_the_run(round6: dict[str, Any]) -> None:
    assert not round6["left"], f"processes outlived the run: {sorted(round6['left'])}"
