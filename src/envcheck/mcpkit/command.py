"""The program that runs a stdio server: found as its client would find it, and checked before it
starts (a missing file, no execute bit, a missing ``#!`` interpreter), from the file itself and
the ``errno`` of a failed exec (:mod:`envcheck.core.exec`)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from envcheck.core import exec as _exec
from envcheck.core.model import CheckFailed

if TYPE_CHECKING:
    from envcheck.mcpkit.spec import ServerSpec


def find_command(spec: ServerSpec) -> str:
    """The program to run: a path as given (relative ones are already resolved), else the first
    on PATH, else next to this interpreter (a virtualenv's bin). A problem the file itself shows
    (no execute bit, a missing ``#!`` interpreter) is raised before anything starts."""
    command = spec.command or ""
    path = spec.env.get("PATH") or os.environ.get("PATH", "")
    if "/" in command or os.sep in command:
        found: str | None = command
    else:
        found = shutil.which(command, path=path) or shutil.which(
            command, path=str(Path(sys.executable).parent)
        )
        if found is None:
            found = _unusable_on_path(command, path)
    if found is None:
        raise CheckFailed(
            f"{spec.name}: command not found: {command}",
            why=f"`{command}` is not on PATH",
            hint=install_hint(command) + f", or fix command in {spec.settings}",
        )
    if not os.path.lexists(found):
        raise CheckFailed(
            f"{spec.name}: command not found: {found} does not exist",
            why=(
                f"a relative command is taken from {spec.cwd}, where the server runs (the "
                "project root, or cwd); nothing is there"
                if spec.cwd
                else "command is a path that does not exist"
            ),
            hint=f"fix command in {spec.settings}",
        )
    problem = _exec.inspect(found, path=path)
    if problem is not None:
        raise exec_problem(spec, problem)
    return found


def _unusable_on_path(command: str, path: str) -> str | None:
    """A file of that name on PATH that ``which`` skipped (no execute bit): worth naming."""
    for directory in path.split(os.pathsep):
        candidate = os.path.join(directory or ".", command)
        if os.path.isfile(candidate):
            return candidate
    return None


def exec_problem(spec: ServerSpec, problem: _exec.ExecProblem) -> CheckFailed:
    return CheckFailed(
        f"{spec.name}: cannot start `{spec.where}`: {problem.summary}",
        why=problem.why,
        hint=problem.hint,
        facts={"errno": problem.code},
    )


def install_hint(command: str) -> str:
    name = Path(command).name
    if name in ("npx", "node", "npm"):
        return "install Node.js (https://nodejs.org, or: sudo apt install nodejs npm)"
    if name in ("uvx", "uv"):
        return "install uv: pipx install uv (or: curl -LsSf https://astral.sh/uv/install.sh | sh)"
    if name == "docker":
        return "install Docker and start its engine"
    if name.startswith("mcp-server-"):
        return f"install it: pip install {name} (or: poetry add --group dev {name})"
    return f"install {name} or put it on PATH"
