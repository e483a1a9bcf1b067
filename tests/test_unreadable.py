"""Unreadable is not absent: a ``.env`` that is there but cannot be read is named, with why; a
mock fault that cannot be served is refused with the usage line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


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
