"""The fifteenth held-out round of MCP breakages, after fourteen rounds and the four sweeps (the
codes-and-statuses sweep, the wire sweep, the client-config sweep, the HTTP sweep): five
breakages that no row of docs/verdicts/mcp.md, no earlier round and no sweep pair lists, and
three healthy neighbours, each made for real (mcp-server-time from PyPI started as a user would
misconfigure it, a script of this file answering the broken thing), each proven with the
official ``mcp`` SDK's client (the wire sweep's judge) or, for the real server, by its own exit.

Left out as covered (grepped first in docs/verdicts/mcp.md, tests/verdicts/test_heldout_mcp*.py
up to 14, the four sweeps and tests/verdicts/mcp_world.py): ``"jsonrpc": "1.0"`` (round 1),
``resource_link`` (round 6), a content block of an unknown type, missing or empty, an image's
``data`` that is no base64 (round 14), tool annotations of a wrong type (round 6), a prompt's
``arguments`` of a wrong shape (round 14), everything else earlier rounds took. Grepped for what
is left, none a row, a round's case or a sweep pair: ``EmbeddedResource``, ``"blob"``,
``AnyUrl``, ``no mimeType`` (nowhere; ``mimeType`` only in round 14's image as data: URL),
``"size"`` of a resource (nowhere; ``size`` only of a buffer and a flood),
``timezone``/``ZoneInfo`` (only round 13's smoke call of mcp-server-time with ``"UTC"``),
``"text": 4`` / a text block's text of a wrong type (nowhere).

How the set was made (2026-12-07), from the MCP specification (2025-06-18, 2025-11-25:
*Server › Tools › Tool Result*: text content has ``text`` a string; image content ``data`` and
``mimeType``, both required; embedded resources carry ``TextResourceContents`` (``text``) or
``BlobResourceContents`` (``blob``); *Server › Resources*: ``Resource.size`` a number, the
size in bytes) and mcp-server-time's source (2026.10.19: ``serve`` loads the
``--local-timezone`` zone before the transport opens; a name zoneinfo does not know exits 1 with
one line on stderr,
``Error: invalid --local-timezone '...': not a known IANA timezone name``, nothing on stdout):

- call-text-not-string: the smoke call answers ``{"type": "text", "text": 42}``: the SDK's client
  refuses the result (tools/call). Fully right: ``text`` named as no string; the fix a string;
  never "isError", "check the arguments".
- call-image-no-mimetype: the smoke call answers an image block with base64 ``data`` and no
  ``mimeType``: the SDK's client refuses the result. Fully right: ``mimeType`` named as missing,
  the fix gives it; never "isError", "check the arguments".
- call-resource-no-contents: the smoke call answers an embedded resource
  ``{"type": "resource", "resource": {"uri": "file:///notes.txt"}}`` with neither ``text`` nor
  ``blob``: the SDK's client refuses the result. Fully right: ``text`` and ``blob`` named; the
  fix one of them; never "isError", "check the arguments".
- resources-size-not-number: ``resources/list`` lists a resource whose ``size`` is written for
  people (``"12 KB"``) where the schema has a number of bytes: the SDK's client refuses the
  listing (resources/list; the TypeScript SDK's ``z.number()`` too). Fully right: ``size`` and
  ``12 KB`` named; the fix an integer (of bytes); never "no answer", "by hand". (A relative
  ``uri``, ``notes.txt``, was the first choice: both SDKs take any string as a resource's uri, so
  no client fails on it, and it was dropped before the first run.)
- time-unknown-timezone: mcp-server-time started with ``--local-timezone Mars/Olympus`` (no
  IANA zone): it exits 1 before the handshake. Fully right: the exit and ``Mars/Olympus`` named;
  the fix an IANA time zone name; never "log to stderr".
- Neighbours: the same call answered with a text block, a base64 image with ``mimeType`` and an
  embedded resource with ``text`` (call-content-well-formed), the same resource with
  ``"size": 12288`` (resources-size-number), and mcp-server-time with
  ``--local-timezone Europe/Berlin`` (time-known-timezone).

Each case states what a fully right verdict is (``Expect`` of test_heldout_servers.py, graded by
its ``grade`` on the case's own server's checks). All eight are checked in one envcheck run, in
process.

Expectations committed before the first run: f59d28a (with 7bc4283, before the first run too:
a relative resource ``uri``, the first choice, swapped for ``size`` as text once both SDKs were
found to take any string as a uri).

First run (envcheck at 7bc4283, before any change; graded by the rules above, 2026-12-07): 8
cases, 4 fully right (the three neighbours, and call-text-not-string: "content.0.TextContent.text:
Input should be a valid string", the fix that field "as the MCP schema defines it"), 3 partly, 1
wrong. No process outlived the run. Cost: 7.2 user + 0.7 sys CPU-s (``-n 0``), 7 s of wall time.

- call-image-no-mimetype, partly: "content.0.TextContent.text: Field required" (the first of
  pydantic's errors, those of the text block's model; ``mimeType`` not named);
- call-resource-no-contents, partly: the same "content.0.TextContent.text: Field required"
  (``blob`` not named, and the text block's model, not the resource's);
- resources-size-not-number, partly: "resources.0.size: Input should be a valid integer" (the
  value ``"12 KB"`` not shown);
- time-unknown-timezone, wrong: "exited with code 1 before answering", fix "run ... by hand to
  see the error" (the value it refused, quoted on its stderr's last line, not named).

After (verdicts from structure: the content block's ``type`` choosing which of the union's
members' errors are its own, a nested union whose members each miss one field, the error's
input, an argument of the entry quoted on the stderr's last line; none from a message's words):
8 of 8 fully right, each a row of docs/verdicts/mcp.md (section 22, ``ROWS``) asserted on the
run.

- An answer the SDK rejects at a value that may be one of several models (a content block) is
  explained by the errors of the model its ``type`` names (those whose ``type`` the SDK did not
  refuse), the models' names left out of the place: ``content.0.mimeType: Field required``.
- When that model holds a union each of whose members misses one field (an embedded resource's
  ``TextResourceContents``/``BlobResourceContents``), the place is named with those fields:
  "content.0.resource has none of text, blob", the fix one of them.
- An invalid value is shown (``(it is "12 KB")``, through redaction) beside the SDK's reason.
- A stdio server that exits non-zero during start-up, the last line of its stderr quoting the
  value the entry gives one of its options (``--opt value``, ``--opt=value``): that value and
  option named, the fix another value of that option (the server's line quoted), not "by hand".

Cost now: 5.3 user + 0.6 sys CPU-s (``-n 0``), 6 s of wall time.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.mcp_servers import TIME
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
from tests.verdicts.test_heldout_mcp14 import PNG
from tests.verdicts.test_heldout_servers import Expect
from tests.verdicts.test_mcp_wire_sweep import judge

#: nothing of this round is a secret; the report must not hold this either
SECRET = "Heldout15-never-shown-7730"

TEXT_NUMBER = {"type": "text", "text": 42}
IMAGE_NO_MIME = {"type": "image", "data": PNG}
RESOURCE_EMPTY = {"type": "resource", "resource": {"uri": "file:///notes.txt"}}
WELL_FORMED = [
    {"type": "text", "text": "ok"},
    {"type": "image", "data": PNG, "mimeType": "image/png"},
    {"type": "resource", "resource": {"uri": "file:///notes.txt", "text": "notes"}},
]
SIZE_TEXT = {"uri": "file:///notes.txt", "name": "notes", "size": "12 KB"}
SIZE_NUMBER = {"uri": "file:///notes.txt", "name": "notes", "size": 12288}

#: the shaped server: round 12's echo server whose resources (then advertised) and call content
#: come from its argument (JSON)
CAPABILITIES = '"capabilities": {"tools": {}},'
PING = '    elif method == "ping":'
CONTENT = 'reply["result"] = {"content": [{"type": "text", "text": "ok"}]}'
for _part in (CAPABILITIES, PING, CONTENT, "import json, sys\n"):
    assert ECHO_SERVER.count(_part) == 1, _part
SHAPED_SERVER = (
    ECHO_SERVER.replace("import json, sys\n", "import json, sys\nSHAPE = json.loads(sys.argv[1])\n")
    .replace(
        CAPABILITIES,
        '"capabilities": dict({"tools": {}}, '
        '**({"resources": {}} if "resources" in SHAPE else {})),',
    )
    .replace(
        PING,
        '    elif method == "resources/list":\n'
        '        reply["result"] = {"resources": SHAPE["resources"]}\n'
        '    elif method == "resources/templates/list":\n'
        '        reply["result"] = {"resourceTemplates": []}\n' + PING,
    )
    .replace(
        CONTENT,
        'reply["result"] = {"content": SHAPE.get("content", [{"type": "text", "text": "ok"}])}',
    )
)

#: case name -> (server name, how it is proven: "stdio" by the SDK's client, "proof" by the
#: case's own; its source, the request the SDK's client fails on or None, the expected verdict)
CASES: dict[str, tuple[str, str, str, str | None, Expect]] = {
    "call-text-not-string": (
        "textnumber",
        "stdio",
        "textnumber",
        "tools/call",
        Expect(
            "mcp/textnumber.call",
            "fail",
            says=("text", "string"),
            fix=("string",),
            never=("isError", "check the arguments"),
        ),
    ),
    "call-image-no-mimetype": (
        "nomime",
        "stdio",
        "nomime",
        "tools/call",
        Expect(
            "mcp/nomime.call",
            "fail",
            says=("mimeType",),
            fix=("mimeType",),
            never=("isError", "check the arguments"),
        ),
    ),
    "call-resource-no-contents": (
        "emptyresource",
        "stdio",
        "emptyresource",
        "tools/call",
        Expect(
            "mcp/emptyresource.call",
            "fail",
            says=("text", "blob"),
            fix=("text",),
            never=("isError", "check the arguments"),
        ),
    ),
    "resources-size-not-number": (
        "sizetext",
        "stdio",
        "sizetext",
        "resources/list",
        Expect(
            "mcp/sizetext.resources",
            "fail",
            says=("size", "12 KB"),
            fix=("integer",),
            never=("no answer", "by hand"),
        ),
    ),
    "time-unknown-timezone": (
        "mars",
        "proof",
        "mcp-server-time --local-timezone Mars/Olympus",
        None,
        Expect(
            "mcp/mars.start|mcp/mars.initialize",
            "fail",
            says=("Mars/Olympus", "code 1"),
            fix=("IANA",),
            never=("log to stderr", "by hand"),
        ),
    ),
    "call-content-well-formed": (
        "wellformed",
        "stdio",
        "wellformed",
        None,
        Expect("mcp/wellformed.call", "pass"),
    ),
    "resources-size-number": (
        "sizenumber",
        "stdio",
        "sizenumber",
        None,
        Expect("mcp/sizenumber.resources", "pass"),
    ),
    "time-known-timezone": (
        "berlin",
        "proof",
        "mcp-server-time --local-timezone Europe/Berlin",
        None,
        Expect("mcp/berlin.tools", "pass"),
    ),
}

#: the neighbours: their clients work with them, envcheck must not fail or warn about them
NEIGHBOURS = ("call-content-well-formed", "resources-size-number", "time-known-timezone")

#: the cases that are rows of docs/verdicts/mcp.md (section 22)
ROWS = tuple(sorted(CASES))


@pytest.fixture(scope="module")
def round15(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The eight servers proven (the SDK's client or the case's own proof, started as each entry
    says), then checked in one envcheck run: the proofs per case, the checks, the processes
    left."""
    from mcp import StdioServerParameters

    root = tmp_path_factory.mktemp("heldout15")
    shaped = write_script(root / "servers" / "shaped.py", SHAPED_SERVER)
    before = processes_of(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(root / "home"))
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        mp.chdir(root)
        call = {"tool": "echo", "arguments": {}}

        def shaped_entry(shape: dict[str, Any], smoke: bool) -> dict[str, Any]:
            entry: dict[str, Any] = {"command": sys.executable, "args": [shaped, json.dumps(shape)]}
            return {**entry, "call": call} if smoke else entry

        servers: dict[str, dict[str, Any]] = {
            "textnumber": shaped_entry({"content": [TEXT_NUMBER]}, True),
            "nomime": shaped_entry({"content": [IMAGE_NO_MIME]}, True),
            "emptyresource": shaped_entry({"content": [RESOURCE_EMPTY]}, True),
            "wellformed": shaped_entry({"content": WELL_FORMED}, True),
            "sizetext": shaped_entry({"resources": [SIZE_TEXT]}, False),
            "sizenumber": shaped_entry({"resources": [SIZE_NUMBER]}, False),
            "mars": {"command": TIME, "args": ["--local-timezone", "Mars/Olympus"]},
            "berlin": {"command": TIME, "args": ["--local-timezone", "Europe/Berlin"]},
        }
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
        # mcp-server-time with an unknown zone: it exits 1, nothing on stdout, stdin still open
        mars = subprocess.run(
            [TIME, *servers["mars"]["args"]],
            input="",
            capture_output=True,
            text=True,
            timeout=30,
        )
        proofs["time-unknown-timezone"] = (
            mars.returncode == 1 and not mars.stdout and mars.stderr.count("\n") == 1
        ) or None
        proofs["time outcome"] = (mars.returncode, mars.stderr[-300:])
        berlin = sdk_outcome(functools.partial(sdk_stdio, TIME, servers["berlin"]["args"]))
        proofs["time-known-timezone"] = berlin == "works" or None
        proofs["berlin outcome"] = berlin
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


test_heldout, test_no_process_outlives_the_run = round_tests("round15", CASES, ROWS, NEIGHBOURS)
