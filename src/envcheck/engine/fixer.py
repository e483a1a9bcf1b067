"""Applying a fix, one step at a time: commands and file edits here, server steps (SQL, Redis)
through the ``envcheck_apply_step`` hook of the component that knows the server.

Nothing secret reaches an argv or the output: a command's ``env`` values are ``${VAR}``
references resolved here (and registered as secrets), and every output is redacted.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pluggy

from envcheck.core import environ
from envcheck.core import exec as _exec
from envcheck.core import interpolate, redact
from envcheck.core.config import EnvcheckConfig
from envcheck.core.fix import Command, Edit, Fix, Manual, Step, StepResult, fix_from_dict

#: bytes of a command's output kept (the tail: where the error is)
OUTPUT_LIMIT = 4000


class StepRefused(Exception):
    """A step envcheck will not apply (a manual step, a file outside the project)."""


def apply_step(
    step: Step, config: EnvcheckConfig, pm: pluggy.PluginManager, *, timeout: float | None = None
) -> StepResult:
    """Apply ``step`` and say how it went (never raises for a step that merely failed)."""
    started = time.monotonic()
    if isinstance(step, Manual):
        raise StepRefused(f"a manual step is done by a person, never run: {step.text}")
    if isinstance(step, Command):
        result = _command(step, config, timeout)
    elif isinstance(step, Edit):
        result = _edit(step, config.rootdir)
    else:
        found = pm.hook.envcheck_apply_step(step=step, config=config)
        if found is None:
            raise StepRefused(f"no plugin applies {step.kind} steps: {step.render()}")
        result = found
    return StepResult(
        ok=result.ok,
        output=redact.clean(result.output, OUTPUT_LIMIT, tail=True),
        exit_code=result.exit_code,
        duration=time.monotonic() - started,
    )


def _command(step: Command, config: EnvcheckConfig, timeout: float | None) -> StepResult:
    env = environ.snapshot()
    for name, value in step.env.items():
        env[name] = interpolate.resolve(value, config.environ, secret=True)
    cwd = Path(config.rootdir) / step.cwd if step.cwd else Path(config.rootdir)
    limit = min(step.timeout, timeout) if timeout else step.timeout
    try:
        # each stream read to its end, at most 1 MiB of its start and 64 KiB of its end kept
        done = _exec.run(list(step.argv), env=env, cwd=cwd, timeout=limit, new_session=True)
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        shown = out.decode(errors="replace") if isinstance(out, bytes) else out
        return StepResult(False, f"{shown}\n(stopped after {limit:.3g} s)", None)
    except OSError as exc:
        problem = _exec.diagnose(step.argv[0], exc)
        return StepResult(False, f"{problem.summary}: {problem.why}", None)
    output = done.stdout + done.stderr
    if done.cut:  # the start, what was cut, the end: all of it within what is shown
        output = _exec.head_and_tail(output, OUTPUT_LIMIT, " ".join(done.notes))
    return StepResult(done.returncode == 0, output, done.returncode)


def _inside(rootdir: Path, relative: str) -> Path:
    path = (rootdir / relative).resolve()
    if rootdir.resolve() not in (path, *path.parents):
        raise StepRefused(f"{relative} is outside the project {rootdir}")
    return path


def _change(step: Edit, rootdir: Path) -> tuple[Path, str, str]:
    """The file ``step`` edits, its text now and its text after the edit."""
    path = _inside(Path(rootdir), step.path)
    before = path.read_text(encoding="utf-8") if path.is_file() else ""
    if step.format == "toml":
        after = _edit_toml(before, step.key, step.value)
    elif step.format == "json":
        after = _edit_json(before, step.key, step.value)
    else:
        after = _edit_dotenv(before, step.key, step.value)
    return path, before, after


def preview(step: Step, rootdir: Path) -> str | None:
    """What applying ``step`` would change, as a unified diff of the file (redacted); ``None``
    for a step that is not an edit, or an edit that cannot be made (the file is not valid JSON
    or TOML, or lies outside the project). An empty text: the file already says it."""
    import difflib

    if not isinstance(step, Edit):
        return None
    try:
        _path, before, after = _change(step, Path(rootdir))
    except (StepRefused, OSError, ValueError, AttributeError, TypeError):
        return None
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        f"a/{step.path}",
        f"b/{step.path}",
        n=1,
    )
    return redact.redact("".join(lines))


def _edit(step: Edit, rootdir: Path) -> StepResult:
    path, before, after = _change(step, Path(rootdir))
    if after != before:
        temporary = path.with_name(f".{path.name}.envcheck-fix")
        temporary.write_text(after, encoding="utf-8")
        os.replace(temporary, path)
    return StepResult(True, "unchanged" if after == before else f"{step.render()}")


def _edit_toml(text: str, key: str, value: Any) -> str:
    import tomlkit

    document = tomlkit.parse(text)
    *parents, last = key.split(".")
    table: Any = document
    for part in parents:
        if part not in table:
            table[part] = tomlkit.table()
        table = table[part]
    if value is None:
        table.pop(last, None)
    else:
        table[last] = value
    return tomlkit.dumps(document)


def _edit_json(text: str, key: str, value: Any) -> str:
    document = json.loads(text) if text.strip() else {}
    *parents, last = key.split(".")
    node = document
    for part in parents:
        node = node.setdefault(part, {})
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value
    return json.dumps(document, indent=2) + "\n"


def _edit_dotenv(text: str, key: str, value: Any) -> str:
    lines = text.splitlines()
    kept = [
        line
        for line in lines
        if line.strip().removeprefix("export ").split("=", 1)[0].strip() != key
    ]
    if value is not None:
        kept.append(f"{key}={value}")
    return "\n".join(kept) + "\n"


@dataclass
class PlannedFix:
    """One fix of the plan: the failing checks it answers and the checks a re-check looks at."""

    fix: Fix
    checks: list[str]
    heals: list[str]

    @property
    def privileged(self) -> bool:
        return any(step.privileged for step in self.fix.steps)

    @property
    def manual(self) -> bool:
        return not self.fix.runnable


def plan(results: Sequence[Mapping[str, Any]], *, warnings: bool = False) -> list[PlannedFix]:
    """The fixes of the failed checks (and, with ``warnings``, of the warned ones, after them), in
    dependency order (a server must answer before a role is made on it), each once however many
    checks share it. A fix written as prose only is a manual step: listed, never run."""
    wanted = ("fail", "warn") if warnings else ("fail",)
    failed = [r for r in results if r.get("status") in wanted and (r.get("fix") or r.get("hint"))]
    depth = _depths(results)
    planned: dict[str, PlannedFix] = {}
    order = sorted(failed, key=lambda r: (r["status"] != "fail", depth.get(r["id"], 0), r["id"]))
    for result in order:
        data = result.get("fix")
        fix = fix_from_dict(data) if data else Fix((Manual(str(result["hint"])),))
        key = json.dumps(fix.to_dict()["steps"], sort_keys=True)
        found = planned.get(key)
        if found is None:
            planned[key] = PlannedFix(fix, [result["id"]], [result["id"], *fix.heals])
        else:
            found.checks.append(result["id"])
            found.heals += [c for c in (result["id"], *fix.heals) if c not in found.heals]
    return list(planned.values())


def _depths(results: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """How deep each check sits in its dependency chain (iteratively, cycles ignored)."""
    deps = {r["id"]: list(r.get("depends_on") or []) for r in results}
    depth: dict[str, int] = {}
    for start in deps:
        stack = [(start, False)]
        seen: set[str] = set()
        while stack:
            node, done = stack.pop()
            if node in depth:
                continue
            if done:
                depth[node] = 1 + max((depth.get(d, 0) for d in deps.get(node, [])), default=-1)
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            stack.extend((d, False) for d in deps.get(node, []) if d in deps and d not in depth)
    return depth
