"""Applying a check's structured fix as ``envcheck fix`` does (``engine.fixer.apply_step``), for
the scenarios that show a fix works: the steps a program runs, in order; a manual step is the
person's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from envcheck.core.config import EnvcheckConfig, Settings
from envcheck.core.fix import Command, Edit, Step, StepResult
from envcheck.engine import registry
from envcheck.engine.fixer import apply_step


def step_of(data: dict[str, Any]) -> Step:
    """A step of a JSON report's fix, as the fixer takes it (commands and file edits)."""
    if data["kind"] == "command":
        return Command(data["argv"], env=data.get("env") or {}, cwd=data.get("cwd"))
    if data["kind"] == "edit":
        return Edit(path=data["path"], format=data["format"], key=data["key"], value=data["value"])
    raise AssertionError(f"not a step a program runs: {data}")


def apply_fix(root: Path, check: dict[str, Any]) -> list[StepResult]:
    """Apply every step of ``check``'s fix (which must be runnable) in the project at ``root``."""
    fix = check["fix"]
    assert fix is not None and fix["runnable"], f"{check['id']}: no runnable fix: {fix}"
    config = EnvcheckConfig(
        sections={}, settings=Settings(), rootdir=root, source=str(root / "pyproject.toml")
    )
    pm = registry.make_plugin_manager()
    results = [apply_step(step_of(s), config, pm) for s in fix["steps"]]
    assert all(r.ok for r in results), results
    return results
