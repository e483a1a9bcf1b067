"""The eighteenth held-out round of MCP breakages (issue 23), after seventeen rounds and the four
sweeps: six breakages that no row of docs/verdicts/mcp.md, no earlier round and no sweep pair
lists, and two neighbours, each made for real (stdio servers shaped from round 15's server, and
server-everything from npm).

Grepped first (docs/verdicts/mcp.md, tests/verdicts/test_mcp*.py, every
tests/verdicts/test_heldout_mcp*.py, tests/verdicts/mcp_world.py) for ``priority``,
``audience`` and ``icons`` (nowhere), ``capabilities.*true`` (nowhere), ``serverInfo`` (rows
init-no-serverinfo, a result without ``serverInfo``, and init-no-capabilities; never a
``serverInfo`` without its ``version``), ``pickString`` (nowhere; left out: VS Code prompts for
it as for promptString, row cfg-input), ``setLevel`` (rounds 9 and 14: envcheck sends none),
``logging`` and ``notifications/message`` (life-log-before-result, srv-log-flood: valid levels
only), ``"uri"`` (well-formed URIs only; left out: the SDK's client takes ``Resource.uri`` as a
plain string, so a relative one breaks no client), ``mimeType``, ``progress``, ``nextCursor``
(the pagination rows). None of the six kinds below is a row or a pair.

How the set was made (2026-12-07), from the MCP specification's schema (schema/2025-11-25/
schema.ts: ``ServerCapabilities.tools`` is an object ``{ listChanged?: boolean }``;
``Implementation`` requires ``name`` and ``version``; ``Annotations.priority`` is a number with
``@minimum 0`` ``@maximum 1`` and ``audience`` a list of ``Role``, ``"user" | "assistant"``;
``Icon.sizes`` is ``string[]``; ``LoggingMessageNotification.params.level`` is a
``LoggingLevel``, the eight syslog names ``debug`` ... ``emergency``, with ``warning`` and no
``warn``), and the SDK's client (the wire sweep's judge) on every server:

- init-capability-not-object: ``"capabilities": {"tools": true}`` in the ``initialize`` result
  (a flag where the schema has an object): the client rejects the handshake;
- init-serverinfo-no-version: ``"serverInfo": {"name": "x"}``, no ``version``: the same;
- resources-annotation-priority-range: a resource ``notes`` with ``"annotations": {"priority":
  5}`` (a 1-10 scale where the schema says 0 to 1): the client rejects the whole listing;
- resources-annotation-audience-unknown: ``"audience": ["bot"]``: the same;
- tools-icon-sizes-string: the tool ``echo`` with ``"icons": [{"src": ..., "sizes":
  "48x48"}]`` (HTML's ``sizes`` attribute is a string, MCP's a list): the client rejects the
  whole tool listing;
- srv-log-level-unknown: a server that advertises ``logging`` and sends ``notifications/message``
  with ``"level": "warn"`` before each ``tools/list`` answer: the client drops every such
  message (it logs a validation error) and otherwise works; the server's logs never reach a
  client: a warning, not a failure;
- neighbours: resources whose annotations sit on the bounds (priority 0 and 1.0, audience both
  roles, ``lastModified``) with ``"tools": {"listChanged": false}`` (resources-annotation-bounds,
  a pass); server-everything's ``get-annotated-message`` tool, whose content carries
  ``priority: 1.0`` and ``audience: ["user", "assistant"]`` and an annotated image
  (call-annotations-everything, a pass).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks); the SDK's client proves each. All eight are
checked in one envcheck run, in process.

First run (envcheck at a17bfb1, the commit that added this file, before any change; graded by
the rules above, 2026-12-07): 8 cases, 5 fully right (capabilities.tools, serverInfo.version,
the icon's sizes, both neighbours), 2 partly, 1 wrong. No process outlived the run. (The
capabilities verdict shows pydantic's class name: "a valid dictionary or instance of Tools1".
init-capability-not-object later turned out to be the wire sweep's (f), "an entry that is not
an object", which the grep missed: the sweep builds its pairs in code; of the kinds new, 4 of
7 fully right.)

- resources-annotation-priority-range, partly: "the answer to resources/list does not match the
  MCP schema: resources.0.annotations.priority: Input should be less than or equal to 1 (it is
  5)", fix "upgrade the server, or report the invalid answer to its authors: ... must be as the
  MCP schema defines it": the resource (``notes``) not named, only its index;
- resources-annotation-audience-unknown, partly: the same with "audience.0: Input should be
  'assistant' or 'user' (it is "bot")";
- srv-log-level-unknown, wrong: every check passes ("1 tools, input schemas valid"); the log
  messages every client drops not seen.

After (verdicts from structure: the SDK's validation error's location and type, the entry at
that index of the server's raw answer, the ``level`` of each ``notifications/message`` on the
wire against the schema's ``LoggingLevel``; none from a message's words): 8 of 8 fully right,
each a row of docs/verdicts/mcp.md (section 25, ``ROWS``) asserted on the run.

- An answer the SDK rejects at ``resources.N...``, ``resourceTemplates.N...`` or
  ``prompts.N...`` names the entry by its ``name`` in the cause and the fix ("in the resource
  'notes'"), and says the whole listing is lost (``diagnose._listed_entry``); pydantic's class
  names ("or instance of Tools1") are no longer shown ("a JSON object"); a tool's invalid field
  carries the schema's words in its fix ("icons.0.sizes must match the MCP schema: Input should
  be a valid list").
- Log messages whose level is none of the eight ``LoggingLevel`` names warn on the tools check
  with the level to send instead (syslog's ``warn``, ``err``, ``crit``, ``emerg`` and
  ``fatal``, ``trace``, ``information`` mapped to the schema's) (``_wire.Wire.log_levels``,
  ``steps._log_levels``).

Every fix is the server's authors'; each was carried out on its server as printed (the level
the fix names, the answers corrected as its words say) and envcheck run again over them: they
pass (``test_the_printed_fixes_work``).

Cost (measured after the fixes, ``-p no:xdist``, pytest's start included): 5.0 CPU-s, 11 s of
wall time (fourteen stdio servers, one of them Node's server-everything twice, two envcheck
runs in process).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from tests.mcp_servers import EVERYTHING, node
from tests.verdicts.mcp_world import (
    neighbour_servers,
    processes_of,
    round_tests,
    run_in_process,
    servers_toml,
    write_script,
)
from tests.verdicts.test_heldout_mcp15 import SHAPED_SERVER
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_mcp_wire_sweep import judge

#: nothing of this round is a secret; the report must not hold this either
SECRET = "Heldout18-never-shown-3307"

#: round 15's shaped server, whose capabilities, serverInfo and tools may come from its shape
#: too, and which may send a log message before each tools/list answer
CAPABILITIES = (
    '"capabilities": dict({"tools": {}}, ' '**({"resources": {}} if "resources" in SHAPE else {})),'
)
SERVER_INFO = '"serverInfo": {"name": "heldout12", "version": "1.0"},'
TOOLS = 'reply["result"] = {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}'
for _part in (CAPABILITIES, SERVER_INFO, TOOLS):
    assert SHAPED_SERVER.count(_part) == 1, _part
SHAPED18_SERVER = (
    SHAPED_SERVER.replace(
        CAPABILITIES,
        '"capabilities": SHAPE["capabilities"] if "capabilities" in SHAPE else '
        'dict({"tools": {}}, **({"resources": {}} if "resources" in SHAPE else {})),',
    )
    .replace(
        SERVER_INFO,
        '"serverInfo": SHAPE.get("serverInfo", {"name": "heldout18", "version": "1.0"}),',
    )
    .replace(
        TOOLS,
        'if "log" in SHAPE:\n'
        '            send({"jsonrpc": "2.0", "method": "notifications/message", '
        '"params": SHAPE["log"]})\n'
        '        reply["result"] = {"tools": SHAPE.get("tools", '
        '[{"name": "echo", "inputSchema": {"type": "object"}}])}',
    )
)

NOTES = {"uri": "file:///notes.txt", "name": "notes", "mimeType": "text/plain"}

#: case name -> the server's shape (its argument), or None for server-everything
SHAPES: dict[str, dict[str, Any] | None] = {
    "init-capability-not-object": {"capabilities": {"tools": True}},
    "init-serverinfo-no-version": {"serverInfo": {"name": "heldout18"}},
    "resources-annotation-priority-range": {
        "resources": [{**NOTES, "annotations": {"priority": 5}}]
    },
    "resources-annotation-audience-unknown": {
        "resources": [{**NOTES, "annotations": {"audience": ["bot"]}}]
    },
    "tools-icon-sizes-string": {
        "tools": [
            {
                "name": "echo",
                "inputSchema": {"type": "object"},
                "icons": [{"src": "https://example.com/echo.png", "sizes": "48x48"}],
            }
        ]
    },
    "srv-log-level-unknown": {
        "capabilities": {"tools": {}, "logging": {}},
        "log": {"level": "warn", "logger": "cache", "data": "cache is cold"},
    },
    "resources-annotation-bounds": {
        "capabilities": {"tools": {"listChanged": False}, "resources": {}},
        "resources": [
            {**NOTES, "annotations": {"priority": 0, "audience": ["user", "assistant"]}},
            {
                "uri": "file:///todo.txt",
                "name": "todo",
                "annotations": {
                    "priority": 1.0,
                    "audience": ["user"],
                    "lastModified": "2026-12-07T10:00:00Z",
                },
            },
        ],
    },
    "call-annotations-everything": None,
}

#: the smoke call of server-everything: its annotated message (priority 1.0) with an image
ANNOTATED_TOOL = "get-annotated-message"
ANNOTATED_ARGUMENTS: dict[str, Any] = {"messageType": "error", "includeImage": True}

#: case name -> (server name, how it is proven: "stdio" by the SDK's client, "proof" by the
#: case's own; its source, the request the SDK's client fails on or None, the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "init-capability-not-object": (
        "capbool",
        "stdio",
        "capabilities.tools = true",
        "initialize",
        Expect(
            "mcp/capbool.initialize",
            "fail",
            says=("capabilities.tools",),
            fix=("capabilities.tools",),
            never=("no answer", "timeout"),
        ),
    ),
    "init-serverinfo-no-version": (
        "nover",
        "stdio",
        "serverInfo without version",
        "initialize",
        Expect(
            "mcp/nover.initialize",
            "fail",
            says=("serverInfo.version",),
            fix=("version",),
            never=("no answer", "timeout"),
        ),
    ),
    "resources-annotation-priority-range": (
        "prio",
        "stdio",
        "annotations.priority = 5",
        "resources/list",
        Expect(
            "mcp/prio.resources",
            "fail",
            says=("priority", "notes"),
            fix=("priority",),
            never=("no answer", "by hand"),
        ),
    ),
    "resources-annotation-audience-unknown": (
        "aud",
        "stdio",
        'annotations.audience = ["bot"]',
        "resources/list",
        Expect(
            "mcp/aud.resources",
            "fail",
            says=("audience", "bot", "notes"),
            fix=("assistant",),
            never=("no answer", "by hand"),
        ),
    ),
    "tools-icon-sizes-string": (
        "iconsize",
        "stdio",
        'icons[0].sizes = "48x48"',
        "tools/list",
        Expect(
            "mcp/iconsize.tools",
            "fail",
            says=("echo", "sizes"),
            fix=("sizes",),
            never=("no answer", "by hand"),
        ),
    ),
    "srv-log-level-unknown": (
        "loglevel",
        "stdio",
        'notifications/message level "warn"',
        None,
        Expect(
            "mcp/loglevel.tools|mcp/loglevel.initialize",
            "warn",
            says=("level",),
            fix=("warning",),
            never=("timeout", "no answer"),
        ),
    ),
    "resources-annotation-bounds": (
        "bounds",
        "stdio",
        "priority 0 and 1.0, both audiences",
        None,
        Expect("mcp/bounds.resources", "pass"),
    ),
    "call-annotations-everything": (
        "annotated",
        "proof",
        "server-everything stdio, get-annotated-message",
        None,
        Expect("mcp/annotated.call", "pass"),
    ),
}

#: the neighbours: their clients work with them, envcheck must not fail or warn about them
NEIGHBOURS = ("resources-annotation-bounds", "call-annotations-everything")

#: the cases that are rows of docs/verdicts/mcp.md (section 25)
ROWS = tuple(sorted(CASES))


async def _annotated(command: str, args: list[str]) -> list[Any]:
    """server-everything's annotated message through the SDK's client: its content's
    annotations (``None`` for a block without)."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    with anyio.fail_after(30):
        async with stdio_client(StdioServerParameters(command=command, args=args)) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                result = await session.call_tool(ANNOTATED_TOOL, ANNOTATED_ARGUMENTS)
    assert not result.is_error, result
    return [block.annotations for block in result.content]


