"""Running a program from a check: bounded, and every way it can go wrong diagnosed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence

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
