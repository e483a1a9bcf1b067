"""The CI gate shipped with the repository: a valid GitHub Actions workflow and pre-commit hook."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "envcheck.yml"


def _check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120)


def test_the_workflow_is_valid_for_github_actions() -> None:
    done = _check_jsonschema("--builtin-schema", "vendor.github-workflows", str(WORKFLOW))
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_invalid_workflow_is_caught(tmp_path: Path) -> None:
    """The validation above can fail: a job without runs-on is rejected."""
    broken = tmp_path / "broken.yml"
    broken.write_text("name: x\non: push\njobs:\n  a:\n    steps: [{run: 'true'}]\n")
    done = _check_jsonschema("--builtin-schema", "vendor.github-workflows", str(broken))
    assert done.returncode != 0


def _steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    (job,) = workflow["jobs"].values()
    assert set(job["services"]) == {"postgres", "redis"}
    steps: list[dict[str, Any]] = job["steps"]
    return steps


def test_the_gate_runs_the_checks_before_the_suite_and_uploads_the_reports() -> None:
    steps = _steps()
    runs = [step.get("run", "") for step in steps]
    gate = next(i for i, run in enumerate(runs) if "-m envcheck" in run)
    suite = next(i for i, run in enumerate(runs) if ".ci/run" in run)
    assert gate < suite
    assert "--envcheck-report" in runs[gate]
    upload = next(step for step in steps if str(step.get("uses", "")).startswith("actions/upload"))
    assert upload["if"] == "always()"
    assert "envcheck-report.json" in upload["with"]["path"]


def test_the_pre_commit_hook_runs_envcheck() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "envcheck"
    assert hook["entry"] == "envcheck"
    assert hook["pass_filenames"] is False
