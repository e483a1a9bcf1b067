"""The twenty-first held-out round of MCP breakages (issue 23), after twenty rounds and the four
sweeps: two breakages that no row of docs/verdicts/mcp.md, no earlier round and no sweep pair
lists, and two neighbours, each a real stdio server of this file (newline-delimited JSON-RPC),
proven with the SDK's client.

Grepped first (docs/verdicts/mcp.md, tests/verdicts/test_mcp*.py and their code,
protocol_faults.py, child_server.py, every tests/verdicts/test_heldout_mcp*.py,
tests/verdicts/mcp_world.py) and dropped as covered: a ``nextCursor`` naming a page already
asked for (rpc-cursor-loop) or a new cursor each page (rpc-cursor-changes-repeats), a tool name
outside ``A-Za-z0-9_-.`` (tools-name-invalid-chars) or over 128 characters
(tools-name-too-long), one tool name twice (tools-name-duplicate), ``instructions`` not a string
(init-instructions-not-string), a prompt's ``arguments`` as a JSON Schema
(prompts-arguments-schema). Nowhere: a ``PromptArgument.required`` that is not a boolean (grepped
``required`` with ``prompt``: only the schema object of round 14), a response sent twice for one
request id (grepped ``twice``, ``same id``, ``duplicate``, ``again`` in the wire sweep,
protocol_faults.py, child_server.py: none for a response).

How the set was made (2026-12-07), from the MCP specification's schema (2025-11-25,
``PromptArgument``: ``name: string``, ``description?: string``, ``required?: boolean``;
*Basic*: "Responses MUST include the same ID as the request they correspond to", JSON-RPC 2.0 §5:
one Response Object per request) and the SDK's client on every server:

- prompts-argument-required-not-boolean: ``prompts/list`` lists a prompt whose argument has
  ``"required": "optional"`` (a string): the SDK's client rejects the result;
- init-answered-twice: the server writes two responses with the ``initialize`` request's id (the
  second a result too): the SDK's client reads the first and drops the second (a response to no
  request it waits for); the server answers everything else once. Not a failure for the client,
  a fault of the server's framing envcheck should name as a warning;
- neighbours: the same prompt with ``"required": true`` (prompts-argument-required-true, a pass);
  the same server answering ``initialize`` once after a ``notifications/message`` log line
  (init-once-after-log, a pass).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks). All four are checked in one envcheck run, in
process.

First run (envcheck at afa3ab0, the commit that added this file, before any change; graded by
the rules above, 2026-12-07): 4 cases, 2 fully right (the neighbours prompts-argument-required-true
and init-once-after-log), 1 partly, 1 wrong. No process outlived the run.

- prompts-argument-required-not-boolean, partly: the right check fails and names the prompt
  ``'summary'``, but by the SDK's pydantic location (``prompts.0.arguments.0.required``) and its
  words ("Input should be a valid boolean, unable to interpret input"), the argument ``topic``
  never named; the fix "must be as the MCP schema defines it" does not say a boolean;
- init-answered-twice, wrong (a false pass): every check passes, the second response to
  ``initialize`` never mentioned.

After (verdicts from structure: the pydantic error's location in the raw answer, the ids of
responses on stdout; none from a message's words): 4 of 4 fully right, each a row of
docs/verdicts/mcp.md (section 28, ``ROWS``) asserted on the run.

- A listed prompt's argument whose ``name``, ``description`` or ``required`` is not of the
  schema's type is named by the prompt's and the argument's names, with the type the schema
  gives it (``diagnose._prompt_argument``), not by pydantic's location and words.
- The stdio transport keeps the ids of the requests answered; a second response with one of
  them is counted and dropped, as the SDK's client drops it (``_stdio.ChildState.repeated``); a
  stdio server's passing ``initialize`` is settled once the later requests were answered (their
  answers come after the repeated one on stdout) and warns when ``initialize`` was answered more
  than once (``Probe._answered_twice``).
- The neighbours needed no change.

The fixes, carried out as printed (``test_the_printed_fixes_work``): the server's source
changed as the authors would (``required`` true, the second write removed), envcheck run again
in the same modes: every check of both passes.

Cost (measured after the fixes, ``-p no:xdist``, pytest's start included): 3.6 CPU-s, 8 s of
wall time.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from tests.verdicts.mcp_world import (
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
SECRET = "Heldout21-never-shown-5521"

#: the round's stdio server; MODE (argv[1]) bends one thing
SERVER = textwrap.dedent("""
    import json, sys

    MODE = sys.argv[1]
    REQUIRED = {"prompt-string": "optional", "prompt-true": True}


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
            capabilities = {"tools": {}, "logging": {}}
            if MODE in REQUIRED:
                capabilities["prompts"] = {}
            reply["result"] = {
                "protocolVersion": params.get("protocolVersion"),
                "capabilities": capabilities,
                "serverInfo": {"name": "heldout21", "version": "1.0"},
            }
            if MODE == "log-first":
                log = {"level": "info", "logger": "heldout21", "data": "starting up"}
                send({"jsonrpc": "2.0", "method": "notifications/message", "params": log})
            if MODE == "init-twice":
                send(reply)
        elif method == "tools/list":
            reply["result"] = {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}
        elif method == "prompts/list" and MODE in REQUIRED:
            argument = {"name": "topic", "description": "what to write about"}
            argument["required"] = REQUIRED[MODE]
            prompt = {"name": "summary", "arguments": [argument]}
            reply["result"] = {"prompts": [prompt]}
        elif method == "ping":
            reply["result"] = {}
        elif method == "tools/call":
            reply["result"] = {"content": [{"type": "text", "text": "ok"}]}
        else:
            reply["error"] = {"code": -32601, "message": "Method not found"}
        send(reply)
    """)

#: case name -> (server name, "stdio", its mode, the request the SDK's client fails on or None,
#: the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "prompts-argument-required-not-boolean": (
        "reqstr",
        "stdio",
        "prompt-string",
        "prompts/list",
        Expect(
            "mcp/reqstr.prompts",
            "fail",
            says=("prompts/list", "required", "summary"),
            fix=("required",),
            never=("by hand", "pydantic", "prompts.0"),
        ),
    ),
    "init-answered-twice": (
        "twice",
        "stdio",
        "init-twice",
        None,
        Expect(
            "mcp/twice.initialize|mcp/twice.start|mcp/twice.tools",
            "warn",
            says=("initialize", "twice"),
            never=("by hand", "timeout"),
        ),
    ),
    "prompts-argument-required-true": (
        "reqtrue",
        "stdio",
        "prompt-true",
        None,
        Expect("mcp/reqtrue.prompts", "pass"),
    ),
    "init-once-after-log": (
        "logfirst",
        "stdio",
        "log-first",
        None,
        Expect("mcp/logfirst.tools", "pass"),
    ),
}

#: the neighbours: their clients work with them, envcheck must not fail or warn about them
NEIGHBOURS = ("prompts-argument-required-true", "init-once-after-log")

#: the cases that are rows of docs/verdicts/mcp.md (section 28)
ROWS = tuple(sorted(CASES))


@pytest.fixture(scope="module")
def round21(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The servers proven (the SDK's client on each), then checked in one envcheck run: the
    proofs, the checks, the processes left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout21")
    script = write_script(root / "servers" / "heldout21.py", SERVER)
    before = processes_of(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mp.chdir(root)
        names = sorted(CASES)
        params = [
            StdioServerParameters(command=sys.executable, args=["-S", script, CASES[n][2]])
            for n in names
        ]
        sdk: dict[str, Any] = dict(zip(names, judge(params)))
        servers = {
            CASES[n][0]: {"command": sys.executable, "args": ["-S", script, CASES[n][2]]}
            for n in names
        }
        patient = neighbour_servers(CASES, NEIGHBOURS)
        checks = run_in_process(root, servers_toml(servers, patient), SECRET)
        left = processes_of(root) - before
    yield {"sdk": sdk, "proofs": {}, "checks": checks, "root": root, "left": left}


test_heldout, test_no_process_outlives_the_run = round_tests("round21", CASES, ROWS, NEIGHBOURS)


def test_the_printed_fixes_work(round21: dict[str, Any]) -> None:
    """The printed fixes carried out as they say, by the server's authors: the argument's
    ``required`` made a boolean (``true``), the second write of the ``initialize`` response
    removed, in a copy of the server's source; envcheck run again over the two servers in the
    same modes: every check passes."""
    by_id = {c["id"]: c for c in round21["checks"]}
    prompts, twice = by_id["mcp/reqstr.prompts"], by_id["mcp/twice.initialize"]
    assert "required must be a boolean (true or false)" in prompts["hint"], prompts
    assert "must write one response to initialize" in twice["hint"], twice
    root = round21["root"]
    fixed = SERVER.replace('"prompt-string": "optional"', '"prompt-string": True')
    fixed = fixed.replace('if MODE == "init-twice":\n            send(reply)\n', "pass\n")
    assert fixed.count("send(") == SERVER.count("send(") - 1 and "optional" not in fixed
    script = write_script(root / "fixed" / "heldout21.py", fixed)
    servers = {
        CASES[n][0]: {"command": sys.executable, "args": ["-S", script, CASES[n][2]]}
        for n in ("prompts-argument-required-not-boolean", "init-answered-twice")
    }
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(root / "home"))
        mp.chdir(root)
        after = run_in_process(root, servers_toml(servers), SECRET)
    failing = [f"{c['id']} {c['status']}" for c in after if c["status"] not in ("pass", "skip")]
    passed = {c["id"] for c in after if c["status"] == "pass"}
    wanted = {"mcp/reqstr.prompts", "mcp/twice.initialize", "mcp/twice.tools"}
    assert not failing and wanted <= passed, (failing, sorted(passed))
