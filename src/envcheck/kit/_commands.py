"""Running a program from a check: bounded, and every way it can go wrong diagnosed.

:func:`run_command` is for a program that must succeed (anything else fails the check);
:func:`run` hands back how a program ended and what it printed, for a check that decides itself.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from envcheck.core import exec as _exec
from envcheck.core import redact
from envcheck.core.fix import Fix
from envcheck.core.model import CheckFailed


def run_command(
    args: Sequence[str],
    *,
    timeout: float,
    what: str,
    fix: Fix | str,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> str:
    """Run ``args`` (no shell), at most ``timeout`` seconds, and return its standard output.

    At most 1 MiB of each output stream is kept (and the last 64 KiB of its standard error); the
    rest is read and dropped (:func:`envcheck.core.exec.run`), so a program that prints 100 MB
    ends at its timeout with a short message.

    Fails the check, naming ``what`` needs the program and giving ``fix``, when the program is
    not on PATH or cannot be started (a missing ``#!`` interpreter, no execute bit, a file that is
    not a program), hangs, or exits with a code other than 0 (its last lines of output shown,
    secrets masked)."""
    program = shutil.which(args[0]) or (args[0] if "/" in args[0] else None)
    if program is None:
        raise CheckFailed(f"{args[0]} is not on PATH", why=f"{what} needs it", fix=fix)
    shown = " ".join(args)
    try:
        done = _exec.run(
            [program, *args[1:]],
            timeout=timeout,
            env=env,
            cwd=cwd,
        )
    except subprocess.TimeoutExpired:
        raise CheckFailed(
            f"`{shown}` did not finish within {timeout:g} s",
            why="the command hangs (a network lookup, or a lock held by another process)",
            fix=fix,
        ) from None
    except OSError as exc:
        problem = _exec.diagnose(program, exc)
        raise CheckFailed(problem.summary, why=problem.why, fix=problem.hint) from None
    if done.returncode == 0 and done.stdout_cut:
        raise CheckFailed(
            f"`{shown}` printed {done.stdout_bytes / 2**20:.1f} MiB on its standard output: "
            f"envcheck reads at most {_exec.MAX_OUTPUT // 2**20} MiB of it",
            why=f"{what} needs its whole answer, which would not fit",
            fix=fix,
        )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        said = " / ".join(redact.clean(line.strip(), 160) for line in tail)
        raise CheckFailed(
            f"`{shown}` exited with code {done.returncode}: " + redact.clean(said, 500),
            why=f"{what} needs it to succeed",
            fix=fix,
        )
    return done.stdout


@dataclass(frozen=True)
class Ran:
    """How a program run by :func:`run` ended, and what it printed (bounded)."""

    argv: tuple[str, ...]
    #: its exit status (negative: the signal that ended it); ``None`` when it was still running at
    #: its timeout (it was then killed, with every process of its group)
    returncode: int | None
    #: what was kept of each stream, decoded: at most 1 MiB from its start and 64 KiB from its
    #: end, with ``[... N bytes not kept ...]`` where the rest was dropped
    stdout: str
    stderr: str
    #: how many bytes the program wrote to each stream (all of them, kept or not)
    stdout_bytes: int
    stderr_bytes: int
    stdout_cut: bool
    stderr_cut: bool

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    @property
    def cut(self) -> bool:
        """Whether bytes of either stream were dropped."""
        return self.stdout_cut or self.stderr_cut

    @property
    def notes(self) -> list[str]:
        """For each stream that was cut, the line that says so (``[stderr: 95.4 MiB printed;
        envcheck kept its first 1 MiB and its last 64 KiB]``)."""
        streams = [("stdout", self.stdout_cut, self.stdout_bytes)]
        streams.append(("stderr", self.stderr_cut, self.stderr_bytes))
        return [_exec.cut_note(name, total) for name, cut, total in streams if cut]

    def last_lines(self, stream: str = "stderr", count: int = 5, width: int = 300) -> str:
        """The last ``count`` lines of ``stream`` (``"stdout"`` or ``"stderr"``), each shortened
        to ``width`` characters with secrets masked, and the cut note when the stream was cut:
        what a check shows of a program's last words."""
        text, cut, total = (
            (self.stderr, self.stderr_cut, self.stderr_bytes)
            if stream == "stderr"
            else (self.stdout, self.stdout_cut, self.stdout_bytes)
        )
        lines = [redact.clean(line, width) for line in text.strip().splitlines()[-count:]]
        if cut:
            lines.append(_exec.cut_note(stream, total))
        return "\n".join(lines)


def run(
    args: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    merge_stderr: bool = False,
) -> Ran:
    """Run ``args`` (no shell, stdin empty) for at most ``timeout`` seconds, and say how it
    ended: whatever its exit status, and also when it ran out of time (``returncode`` ``None``;
    the output it printed until then is kept). Its output is bounded as :func:`run_command`'s
    (1 MiB from the start and 64 KiB from the end of each stream; :attr:`Ran.notes` says what was
    cut), and the program and every process it started are killed at its timeout, or when the
    check is interrupted.

    Raises ``OSError`` when the program cannot be started, as :mod:`subprocess` does: not found,
    no execute bit, a missing ``#!`` interpreter. ``merge_stderr``: one stream (``stdout``)."""
    argv = tuple(args)
    try:
        done = _exec.run(argv, timeout=timeout, env=env, cwd=cwd, merge_stderr=merge_stderr)
    except _exec.TimedOut as exc:
        seen = exc.seen
        return Ran(
            argv,
            None,
            seen.stdout,
            seen.stderr,
            seen.stdout_bytes,
            seen.stderr_bytes,
            seen.stdout_cut,
            seen.stderr_cut,
        )
    return Ran(
        argv,
        done.returncode,
        done.stdout,
        done.stderr,
        done.stdout_bytes,
        done.stderr_bytes,
        done.stdout_cut,
        done.stderr_cut,
    )