@pytest.fixture(scope="module")
def round18(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The eight servers proven (the SDK's client, started as each entry says), then checked in
    one envcheck run: the proofs, the checks, the processes left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout18")
    shaped = write_script(root / "servers" / "shaped18.py", SHAPED18_SERVER)
    before = processes_of(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mp.chdir(root)
        servers: dict[str, dict[str, Any]] = {}
        for name, shape in SHAPES.items():
            server = CASES[name][0]
            if shape is None:
                servers[server] = {
                    "command": node(),
                    "args": [EVERYTHING, "stdio"],
                    "call": {"tool": ANNOTATED_TOOL, "arguments": ANNOTATED_ARGUMENTS},
                }
            else:
                servers[server] = {"command": sys.executable, "args": [shaped, json.dumps(shape)]}
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
        everything = servers["annotated"]
        annotations = anyio.run(_annotated, everything["command"], everything["args"])
        proofs: dict[str, Any] = {
            "call-annotations-everything": any(
                a is not None and a.priority == 1.0 and a.audience == ["user", "assistant"]
                for a in annotations
            ),
            "annotations": annotations,
        }
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


test_heldout, test_no_process_outlives_the_run = round_tests("round18", CASES, ROWS, NEIGHBOURS)


#: the breakages' servers as their printed fixes have them corrected (by the server's authors):
#: case -> (what the printed fix says, the corrected shape)
CORRECTED: dict[str, tuple[str, dict[str, Any]]] = {
    "init-capability-not-object": ("a JSON object", {"capabilities": {"tools": {}}}),
    "init-serverinfo-no-version": (
        "must carry serverInfo.version",
        {"serverInfo": {"name": "heldout18", "version": "1.0"}},
    ),
    "resources-annotation-priority-range": (
        "less than or equal to 1",
        {"resources": [{**NOTES, "annotations": {"priority": 0.5}}]},
    ),
    "resources-annotation-audience-unknown": (
        "'assistant' or 'user'",
        {"resources": [{**NOTES, "annotations": {"audience": ["assistant"]}}]},
    ),
    "tools-icon-sizes-string": (
        "icons.0.sizes must match the MCP schema",
        {
            "tools": [
                {
                    "name": "echo",
                    "inputSchema": {"type": "object"},
                    "icons": [{"src": "https://example.com/echo.png", "sizes": ["48x48"]}],
                }
            ]
        },
    ),
}


def test_the_printed_fixes_work(round18: dict[str, Any]) -> None:
    """Each breakage's printed fix (the server's authors'), carried out on its server as printed:
    the log level the fix names replaces ``warn``, the other answers corrected as the fix's words
    say; envcheck run again over those servers alone: every check passes or is skipped."""
    by_id = {c["id"]: c for c in round18["checks"]}
    shapes: dict[str, dict[str, Any]] = {}
    for name, (said, shape) in CORRECTED.items():
        check = by_id[CASES[name][4].check.split("|")[0]]
        assert check["status"] == "fail" and said.lower() in check["hint"].lower(), check
        shapes[CASES[name][0]] = shape
    logs = by_id["mcp/loglevel.tools"]
    level = re.search(r'"level": "(\w+)" instead of "warn"', logs["hint"])
    assert logs["status"] == "warn" and level, logs
    logged = SHAPES["srv-log-level-unknown"]
    assert logged is not None
    shapes["loglevel"] = {**logged, "log": {**logged["log"], "level": level.group(1)}}
    root = round18["root"]
    shaped = str(root / "servers" / "shaped18.py")
    servers = {
        s: {"command": sys.executable, "args": [shaped, json.dumps(v)]} for s, v in shapes.items()
    }
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        after = run_in_process(root, servers_toml(servers), SECRET)
    failing = [
        f"{c['id']} {c['status']}: {c['summary']}"
        for c in after
        if c["status"] not in ("pass", "skip")
    ]
    passed = {c["id"] for c in after if c["status"] == "pass"}
    assert not failing and {f"mcp/{s}.tools" for s in servers} <= passed, (failing, sorted(passed))
