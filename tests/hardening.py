"""What the hardening tests (issue 8) hold every run to: one clear message, never a traceback;
reports that strict JSON readers accept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

USAGE = pytest.ExitCode.USAGE_ERROR
#: the console script, run by this interpreter
ENVCHECK = [sys.executable, "-m", "envcheck.cli.main"]


def envcheck(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The console script in ``project`` (``env``: else this process's), no terminal, its output
    captured."""
    return subprocess.run(
        [*ENVCHECK, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def no_traceback(result: pytest.RunResult) -> None:
    text = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in text and "INTERNALERROR" not in text, text


def strict_json(path: Path) -> dict:  # type: ignore[type-arg]
    """Parse a report the way a strict JSON reader does (NaN and Infinity are not JSON)."""

    def reject(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    text = path.read_text(encoding="utf-8")
    data: dict = json.loads(text, parse_constant=reject)  # type: ignore[type-arg]
    return data
