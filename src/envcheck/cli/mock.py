"""``envcheck mock serve [--host H] [--port N] [--fault SPEC]...``: run the mock LLM API by hand.

Faults can be scripted when it starts (``--fault openai:429:times=2:retry-after=1``) and while it
runs, over HTTP under ``/_envcheck/`` (see :mod:`envcheck.mock._admin`), from any language."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

from envcheck.mock import _admin
from envcheck.mock._server import PROVIDERS, MockLLM


def _port(text: str) -> int:
    """A TCP port number, 0 (any free port) to 65535; argparse turns the error into a usage line."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number: use 0-65535")
    return port


def _fault(text: str) -> tuple[str, dict[str, Any]]:
    try:
        return _admin.parse_spec(text)
    except _admin.FaultError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="envcheck mock", description="The mock LLM API.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the mock until Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8765)
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        type=_fault,
        help=f"a fault to inject, repeatable: {_admin.SPEC_HELP}",
    )
    args = parser.parse_args(list(argv))
    try:
        mock = MockLLM(args.host, args.port)
    except OSError as exc:
        parser.exit(2, f"envcheck mock: cannot listen on {args.host}:{args.port}: {exc}\n")
    for provider, fault in args.fault:
        try:
            _admin.add(mock, provider, fault)
        except _admin.FaultError as exc:
            mock.stop()
            serve.error(f"argument --fault: {exc}")
    mock.start()
    print(f"envcheck mock LLM API on {mock.url}", flush=True)
    for provider in PROVIDERS:
        print(f"  {provider:<10} {mock.base_url(provider)}", flush=True)
    for fault in mock.pending():
        shown = ", ".join(
            f"{k}={v}" for k, v in fault.items() if v not in (None, 0.0) and k != "provider"
        )
        print(f"  fault      {fault['provider']}: {shown}", flush=True)
    print(f"  admin      {mock.url}{_admin.ADMIN}/faults, /calls, /reset (JSON)", flush=True)
    print(
        'any non-empty API key is accepted, except ones that start with "invalid" (rejected '
        "as a real provider would); Ctrl-C stops",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        mock.stop()
    return 0
