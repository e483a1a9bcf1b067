"""Several Poetry commands answered by one Poetry process.

Each ``poetry`` process spends most of its time importing Poetry (0.4-0.8 s), so three commands
cost three imports. When ``poetry`` is the standard console script pip writes (``#!`` an absolute
interpreter, ``from poetry.console.application import main``, ``sys.exit(main())``), its
interpreter runs :data:`DRIVER`, which calls that same entry point once per command, with the
command's ``sys.argv`` and its own stdout and stderr: what the commands print and their exit codes
are what separate ``poetry`` processes would give. Anything else (a shell wrapper, an ``env``
shebang, a driver that does not answer) returns nothing, and the caller runs ``poetry`` itself.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from envcheck.checks.venv import diagnose as _diagnose
from envcheck.core import exec as _exec

#: runs in Poetry's own interpreter: ``DRIVER module function program marker commands-json``
DRIVER = r"""
import contextlib, importlib, io, json, sys, traceback
module, function, program, marker = sys.argv[1:5]
commands = json.loads(sys.argv[5])
entry = getattr(importlib.import_module(module), function)
real = sys.stdout
for args in commands:
    out, err = io.StringIO(), io.StringIO()
    sys.argv = [program, *args]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = entry()
        except SystemExit as exc:
            code = exc.code
        except Exception:  # noqa: B902 - a crash is the command's answer, as in its own process
            traceback.print_exc()
            code = 1
        if isinstance(code, str):
            print(code, file=sys.stderr)
            code = 1
    code = 0 if code is None else code if isinstance(code, int) else 1
    real.write(marker + json.dumps([code, out.getvalue(), err.getvalue()]) + "\n")
    real.flush()
"""

_IMPORT = re.compile(r"^from ([A-Za-z_][\w.]*) import ([A-Za-z_]\w*)[ \t]*\r?$", re.MULTILINE)


@dataclass(frozen=True)
class Reply:
    """One command's exit code and output."""

    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Batch:
    """What one driver process answered: a reply per command, in order, up to where it stopped."""

    replies: list[Reply]
    #: the driver was still running at the deadline (the next command is the one that hung)
    timed_out: bool = False


def entry_point(program: str) -> tuple[str, str, str] | None:
    """``(interpreter, module, function)`` when ``program`` is a standard console script."""
    shebang = _exec.read_shebang(program)
    if shebang is None or shebang.env_name is not None or shebang.argument:
        return None
    interpreter = Path(shebang.interpreter)
    if not interpreter.is_absolute() or not os.access(interpreter, os.X_OK):
        return None
    if not os.access(program, os.X_OK):
        return None
    try:
        with open(program, encoding="utf-8") as handle:
            text = handle.read(4096)
    except (OSError, UnicodeDecodeError):
        return None
    imports = _IMPORT.findall(text)
    if len(imports) != 1:
        return None
    module, function = imports[0]
    if not module.startswith("poetry.") or f"sys.exit({function}())" not in text:
        return None
    return str(interpreter), module, function


def run(program: str, commands: Sequence[Sequence[str]], timeout: float) -> Batch | None:
    """Answer ``commands`` (each the arguments after ``poetry``) in one Poetry process.

    ``None``: this Poetry cannot be driven so (not a standard script, the driver failed to start
    or said nothing); the caller then runs each command as its own process.
    """
    found = entry_point(program)
    if found is None:
        return None
    interpreter, module, function = found
    marker = f"@envcheck-{secrets.token_hex(8)}@"
    argv = [interpreter, "-c", DRIVER, module, function, program, marker]
    argv.append(json.dumps([list(args) for args in commands]))
    timed_out = False
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env=_diagnose.poetry_environ(),
        )
        output: bytes | str | None = done.stdout
    except subprocess.TimeoutExpired as exc:
        output, timed_out = exc.stdout, True
    except OSError:
        return None
    replies = _replies(output, marker)
    if not replies and not timed_out:
        return None
    return Batch(replies, timed_out)


def _replies(output: bytes | str | None, marker: str) -> list[Reply]:
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output or ""
    replies: list[Reply] = []
    for line in text.splitlines():
        if not line.startswith(marker):
            continue
        try:
            code, stdout, stderr = json.loads(line[len(marker) :])
        except ValueError:
            break
        if not (isinstance(code, int) and isinstance(stdout, str) and isinstance(stderr, str)):
            break
        replies.append(Reply(code, stdout, stderr))
    return replies
