"""What a stdio server was doing when envcheck's wait for an answer ended (issue 23), read from
the transport's structure: whether its stdout was still giving bytes.

Found by CI on 90f4d2b (a machine ~2x slower, two workers): round 11's healthy neighbour
srv-log-flood (2000 ``notifications/message`` before the answer to ``tools/list``) ran out of its
5 s wait while still writing, and the verdict was **wrong**: "the server wrote its message without
a newline after it" (fix: end each message with a newline). The pipe's last read had ended just
before a notification's newline; the no-newline verdict read the unended bytes without asking
whether the server had stopped writing. A server that writes a whole message and no newline then
falls silent (stdio-no-trailing-newline) and one that is still writing when the wait ends look
alike in that buffer, and apart in time: the transport now notes when stdout last gave bytes
(before envcheck began to stop the server) and which notifications came.

The case here is the structure itself, made deterministic: a server that, asked ``tools/list``,
sends a ``notifications/message`` every 0.1 s and no answer, checked with a 2 s timeout. Expected
(written with the change, not before it: this is a regression found by CI, not a held-out round):
FAIL on ``tools/list``, "still writing", the notifications counted, "raise timeout" and "log
less" in the fix, never "newline" or "not an MCP". Its neighbour, the server that writes every
message without a newline, keeps its row (stdio-no-trailing-newline, round 11) at 5 s.
"""

from __future__ import annotations

import sys
import textwrap
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.verdicts.mcp_world import (
    Cases,
    World,
    proven,
    run_case_alone,
    sdk_outcome,
    sdk_stdio,
)
from tests.verdicts.test_heldout_servers import Expect

SERVER = textwrap.dedent("""
    import json, sys, threading, time

    def send(message):
        sys.stdout.write(json.dumps(message) + "\\n")
        sys.stdout.flush()

    def chatter():
        for n in range(600):  # a minute at most; the process ends when stdin closes
            send({"jsonrpc": "2.0", "method": "notifications/message",
                  "params": {"level": "info", "logger": "index", "data": f"indexed {n}"}})
            time.sleep(0.1)

    for line in sys.stdin:
        message = json.loads(line)
        if "id" not in message or "method" not in message:
            continue
        reply = {"jsonrpc": "2.0", "id": message["id"]}
        if message["method"] == "initialize":
            reply["result"] = {
                "protocolVersion": message["params"]["protocolVersion"],
                "capabilities": {"tools": {}, "logging": {}},
                "serverInfo": {"name": "busy", "version": "1.0"},
            }
        elif message["method"] == "tools/list":  # busy: logs on, never answers
            threading.Thread(target=chatter, daemon=True).start()
            continue
        else:
            reply["error"] = {"code": -32601, "message": "Method not found"}
        send(reply)
    """)

CASES = Cases()
ROWS = ("stdio-still-writing",)


@CASES.case(
    "stdio-still-writing",
    Expect(
        "mcp/busy.tools",
        "fail",
        says=("still writing", "notifications/message"),
        fix=("raise timeout", "log less"),
        never=("newline", "not an MCP"),
    ),
)
def _busy(w: World, stack: ExitStack) -> str:
    script = Path(w.root) / "busy_server.py"
    script.write_text(SERVER)
    proven(sdk_outcome(lambda: sdk_stdio(sys.executable, [str(script)])), True)
    w.server("busy", command=sys.executable, args=[str(script)], timeout=2.0)
    return "busy"


@pytest.mark.parametrize("name", sorted(CASES))
def test_wait_end(pytester: pytest.Pytester, name: str) -> None:
    run_case_alone(pytester, CASES[name], name)
