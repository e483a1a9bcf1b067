"""The ``envcheck`` console script: a report of this machine with good defaults."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ENVCHECK = str(Path(sys.executable).with_name("envcheck"))


def test_without_configuration_checks_the_default_stack(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app="def test_app():\n    raise AssertionError('not collected')\n")
    result = pytester.run(ENVCHECK, "-v")
    result.stdout.fnmatch_lines(
        [
            "*= envcheck: environment checks =*",
            "venv (*)",
            # no pyproject.toml here: derived from the project of the running virtualenv
            "  PASS  python-version * Python 3.* satisfies >=3.11*",
            "  * dev-package[[]black] *",
            "envcheck report written to *envcheck-report.md",
        ]
    )
    assert "not collected" not in result.stdout.str()
    report = json.loads((pytester.path / "envcheck-report.json").read_text())
    components = {check["component"] for check in report["checks"]}
    assert "venv" in components
    not_configured = [c for c in report["checks"] if c["summary"].startswith("not configured")]
    for check in not_configured:
        assert check["status"] == "skip"
        assert check["hint"].startswith("set ")


def test_project_configuration_wins_and_options_pass_through(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        pyproject='[tool.pytest.ini_options]\nfilterwarnings = ["error"]\n\n'
        '[tool.envcheck.venv]\npython = ">=3.99"\npoetry = false\n',
    )
    result = pytester.run(ENVCHECK, "--report", "reports/env", "-k", "python")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*FAIL  venv/python-version: Python 3.11.* does not satisfy >=3.99*"]
    )
    assert (pytester.path / "reports" / "env.md").is_file()


def test_bad_configuration_is_one_message(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject="[tool.envcheck.venv]\nrequire_venv = 3\n")
    result = pytester.run(ENVCHECK, "--no-report")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*tool.envcheck.venv.require_venv: input should be a valid boolean*"]
    )
    assert "Traceback" not in result.stderr.str()


def test_help(pytester: pytest.Pytester) -> None:
    result = pytester.run(ENVCHECK, "--help")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["usage: envcheck*", "*--report PATH*"])
