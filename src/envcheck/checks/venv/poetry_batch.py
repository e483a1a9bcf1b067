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

#: runs in Poetry's own interpreter: ``DRIVER module function program marker commands-json
#: head tail``; each command's output is kept as :func:`envcheck.core.exec.run` keeps a
#: program's: its first ``head`` and last ``tail`` characters, and how many it printed
DRIVER = r"""
import contextlib, importlib, io, json, sys, traceback
module, function, program, marker = sys.argv[1:5]
commands = json.loads(sys.argv[5])
head, tail = int(sys.argv[6]), int(sys.argv[7])
entry = getattr(importlib.import_module(module), function)
real = sys.stdout

class Kept(io.TextIOBase):
    def __init__(self):
        self.total, self.start, self.end, self.size = 0, io.StringIO(), [], 0
    def writable(self):
        return True
    def write(self, text):
        written = len(text)
        self.total += written
        room = head - self.start.tell()
        if room > 0:
            self.start.write(text[:room])
            text = text[room:]
        if text:
            self.end.append(text[-tail:])
            self.size += len(self.end[-1])
            if self.size > 2 * tail:
                self.end = ["".join(self.end)[-tail:]]
                self.size = len(self.end[0])
        return written
    def value(self):
        start, end = self.start.getvalue(), "".join(self.end)[-tail:]
        dropped = self.total - len(start) - len(end)
        mark = "\n[... %d characters not kept ...]\n" % dropped if dropped else ""
        return start + mark + end

for args in commands:
    out, err = Kept(), Kept()
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
    reply = [code, out.value(), err.value(), out.total, err.total]
    real.write(marker + json.dumps(reply) + "\n")
    real.flush()
"""
#: bytes of the driver's output read per command: both streams kept whole (each character
#: JSON-escaped in at most 6 bytes)
_REPLY_BYTES = 2 * 6 * (_exec.MAX_OUTPUT + _exec.OUTPUT_TAIL) + 2**12

_IMPORT = re.compile(r"^from ([A-Za-z_][\w.]*) import ([A-Za-z_]\w*)[ \t]*\r?$", re.MULTILINE)


@dataclass(frozen=True)
class Reply:
    """One command's exit code and output."""

    returncode: int
    stdout: str
    stderr: str
    #: characters the command printed on each stream (more than was kept when it was cut)
    stdout_total: int = 0
    stderr_total: int = 0


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
    argv += [str(_exec.MAX_OUTPUT), str(_exec.OUTPUT_TAIL)]
    timed_out = False
    try:
        done = _exec.run(
            argv,
            timeout=timeout,
            env=_diagnose.poetry_environ(),
            limit=_REPLY_BYTES * len(commands),
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
            code, stdout, stderr, out_total, err_total = json.loads(line[len(marker) :])
        except ValueError:
            break
        texts = (stdout, stderr)
        if not (isinstance(code, int) and all(isinstance(text, str) for text in texts)):
            break
        if not (isinstance(out_total, int) and isinstance(err_total, int)):
            break
        replies.append(Reply(code, stdout, stderr, out_total, err_total))
    return replies
