"""The ``envcheck`` console script.

``envcheck`` runs every environment check of the project in the current directory (or, without
``[tool.envcheck]``, the default stack from standard variables) and writes the report.
Sub-commands of other parts of envcheck (``mock``, ``mcp``) are dispatched to their modules.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import signal
import sys
from collections.abc import Sequence

import pytest

#: sub-command -> module with a ``main(argv) -> int`` function.
SUBCOMMANDS: dict[str, str] = {
    "fix": "envcheck.cli.fix",
    "init": "envcheck.cli.init",
    "mock": "envcheck.cli.mock",
    "mcp": "envcheck.cli.mcp",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="envcheck",
        description="Check this machine's development environment and write a report.",
        epilog="Any other arguments are passed to pytest (e.g. -m postgres, -k version, -x). "
        + (f"Sub-commands: {', '.join(sorted(SUBCOMMANDS))}." if SUBCOMMANDS else ""),
    )
    parser.add_argument(
        "--report",
        default="envcheck-report",
        metavar="PATH",
        help="write PATH.md and PATH.json (default: envcheck-report)",
    )
    parser.add_argument("--no-report", action="store_true", help="write no report files")
    parser.add_argument("--config", metavar="FILE", help="read [tool.envcheck] from FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: ``envcheck [options] [pytest args]`` or ``envcheck SUBCOMMAND ...``."""
    from envcheck.core import exec as _exec

    _exec.honour_sigint()  # when a parent (the MCP server) stops this run with SIGINT
    try:
        try:
            code = _main(argv)
        finally:  # also when argparse exits (--help): its output is still in the buffer
            sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (``envcheck mcp tools NAME | head``): stop quietly, as other
        # command-line tools do, and keep Python from complaining again while it exits
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 128 + signal.SIGPIPE
    return code


def _main(argv: Sequence[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        module = importlib.import_module(SUBCOMMANDS[args[0]])
        code: int = module.main(args[1:])
        return code
    parser = _parser()
    options, rest = parser.parse_known_args(args)
    if options.no_report and any(a == "--report" or a.startswith("--report=") for a in args):
        parser.error("--no-report and --report contradict each other; give one of them")
    if not options.report.strip():
        parser.error(
            "--report needs a path (e.g. --report envcheck-report); --no-report writes none"
        )
    pytest_args = [
        "--envcheck-only",
        "--envcheck-defaults",
        "-p",
        "no:cacheprovider",
        # this process imported envcheck before pytest started: nothing of ours needs rewriting
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
    ]
    verbose = any(a in ("-v", "--verbose") or re.fullmatch(r"-v+", a) for a in rest)
    if not verbose:  # quiet progress; -v asks for every check's line
        pytest_args.append("-q")
    if not options.no_report:
        pytest_args.append(f"--envcheck-report={options.report}")
    if options.config:
        pytest_args.append(f"--envcheck-config={options.config}")
    return int(pytest.main([*pytest_args, *rest]))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
