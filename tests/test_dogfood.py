"""The repository checks its own development environment: root [tool.envcheck], the repo-local
``node`` plugin of the root conftest.py, and the provider cassettes in cassettes/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_here(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_the_root_configuration_describes_the_development_environment() -> None:
    done = run_here("--envcheck-only", "--collect-only", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    ids = {line.strip() for line in done.stdout.splitlines() if line.startswith("envcheck::")}
    for expected in (
        "venv::poetry",
        "venv::lock-drift",
        "venv::dev-package[mcp-server-time]",
        "postgres::write",
        "redis::roundtrip",
        "providers::openai.model",
        "mcp::time.tools",
        "mcp::everything.tools",
        "node::node",
        "node::test-servers",
    ):
        assert f"envcheck::{expected}" in ids, expected
    assert not [i for i in ids if "::sourcegraph::" in i]  # not configured here: adds nothing


def test_providers_replay_the_real_recordings_without_a_key() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["CI"] = "true"
    done = run_here("--envcheck-only", "-m", "providers", "--envcheck-record=none", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "12 passed" in done.stdout
    assert "PASS  providers  12 pass (12 replayed)" in done.stdout  # never taken for live
    done = run_here("--envcheck-only", "-m", "providers", "--envcheck-record=none", "-v", env=env)
    assert "replayed (recorded 2026-05-06)" in done.stdout
    assert "replayed (recorded 2025-12-31)" in done.stdout


def node_project(pytester: pytest.Pytester, installed: str) -> Path:
    """A copy of the root conftest.py and an npm folder whose one package is ``installed``."""
    shutil.copy(ROOT / "conftest.py", pytester.path / "conftest.py")
    pytester.makefile(".toml", pyproject='[tool.envcheck.node]\nservers = "srv"\n')
    srv = pytester.path / "srv"
    (srv / "node_modules" / "left-pad").mkdir(parents=True)
    (srv / "package.json").write_text(json.dumps({"dependencies": {"left-pad": "1.3.0"}}))
    lock = {"packages": {"": {}, "node_modules/left-pad": {"version": "1.3.0"}}}
    (srv / "package-lock.json").write_text(json.dumps(lock))
    manifest = srv / "node_modules" / "left-pad" / "package.json"
    manifest.write_text(json.dumps({"version": installed}))
    return manifest


def test_the_node_plugin_of_the_root_conftest_finds_an_install_off_the_lock(
    pytester: pytest.Pytester,
) -> None:
    manifest = node_project(pytester, installed="1.1.0")
    result = pytester.runpytest_subprocess("-m", "node", "-k", "test-servers")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*node/test-servers: 1 of 1 locked packages are not installed as locked in srv: "
            "left-pad 1.1.0 (locked: 1.3.0)",
            "*fix: npm ci --prefix srv   (scripts/services does it)",
        ]
    )
    manifest.write_text(json.dumps({"version": "1.3.0"}))  # what `npm ci` would do
    result = pytester.runpytest_subprocess("-m", "node", "-k", "test-servers")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PASS  node  1 pass*"])
    verbose = pytester.runpytest_subprocess("-m", "node", "-k", "test-servers", "-v")
    verbose.stdout.fnmatch_lines(["  PASS  test-servers * 1 packages as locked; left-pad 1.3.0*"])


# -- scripts/test: the gate, then the suite ------------------------------------------------------

GATED_PROJECT = """
import pathlib
import envcheck

@envcheck.hookimpl
def envcheck_checks(config):
    def probe(ctx):
        pathlib.Path("checks-ran").open("a").write("x")
        if pathlib.Path("broken").exists():
            raise envcheck.CheckFailed("the widget is broken", hint="repair the widget")
    yield envcheck.Check(name="widget", component="shop", run=probe)
"""


def gated_repo(tmp: Path) -> Path:
    """A copy of scripts/test in a small project: bootstrap, services and Poetry are stand-ins
    (the stand-in poetry runs `poetry run CMD` as CMD, with this virtualenv's tools on PATH)."""
    (tmp / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "test", tmp / "scripts" / "test")
    for name in ("bootstrap", "services"):
        (tmp / "scripts" / name).write_text("exit 0\n")
    poetry = tmp / ".tools" / "poetry" / "bin" / "poetry"
    poetry.parent.mkdir(parents=True)
    poetry.write_text(f'#!/bin/sh\nshift\nPATH="{Path(sys.executable).parent}:$PATH" exec "$@"\n')
    poetry.chmod(0o755)
    (tmp / "pyproject.toml").write_text("[tool.envcheck]\ntimeout = 5\n")
    (tmp / "conftest.py").write_text(GATED_PROJECT)
    (tmp / "tests").mkdir()
    (tmp / "tests" / "test_suite.py").write_text(
        "import pathlib\n\ndef test_suite():\n    pathlib.Path('suite-ran').touch()\n"
    )
    return tmp


def test_scripts_test_stops_at_a_broken_environment_and_runs_the_checks_once(
    tmp_path: Path,
) -> None:
    repo = gated_repo(tmp_path)
    (repo / "broken").touch()
    # as a developer runs it: not with the settings of the scripts/test running this suite
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVCHECK_")}
    done = subprocess.run(
        ["bash", "scripts/test"], cwd=repo, capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "shop/widget: the widget is broken" in done.stdout
    assert "the development environment is broken (exit code 1)" in done.stderr
    assert (repo / "envcheck-report.md").is_file()
    assert not (repo / "suite-ran").exists()
    (repo / "broken").unlink()  # the fix
    (repo / "checks-ran").unlink()
    done = subprocess.run(
        ["bash", "scripts/test"], cwd=repo, capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / "suite-ran").exists()
    assert (repo / "checks-ran").read_text() == "x"  # in the gate only, not again in the suite
