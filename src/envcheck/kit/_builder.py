"""Small helpers shared by the built-in components."""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from envcheck.core.context import Context
from envcheck.core.model import Check, CheckFailed, Outcome, skip


def not_configured_hint(component: str, variables: Sequence[str]) -> str:
    names = " or ".join(variables)
    return f"set {names}, or add [tool.envcheck.{component}] to pyproject.toml"


def run_command(args: Sequence[str], *, timeout: float, what: str, hint: str) -> str:
    """Run a command with a bound; a missing program or a hang becomes a clear failure."""
    program = shutil.which(args[0])
    if program is None:
        raise CheckFailed(f"{args[0]} is not on PATH", why=f"{what} needs it", hint=hint)
    try:
        done = subprocess.run(
            [program, *args[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise CheckFailed(
            f"`{' '.join(args)}` did not finish within {timeout:g} s",
            why="the command hangs (a network lookup or a lock held by another process)",
            hint=hint,
        ) from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise CheckFailed(
            f"`{' '.join(args)}` exited with code {done.returncode}: {' / '.join(tail)}",
            hint=hint,
        )
    return done.stdout


def not_configured(component: str, variables: Sequence[str]) -> Check:
    """The single check a component yields in default mode when its variables are not set: it is
    reported as *not configured* (skipped), never as broken."""
    hint = not_configured_hint(component, variables)

    def run(ctx: Context) -> Outcome:
        return skip(f"not configured: {' / '.join(variables)} not set", hint=hint)

    return Check(name="configured", component=component, run=run, description="is it set up?")


@dataclass(frozen=True)
class CheckMaker:
    """Makes the checks of one component (instance): the same component, section and timeout,
    names and dependencies under ``prefix``, and ``run(instance, ctx)`` when ``instance`` is set."""

    component: str
    section: Any
    timeout: float | None = None
    prefix: str = ""
    instance: str | None = None

    def __call__(
        self, name: str, run: Any, description: str, *deps: str, timeout: float | None = None
    ) -> Check:
        return Check(
            name=self.prefix + name,
            component=self.component,
            run=functools.partial(run, self.instance) if self.instance is not None else run,
            description=description,
            depends_on=tuple(self.prefix + dep for dep in deps),
            timeout=timeout or self.timeout,
            section=self.section,
        )
