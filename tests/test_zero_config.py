"""The zero-config run (the ``envcheck`` console script without ``[tool.envcheck]``) derives the
venv checks from the project, with the same derivation ``envcheck init`` writes; a ``why`` that
names a setting names where it really came from.

Each test runs the console script as a user does (``python -m envcheck.cli.main``) in a pytester
project, with a PATH that has no Poetry on it unless the test says otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PLAIN = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["pydantic>=2"]
"""
POETRY = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = []

[tool.poetry]
package-mode = false
"""
#: variables that would add other components' checks, or point them elsewhere
_OTHERS = ("DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY")


@pytest.fixture
def no_poetry(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """PATH without any ``poetry`` (this interpreter's directory first, as in an activated venv)."""
    keep = [str(Path(sys.executable).parent)]
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if entry and not (Path(entry) / "poetry").exists() and entry not in keep:
            keep.append(entry)
    monkeypatch.setenv("PATH", os.pathsep.join(keep))
    for name in _OTHERS:
        monkeypatch.delenv(name, raising=False)


def _envcheck(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(
        sys.executable, "-m", "envcheck.cli.main", "-p", "no:cacheprovider", "-m", "venv", *args
    )


def _checks(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    return {check["id"]: check for check in report["checks"] if check["component"] == "venv"}


@pytest.mark.usefixtures("no_poetry")
def test_a_plain_pep621_project_gets_no_poetry_and_no_undeclared_dev_tools(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "pyproject.toml").write_text(PLAIN)
    result = _envcheck(pytester, "-v")
    assert result.ret == 0, result.stdout.str()
    checks = _checks(pytester)
    assert not [cid for cid in checks if "poetry" in cid or "lock" in cid]
    assert not [cid for cid in checks if cid.startswith("venv/dev-package")]
    assert checks["venv/python-version"]["summary"].endswith("satisfies >=3.10")
    assert checks["venv/package[pydantic]"]["status"] == "pass"
    # Poetry's package-mode does not concern a project Poetry does not manage
    assert checks["venv/project"]["status"] == "pass"
    assert "[tool.envcheck.venv]" not in result.stdout.str()


@pytest.mark.usefixtures("no_poetry")
def test_a_poetry_project_without_poetry_says_the_setting_was_derived_from_the_project(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "pyproject.toml").write_text(POETRY)
    (pytester.path / "poetry.lock").write_text('[metadata]\nlock-version = "2.1"\n')
    result = _envcheck(pytester)
    assert result.ret == 1
    where = pytester.path / "pyproject.toml"
    result.stdout.fnmatch_lines(
        [
            "  FAIL  venv/poetry: poetry is not on PATH",
            f"        why: the project is managed with Poetry (derived from {where}: "
            "[tool.poetry] is present, poetry.lock is present)",
        ]
    )
    assert "[tool.envcheck.venv] poetry = true" not in result.stdout.str()


@pytest.mark.usefixtures("no_poetry")
@pytest.mark.parametrize(
    ("venv", "said"),
    [
        ("poetry = true\n", "[tool.envcheck.venv] poetry = true in {where}"),
        (
            'python = ">=3"\n',
            "poetry = true is the default of [tool.envcheck.venv] ({where} does not set it)",
        ),
    ],
    ids=["written", "default"],
)
def test_a_written_or_default_setting_is_named_as_such(
    pytester: pytest.Pytester, venv: str, said: str
) -> None:
    (pytester.path / "pyproject.toml").write_text(PLAIN + "\n[tool.envcheck.venv]\n" + venv)
    result = _envcheck(pytester, "-k", "poetry")
    where = pytester.path / "pyproject.toml"
    result.stdout.fnmatch_lines(
        [
            "  FAIL  venv/poetry: poetry is not on PATH",
            f"        why: the project is managed with Poetry ({said.format(where=where)})",
        ]
    )


@pytest.mark.usefixtures("no_poetry")
def test_the_dev_tools_checked_are_the_ones_the_project_declares(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "pyproject.toml").write_text(
        PLAIN + '\n[dependency-groups]\ndev = ["black>=20", "envcheck-demo-devtool>=1"]\n'
    )
    result = _envcheck(pytester)
    checks = _checks(pytester)
    tools = sorted(cid for cid in checks if cid.startswith("venv/dev-package"))
    assert tools == ["venv/dev-package[black]", "venv/dev-package[envcheck-demo-devtool]"]
    assert checks["venv/dev-package[black]"]["status"] == "pass"
    missing = "envcheck-demo-devtool is not installed"
    result.stdout.fnmatch_lines([f"  FAIL  venv/dev-package[[]envcheck-demo-devtool]: {missing}"])


@pytest.mark.usefixtures("no_poetry")
@pytest.mark.parametrize("project", [PLAIN, POETRY], ids=["pep621", "poetry"])
def test_zero_config_checks_what_init_writes(pytester: pytest.Pytester, project: str) -> None:
    """One derivation: the venv checks of the zero-config run are the ones init's section gives,
    with the same settings."""
    (pytester.path / "pyproject.toml").write_text(
        project + '\n[dependency-groups]\ndev = ["black", "isort"]\n'
    )
    _envcheck(pytester)
    before = _checks(pytester)
    done = subprocess.run(
        [sys.executable, "-m", "envcheck.cli.main", "init", "--yes"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    _envcheck(pytester)
    after = _checks(pytester)
    assert sorted(before) == sorted(after)
    for cid in before:
        assert before[cid]["description"] == after[cid]["description"], cid
    assert before["venv/python-version"]["summary"] == after["venv/python-version"]["summary"]
