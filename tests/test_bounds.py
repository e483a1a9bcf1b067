"""Bounded by bytes as well as by seconds (issue 26): what a careless project or a hostile server
hands envcheck (a huge HTTP body, thousands of packages over a large poetry.lock, thousands of MCP
servers, an MCP settings file that cannot be read) ends within the checks' timeouts, reads and
keeps at most a bounded amount, and says what it cut or could not read.

The figures (time and memory at the sizes the issue names) are measured in ``bench/bounds.py``;
these tests assert what the user sees."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
POETRY = shutil.which("poetry") or str(REPO / ".tools" / "poetry" / "bin" / "poetry")


def report(pytester: pytest.Pytester) -> dict[str, dict[str, object]]:
    data = json.loads((pytester.path / "envcheck-report.json").read_text())
    return {check["name"]: check for check in data["checks"]}


# -- 2. many packages over a large poetry.lock: shared work never outlives a check -------------


def big_lock(lines: int) -> str:
    """A poetry.lock (format 2.1) of about ``lines`` lines, one wheel per package."""
    out: list[str] = []
    number = 0
    while len(out) < lines:
        out += [
            "[[package]]",
            f'name = "locked-{number}"',
            f'version = "1.{number}"',
            'description = "a locked package"',
            "optional = false",
            'python-versions = ">=3.8"',
            'groups = ["main"]',
            'markers = "python_version >= \\"3.8\\""',
            "files = [",
            f'    {{file = "locked_{number}-1.0-py3-none-any.whl", '
            f'hash = "sha256:{number:064d}"}},',
            "]",
            "",
        ]
        number += 1
    out += [
        "[metadata]",
        'lock-version = "2.1"',
        'python-versions = ">=3.11"',
        'content-hash = "0"',
    ]
    return "\n".join(out) + "\n"


def many_packages(pytester: pytest.Pytester, count: int, timeout: float, lock_lines: int) -> None:
    names = [f"absent-{i}" for i in range(count)]
    pytester.makepyprojecttoml(
        "[project]\nname = 'app'\nversion = '1'\nrequires-python = '>=3.11'\n"
        "[tool.poetry]\npackage-mode = false\n"
        "[tool.envcheck.venv]\nrequire_venv = false\npython = '>=3.11'\nconsistency = false\n"
        f"dev_packages = []\ntimeout = {timeout}\npackages = {json.dumps(names)}\n"
    )
    (pytester.path / "poetry.lock").write_text(big_lock(lock_lines))


@pytest.mark.skipif(not os.access(POETRY, os.X_OK), reason="no Poetry to run")
def test_hundreds_of_packages_over_a_large_lock_each_get_their_own_verdict_in_time(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Before: every package check parsed the 100,000-line lock itself and asked Poetry for the
    project's environment in turn (one Poetry at a time, "no environment" never kept), so each
    ran into its timeout ("did not finish within its 4 s timeout: whatever it waits on is not
    answering"). Now the lock is parsed once and Poetry asked once per session, and a check
    waits for that shared answer only until its own deadline."""
    monkeypatch.setenv("PATH", f"{Path(POETRY).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("POETRY_CACHE_DIR", str(tmp_path / "poetry-cache"))
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    many_packages(pytester, count=300, timeout=4, lock_lines=100_000)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-k", "package", "--envcheck-report", timeout=240
    )
    checks = report(pytester)
    packages = {name: c for name, c in checks.items() if name.startswith("package[")}
    assert len(packages) == 300
    late = [name for name, c in packages.items() if "did not finish" in str(c["summary"])]
    assert late == []
    for name, check in packages.items():
        wanted = name[len("package[") : -1]
        assert check["status"] == "fail"
        assert check["summary"] == f"{wanted} is not installed"
        assert "does not declare it" in str(check["why"])
    assert result.ret == 1
