"""A hand-written MCP server over stdio (newline-delimited JSON-RPC, standard library only) with
the faults the verdict tests need, each named on the command line.

Run by hand: ``python tests/mcp-servers/faulty.py [FAULT ...]``, then type JSON-RPC lines.

It speaks the handshake era (2025-11-25): ``server/discover`` is answered with -32601, so a
client in auto mode falls back to ``initialize``. Tools: ``echo`` (``message``) and ``add``.

Faults (``METHOD`` is a JSON-RPC method such as ``tools/list``):

- ``version=V``: answer ``initialize`` with protocolVersion ``V``
- ``modern-only=V1,V2``: answer ``server/discover`` and ``initialize`` with -32022, supported V1, V2
- ``error=METHOD:CODE``: answer METHOD with JSON-RPC error CODE (``error=tools/list:-32603``)
- ``error-null-id=METHOD:CODE``: the same, with ``"id": null`` (how a parse error is answered)
- ``exit=METHOD:CODE``: write a traceback to stderr and exit with CODE when METHOD arrives
- ``close=METHOD``: close stdout (the process stays) when METHOD arrives
- ``hang=METHOD``: never answer METHOD
- ``bad-schema=TOOL``: TOOL's inputSchema is not an object at all (a string)
- ``schema-type=TOOL``: TOOL's inputSchema has ``"type": "string"``
- ``no-tools-capability``: advertise no tools
- ``stdout-noise``: print a line of text on stdout before anything else
- ``need-env=NAME``: exit 1 with a KeyError on stderr when NAME is not in the environment
- ``signal=N``: die of signal N at start-up (11: a segmentation fault)
- ``silent``: read stdin and never answer
- ``grandchild=PIDFILE``: start ``sleep 300`` in a new session (``setsid``), write its pid
- ``pid=PIDFILE``: write this process's pid
- ``wrong-ids``: answer every request with an id it was not sent
- ``paginate``: ``tools/list`` gives a ``nextCursor`` and rejects it (-32602) on the next page
- ``call-error``: ``tools/call`` answers a result with ``isError``
- ``elicit-url``: ``tools/call`` answers -32042 (URL elicitation required, 2025-11-25)
- ``need-capability``: ``tools/call`` answers -32021 (a client capability is missing)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

FAULTS: dict[str, str] = {}
for argument in sys.argv[1:]:
    key, _, value = argument.partition("=")
    FAULTS[key] = value


def fault(name: str, method: str) -> str | None:
    """The value after ``METHOD:`` of fault ``name`` when it names ``method``."""
    found = FAULTS.get(name)
    if found is None:
        return None
    target, _, value = found.partition(":")
    return value if target == method else None


def send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def error(ident: Any, code: int, message: str, data: Any = None) -> None:
    body: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        body["data"] = data
    send({"jsonrpc": "2.0", "id": ident, "error": body})


def tools() -> list[dict[str, Any]]:
    echo: dict[str, Any] = {
        "name": "echo",
        "description": "Echo the message back.",
        "inputSchema": {
            "type": "object",
            "properties": {"message": {"type": "string"}},
            "required": ["message"],
        },
    }
    add: dict[str, Any] = {
        "name": "add",
        "description": "Add two numbers.",
        "inputSchema": {
            "type": "object",
            "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
        },
    }
    found = [echo, add]
    for tool in found:
        if FAULTS.get("bad-schema") == tool["name"]:
            tool["inputSchema"] = "any text"
        if FAULTS.get("schema-type") == tool["name"]:
            tool["inputSchema"] = {"type": "string"}
    return found


def answer(ident: Any, method: str, params: dict[str, Any]) -> None:
    if method == "server/discover":
        if "modern-only" in FAULTS:
            supported = FAULTS["modern-only"].split(",")
            requested = params.get("_meta", {}).get("io.modelcontextprotocol/protocolVersion")
            data = {"supported": supported, "requested": requested}
            error(ident, -32022, "Unsupported protocol version", data)
            return
        error(ident, -32601, f"Method not found: {method}")
        return
    if method == "initialize":
        if "modern-only" in FAULTS:
            data = {
                "supported": FAULTS["modern-only"].split(","),
                "requested": params.get("protocolVersion"),
            }
            error(ident, -32022, "Unsupported protocol version", data)
            return
        capabilities: dict[str, Any] = {} if "no-tools-capability" in FAULTS else {"tools": {}}
        result = {
            "protocolVersion": FAULTS.get("version") or params.get("protocolVersion"),
            "capabilities": capabilities,
            "serverInfo": {"name": "faulty", "version": "1.0"},
        }
        send({"jsonrpc": "2.0", "id": ident, "result": result})
        return
    if method == "ping":
        send({"jsonrpc": "2.0", "id": ident, "result": {}})
        return
    if method == "tools/list":
        if "paginate" in FAULTS and params.get("cursor"):
            error(ident, -32602, "Invalid cursor")
            return
        page: dict[str, Any] = {"tools": tools()}
        if "paginate" in FAULTS:
            page["nextCursor"] = "page-2"
        send({"jsonrpc": "2.0", "id": ident, "result": page})
        return
    if method == "tools/call":
        if "elicit-url" in FAULTS:
            data = {
                "elicitations": [
                    {
                        "mode": "url",
                        "elicitationId": "e-1",
                        "url": "https://example.com/connect",
                        "message": "Connect your account first.",
                    }
                ]
            }
            error(ident, -32042, "This request requires more information.", data)
            return
        if "need-capability" in FAULTS:
            data = {"requiredCapabilities": {"elicitation": {}}}
            error(ident, -32021, "Missing required client capability", data)
            return
        arguments = params.get("arguments") or {}
        if params.get("name") == "echo" and isinstance(arguments.get("message"), str):
            text, failed = f"Echo: {arguments['message']}", "call-error" in FAULTS
        elif params.get("name") == "echo":
            error(ident, -32602, "Invalid arguments for tool echo: 'message' is required")
            return
        else:
            error(ident, -32602, f"Unknown tool: {params.get('name')}")
            return
        result = {"content": [{"type": "text", "text": text}], "isError": failed}
        send({"jsonrpc": "2.0", "id": ident, "result": result})
        return
    error(ident, -32601, f"Method not found: {method}")


def main() -> None:
    if "pid" in FAULTS:
        with open(FAULTS["pid"], "w") as handle:
            handle.write(str(os.getpid()))
    if "grandchild" in FAULTS:
        child = subprocess.Popen(
            ["sleep", "300"],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with open(FAULTS["grandchild"], "w") as handle:
            handle.write(str(child.pid))
    if "need-env" in FAULTS:
        name = FAULTS["need-env"]
        if name not in os.environ:
            print("Traceback (most recent call last):", file=sys.stderr)
            print(f"KeyError: '{name}'", file=sys.stderr)
            sys.exit(1)
    if "signal" in FAULTS:
        print("Fatal Python error: Segmentation fault", file=sys.stderr, flush=True)
        os.kill(os.getpid(), int(FAULTS["signal"]))
    if "stdout-noise" in FAULTS:
        print("faulty MCP server ready", flush=True)
    if "silent" in FAULTS:
        sys.stdin.read()
        return
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except ValueError:
            error(None, -32700, "Parse error")
            continue
        method = message.get("method")
        if "id" not in message or method is None:
            continue  # a notification, or a response to a request of ours
        ident, params = message["id"], message.get("params") or {}
        if "wrong-ids" in FAULTS:
            ident = f"other-{ident}"
        code = fault("exit", method)
        if code is not None:
            print("Traceback (most recent call last):", file=sys.stderr)
            print(f"RuntimeError: cannot answer {method}", file=sys.stderr)
            sys.exit(int(code))
        if fault("close", method) is not None or FAULTS.get("close") == method:
            os.close(1)  # the descriptor itself: sys.stdout.close() would leave it open
            sys.stdin.read()
            return
        if FAULTS.get("hang") == method:
            continue
        code = fault("error", method)
        if code is not None:
            error(ident, int(code), f"{method} failed")
            continue
        code = fault("error-null-id", method)
        if code is not None:
            error(None, int(code), "Parse error")
            continue
        answer(ident, method, params)


if __name__ == "__main__":
    main()
