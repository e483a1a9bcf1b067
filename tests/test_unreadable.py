"""Unreadable is not absent: a ``.env`` that is there but cannot be read is named, with why; a
mock fault that cannot be served is refused with the usage line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import unprivileged


def make_env(kind: str, path: Path) -> None:
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(path)  # a symlink loop


@pytest.mark.parametrize(
    "kind, said",
    [
        ("directory", "is a directory, not a file"),
        ("fifo", "is a named pipe (FIFO), not a file"),
        ("loop", "a symlink loop"),
    ],
)
def test_a_dotenv_that_cannot_be_read_is_a_usage_error_naming_it(
    pytester: pytest.Pytester, kind: str, said: str
) -> None:
    pytester.makepyprojecttoml('[tool.envcheck.redis]\nurl = "${REDIS_URL:-redis://h:1/0}"\n')
    make_env(kind, pytester.path / ".env")
    result = pytester.runpytest_subprocess("-m", "envcheck", timeout=60)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{pytester.path / '.env'}: *{said}*"])


def test_a_missing_dotenv_is_still_fine(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml("[tool.envcheck]\n")
    result = pytester.runpytest_subprocess("-m", "envcheck")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


@pytest.mark.parametrize(
    "spec, said",
    [
        ("openai:999", "status 999 is not an HTTP error status; use 400 to 599"),
        ("openai:429:times=-1", "times must be a whole number of calls, 1 or more"),
        ("ollama:slow:delay=1e300", "delay must be between 0 and 3600 seconds"),
        ("anthropic:429:retry-after=nan", "retry-after must be between 0 and 3600 seconds"),
    ],
)
def test_mock_faults_that_cannot_be_served_are_refused(spec: str, said: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "envcheck.cli.main", "mock", "serve", "--port", "0"]
        + ["--fault", spec],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "usage: envcheck mock serve" in done.stderr
    assert said in done.stderr
    assert "envcheck mock LLM API on" not in done.stdout


# -- an .mcp.json that is there but cannot be read: one failing verdict naming it, never a hang --


def make_mcp_json(kind: str, path: Path) -> None:
    if kind in ("directory", "fifo", "loop"):
        make_env(kind, path)
    elif kind == "dangling":
        path.symlink_to(path.parent / "gone.json")
    elif kind == "unreadable":
        path.write_text('{"mcpServers": {}}')
        path.chmod(0)
    elif kind == "latin-1":
        path.write_bytes('{"mcpServers": {"caf\xe9": {"command": "x"}}}'.encode("latin-1"))
    else:  # a sparse file larger than the bound: nothing of it is read
        with path.open("wb") as handle:
            handle.truncate(5 * 2**20)


@pytest.mark.parametrize(
    "kind, said, fix",
    [
        ("directory", "is a directory, not a file", "remove {path} or make it a JSON file"),
        ("fifo", "is a named pipe (FIFO), not a file*", "remove {path} or make it a JSON file"),
        ("loop", "cannot be read: it is a symlink loop", "remove {path} or make it a JSON file"),
        (
            "dangling",
            "is a symlink to {dir}/gone.json, which does not exist",
            "point {path} at an existing file, or remove it",
        ),
        (
            "unreadable",
            "cannot be read: permission denied",
            "let your user read it (chmod u+r {path}), or remove it",
        ),
        ("latin-1", "is not UTF-8 text (byte 0xe9 at line 1)", "save {path} as UTF-8"),
        (
            "huge",
            "is 5.0 MiB: envcheck reads client config files of at most 4 MiB",
            "keep {path} under 4 MiB *discover = false*",
        ),
    ],
)
def test_an_mcp_json_that_cannot_be_read_fails_naming_it_and_the_fix(
    pytester: pytest.Pytester, kind: str, said: str, fix: str
) -> None:
    """Before: a directory, a FIFO or a symlink loop read as "no MCP servers" (a skip, exit 0);
    the other cases were a failure without a fix, or a traceback. The file the user may not read
    is read by a run without root's power to read every file (tests/unprivileged.py)."""
    pytester.makepyprojecttoml("[tool.envcheck.mcp]\n")
    path = pytester.path / ".mcp.json"
    make_mcp_json(kind, path)
    args = ("-m", "envcheck", "-p", "no:randomly", "-p", "no:cacheprovider")
    try:
        if kind == "unreadable":
            prefix = unprivileged.command()
            result = pytester.run(*prefix, sys.executable, "-m", "pytest", *args, timeout=60)
        else:
            result = pytester.runpytest_subprocess(*args, timeout=60)
    finally:
        if kind == "unreadable":
            path.chmod(0o600)
    values = {"path": str(path), "dir": str(pytester.path)}
    result.stdout.fnmatch_lines(
        [
            f"  FAIL  mcp/discovery[[]mcp.json[]]: {path} {said.format(**values)}",
            f"*fix: {fix.format(**values)}",
        ]
    )
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
